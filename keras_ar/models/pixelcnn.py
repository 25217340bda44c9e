"""PixelCNN (van den Oord et al., 2016)."""

import keras
from keras import ops

from keras_ar.heads import get_head
from keras_ar.layers import MaskedConv2D
from keras_ar.layers import PixelCNNResidualBlock
from keras_ar.models.autoregressive_model import AutoregressiveModel


@keras.saving.register_keras_serializable(package="keras_ar")
class PixelCNN(AutoregressiveModel):
    """PixelCNN: a stack of masked convolutions over images.

    Architecture (paper, table 1): a 7x7 mask-`"A"` convolution with `2h`
    filters, `num_residual_blocks` residual blocks (1x1, `kernel_size`, 1x1
    mask-`"B"` convolutions), then ReLU, a 1x1 mask-`"B"` convolution with
    `output_filters` filters, ReLU, and a 1x1 mask-`"B"` convolution to the
    head's parameters. Pixels are modelled in raster order and, for colour
    images, R then G then B within a pixel (channel groups). A class
    condition adds a learned per-class bias before every block
    (conditional PixelCNN, van den Oord et al. 2016b).

    PixelCNN's receptive field has a blind spot: pixels to the upper right
    that are not reached by the stacked masks (see the Gated PixelCNN paper).

    Sampling crops each step to the rows the current pixel can see
    (`receptive_field_rows + 1`), which gives the same samples as the naive
    full-image pass for the same seed and is faster on tall images.

    Reference: van den Oord, Kalchbrenner & Kavukcuoglu, "Pixel Recurrent
    Neural Networks", ICML 2016, sections 3.4, 3.5.

    Args:
        event_shape: `(height, width, channels)`.
        head: a `keras_ar.heads` head; default `Categorical(256)`, or
            `"bernoulli"` / `"categorical"` / an int number of classes.
        filters: `h`; the residual stream has `2h` channels. Must be a
            multiple of `channels` (channel groups).
        num_residual_blocks: number of residual blocks.
        kernel_size: size of the blocks' masked convolutions.
        first_kernel_size: size of the mask-`"A"` input convolution.
        output_filters: width of the 1x1 output layers.
        condition_classes: number of classes for a class-conditional model.
        **kwargs: `keras.Model` arguments.

    Example:

    >>> import numpy as np
    >>> from keras_ar.models import PixelCNN
    >>> model = PixelCNN((8, 8, 1), head="bernoulli", filters=8,
    ...                  num_residual_blocks=1, output_filters=16)
    >>> model.compile(optimizer="adam")
    >>> x = np.random.default_rng(0).integers(0, 2, (32, 8, 8, 1))
    >>> _ = model.fit(x, epochs=1, verbose=0)
    >>> model.log_prob(x[:2]).shape
    (2,)
    >>> model.sample(2, seed=1).shape
    (2, 8, 8, 1)
    """

    def __init__(
        self,
        event_shape=(28, 28, 1),
        head=None,
        filters=64,
        num_residual_blocks=5,
        kernel_size=3,
        first_kernel_size=7,
        output_filters=256,
        condition_classes=None,
        **kwargs,
    ):
        head = get_head(head)
        super().__init__(event_shape, head, condition_classes=condition_classes, **kwargs)
        if len(self.event_shape) != 3:
            raise ValueError(
                "PixelCNN expects `event_shape=(height, width, channels)`. "
                f"Received: event_shape={event_shape}"
            )
        channels = self.channels
        if filters % channels or output_filters % channels:
            raise ValueError(
                "`filters` and `output_filters` must be multiples of the "
                f"number of channels ({channels}), one group per channel. "
                f"Received: filters={filters}, output_filters={output_filters}"
            )
        self.filters = int(filters)
        self.num_residual_blocks = int(num_residual_blocks)
        self.kernel_size = int(kernel_size)
        self.first_kernel_size = int(first_kernel_size)
        self.output_filters = int(output_filters)
        policy = self.dtype_policy
        self.input_conv = MaskedConv2D(
            2 * self.filters,
            self.first_kernel_size,
            "A",
            channels,
            name="input_conv",
            dtype=policy,
        )
        self.blocks = [
            PixelCNNResidualBlock(
                self.filters,
                self.kernel_size,
                channels,
                name=f"residual_block_{i}",
                dtype=policy,
            )
            for i in range(self.num_residual_blocks)
        ]
        self.output_conv = MaskedConv2D(
            self.output_filters,
            1,
            "B",
            channels,
            name="output_conv",
            dtype=policy,
        )
        self.params_conv = MaskedConv2D(
            self.head.features_size(channels),
            1,
            "B",
            channels,
            name="params_conv",
            dtype=policy,
        )
        self.condition_embeddings = []
        if self.is_conditional:
            self.condition_embeddings = [
                keras.layers.Embedding(
                    self.condition_classes,
                    2 * self.filters,
                    embeddings_initializer="zeros",
                    name=f"condition_embedding_{i}",
                    dtype=policy,
                )
                for i in range(self.num_residual_blocks + 1)
            ]
        self.build()

    @property
    def receptive_field_rows(self):
        """How many rows above a pixel its prediction can see."""
        return self.first_kernel_size // 2 + self.num_residual_blocks * (
            self.kernel_size // 2
        )

    def compute_features(self, inputs, condition=None, training=None):
        h = self.input_conv(inputs)
        biases = [None] * (self.num_residual_blocks + 1)
        if condition is not None:
            condition = ops.reshape(ops.cast(condition["condition"], "int32"), (-1,))
            biases = [
                ops.reshape(embed(condition), (-1, 1, 1, 2 * self.filters))
                for embed in self.condition_embeddings
            ]
        for block, bias in zip(self.blocks, biases):
            if bias is not None:
                h = h + ops.cast(bias, h.dtype)
            h = block(h)
        if biases[-1] is not None:
            h = h + ops.cast(biases[-1], h.dtype)
        h = self.output_conv(ops.relu(h))
        return self.params_conv(ops.relu(h))

    def sample_step(self, x, i, noise, temperature, condition=None):
        """Runs the network on the rows pixel `i` can see, not the image."""
        height, width, channels = self.event_shape
        crop = min(self.receptive_field_rows + 1, height)
        if crop == height:
            return super().sample_step(x, i, noise, temperature, condition)
        row = i // (width * channels)
        start = ops.clip(row - (crop - 1), 0, height - crop)
        batch = ops.shape(x)[0]
        corner = (0, start, 0, 0)
        x_crop = ops.slice(x, corner, (batch, crop, width, channels))
        noise_crop = ops.slice(
            noise,
            corner + (0,),
            (batch, crop, width, channels, self.head.noise_size),
        )
        params = self._params(x_crop, condition)
        values = self.head.sample_from_noise(params, noise_crop, temperature)
        return ops.slice_update(x, corner, ops.cast(values, x.dtype))

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "filters": self.filters,
                "num_residual_blocks": self.num_residual_blocks,
                "kernel_size": self.kernel_size,
                "first_kernel_size": self.first_kernel_size,
                "output_filters": self.output_filters,
            }
        )
        return config
