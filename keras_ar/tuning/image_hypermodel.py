"""ImageHyperModel: PixelCNN, Gated PixelCNN and PixelRNN searches."""

from keras_ar.tuning.autoregressive_hypermodel import AutoregressiveHyperModel

#: Model name -> (class in `keras_ar.models`, search space). Widths are
#: rounded up to a multiple of the image's channels where the model
#: needs it (`_ROUNDED`).
IMAGE_MODELS = {
    "pixelcnn": (
        "PixelCNN",
        {
            "filters": (16, 32, 64),
            "num_residual_blocks": (1, 3, 5),
            "kernel_size": (3, 5),
            "first_kernel_size": (5, 7),
            "output_filters": (32, 64, 128),
        },
    ),
    "gated_pixelcnn": (
        "GatedPixelCNN",
        {
            "filters": (16, 32, 64),
            "num_layers": (2, 4, 6, 8),
            "kernel_size": (3, 5),
            "first_kernel_size": (5, 7),
            "output_filters": (32, 64, 128),
        },
    ),
    "pixelrnn": (
        "PixelRNN",
        {
            "cell": ("row", "diagonal"),
            "hidden_units": (16, 32, 64),
            "num_layers": (1, 2, 3),
            "output_filters": (32, 64),
        },
    ),
}

#: Arguments that must be a multiple of the number of channels.
_ROUNDED = ("hidden_units",)


class ImageHyperModel(AutoregressiveHyperModel):
    """Searches an image model: PixelCNN, Gated PixelCNN or PixelRNN.

    Search spaces (`IMAGE_MODELS`; named after the constructor
    arguments), each with `learning_rate` log-sampled in `[1e-4, 1e-2]`
    and `num_components` for a mixture head (`"logistic_mixture"`):

    - `"pixelcnn"`: `filters` 16/32/64, `num_residual_blocks` 1/3/5,
      `kernel_size` 3/5, `first_kernel_size` 5/7, `output_filters`
      32/64/128;
    - `"gated_pixelcnn"`: `filters` 16/32/64, `num_layers` 2/4/6/8,
      `kernel_size` 3/5, `first_kernel_size` 5/7, `output_filters`
      32/64/128;
    - `"pixelrnn"`: `cell` row/diagonal, `hidden_units` 16/32/64 (rounded
      up to a multiple of the channels), `num_layers` 1/2/3,
      `output_filters` 32/64.

    Args:
        model: `"pixelcnn"`, `"gated_pixelcnn"` or `"pixelrnn"`.
        event_shape: `(height, width, channels)`.
        head: the pixel head: a number of pixel values (`2` gives a
            Bernoulli head), a head name or a head; `None` for the model's
            default (`Categorical(256)`).
        search_space: dict overriding candidates, e.g. `{"cell":
            ["row"], "filters": [8]}` (see `AutoregressiveHyperModel`).
        **kwargs: `AutoregressiveHyperModel` arguments
            (`condition_classes`, `jit_compile`, `name`, `tunable`).

    Example:

    >>> import keras_tuner
    >>> from keras_ar.tuning import ImageHyperModel
    >>> hypermodel = ImageHyperModel(
    ...     "pixelcnn", (8, 8, 1), head=2,
    ...     search_space={"filters": [4, 8], "num_residual_blocks": [1],
    ...                   "output_filters": [8]})
    >>> model = hypermodel.build(keras_tuner.HyperParameters())
    >>> type(model).__name__, model.filters, model.num_residual_blocks
    ('PixelCNN', 4, 1)
    """

    def __init__(self, model, event_shape, head=None, **kwargs):
        if model not in IMAGE_MODELS:
            raise ValueError(
                f"`model` must be one of {sorted(IMAGE_MODELS)}. Received: "
                f"model={model!r}"
            )
        self.model = model
        self.model_class = IMAGE_MODELS[model][0]
        if len(tuple(event_shape)) != 3:
            raise ValueError(
                "ImageHyperModel expects `event_shape=(height, width, "
                f"channels)`. Received: event_shape={event_shape}"
            )
        super().__init__(event_shape, head=head, **kwargs)

    def default_space(self):
        channels = self.event_shape[-1]
        space = dict(IMAGE_MODELS[self.model][1])
        for name in _ROUNDED:
            if name in space:
                space[name] = tuple(
                    -(-value // channels) * channels for value in space[name]
                )
        return space
