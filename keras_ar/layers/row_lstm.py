"""RowLSTM: the Row LSTM layer of PixelRNN."""

import keras
import numpy as np
from keras import ops

from keras_ar.backend import scan
from keras_ar.layers.masked_conv2d import MaskedConv2D
from keras_ar.utils import validation


def check_lstm_args(units, channel_groups, mask_type):
    """Validated `(units, channel_groups)` of a PixelRNN LSTM layer."""
    units = validation.check_positive_int(units, "units")
    groups = validation.check_positive_int(channel_groups, "channel_groups")
    if units % groups:
        raise ValueError(
            "`units` must be a multiple of `channel_groups` (every channel "
            f"group gets units / channel_groups hidden units). Received: "
            f"units={units}, channel_groups={groups}"
        )
    if mask_type not in ("A", "B"):
        raise ValueError(
            f"`mask_type` must be 'A' or 'B'. Received: {mask_type!r}"
        )
    return units, groups


def gate_permutation(units, groups):
    """Column order taking a masked input-to-state output from group-major
    layout (`MaskedConv2D` gives channel group `g` a block of `4 * units /
    groups` consecutive columns) to gate-major layout `[o, f, i, g]`, each
    gate `units` wide, with hidden unit `c` in the group that
    `channel_groups_of(units, groups)` gives it."""
    per = units // groups
    index = np.arange(4 * units).reshape(groups, 4, per)
    return index.transpose(1, 0, 2).reshape(-1).astype("int32")


def lstm_update(gates, c_prev):
    """One LSTM update from gate-major pre-activations `(..., 4u)`:
    `c = sigmoid(f) c_prev + sigmoid(i) tanh(g)`, `h = sigmoid(o)
    tanh(c)`; returns `(h, c)`."""
    o, f, i, g = ops.split(gates, 4, axis=-1)
    c = ops.sigmoid(f) * c_prev + ops.sigmoid(i) * ops.tanh(g)
    return ops.sigmoid(o) * ops.tanh(c), c


def write_column(array, values, col):
    """`array` `(batch, width, n)` with `values` `(batch, n)` at `col`
    (a scatter: outside XLA TensorFlow compiles `slice_update`)."""
    batch = ops.shape(array)[0]
    indices = ops.stack(
        [
            ops.arange(batch, dtype="int32"),
            ops.full((batch,), ops.cast(col, "int32"), "int32"),
        ],
        axis=1,
    )
    return ops.scatter_update(array, indices, ops.cast(values, array.dtype))


def read_column(array, col):
    """`array[:, col]` for a scalar tensor `col`."""
    batch, _, size = ops.shape(array)
    column = ops.slice(array, (0, col, 0), (batch, 1, size))
    return ops.reshape(column, (-1, size))


@keras.saving.register_keras_serializable(package="keras_ar")
class RowLSTM(keras.layers.Layer):
    """Row LSTM: an LSTM that runs down the image one row at a time.

    The input-to-state map is a masked `1 x k` convolution along the row,
    computed for the whole image at once; the state-to-state map is an
    unmasked `1 x k` convolution over the previous row's hidden state; the
    rows are processed top to bottom in one compiled scan:

    ```
    [o, f, i, g] = K_ss * h[r - 1] + K_is * x[r]
    c[r] = sigmoid(f) c[r - 1] + sigmoid(i) tanh(g)
    h[r] = sigmoid(o) tanh(c[r])
    ```

    The output at pixel `(r, j)` sees a triangle above it: the input at
    `(r, j - k//2 .. j)` (the mask; `j` itself only with mask `"B"`) and at
    row `r - d` the columns `j - (d + 1) * (k//2)` to `j + d * (k//2)`. The
    input-to-state mask for `k = 3` (`c` = the channel-group mask):

    ```
    1 c 0
    ```

    For colour images the `units` hidden units are split into
    `channel_groups` consecutive groups and each gate is split the same way,
    so group `g` of a pixel's output depends only on input groups `<= g`
    (mask `"B"`) or `< g` (mask `"A"`) of that pixel.

    For fast generation, `empty_state`, `step_weights`, `pixel_step` and
    `next_row` compute the output one pixel at a time from the previous
    row's hidden and cell states and the current row's inputs.

    Reference: van den Oord, Kalchbrenner & Kavukcuoglu, "Pixel Recurrent
    Neural Networks", ICML 2016, section 3.1.

    Args:
        units: hidden units `h` (a multiple of `channel_groups`).
        kernel_size: odd width `k` of both convolutions.
        mask_type: `"A"` or `"B"` (the input-to-state mask).
        channel_groups: channel groups of the image (3 for RGB).
        **kwargs: `keras.layers.Layer` arguments.

    Example:

    >>> import numpy as np
    >>> layer = RowLSTM(6, channel_groups=3)
    >>> tuple(layer(np.zeros((2, 4, 5, 3), "float32")).shape)
    (2, 4, 5, 6)
    """

    def __init__(
        self, units, kernel_size=3, mask_type="B", channel_groups=1, **kwargs
    ):
        super().__init__(**kwargs)
        self.units, self.channel_groups = check_lstm_args(
            units, channel_groups, mask_type
        )
        self.kernel_size = validation.check_positive_int(
            kernel_size, "kernel_size"
        )
        if self.kernel_size % 2 == 0:
            raise ValueError(
                "`kernel_size` must be odd. Received: "
                f"kernel_size={kernel_size}"
            )
        self.mask_type = mask_type
        self.permutation = gate_permutation(self.units, self.channel_groups)
        self.input_conv = MaskedConv2D(
            4 * self.units,
            (1, self.kernel_size),
            mask_type,
            self.channel_groups,
            name="input_to_state",
            dtype=self.dtype_policy,
        )

    def build(self, input_shape):
        self.input_conv.build(tuple(input_shape))
        self.state_kernel = self.add_weight(
            shape=(self.kernel_size, self.units, 4 * self.units),
            initializer="glorot_uniform",
            name="state_kernel",
        )
        self.built = True

    def call(self, inputs):
        z = ops.take(self.input_conv(inputs), self.permutation, axis=-1)
        z = ops.transpose(z, (1, 0, 2, 3))  # rows first
        zeros = ops.zeros_like(z[0, :, :, : self.units])
        kernel = ops.cast(self.state_kernel, z.dtype)

        def row(carry, z_row):
            h, c = carry
            gates = z_row + ops.conv(h, kernel, padding="same")
            h, c = lstm_update(gates, c)
            return (h, c), (h, c)

        _, (h, _) = scan(row, (zeros, zeros), z)
        return ops.transpose(h, (1, 0, 2, 3))

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    # ------------------------------------------------------------------
    # One pixel at a time (fast generation)
    # ------------------------------------------------------------------
    def empty_state(self, batch_size, width):
        """The generation state for images `width` pixels wide: the input
        cache of the current row (`MaskedConv2D.empty_cache`) and the hidden
        (zero-padded by `k // 2` columns) and cell states of the previous
        row (`"h_above"`, `"c_above"`) and of the current one."""
        pad = self.kernel_size // 2

        def zeros(size):
            return ops.zeros((batch_size, size, self.units), self.compute_dtype)

        return {
            "inputs": self.input_conv.empty_cache(batch_size, width),
            "h_above": zeros(width + 2 * pad),
            "c_above": zeros(width),
            "h_row": zeros(width + 2 * pad),
            "c_row": zeros(width),
        }

    def step_weights(self):
        """`[input kernel, input bias, state kernel]` as matrices in
        gate-major order (compute them once per generation)."""
        kernel, bias = self.input_conv.step_weights()
        state = ops.cast(self.state_kernel, kernel.dtype)
        return [
            ops.take(kernel, self.permutation, axis=1),
            ops.take(bias, self.permutation, axis=0),
            ops.reshape(state, (-1, 4 * self.units)),
        ]

    def pixel_step(self, state, values, col, weights):
        """`(output, state)`: the output `(batch, units)` at column `col` of
        the current row given the layer's input there, `values` `(batch,
        in_channels)` (its earlier inputs in the row are in `state`).

        Equal to `self(x)[:, row, col]` when the pixels of a row are
        stepped in order and `next_row` starts every row."""
        state = dict(state)
        pad = self.kernel_size // 2
        state["inputs"] = self.input_conv.write_cache(
            state["inputs"], values, col
        )
        gates = self.input_conv.pixel_step(state["inputs"], col, weights[:2])
        batch = ops.shape(values)[0]
        above = ops.slice(
            state["h_above"],
            (0, col, 0),
            (batch, self.kernel_size, self.units),
        )
        above = ops.reshape(above, (batch, -1))
        gates = gates + ops.matmul(above, weights[2])
        h, c = lstm_update(gates, read_column(state["c_above"], col))
        state["h_row"] = write_column(state["h_row"], h, col + pad)
        state["c_row"] = write_column(state["c_row"], c, col)
        return h, state

    def next_row(self, state, weights=None):
        """`state` moved on to the next row (its states become the row
        above); `weights` is unused (`DiagonalBiLSTM.next_row` needs
        them)."""
        return {
            **state,
            "inputs": MaskedConv2D.next_row(state["inputs"]),
            "h_above": state["h_row"],
            "c_above": state["c_row"],
        }

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "units": self.units,
                "kernel_size": self.kernel_size,
                "mask_type": self.mask_type,
                "channel_groups": self.channel_groups,
            }
        )
        return config
