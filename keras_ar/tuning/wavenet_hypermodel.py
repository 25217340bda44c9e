"""WaveNetHyperModel: WaveNet searches."""

from keras_ar.tuning.autoregressive_hypermodel import AutoregressiveHyperModel


class WaveNetHyperModel(AutoregressiveHyperModel):
    """Searches a `keras_ar.models.WaveNet`.

    Search space (named after WaveNet's arguments): `residual_channels`
    16/32/64, `skip_channels` 32/64/128, `num_stacks` (dilation cycles)
    1/2/3, `layers_per_stack` (dilations `1 .. 2**(n-1)` per cycle)
    4/6/8/10, `kernel_size` 2/3, `learning_rate` log-sampled in
    `[1e-4, 1e-2]`, and `num_components` 3/5/10 with a mixture head
    (`"logistic_mixture"`).

    Args:
        event_shape: `(length, channels)` of the training windows.
        head: WaveNet's head; `None` for `"mu_law"` (256 mu-law codes),
            an int number of classes (e.g. 256 for bytes of text),
            `"logistic_mixture"`, or anything `get_head` accepts.
        search_space: dict overriding candidates (see
            `AutoregressiveHyperModel`).
        **kwargs: `AutoregressiveHyperModel` arguments.

    Example:

    >>> import keras_tuner
    >>> from keras_ar.tuning import WaveNetHyperModel
    >>> hypermodel = WaveNetHyperModel(
    ...     (32, 1), head=8,
    ...     search_space={"residual_channels": [8], "skip_channels": [8],
    ...                   "num_stacks": [1], "layers_per_stack": [3, 4],
    ...                   "kernel_size": [2]})
    >>> model = hypermodel.build(keras_tuner.HyperParameters())
    >>> model.receptive_field
    9
    """

    model_class = "WaveNet"

    def default_space(self):
        return {
            "residual_channels": (16, 32, 64),
            "skip_channels": (32, 64, 128),
            "num_stacks": (1, 2, 3),
            "layers_per_stack": (4, 6, 8, 10),
            "kernel_size": (2, 3),
        }
