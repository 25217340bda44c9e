"""PixelSNAILBackbone: causal convolutions interleaved with attention."""

import keras
import numpy as np
from keras import ops

from keras_ar.layers.causal_self_attention_2d import CausalSelfAttention2D
from keras_ar.layers.down_right_shifted_conv2d import DownRightShiftedConv2D
from keras_ar.layers.down_shifted_conv2d import DownShiftedConv2D
from keras_ar.layers.gated_resnet_block import GatedResnetBlock
from keras_ar.utils import validation

#: The constructor arguments `get_config` returns.
CONFIG_NAMES = (
    "channels filters num_blocks num_resnet num_heads key_dim value_dim "
    "dropout features_size condition_classes condition_size"
).split()


def image_coordinates(height, width):
    """Positional channels `(height, width, 2)`: each pixel's `(row /
    height - 0.5, col / width - 0.5)`, in `[-0.5, 0.5)` (PixelSNAIL's
    positional encoding).

    Example:

    >>> image_coordinates(2, 4)[1, 3].tolist()
    [0.0, 0.25]
    """
    rows = np.arange(height, dtype="float32") / height - 0.5
    cols = np.arange(width, dtype="float32") / width - 0.5
    grid = np.stack(np.meshgrid(rows, cols, indexing="ij"), axis=-1)
    return grid.astype("float32")


def _elu_dense_elu(layer, x):
    return ops.elu(layer(ops.elu(x)))


@keras.saving.register_keras_serializable(package="keras_ar")
class PixelSNAILBackbone(keras.layers.Layer):
    """PixelSNAIL's network: scaled images -> per-pixel head features.

    After Chen et al. 2018 (figure 5), shaped like pytorch-generative's
    PixelSNAIL so that both can be configured alike:

    1. a causal input layer that sees only earlier pixels, the 3x3
       neighbourhood before the pixel in raster order: PixelCNN++'s pair
       `down_shift(DownShiftedConv2D((1, 3)))` (the row above) +
       `right_shift(DownRightShiftedConv2D((2, 1)))` (the pixel to the
       left and the one above it), `filters` channels;
    2. `num_blocks` blocks, each adding its output to its input `h`:
       `num_resnet` `GatedResnetBlock(conv="down_right")` (2x2 causal
       convolutions) give `r`; a `CausalSelfAttention2D` with the strict
       mask (`include_current=False`) whose queries see `[r, pos]` and
       whose keys and values see `[r, pos, image]` (`pos`: the pixels'
       coordinates, `image`: the scaled input, known at earlier pixels)
       gives `a` (`num_heads` heads of `key_dim` / `value_dim` each,
       projected to `value_dim * num_heads` features); the block's output
       is `elu(W3 elu(elu(W1 elu(r)) + elu(W2 elu(a))))` with 1x1 layers
       `W1`, `W2`, `W3` of `filters` outputs;
    3. `elu`, a 1x1 layer of `max(filters // 2, 1)` outputs, `elu` and a
       1x1 layer to `features_size` features.

    The features at pixel `p` depend only on pixels before `p` (every one
    of them, through the attention: the convolutions alone reach a few
    rows), so the head orders the channels within a pixel. A condition
    adds learned biases to every gated resnet block's gate (per class, or
    a projection of a vector), zero at the start.

    Fast generation (`build_cache`, `step`): every layer runs at the
    current pixel alone: the input layer from windows of the image, the
    2x2 convolutions from their step buffers, the 1x1 layers pointwise,
    and each attention layer from its key/value cache: at pixel `p` it
    first writes the key and value of pixel `p - 1` (its block features,
    kept from the previous step, its coordinates and its now-known
    values), then attends with the query of `p`.

    Reference: Chen, Mishra, Rohaninejad & Abbeel, "PixelSNAIL: An
    Improved Autoregressive Generative Model", ICML 2018.

    Args:
        channels: channels of the image.
        filters: channels of the residual stream.
        num_blocks: PixelSNAIL blocks (at least 1).
        num_resnet: gated resnet blocks per PixelSNAIL block (at least 1).
        num_heads: attention heads.
        key_dim: size of each head's queries and keys.
        value_dim: size of each head's values.
        dropout: dropout rate of the gated resnet blocks (training only).
        features_size: features per pixel (`head.features_size(channels)`).
        condition_classes: classes of a class condition, or `None`.
        condition_size: length of a vector condition, or `None`.
        **kwargs: `keras.layers.Layer` arguments.

    Example:

    >>> import numpy as np
    >>> backbone = PixelSNAILBackbone(channels=3, filters=4, num_blocks=1,
    ...                               num_resnet=1, key_dim=2, value_dim=4,
    ...                               features_size=10)
    >>> tuple(backbone(np.zeros((2, 3, 3, 3), "float32")).shape)
    (2, 3, 3, 10)
    """

    def __init__(
        self,
        channels=1,
        filters=64,
        num_blocks=8,
        num_resnet=2,
        num_heads=1,
        key_dim=4,
        value_dim=32,
        dropout=0.0,
        features_size=256,
        condition_classes=None,
        condition_size=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        check = validation.check_positive_int
        self.channels = check(channels, "channels")
        self.filters = check(filters, "filters")
        self.num_blocks = check(num_blocks, "num_blocks")
        self.num_resnet = check(num_resnet, "num_resnet")
        self.num_heads = check(num_heads, "num_heads")
        self.key_dim = check(key_dim, "key_dim")
        self.value_dim = check(value_dim, "value_dim")
        self.features_size = check(features_size, "features_size")
        self.dropout = float(dropout)
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(
                f"`dropout` must be in [0, 1). Received: dropout={dropout!r}"
            )
        self.condition_classes, self.condition_size = (
            validation.check_condition_args(condition_classes, condition_size)
        )
        dtype, p = self.dtype_policy, self.filters
        self.input_rows = DownShiftedConv2D(
            p, (1, 3), shift=True, name="input_rows", dtype=dtype
        )
        self.input_left = DownRightShiftedConv2D(
            p, (2, 1), shift=True, name="input_left", dtype=dtype
        )
        self.resnets = [
            [
                GatedResnetBlock(
                    "down_right",
                    dropout=self.dropout,
                    condition_classes=self.condition_classes,
                    condition_size=self.condition_size,
                    name=f"resnet_{b}_{r}",
                    dtype=dtype,
                )
                for r in range(self.num_resnet)
            ]
            for b in range(self.num_blocks)
        ]
        self.attentions = [
            CausalSelfAttention2D(
                num_heads=self.num_heads,
                key_dim=self.key_dim,
                value_dim=self.value_dim,
                output_dim=self.num_heads * self.value_dim,
                include_current=False,
                name=f"attention_{b}",
                dtype=dtype,
            )
            for b in range(self.num_blocks)
        ]

        def dense(units, name):
            return keras.layers.Dense(units, name=name, dtype=dtype)

        self.residual_out = [
            dense(p, f"residual_out_{b}") for b in range(self.num_blocks)
        ]
        self.attention_out = [
            dense(p, f"attention_out_{b}") for b in range(self.num_blocks)
        ]
        self.block_out = [
            dense(p, f"block_out_{b}") for b in range(self.num_blocks)
        ]
        self.output_hidden = dense(max(p // 2, 1), "output_hidden")
        self.features_layer = dense(self.features_size, "features")

    def build(self, input_shape):
        shape = tuple(input_shape)
        if len(shape) != 4 or None in shape[1:]:
            raise ValueError(
                "PixelSNAILBackbone expects images (batch, height, width, "
                f"channels) of a known size. Received shape: {shape}"
            )
        self.height, self.width = int(shape[1]), int(shape[2])
        if shape[3] != self.channels:
            raise ValueError(
                f"PixelSNAILBackbone(channels={self.channels}) received "
                f"images of {shape[3]} channels (shape {shape})."
            )
        p, space = self.filters, (None, self.height, self.width)
        self.input_rows.build(space + (self.channels,))
        self.input_left.build(space + (self.channels,))
        attention_dim = self.num_heads * self.value_dim
        for b in range(self.num_blocks):
            for block in self.resnets[b]:
                block.build(space + (p,))
            self.attentions[b].build(
                space + (p + 2,), space + (p + 2 + self.channels,)
            )
            self.residual_out[b].build(space + (p,))
            self.attention_out[b].build(space + (attention_dim,))
            self.block_out[b].build(space + (p,))
        self.output_hidden.build(space + (p,))
        self.features_layer.build(space + (self.output_hidden.units,))
        self.built = True

    @staticmethod
    def _condition_value(condition):
        return None if condition is None else condition["condition"]

    def _block_output(self, b, residual, attended):
        r = _elu_dense_elu(self.residual_out[b], residual)
        a = _elu_dense_elu(self.attention_out[b], attended)
        return _elu_dense_elu(self.block_out[b], r + a)

    def _features(self, h):
        h = self.output_hidden(ops.elu(h))
        return self.features_layer(ops.elu(h))

    def call(self, inputs, condition=None, training=None):
        value = self._condition_value(condition)
        image = ops.cast(inputs, self.compute_dtype)
        h = self.input_rows(image) + self.input_left(image)  # shifted
        batch = ops.shape(image)[0]
        pos = ops.convert_to_tensor(
            image_coordinates(self.height, self.width), self.compute_dtype
        )
        pos = ops.broadcast_to(pos[None], (batch, self.height, self.width, 2))
        for b in range(self.num_blocks):
            r = h
            for block in self.resnets[b]:
                r = block(r, condition=value, training=training)
            query = ops.concatenate([r, pos], axis=-1)
            source = ops.concatenate([r, pos, image], axis=-1)
            attended = self.attentions[b](query, source)
            h = h + self._block_output(b, r, attended)
        return self._features(h)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.features_size,)

    # ------------------------------------------------------------------
    # Fast generation: one pixel at a time, raster order
    # ------------------------------------------------------------------
    def build_cache(self, batch_size, width=None, condition=None):
        """The state of a fast generation, a flat dict of tensors:

        - `"resnet_{b}_{r}_conv1"`, `"..._conv2"`: the gated resnet
          blocks' step buffers (`GatedResnetBlock.step_cache`);
        - `"resnet_{b}_{r}_bias"`: their condition biases, if any;
        - `"attention_{b}_key"`, `"attention_{b}_value"`: the attention
          layers' key/value caches (`CausalSelfAttention2D.build_cache`);
        - `"block_{b}_previous"`: block `b`'s resnet output at the
          previous pixel (its key/value source, written one step late).

        Args:
            batch_size: images generated together.
            width: the image width (checked against the built one).
            condition: the condition dict (`{"condition": value}`).
        """
        if width is not None and int(width) != self.width:
            raise ValueError(
                f"The backbone was built for width {self.width}. Received: "
                f"width={width}"
            )
        value = self._condition_value(condition)
        length = self.height * self.width
        cache = {}
        for b in range(self.num_blocks):
            for r, block in enumerate(self.resnets[b]):
                name = f"resnet_{b}_{r}"
                buffers = block.step_cache(batch_size, self.height, self.width)
                for key, buffer in buffers.items():
                    cache[f"{name}_{key}"] = buffer
                bias = block.condition_biases(value)
                if bias is not None:
                    cache[f"{name}_bias"] = bias
            kv = self.attentions[b].build_cache(batch_size, length)
            cache[f"attention_{b}_key"] = kv["key"]
            cache[f"attention_{b}_value"] = kv["value"]
            cache[f"block_{b}_previous"] = ops.zeros(
                (batch_size, self.filters), self.compute_dtype
            )
        return cache

    def _input_step(self, padded, row, col):
        """The input layer at `(row, col)` from the image padded with one
        zero row on top and one zero column on each side."""
        batch, channels = ops.shape(padded)[0], self.channels
        # Both windows start at padded (row, col): the row above, columns
        # col - 1 .. col + 1; and rows row - 1 .. row of column col - 1.
        above = ops.slice(padded, (0, row, col, 0), (batch, 1, 3, channels))
        left = ops.slice(padded, (0, row, col, 0), (batch, 2, 1, channels))
        above = self.input_rows.window_output(above)
        left = self.input_left.window_output(left)
        # The shifts leave zeros (not the biases) in the first row/column.
        above = above * ops.cast(ops.greater(row, 0), above.dtype)
        left = left * ops.cast(ops.greater(col, 0), left.dtype)
        return above + left

    def step(self, cache, image, pixel):
        """`(features, cache)` at flat pixel `pixel` alone.

        Args:
            cache: from `build_cache`, after the steps of every earlier
                pixel.
            image: the scaled images `(batch, height, width, channels)`
                holding every pixel before `pixel` (later ones are never
                read).
            pixel: int scalar (a tensor in a loop), raster order.

        Returns:
            `self(image)[:, row, col]`, `(batch, features_size)`, and the
            updated cache.
        """
        cache = dict(cache)
        pixel = ops.cast(pixel, "int32")
        row, col = pixel // self.width, pixel % self.width
        image = ops.cast(image, self.compute_dtype)
        padded = ops.pad(image, [[0, 0], [1, 0], [1, 1], [0, 0]])
        h = self._input_step(padded, row, col)
        # Pixel p - 1's key/value source (at p = 0 a dummy write to slot
        # 0, which the strict mask hides and p = 1 overwrites).
        previous = ops.maximum(pixel - 1, 0)
        flat = ops.reshape(image, (-1, self.height * self.width, self.channels))
        coords = ops.convert_to_tensor(
            image_coordinates(self.height, self.width).reshape(-1, 2),
            self.compute_dtype,
        )
        batch = ops.shape(image)[0]

        def at(table, index):
            return ops.broadcast_to(
                ops.take(table, index, axis=0)[None], (batch, 2)
            )

        previous_values = ops.take(flat, previous, axis=1)
        for b in range(self.num_blocks):
            r = h
            for j, block in enumerate(self.resnets[b]):
                name = f"resnet_{b}_{j}"
                buffers = {
                    key[len(name) + 1 :]: cache[key]
                    for key in cache
                    if key in (f"{name}_conv1", f"{name}_conv2")
                }
                r, buffers = block.step(
                    buffers,
                    r,
                    row,
                    col,
                    condition_bias=cache.get(f"{name}_bias"),
                )
                for key, buffer in buffers.items():
                    cache[f"{name}_{key}"] = buffer
            attention = self.attentions[b]
            kv = {
                "key": cache[f"attention_{b}_key"],
                "value": cache[f"attention_{b}_value"],
            }
            source = ops.concatenate(
                [
                    cache[f"block_{b}_previous"],
                    at(coords, previous),
                    previous_values,
                ],
                axis=-1,
            )
            kv = attention.write(kv, source, previous)
            query = ops.concatenate([r, at(coords, pixel)], axis=-1)
            attended, kv = attention.step(query, kv, pixel)
            cache[f"attention_{b}_key"] = kv["key"]
            cache[f"attention_{b}_value"] = kv["value"]
            cache[f"block_{b}_previous"] = r
            h = h + self._block_output(b, r, attended)
        return self._features(h), cache

    def get_config(self):
        config = super().get_config()
        config.update({name: getattr(self, name) for name in CONFIG_NAMES})
        return config
