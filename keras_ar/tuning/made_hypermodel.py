"""MADEHyperModel: MADE searches."""

from keras_ar.tuning.autoregressive_hypermodel import AutoregressiveHyperModel


class MADEHyperModel(AutoregressiveHyperModel):
    """Searches a `keras_ar.models.MADE`.

    Search space: `num_hidden_layers` 1/2/3 of `hidden_width`
    128/256/512 units each (MADE's `hidden_units`), `num_masks` 1/4/8
    (masks trained and ensembled), `order_agnostic` False/True,
    `direct_connections` False/True, `learning_rate` log-sampled in
    `[1e-4, 1e-2]`, and `num_components` 3/5/10 with a
    `"mixture_of_gaussians"` head.

    Args:
        event_shape: shape of one example, e.g. `(784,)` or `(8, 8, 1)`.
        head: MADE's head; `None` for `"bernoulli"`; an int number of
            classes, `"gaussian"`, `"mixture_of_gaussians"` or a head.
        search_space: dict overriding candidates (see
            `AutoregressiveHyperModel`).
        **kwargs: `AutoregressiveHyperModel` arguments.

    Example:

    >>> import keras_tuner
    >>> from keras_ar.tuning import MADEHyperModel
    >>> hypermodel = MADEHyperModel(
    ...     (6,), search_space={"num_hidden_layers": [2],
    ...                         "hidden_width": [16]})
    >>> model = hypermodel.build(keras_tuner.HyperParameters())
    >>> model.hidden_units
    (16, 16)
    """

    model_class = "MADE"

    def default_space(self):
        return {
            "num_hidden_layers": (1, 2, 3),
            "hidden_width": (128, 256, 512),
            "num_masks": (1, 4, 8),
            "order_agnostic": (False, True),
            "direct_connections": (False, True),
        }

    def model_kwargs(self, values):
        values = dict(values)
        layers = values.pop("num_hidden_layers")
        width = values.pop("hidden_width")
        return {"hidden_units": (width,) * layers, **values}
