"""PixelRNN (van den Oord, Kalchbrenner & Kavukcuoglu, 2016)."""

import keras
from keras import ops

from keras_ar.models.image_model import ImageModel
from keras_ar.models.pixelrnn_backbone import PixelRNNBackbone


@keras.saving.register_keras_serializable(package="keras_ar")
class PixelRNN(ImageModel):
    """PixelRNN: residual Row LSTM or Diagonal BiLSTM layers over images.

    A `PixelRNNBackbone` (a 7x7 mask-`"A"` convolution, `num_layers`
    residual LSTM layers, two 1x1 mask-`"B"` output convolutions; paper,
    table 1) and a distribution head. Pixels are modelled in raster order
    and, for colour images, R then G then B within a pixel (channel
    groups). `cell="row"` (Row LSTM, section 3.1) processes a whole row at
    a time and sees a triangle above each pixel; `cell="diagonal"`
    (Diagonal BiLSTM, section 3.2) sees every earlier pixel. A class
    condition adds a learned per-class bias before every layer; a vector
    condition adds a learned linear projection of it at the same places.

    Sampling caches what earlier pixels computed: every step runs each
    layer at the current pixel alone, from the LSTM states of the row
    above and of the pixel to the left (the Diagonal BiLSTM's right-to-left
    direction runs once per row); it gives the same samples as the naive
    full pass (`use_cache=False`) for the same seed.

    Reference: van den Oord, Kalchbrenner & Kavukcuoglu, "Pixel Recurrent
    Neural Networks", ICML 2016, sections 3.1-3.5.

    Args:
        event_shape: `(height, width, channels)`.
        head: a `keras_ar.heads` head; default `Categorical(256)`, or
            `"bernoulli"` / `"categorical"` / an int number of classes.
        cell: `"row"` or `"diagonal"`.
        hidden_units: `h`, a multiple of `channels`; the residual stream
            has `2h` features.
        num_layers: number of LSTM layers.
        kernel_size: width of the Row LSTM's convolutions.
        first_kernel_size: size of the mask-`"A"` input convolution.
        output_filters: width of the 1x1 output layer.
        condition_classes: number of classes for a class-conditional model.
        condition_size: length of a vector condition (`(batch, size)`
            floats), not together with `condition_classes`.
        **kwargs: `keras.Model` arguments.

    Example:

    >>> import numpy as np
    >>> from keras_ar.models import PixelRNN
    >>> model = PixelRNN((6, 6, 1), head="bernoulli", cell="diagonal",
    ...                  hidden_units=4, num_layers=1, output_filters=8)
    >>> model.compile(optimizer="adam")
    >>> x = np.random.default_rng(0).integers(0, 2, (16, 6, 6, 1))
    >>> _ = model.fit(x, epochs=1, verbose=0)
    >>> model.log_prob(x[:2]).shape
    (2,)
    >>> model.sample(2, seed=1).shape
    (2, 6, 6, 1)
    """

    backbone_args = (
        "cell hidden_units num_layers kernel_size first_kernel_size "
        "output_filters"
    ).split()

    def __init__(
        self,
        event_shape=(28, 28, 1),
        head=None,
        cell="row",
        hidden_units=16,
        num_layers=2,
        kernel_size=3,
        first_kernel_size=7,
        output_filters=32,
        condition_classes=None,
        condition_size=None,
        **kwargs,
    ):
        super().__init__(
            event_shape, head, condition_classes, condition_size, **kwargs
        )
        self.set_backbone(
            PixelRNNBackbone(
                cell=cell,
                hidden_units=hidden_units,
                num_layers=num_layers,
                kernel_size=kernel_size,
                first_kernel_size=first_kernel_size,
                output_filters=output_filters,
                **self.backbone_kwargs(),
            )
        )

    def call_with_cache(self, x, cache, index):
        """The network at the step's pixel alone.

        The pixel written last is copied into the input cache and, at the
        first step of an image row, every cache moves on one row
        (`write_previous_pixel`). Then each layer runs at this pixel from
        its cached states; the head gets the features of the step's
        channel. A colour pixel is run once per channel, each time with
        more of its channels written (its channel groups before the
        step's are all it reads)."""
        width, channels = self.event_shape[1], self.channels
        index = ops.cast(index, "int32")
        cache, new_row = self.write_previous_pixel(x, cache, index)
        cache = self.backbone.next_row(cache, new_row)
        features, cache = self.backbone.step(cache, (index // channels) % width)
        if channels > 1:
            size = self.backbone.features_size // channels
            start = (index % channels) * size
            features = ops.slice(
                features, (0, start), (ops.shape(features)[0], size)
            )
        return self.head(features), cache
