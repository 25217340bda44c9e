"""PixelCNN (van den Oord et al., 2016)."""

import keras
from keras import ops

from keras_ar.models.image_model import ImageModel
from keras_ar.models.pixelcnn_backbone import PixelCNNBackbone


@keras.saving.register_keras_serializable(package="keras_ar")
class PixelCNN(ImageModel):
    """PixelCNN: a stack of masked convolutions over images.

    A `PixelCNNBackbone` (7x7 mask-`"A"` convolution, residual blocks,
    two 1x1 output layers; paper, table 1) and a distribution head. Pixels
    are modelled in raster order and, for colour images, R then G then B
    within a pixel (channel groups). A class condition adds a learned
    per-class bias before every block (conditional PixelCNN, van den Oord
    et al. 2016b); a vector condition `h` (an embedding) adds a learned
    linear projection of `h` at the same places.

    PixelCNN's receptive field has a blind spot: pixels to the upper right
    that are not reached by the stacked masks (see the Gated PixelCNN paper).

    Sampling is fast by default (Ramachandran et al., "Fast Generation for
    Convolutional Autoregressive Models", 2017): every layer's inputs are
    cached and each step computes the network only at the current pixel,
    which gives the same samples as the naive full pass
    (`use_cache=False`) for the same seed.

    Reference: van den Oord, Kalchbrenner & Kavukcuoglu, "Pixel Recurrent
    Neural Networks", ICML 2016, sections 3.4, 3.5.

    Args:
        event_shape: `(height, width, channels)`.
        head: a `keras_ar.heads` head; default `Categorical(256)`, or
            `"bernoulli"` / `"categorical"` / an int number of classes.
        filters: `h`; the residual stream has `2h` channels, split into
            `channels` nearly equal channel groups (R, G, B).
        num_residual_blocks: number of residual blocks.
        kernel_size: size of the blocks' masked convolutions.
        first_kernel_size: size of the mask-`"A"` input convolution.
        output_filters: width of the 1x1 output layers.
        condition_classes: number of classes for a class-conditional model.
        condition_size: length of a vector condition (`(batch, size)`
            floats), not together with `condition_classes`.
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

    backbone_args = (
        "filters num_residual_blocks kernel_size first_kernel_size "
        "output_filters"
    ).split()

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
        condition_size=None,
        **kwargs,
    ):
        super().__init__(
            event_shape, head, condition_classes, condition_size, **kwargs
        )
        self.set_backbone(
            PixelCNNBackbone(
                filters=filters,
                num_residual_blocks=num_residual_blocks,
                kernel_size=kernel_size,
                first_kernel_size=first_kernel_size,
                output_filters=output_filters,
                **self.backbone_kwargs(),
            )
        )

    @property
    def receptive_field_rows(self):
        """How many rows above a pixel its prediction can see."""
        return self.backbone.receptive_field_rows

    # ------------------------------------------------------------------
    # Fast generation (Ramachandran et al. 2017)
    # ------------------------------------------------------------------
    def generation_jit_compile(self, use_cache):
        """XLA for the cached loop of colour images only. Measured on 2 CPU
        cores (TensorFlow): 16 grey 28x28 samples take 0.5 s without XLA,
        first call included, and about 2 s with it (XLA compiles for about
        2 s, then runs the loop 2-3x faster); an RGB step switches between
        one branch per channel group, which costs 340 us per step in TF's
        graph loop and 33 us under XLA (32x32x3, batch 1)."""
        return use_cache and self.channels > 1

    def backbone_cache_options(self, xla):
        # Per-channel-group weights for XLA's branches (see `step`).
        return {"by_group": xla}

    def call_with_cache(self, x, cache, index):
        """The network's column at the step's pixel alone.

        Every value before step `index` is final in `x`; the last one
        written (at step `index - 1`) is the only one the cache lacks, so
        its pixel is copied into the input cache (whole pixels are copied,
        which also keeps known values of `complete`). At the first step of
        an image row the caches move on one row. Then every layer runs at
        this pixel from its cached inputs (all channel groups; the head
        gets the step's channel)."""
        width, channels = self.event_shape[1], self.channels
        index = ops.cast(index, "int32")
        cache, new_row = self.write_previous_pixel(x, cache, index)
        cache = self.backbone.next_row(cache, new_row)
        col = (index // channels) % width if channels > 1 else index % width
        if channels == 1:
            features, cache = self.backbone.step(cache, col, 0)
        elif len(cache["weights"]) == 1:  # whole pixels (no XLA)
            features, cache = self.backbone.step(
                cache, col, None, index % channels
            )
        else:
            # Under XLA, one static branch per channel group: each computes
            # only its group's share of the column (a third for RGB).
            features, cache = ops.switch(
                index % channels,
                [
                    lambda c, i, g=g: self.backbone.step(c, i, g)
                    for g in range(channels)
                ],
                cache,
                col,
            )
        # One channel group's features: to the head, one channel, so the
        # parameters are `(batch, 1) + param_shape`.
        return self.head(features), cache
