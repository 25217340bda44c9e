"""GatedPixelCNNBlock: one layer of Gated PixelCNN's two stacks."""

import keras
from keras import ops

from keras_ar.layers.condition_bias import condition_bias
from keras_ar.layers.condition_bias import condition_bias_layer
from keras_ar.layers.masked_conv2d import MaskedConv2D
from keras_ar.utils import validation


def _gate(x):
    """`tanh(a) * sigmoid(b)` of the halves `x = [a, b]` (last axis)."""
    half = x.shape[-1] // 2
    return ops.tanh(x[..., :half]) * ops.sigmoid(x[..., half:])


@keras.saving.register_keras_serializable(package="keras_ar")
class GatedPixelCNNBlock(keras.layers.Layer):
    """One gated layer of Gated PixelCNN: a vertical and a horizontal stack.

    PixelCNN's stacked masks leave a blind spot to the upper right. Gated
    PixelCNN removes it by splitting every layer in two stacks:

    - the vertical stack, an `(n // 2 + 1) x n` convolution over the
      vertical input's current row and the `n // 2` rows above (causal in
      height, `same` in width): its output at row `i` depends only on
      rows `<= i`, every column of them;
    - the horizontal stack, a `1 x n` masked convolution over the pixels
      to the left in the same row (`MaskedConv2D` with kernel `(1, n)`:
      mask `"A"` excludes the current pixel, for the first layer, mask
      `"B"` includes it), plus the vertical stack's pre-activation
      through a 1x1 convolution after a shift down by one row (so the
      horizontal stack sees only rows strictly above from it).

    Both stacks use gated units `tanh(W_f * x + V_f h) * sigmoid(W_g * x +
    V_g h)` (paper, eq. 4): `h` is an optional condition, a learned
    per-class bias (`condition_classes`) or a linear projection of a
    vector (`condition_size`), added to both stacks' pre-activations
    (zero-initialised). The horizontal stack ends with a 1x1 convolution
    and, for mask `"B"`, a residual connection. The receptive field of
    the horizontal output at `x` (`v`: vertical stack, through the
    one-row shift; `h`: horizontal convolution; `x` itself with mask
    `"B"` only), one layer, `n = 5`:

    ```
    v v v v v
    v v v v v
    v v v v v
    h h x . .
    ```

    Stacking layers grows the `v` rows upwards and sideways with no blind
    spot: every pixel above, within the reach, is seen.

    Channel groups (R, G, B within a pixel) follow PixelCNN: the
    horizontal convolutions and the output convolution are `MaskedConv2D`
    layers with `channel_groups`, so output group `g` sees the current
    pixel's groups `< g` (mask `"A"`) or `<= g` (mask `"B"`); the
    vertical stack needs no group mask (it only reaches the horizontal
    stack from rows above). The gate pairs the `tanh` and `sigmoid`
    halves channel by channel, each half a `filters`-wide convolution
    with the same groups.

    The inputs are `[vertical, horizontal]`, the outputs `[vertical,
    horizontal]` with `filters` channels each. For mask `"B"` the
    horizontal input must have `filters` channels (the residual). The
    first layer of a network takes the image as both inputs, with mask
    `"A"`. Fast generation (`vertical_row` once per image row,
    `horizontal_step` per pixel) computes the same values as `call`.

    Reference: van den Oord, Kalchbrenner, Vinyals, Espeholt, Graves &
    Kavukcuoglu, "Conditional Image Generation with PixelCNN Decoders",
    NeurIPS 2016, section 2 and figure 2.

    Args:
        filters: `p`, channels of both outputs (at least
            `channel_groups`).
        kernel_size: odd `n`.
        mask_type: `"A"` (first layer: excludes the current pixel's own
            channel group; no residual) or `"B"` (later layers).
        channel_groups: channel groups of the image (3 for RGB).
        condition_classes: classes of a class condition, or `None`.
        condition_size: length of a vector condition, or `None` (not
            together with `condition_classes`).
        **kwargs: `keras.layers.Layer` arguments.

    Example:

    >>> import numpy as np
    >>> block = GatedPixelCNNBlock(6, 3, mask_type="A", channel_groups=3)
    >>> x = np.zeros((2, 5, 5, 3), "float32")
    >>> v, h = block([x, x])
    >>> tuple(v.shape), tuple(h.shape)
    ((2, 5, 5, 6), (2, 5, 5, 6))
    """

    def __init__(
        self,
        filters,
        kernel_size=3,
        mask_type="B",
        channel_groups=1,
        condition_classes=None,
        condition_size=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.filters = validation.check_positive_int(filters, "filters")
        self.kernel_size = validation.check_positive_int(
            kernel_size, "kernel_size"
        )
        if self.kernel_size % 2 == 0:
            raise ValueError(
                "`kernel_size` must be odd. Received: "
                f"kernel_size={kernel_size}"
            )
        self.mask_type = validation.check_choice(
            mask_type, "mask_type", ("A", "B")
        )
        self.channel_groups = validation.check_positive_int(
            channel_groups, "channel_groups"
        )
        if self.filters < self.channel_groups:
            raise ValueError(
                "`filters` must be at least `channel_groups` (one feature "
                f"per group). Received: filters={filters}, "
                f"channel_groups={channel_groups}"
            )
        self.condition_classes, self.condition_size = (
            validation.check_condition_args(condition_classes, condition_size)
        )
        p, n, dtype = self.filters, self.kernel_size, self.dtype_policy
        groups = self.channel_groups
        self.vertical_conv = keras.layers.Conv2D(
            2 * p, (n // 2 + 1, n), name="vertical_conv", dtype=dtype
        )
        self.vertical_to_horizontal = keras.layers.Dense(
            2 * p, name="vertical_to_horizontal", dtype=dtype
        )
        horizontal = dict(channel_groups=groups, dtype=dtype)
        self.horizontal_tanh = MaskedConv2D(
            p, (1, n), mask_type, name="horizontal_tanh", **horizontal
        )
        self.horizontal_sigmoid = MaskedConv2D(
            p, (1, n), mask_type, name="horizontal_sigmoid", **horizontal
        )
        self.horizontal_output = MaskedConv2D(
            p, 1, "B", name="horizontal_output", **horizontal
        )
        self.condition_layer = condition_bias_layer(
            4 * p, self.condition_classes, self.condition_size, "", dtype
        )

    @property
    def residual(self):
        """Whether the horizontal stack adds its input (mask `"B"`)."""
        return self.mask_type == "B"

    def build(self, input_shape):
        vertical, horizontal = (tuple(s) for s in input_shape)
        p = self.filters
        if self.residual and horizontal[-1] != p:
            raise ValueError(
                f"GatedPixelCNNBlock(filters={p}, mask_type='B') expects "
                f"{p} horizontal input channels (the residual). Received "
                f"input shapes: {list(input_shape)}"
            )
        self.vertical_conv.build((None, None, None, vertical[-1]))
        self.vertical_to_horizontal.build((None, None, None, 2 * p))
        self.horizontal_tanh.build(horizontal)
        self.horizontal_sigmoid.build(horizontal)
        self.horizontal_output.build(horizontal[:-1] + (p,))
        if self.condition_layer is not None:
            size = (self.condition_size,) if self.condition_size else ()
            self.condition_layer.build((None,) + size)
        self.built = True

    def condition_biases(self, condition):
        """`(vertical, horizontal)` biases `(batch, 2 * filters)` of a
        condition (class ids `(batch,)` or vectors `(batch, size)`), or
        `None` for an unconditional block."""
        if self.condition_layer is None:
            if condition is not None:
                raise ValueError(
                    "This GatedPixelCNNBlock takes no condition (pass "
                    "`condition_classes` or `condition_size`). Received a "
                    "condition."
                )
            return None
        if condition is None:
            expected = (
                f"class ids (condition_classes={self.condition_classes})"
                if self.condition_classes is not None
                else f"vectors (condition_size={self.condition_size})"
            )
            raise ValueError(
                f"This GatedPixelCNNBlock needs a condition: {expected}. "
                "Received: condition=None"
            )
        biases = condition_bias(
            self.condition_layer,
            condition,
            self.condition_classes,
            self.compute_dtype,
        )
        return biases[:, : 2 * self.filters], biases[:, 2 * self.filters :]

    def call(self, inputs, condition=None):
        vertical, horizontal = inputs
        pad = self.kernel_size // 2
        biases = self.condition_biases(condition)
        # Causal in height (rows above only), `same` in width.
        padded = ops.pad(vertical, [[0, 0], [pad, 0], [pad, pad], [0, 0]])
        v = self.vertical_conv(padded)
        link = self.vertical_to_horizontal(v)
        # Shift down one row: row i of the horizontal stack gets row i - 1.
        link = ops.pad(link, [[0, 0], [1, 0], [0, 0], [0, 0]])[:, :-1]
        h = ops.concatenate(
            [
                self.horizontal_tanh(horizontal),
                self.horizontal_sigmoid(horizontal),
            ],
            axis=-1,
        )
        h = h + link
        if biases is not None:
            v = v + ops.cast(biases[0][:, None, None, :], v.dtype)
            h = h + ops.cast(biases[1][:, None, None, :], h.dtype)
        h = self.horizontal_output(_gate(h))
        if self.residual:
            h = horizontal + ops.cast(h, horizontal.dtype)
        return [_gate(v), h]

    def compute_output_shape(self, input_shape):
        return [tuple(shape[:-1]) + (self.filters,) for shape in input_shape]

    # ------------------------------------------------------------------
    # Fast generation: one image row (vertical), one pixel (horizontal)
    # ------------------------------------------------------------------
    def vertical_cache(self, batch_size, width, channels):
        """Zeros `(batch, n // 2 + 1, width + 2 * (n // 2), channels)`: a
        window of the vertical input's last rows (the newest last, rows
        above the image zero), padded in width as `call` pads."""
        pad = self.kernel_size // 2
        return ops.zeros(
            (batch_size, pad + 1, width + 2 * pad, channels),
            self.compute_dtype,
        )

    def push_row(self, cache, row):
        """`cache` with the vertical input's row `(batch, width,
        channels)` appended (the oldest row dropped)."""
        pad = self.kernel_size // 2
        row = ops.pad(ops.cast(row, cache.dtype), [[0, 0], [pad, pad], [0, 0]])
        return ops.concatenate([cache[:, 1:], row[:, None]], axis=1)

    def vertical_row(self, cache, bias=None):
        """The vertical stack at the newest row of `cache`.

        Args:
            cache: `vertical_cache` with the rows up to this one pushed.
            bias: the vertical condition bias `(batch, 2 * filters)`.

        Returns:
            `(outputs, link)`: the vertical output row `(batch, width,
            filters)` and the horizontal stack's input from it `(batch,
            width, 2 * filters)`, to use on the next row (the shift).
        """
        v = self.vertical_conv(cache)[:, 0]
        link = self.vertical_to_horizontal(v)
        if bias is not None:
            v = v + ops.cast(bias[:, None, :], v.dtype)
        return _gate(v), link

    def horizontal_cache(self, batch_size, width):
        """The horizontal convolutions' input cache (one row, see
        `MaskedConv2D.empty_cache`)."""
        return self.horizontal_tanh.empty_cache(batch_size, width)

    def step_weights(self):
        """`[kernel, bias, kernel, bias]`: both horizontal convolutions'
        step weights side by side (one matmul), then the output
        convolution's (compute them once per generation)."""
        tanh = self.horizontal_tanh.step_weights()
        sigmoid = self.horizontal_sigmoid.step_weights()
        return [
            ops.concatenate([tanh[0], sigmoid[0]], axis=-1),
            ops.concatenate([tanh[1], sigmoid[1]], axis=-1),
        ] + self.horizontal_output.step_weights()

    def horizontal_step(
        self, inputs, cache, col, link, bias=None, weights=None
    ):
        """The horizontal output at column `col` of the current row alone.

        Args:
            inputs: the horizontal input at the pixel `(batch, channels)`,
                written into `cache` first; `None` if `cache` holds it
                already (for mask `"A"` the caller writes the image).
            cache: `horizontal_cache`, holding the row's earlier inputs.
            col: int scalar (a tensor in a loop).
            link: the vertical stack's contribution at the pixel `(batch,
                2 * filters)` (`vertical_row`'s `link` of the row above).
            bias: the horizontal condition bias `(batch, 2 * filters)`.
            weights: `step_weights()`, precomputed.

        Returns:
            `(outputs, cache)`: the block's horizontal output at the pixel
            `(batch, filters)` and the cache with the input written.
        """
        if weights is None:
            weights = self.step_weights()
        conv = self.horizontal_tanh
        if inputs is not None:
            cache = conv.write_cache(cache, inputs, col)
        h = conv.pixel_step(cache, col, weights[0:2])
        h = h + ops.cast(link, h.dtype)
        if bias is not None:
            h = h + ops.cast(bias, h.dtype)
        h = self.horizontal_output.vector_step(_gate(h), weights[2:4])
        if self.residual:
            h = inputs + ops.cast(h, inputs.dtype)
        return h, cache

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "filters": self.filters,
                "kernel_size": self.kernel_size,
                "mask_type": self.mask_type,
                "channel_groups": self.channel_groups,
                "condition_classes": self.condition_classes,
                "condition_size": self.condition_size,
            }
        )
        return config
