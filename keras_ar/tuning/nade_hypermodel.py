"""NADEHyperModel: NADE searches."""

from keras_ar.tuning.autoregressive_hypermodel import AutoregressiveHyperModel


class NADEHyperModel(AutoregressiveHyperModel):
    """Searches a `keras_ar.models.NADE`.

    Search space: `hidden_units` 100/250/500 (the shared hidden layer),
    `activation` sigmoid/relu, `learning_rate` log-sampled in
    `[1e-4, 1e-2]`, and `num_components` 3/5/10 with a
    `"mixture_of_gaussians"` head (RNADE).

    Args:
        event_shape: shape of one example, e.g. `(784,)` or `(8, 8, 1)`.
        head: NADE's head; `None` for `"bernoulli"`; an int number of
            classes, `"gaussian"`, `"mixture_of_gaussians"` or a head.
        search_space: dict overriding candidates (see
            `AutoregressiveHyperModel`).
        **kwargs: `AutoregressiveHyperModel` arguments.

    Example:

    >>> import keras_tuner
    >>> from keras_ar.tuning import NADEHyperModel
    >>> hypermodel = NADEHyperModel((6,), search_space={"hidden_units": [8]})
    >>> model = hypermodel.build(keras_tuner.HyperParameters())
    >>> model.hidden_units, model.activation
    (8, 'sigmoid')
    """

    model_class = "NADE"

    def default_space(self):
        return {
            "hidden_units": (100, 250, 500),
            "activation": ("sigmoid", "relu"),
        }
