"""Gated PixelCNN (van den Oord et al., 2016)."""

import keras
from keras import ops

from keras_ar.models.gated_pixelcnn_backbone import GatedPixelCNNBackbone
from keras_ar.models.image_model import ImageModel


@keras.saving.register_keras_serializable(package="keras_ar")
class GatedPixelCNN(ImageModel):
    """Gated PixelCNN: vertical and horizontal stacks with gated units.

    A `GatedPixelCNNBackbone` (`num_layers` `GatedPixelCNNBlock`s, two
    1x1 output layers) and a distribution head. Pixels are modelled in
    raster order and, for colour images, R then G then B within a pixel
    (channel groups). Unlike PixelCNN, the receptive field has no blind
    spot: the vertical stack sees every pixel above within its reach,
    the horizontal stack the pixels to the left. A class condition adds
    learned per-class biases to both stacks' pre-activations in every
    layer (conditional PixelCNN, eq. 4); a vector condition `h` (an
    embedding) adds learned linear projections of `h` at the same places.

    Sampling is fast by default: when an image row starts, the vertical
    stacks run once at the finished row above; each step then computes
    the horizontal stacks at the current pixel alone from cached inputs.
    It gives the same samples as the naive full pass (`use_cache=False`)
    for the same seed.

    Reference: van den Oord, Kalchbrenner, Vinyals, Espeholt, Graves &
    Kavukcuoglu, "Conditional Image Generation with PixelCNN Decoders",
    NeurIPS 2016.

    Args:
        event_shape: `(height, width, channels)`.
        head: a `keras_ar.heads` head; default `Categorical(256)`, or
            `"bernoulli"` / `"categorical"` / an int number of classes.
        filters: `p`, channels of each stack, split into `channels`
            nearly equal channel groups (R, G, B).
        num_layers: gated layers (at least 1).
        kernel_size: odd size of the later layers' convolutions.
        first_kernel_size: odd size of the first layer's convolutions.
        output_filters: width of the 1x1 output layer.
        condition_classes: number of classes for a class-conditional model.
        condition_size: length of a vector condition (`(batch, size)`
            floats), not together with `condition_classes`.
        **kwargs: `keras.Model` arguments.

    Example:

    >>> import numpy as np
    >>> from keras_ar.models import GatedPixelCNN
    >>> model = GatedPixelCNN((8, 8, 1), head="bernoulli", filters=8,
    ...                       num_layers=2, output_filters=16)
    >>> model.compile(optimizer="adam")
    >>> x = np.random.default_rng(0).integers(0, 2, (32, 8, 8, 1))
    >>> _ = model.fit(x, epochs=1, verbose=0)
    >>> model.log_prob(x[:2]).shape
    (2,)
    >>> model.sample(2, seed=1).shape
    (2, 8, 8, 1)
    """

    backbone_args = (
        "filters num_layers kernel_size first_kernel_size output_filters"
    ).split()

    def __init__(
        self,
        event_shape=(28, 28, 1),
        head=None,
        filters=64,
        num_layers=8,
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
            GatedPixelCNNBackbone(
                filters=filters,
                num_layers=num_layers,
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
    # Fast generation
    # ------------------------------------------------------------------
    def generation_jit_compile(self, use_cache):
        """XLA for the cached loop of colour images only (as PixelCNN:
        XLA's compile time outweighs its faster steps for grey images)."""
        return use_cache and self.channels > 1

    def call_with_cache(self, x, cache, index):
        """The network's column at the step's pixel alone.

        The pixel written last is copied into the first block's
        horizontal input cache (`write_previous_pixel`). At the first step
        of an image row, every vertical stack runs once at the finished
        row above. Then the horizontal stacks and output layers run at
        this pixel; the head gets the step's channel."""
        width, channels = self.event_shape[1], self.channels
        index = ops.cast(index, "int32")
        pixel = index // channels
        cache, new_row = self.write_previous_pixel(x, cache, index)
        keys = [k for k in cache if k.startswith(("vertical_", "link_"))]
        keys = [k for k in keys if not k.startswith("vertical_bias_")]
        kept = {k: cache[k] for k in keys}

        def move():
            row = self.encode_pixels(x, ops.maximum(pixel - width, 0), width)
            return self.backbone.next_row(cache, row)

        cache = {**cache, **ops.cond(new_row, move, lambda: kept)}
        features, cache = self.backbone.step(
            cache, pixel % width, index % channels
        )
        # One channel group's features: to the head, one channel, so the
        # parameters are `(batch, 1) + param_shape`.
        return self.head(features), cache
