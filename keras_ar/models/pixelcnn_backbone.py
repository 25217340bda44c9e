"""PixelCNNBackbone: the masked-convolution stack of PixelCNN."""

import keras
from keras import ops

from keras_ar.layers import MaskedConv2D
from keras_ar.layers import PixelCNNResidualBlock
from keras_ar.layers.condition_bias import condition_bias
from keras_ar.layers.condition_bias import condition_bias_layer
from keras_ar.layers.pixelcnn_residual_block import splice
from keras_ar.utils import validation

#: The constructor arguments `get_config` returns.
CONFIG_NAMES = (
    "channels filters num_residual_blocks kernel_size first_kernel_size "
    "output_filters features_size condition_classes condition_size"
).split()


@keras.saving.register_keras_serializable(package="keras_ar")
class PixelCNNBackbone(keras.layers.Layer):
    """PixelCNN's network: scaled images -> per-pixel head features.

    A 7x7 mask-`"A"` convolution with `2h` filters, `num_residual_blocks`
    residual blocks (1x1, `kernel_size`, 1x1 mask-`"B"` convolutions), then
    ReLU, a 1x1 mask-`"B"` convolution with `output_filters` filters, ReLU,
    and a 1x1 mask-`"B"` convolution to `features_size` features (paper,
    table 1). The features at pixel `(i, j)`, channel group `g`, depend only
    on pixels before `(i, j)` in raster order and on channel groups `< g`
    of `(i, j)` itself (with a blind spot to the upper right).

    A condition adds a learned bias before every block and before the
    output layers: a per-class embedding (`condition_classes`), or a linear
    projection of a vector `h` (`condition_size`; conditional PixelCNN,
    van den Oord et al. 2016b, eq. 4); both start at zero.

    Fast generation (Ramachandran et al., "Fast Generation for
    Convolutional Autoregressive Models", ICLR workshop 2017): in raster
    order, each layer's output at one pixel needs only its inputs at
    earlier pixels (the masks hide the others), so `step` computes the
    network's column at the current pixel alone from `build_cache`'s
    caches of the `k x k` convolutions' inputs (windows of the rows a
    pixel reads), writing the pixel's inputs as it goes; for RGB images a
    step computes only the current channel group's output channels of
    every layer (a third of the column). `write_inputs` adds a pixel of
    the scaled image; `next_row` starts an image row.

    Args:
        channels: channels of the image (channel groups: 3 for RGB).
        filters: `h`; the residual stream has `2h` channels.
        num_residual_blocks: number of residual blocks.
        kernel_size: size of the blocks' masked convolutions.
        first_kernel_size: size of the mask-`"A"` input convolution.
        output_filters: width of the 1x1 output layers.
        features_size: features per pixel (`head.features_size(channels)`),
            a multiple of `channels`.
        condition_classes: classes of a class condition, or `None`.
        condition_size: length of a vector condition, or `None`.
        **kwargs: `keras.layers.Layer` arguments.

    Example:

    >>> import numpy as np
    >>> backbone = PixelCNNBackbone(channels=3, filters=6,
    ...                             num_residual_blocks=1, output_filters=6,
    ...                             features_size=12, condition_size=2)
    >>> x = np.zeros((2, 5, 5, 3), "float32")
    >>> c = {"condition": np.ones((2, 2), "float32")}
    >>> tuple(backbone(x, condition=c).shape)
    (2, 5, 5, 12)
    """

    def __init__(
        self,
        channels=1,
        filters=64,
        num_residual_blocks=5,
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
        self.num_residual_blocks = validation.check_non_negative_int(
            num_residual_blocks, "num_residual_blocks"
        )
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
        conv = dict(channel_groups=self.channels, dtype=self.dtype_policy)
        width = 2 * self.filters
        self.input_conv = MaskedConv2D(
            width, self.first_kernel_size, "A", name="input_conv", **conv
        )
        self.blocks = [
            PixelCNNResidualBlock(
                self.filters,
                self.kernel_size,
                self.channels,
                name=f"residual_block_{i}",
                dtype=self.dtype_policy,
            )
            for i in range(self.num_residual_blocks)
        ]
        self.output_conv = MaskedConv2D(
            self.output_filters, 1, "B", name="output_conv", **conv
        )
        self.features_conv = MaskedConv2D(
            self.features_size, 1, "B", name="params_conv", **conv
        )
        classes, size = self.condition_classes, self.condition_size
        self.condition_layers = [
            condition_bias_layer(width, classes, size, f"_{i}", conv["dtype"])
            for i in range(self.num_residual_blocks + 1)
            if classes or size
        ]

    def build(self, input_shape):
        shape = tuple(input_shape[:-1])
        self.input_conv.build(tuple(input_shape))
        for block in self.blocks:
            block.build(shape + (2 * self.filters,))
        self.output_conv.build(shape + (2 * self.filters,))
        self.features_conv.build(shape + (self.output_filters,))
        for layer in self.condition_layers:
            size = (self.condition_size,) if self.condition_size else ()
            layer.build((None,) + size)
        self.built = True

    @property
    def receptive_field_rows(self):
        """How many rows above a pixel its features can see."""
        return self.first_kernel_size // 2 + self.num_residual_blocks * (
            self.kernel_size // 2
        )

    def condition_biases(self, condition):
        """The `num_residual_blocks + 1` biases `(batch, 2h)` a condition
        adds (before each block and before the output layers), or `None`
        for an unconditional backbone."""
        if not self.condition_layers:
            return None
        value, classes = condition["condition"], self.condition_classes
        return [
            condition_bias(layer, value, classes, self.compute_dtype)
            for layer in self.condition_layers
        ]

    def call(self, inputs, condition=None, training=None):
        biases = self.condition_biases(condition)
        h = self.input_conv(inputs)
        for i in range(self.num_residual_blocks + 1):
            if biases is not None:
                bias = ops.reshape(biases[i], (-1, 1, 1, 2 * self.filters))
                h = h + ops.cast(bias, h.dtype)
            if i < self.num_residual_blocks:
                h = self.blocks[i](h)
        h = self.output_conv(ops.relu(h))
        return self.features_conv(ops.relu(h))

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.features_size,)

    # ------------------------------------------------------------------
    # Fast generation (Ramachandran et al. 2017)
    # ------------------------------------------------------------------
    def build_cache(self, batch_size, width, condition=None, by_group=True):
        """The state of a fast generation, a dict of tensors:

        - `"rows_*"`: the input caches of the `k x k` convolutions
          (windows of the rows a pixel reads, see
          `MaskedConv2D.empty_cache`);
        - `"pixel_*"`: the current pixel's inputs of every layer
          `(batch, width)`, final in the channel groups already stepped
          (an RGB pixel is stepped one channel group at a time);
        - `"weights"`: per channel group, every layer's masked step
          weights restricted to that group's outputs (computed once); with
          `by_group=False` one set for whole pixels (see `step`);
        - `"bias_{i}"`: the condition's biases.
        """

        def batched(weights):
            # Biases broadcast to `(batch, n)`: on CPU, TensorFlow fuses a
            # matmul and a 1-D bias into one op, 3x slower on one pixel.
            return [
                ops.broadcast_to(w, (batch_size, w.shape[-1])) if j % 2 else w
                for j, w in enumerate(weights)
            ]

        def zeros(size):
            return ops.zeros((batch_size, size), self.compute_dtype)

        width_2h = 2 * self.filters
        layers = {"inputs": self.input_conv, "output": self.output_conv}
        layers["features"] = self.features_conv
        full = {name: layer.step_weights() for name, layer in layers.items()}
        blocks = [block.step_weights() for block in self.blocks]
        cache = {
            "rows_inputs": self.input_conv.empty_cache(batch_size, width),
            "pixel_out": zeros(self.output_filters),
            "weights": [
                {
                    **{
                        name: batched(layer.group_step_weights(g, full[name]))
                        for name, layer in layers.items()
                    },
                    "blocks": [
                        batched(block.group_step_weights(g, weights))
                        for block, weights in zip(self.blocks, blocks)
                    ],
                }
                for g in (range(self.channels) if by_group else [None])
            ],
        }
        for i in range(self.num_residual_blocks + 1):
            cache[f"pixel_stream_{i}"] = zeros(width_2h)
        for i, block in enumerate(self.blocks):
            cache[f"rows_{i}"] = block.empty_cache(batch_size, width)
            cache[f"pixel_reduced_{i}"] = zeros(self.filters)
            cache[f"pixel_convolved_{i}"] = zeros(self.filters)
        for i, bias in enumerate(self.condition_biases(condition) or ()):
            cache[f"bias_{i}"] = ops.cast(bias, self.compute_dtype)
        return cache

    def write_inputs(self, cache, values, col):
        """`cache` with the scaled image's values `(batch, channels)` at
        column `col` of the current row written."""
        cache = dict(cache)
        cache["rows_inputs"] = self.input_conv.write_cache(
            cache["rows_inputs"], values, col
        )
        return cache

    def next_row(self, cache, condition=None):
        """`cache` moved on to the next image row (when `condition`, a
        scalar bool tensor, is true; in one `keras.ops.cond`)."""
        rows = {k: v for k, v in cache.items() if k.startswith("rows_")}

        def move():
            return {k: MaskedConv2D.next_row(v) for k, v in rows.items()}

        if condition is None:
            return {**cache, **move()}
        return {**cache, **ops.cond(condition, move, lambda: rows)}

    def step(self, cache, col, group, channel=None):
        """`(features, cache)` of one channel group at column `col` of the
        current row: `self(x)[:, row, col]` restricted to the group's
        features, `(batch, features_size // channels)`, and the cache with
        the pixel's inputs written. The input cache must hold every
        earlier pixel and the pixel's channels before the group
        (`write_inputs`, `next_row`); a pixel's groups are stepped in
        order.

        Args:
            cache: from `build_cache`.
            col: int scalar (a tensor in a loop).
            group: static int: every layer computes only that group's
                output channels, from its inputs of the groups `<= group`
                (`build_cache(by_group=True)`; branches per group suit
                XLA). `None`: every layer computes the whole pixel and the
                features of group `channel` are returned
                (`build_cache(by_group=False)`; no branches, for
                TensorFlow's graph loop and exported signatures).
            channel: int scalar tensor, the group when `group` is `None`.
        """
        cache = dict(cache)
        weights = cache["weights"][0 if group is None else group]
        start, stop = self.input_conv.group_columns(group)
        h = self.input_conv.pixel_step(
            cache["rows_inputs"], col, weights["inputs"]
        )
        for i in range(self.num_residual_blocks + 1):
            if f"bias_{i}" in cache:
                h = h + ops.cast(cache[f"bias_{i}"][:, start:stop], h.dtype)
            stream = splice(cache[f"pixel_stream_{i}"], h, start, stop)
            cache[f"pixel_stream_{i}"] = stream
            if i < self.num_residual_blocks:
                state = (
                    cache[f"pixel_reduced_{i}"],
                    cache[f"pixel_convolved_{i}"],
                )
                h, state, cache[f"rows_{i}"] = self.blocks[i].group_step(
                    stream,
                    state,
                    cache[f"rows_{i}"],
                    col,
                    group,
                    weights["blocks"][i],
                )
                cache[f"pixel_reduced_{i}"] = state[0]
                cache[f"pixel_convolved_{i}"] = state[1]
        out = self.output_conv.vector_step(ops.relu(stream), weights["output"])
        begin, end = self.output_conv.group_columns(group)
        out = splice(cache["pixel_out"], ops.relu(out), begin, end)
        cache["pixel_out"] = out
        features = self.features_conv.vector_step(out, weights["features"])
        if group is None and self.channels > 1:
            size = self.features_size // self.channels
            batch = ops.shape(features)[0]
            features = ops.slice(features, (0, channel * size), (batch, size))
        return features, cache

    def get_config(self):
        config = super().get_config()
        config.update({name: getattr(self, name) for name in CONFIG_NAMES})
        return config
