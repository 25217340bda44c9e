"""GatedPixelCNNBackbone: the two-stack network of Gated PixelCNN."""

import keras
from keras import ops

from keras_ar.layers import GatedPixelCNNBlock
from keras_ar.layers import MaskedConv2D
from keras_ar.utils import validation

#: The constructor arguments `get_config` returns.
CONFIG_NAMES = (
    "channels filters num_layers kernel_size first_kernel_size "
    "output_filters features_size condition_classes condition_size"
).split()


@keras.saving.register_keras_serializable(package="keras_ar")
class GatedPixelCNNBackbone(keras.layers.Layer):
    """Gated PixelCNN's network: scaled images -> per-pixel head features.

    `num_layers` `GatedPixelCNNBlock`s with `filters` channels per stack:
    the first (mask `"A"`, `first_kernel_size`) takes the image as both
    its vertical and horizontal input, the others (mask `"B"`,
    `kernel_size`) the previous block's outputs; then the horizontal
    stack goes through ReLU, a 1x1 mask-`"B"` convolution with
    `output_filters` filters, ReLU and a 1x1 mask-`"B"` convolution to
    `features_size` features. The features at pixel `(i, j)`, channel
    group `g`, depend only on pixels before `(i, j)` in raster order and
    on groups `< g` of `(i, j)`, with no blind spot: every pixel above
    within reach is seen (van den Oord et al. 2016, section 2.2).

    A condition adds learned biases to both stacks' pre-activations in
    every block (eq. 4): per-class embeddings (`condition_classes`) or
    linear projections of a vector (`condition_size`), zero at the start.

    Fast generation: the vertical stack at row `i` depends on rows `<= i`
    only, and the horizontal stack reads it from the row above, so when
    an image row starts, `next_row` computes every block's vertical stack
    at the finished row above once (from windows of each block's vertical
    input rows) and keeps its contribution to the horizontal stack; then
    `step` computes the horizontal stacks and output layers at one pixel
    alone from one-row input caches (whole pixels: for RGB every step
    recomputes the pixel's column and returns the step's channel group).

    Args:
        channels: channels of the image (channel groups: 3 for RGB).
        filters: `p`, channels of each stack.
        num_layers: gated blocks (at least 1).
        kernel_size: odd size of the later blocks' convolutions.
        first_kernel_size: odd size of the first block's convolutions.
        output_filters: width of the 1x1 output layer.
        features_size: features per pixel (`head.features_size(channels)`),
            a multiple of `channels`.
        condition_classes: classes of a class condition, or `None`.
        condition_size: length of a vector condition, or `None`.
        **kwargs: `keras.layers.Layer` arguments.

    Example:

    >>> import numpy as np
    >>> backbone = GatedPixelCNNBackbone(channels=3, filters=6,
    ...                                  num_layers=2, output_filters=6,
    ...                                  features_size=12, condition_size=2)
    >>> x = np.zeros((2, 5, 5, 3), "float32")
    >>> c = {"condition": np.ones((2, 2), "float32")}
    >>> tuple(backbone(x, condition=c).shape)
    (2, 5, 5, 12)
    """

    def __init__(
        self,
        channels=1,
        filters=64,
        num_layers=8,
        kernel_size=3,
        first_kernel_size=7,
        output_filters=256,
        features_size=256,
        condition_classes=None,
        condition_size=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        check = validation.check_positive_int
        self.channels = check(channels, "channels")
        self.filters = check(filters, "filters")
        self.num_layers = check(num_layers, "num_layers")
        self.kernel_size = check(kernel_size, "kernel_size")
        self.first_kernel_size = check(first_kernel_size, "first_kernel_size")
        self.output_filters = check(output_filters, "output_filters")
        self.features_size = check(features_size, "features_size")
        self.condition_classes, self.condition_size = (
            validation.check_condition_args(condition_classes, condition_size)
        )
        validation.check_channel_groups(
            self.channels,
            at_least={
                "filters": self.filters,
                "output_filters": self.output_filters,
            },
            multiple={"features_size": self.features_size},
        )
        self.blocks = [
            GatedPixelCNNBlock(
                self.filters,
                self.first_kernel_size if i == 0 else self.kernel_size,
                "A" if i == 0 else "B",
                self.channels,
                condition_classes=self.condition_classes,
                condition_size=self.condition_size,
                name=f"gated_block_{i}",
                dtype=self.dtype_policy,
            )
            for i in range(self.num_layers)
        ]
        conv = dict(channel_groups=self.channels, dtype=self.dtype_policy)
        self.output_conv = MaskedConv2D(
            self.output_filters, 1, "B", name="output_conv", **conv
        )
        self.features_conv = MaskedConv2D(
            self.features_size, 1, "B", name="params_conv", **conv
        )

    def build(self, input_shape):
        shape = tuple(input_shape)
        wide = shape[:-1] + (self.filters,)
        for i, block in enumerate(self.blocks):
            block.build([shape, shape] if i == 0 else [wide, wide])
        self.output_conv.build(wide)
        self.features_conv.build(shape[:-1] + (self.output_filters,))
        self.built = True

    @property
    def receptive_field_rows(self):
        """How many rows above a pixel its features can see."""
        return (
            1
            + self.first_kernel_size // 2
            + (self.num_layers - 1) * (self.kernel_size // 2)
        )

    @staticmethod
    def _condition_value(condition):
        return None if condition is None else condition["condition"]

    def call(self, inputs, condition=None, training=None):
        value = self._condition_value(condition)
        vertical, horizontal = inputs, inputs
        for block in self.blocks:
            vertical, horizontal = block(
                [vertical, horizontal], condition=value
            )
        h = self.output_conv(ops.relu(horizontal))
        return self.features_conv(ops.relu(h))

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.features_size,)

    # ------------------------------------------------------------------
    # Fast generation: a row of the vertical stacks, then pixel steps
    # ------------------------------------------------------------------
    def build_cache(self, batch_size, width, condition=None):
        """The state of a fast generation, a dict of tensors:

        - `"vertical_{i}"`: block `i`'s window of vertical input rows
          (`GatedPixelCNNBlock.vertical_cache`);
        - `"link_{i}"`: block `i`'s vertical contribution to the
          horizontal stack of the current row `(batch, width, 2p)` (zeros
          on the first row);
        - `"horizontal_{i}"`: block `i`'s horizontal input cache;
        - `"vertical_bias_{i}"`, `"horizontal_bias_{i}"`: the condition's
          biases;
        - `"weights"`: every layer's masked step weights, computed once.
        """

        def batched(weights):
            # Biases broadcast to `(batch, n)`: on CPU, TensorFlow fuses a
            # matmul and a 1-D bias into one op, 3x slower on one pixel.
            return [
                ops.broadcast_to(w, (batch_size, w.shape[-1])) if j % 2 else w
                for j, w in enumerate(weights)
            ]

        p, value = self.filters, self._condition_value(condition)
        cache = {
            "weights": [batched(block.step_weights()) for block in self.blocks]
            + [
                batched(self.output_conv.step_weights()),
                batched(self.features_conv.step_weights()),
            ]
        }
        for i, block in enumerate(self.blocks):
            channels = self.channels if i == 0 else p
            cache[f"vertical_{i}"] = block.vertical_cache(
                batch_size, width, channels
            )
            cache[f"link_{i}"] = ops.zeros(
                (batch_size, width, 2 * p), self.compute_dtype
            )
            cache[f"horizontal_{i}"] = block.horizontal_cache(batch_size, width)
            biases = block.condition_biases(value)
            if biases is not None:
                cache[f"vertical_bias_{i}"] = biases[0]
                cache[f"horizontal_bias_{i}"] = biases[1]
        return cache

    def write_inputs(self, cache, values, col):
        """`cache` with the scaled image's values `(batch, channels)` at
        column `col` of the current row written (the first block's
        horizontal input)."""
        conv = self.blocks[0].horizontal_tanh
        key = "horizontal_0"
        return {**cache, key: conv.write_cache(cache[key], values, col)}

    def next_row(self, cache, row):
        """The parts of `cache` a new image row changes (a dict of the
        `"vertical_{i}"` and `"link_{i}"` entries), given the finished
        row above, `row`: the scaled image's values `(batch, width,
        channels)`. Every block's vertical stack runs at that row."""
        updates = {}
        for i, block in enumerate(self.blocks):
            window = block.push_row(cache[f"vertical_{i}"], row)
            row, updates[f"link_{i}"] = block.vertical_row(
                window, cache.get(f"vertical_bias_{i}")
            )
            updates[f"vertical_{i}"] = window
        return updates

    def step(self, cache, col, channel):
        """`(features, cache)` at column `col` of the current row for
        channel group `channel`: `self(x)[:, row, col]` restricted to the
        group's features `(batch, features_size // channels)`, and the
        cache with the pixel's horizontal inputs written. The first
        block's input cache must hold every earlier value of the row and
        the pixel's groups before `channel` (`write_inputs`); `next_row`
        must have run for the row.

        Args:
            cache: from `build_cache`.
            col: int scalar (a tensor in a loop).
            channel: int scalar (a tensor), the channel group.
        """
        cache = dict(cache)
        weights = cache["weights"]
        h = None
        for i, block in enumerate(self.blocks):
            link = ops.take(cache[f"link_{i}"], col, axis=1)
            h, cache[f"horizontal_{i}"] = block.horizontal_step(
                h,
                cache[f"horizontal_{i}"],
                col,
                link,
                cache.get(f"horizontal_bias_{i}"),
                weights[i],
            )
        out = self.output_conv.vector_step(ops.relu(h), weights[-2])
        features = self.features_conv.vector_step(ops.relu(out), weights[-1])
        if self.channels > 1:
            size = self.features_size // self.channels
            batch = ops.shape(features)[0]
            features = ops.slice(features, (0, channel * size), (batch, size))
        return features, cache

    def get_config(self):
        config = super().get_config()
        config.update({name: getattr(self, name) for name in CONFIG_NAMES})
        return config
