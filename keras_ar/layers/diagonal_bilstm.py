"""DiagonalBiLSTM: the Diagonal BiLSTM layer of PixelRNN."""

import keras
import numpy as np
from keras import ops

from keras_ar.backend import scan
from keras_ar.layers.masked_conv2d import MaskedConv2D
from keras_ar.layers.row_lstm import check_lstm_args
from keras_ar.layers.row_lstm import gate_permutation
from keras_ar.layers.row_lstm import lstm_update
from keras_ar.layers.row_lstm import read_column
from keras_ar.layers.row_lstm import write_column


def skew(x):
    """`(batch, H, W, C)` -> `(batch, H, W + H - 1, C)`, row `r` shifted
    right by `r` (zeros elsewhere): the image's diagonals become columns."""
    _, height, width, channels = x.shape
    x = ops.pad(x, ((0, 0), (0, 0), (0, height), (0, 0)))
    x = ops.reshape(x, (-1, height * (width + height), channels))
    x = x[:, : height * (width + height - 1)]
    return ops.reshape(x, (-1, height, width + height - 1, channels))


def unskew(x, width):
    """The inverse of `skew`: `(batch, H, W + H - 1, C)` -> `(batch, H, W,
    C)`."""
    _, height, skewed, channels = x.shape
    x = ops.reshape(x, (-1, height * skewed, channels))
    x = ops.pad(x, ((0, 0), (0, height), (0, 0)))
    x = ops.reshape(x, (-1, height, skewed + 1, channels))
    return x[:, :, :width]


@keras.saving.register_keras_serializable(package="keras_ar")
class DiagonalBiLSTM(keras.layers.Layer):
    """Diagonal BiLSTM: two LSTMs that sweep the image along diagonals.

    The input is skewed (row `r` shifted right by `r`), so each diagonal of
    the image is a column; an LSTM then runs over the columns in one
    compiled scan (`keras_ar.backend.scan`), with a masked `1 x 1`
    input-to-state convolution (computed for the whole image at once) and
    a `2 x 1` state-to-state convolution over the previous column, which in
    image coordinates reads the hidden states of the pixels above and to
    the left:

    ```
    [o, f, i, g] = K_ss * [h(r - 1, j), h(r, j - 1)] + K_is * x(r, j)
    c(r, j) = sigmoid(f) c(r, j - 1) + sigmoid(i) tanh(g)
    h(r, j) = sigmoid(o) tanh(c(r, j))
    ```

    The result is unskewed. A second LSTM with its own weights does the same
    on the mirrored image (right to left; both directions run in the same
    scan); its output is mirrored back and shifted down one row, and the
    two directions are summed. The output at
    `(r, j)` then sees every pixel above (rows `< r`: the forward direction
    those at columns `<= j`, the backward one those at `>= j`) and to the
    left, and the pixel itself only through the mask: channel group `g`
    sees its input groups `<= g` (mask `"B"`) or `< g` (mask `"A"`).

    For fast generation (`empty_state`, `step_weights`, `pixel_step`,
    `next_row`) the forward state at `(r, j)` needs the row above and the
    pixel to the left; the backward output of a row needs only the complete
    row above, computed once per row by `next_row`.

    Reference: van den Oord, Kalchbrenner & Kavukcuoglu, "Pixel Recurrent
    Neural Networks", ICML 2016, section 3.2.

    Args:
        units: hidden units `h` (a multiple of `channel_groups`).
        mask_type: `"A"` or `"B"` (the input-to-state mask).
        channel_groups: channel groups of the image (3 for RGB).
        **kwargs: `keras.layers.Layer` arguments.

    Example:

    >>> import numpy as np
    >>> layer = DiagonalBiLSTM(6, channel_groups=3)
    >>> tuple(layer(np.zeros((2, 4, 5, 3), "float32")).shape)
    (2, 4, 5, 6)
    """

    def __init__(self, units, mask_type="B", channel_groups=1, **kwargs):
        super().__init__(**kwargs)
        self.units, self.channel_groups = check_lstm_args(
            units, channel_groups, mask_type
        )
        self.mask_type = mask_type
        self.permutation = gate_permutation(self.units, self.channel_groups)
        self.input_convs = [
            MaskedConv2D(
                4 * self.units,
                1,
                mask_type,
                self.channel_groups,
                name=f"{direction}_input_to_state",
                dtype=self.dtype_policy,
            )
            for direction in ("forward", "backward")
        ]

    def build(self, input_shape):
        for conv in self.input_convs:
            conv.build(tuple(input_shape))
        self.state_kernels = [
            self.add_weight(
                shape=(2, self.units, 4 * self.units),
                initializer="glorot_uniform",
                name=f"{direction}_state_kernel",
            )
            for direction in ("forward", "backward")
        ]
        self.built = True

    def call(self, inputs):
        _, height, width, _ = inputs.shape
        units = self.units
        # Both directions in one scan: the backward one runs on the
        # mirrored image, stacked on the batch axis.
        mirrored = ops.flip(inputs, axis=2)
        z = ops.concatenate(
            [self.input_convs[0](inputs), self.input_convs[1](mirrored)], 0
        )
        z = skew(ops.take(z, self.permutation, axis=-1))
        columns = z.shape[2]
        z = ops.reshape(ops.transpose(z, (2, 0, 1, 3)), (columns, 2, -1))
        # Positions of the skewed map outside the image keep zero states,
        # as the pixels left of column 0 are.
        rows, cols = np.arange(height)[:, None], np.arange(columns)
        valid = (cols >= rows) & (cols - rows < width)
        valid = np.repeat(valid.T[:, None, None, :, None], 2, axis=1)
        valid = ops.convert_to_tensor(valid.astype("float32"), z.dtype)
        kernel = ops.stack([ops.cast(k, z.dtype) for k in self.state_kernels])
        gate_shape = (2, -1, height, 4 * units)  # direction, batch, row
        zeros = ops.zeros_like(ops.reshape(z[0], gate_shape)[..., :units])

        def column(carry, inputs):
            (h, c), (z_col, keep) = carry, inputs
            above = ops.pad(h[:, :, :-1], ((0, 0), (0, 0), (1, 0), (0, 0)))
            gates = ops.matmul(ops.reshape(above, (2, -1, units)), kernel[:, 0])
            gates += ops.matmul(ops.reshape(h, (2, -1, units)), kernel[:, 1])
            gates = z_col + ops.reshape(gates, (2, -1))
            h, c = lstm_update(ops.reshape(gates, gate_shape), c)
            return (h * keep, c * keep), (h * keep, c * keep)

        _, (h, _) = scan(column, (zeros, zeros), (z, valid))
        h = ops.transpose(h, (1, 2, 3, 0, 4))  # direction, batch, row, col
        h = unskew(ops.reshape(h, (-1, height, columns, units)), width)
        forward, backward = ops.split(h, 2, axis=0)
        backward = ops.flip(backward, axis=2)
        backward = ops.pad(backward[:, :-1], ((0, 0), (1, 0), (0, 0), (0, 0)))
        return forward + backward

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    # ------------------------------------------------------------------
    # One pixel at a time (fast generation)
    # ------------------------------------------------------------------
    def empty_state(self, batch_size, width):
        """The generation state for images `width` pixels wide: the
        current row's inputs; the forward hidden states of the row above
        (`"h_above"`) and the current row's forward hidden and cell states
        (`"h_row"`, `"c_row"`, a zero column first: left of column 0); the
        backward hidden states of the row above (`"backward"`: the current
        row's backward output, shifted down)."""

        def zeros(size, channels=self.units):
            return ops.zeros((batch_size, size, channels), self.compute_dtype)

        return {
            "inputs": zeros(width, self.input_convs[0].kernel.shape[2]),
            "h_above": zeros(width),
            "h_row": zeros(width + 1),
            "c_row": zeros(width + 1),
            "backward": zeros(width),
        }

    def step_weights(self):
        """Per direction `[input kernel, input bias, state kernel above,
        state kernel left]` in gate-major order (compute them once)."""
        weights = []
        for conv, state in zip(self.input_convs, self.state_kernels):
            kernel, bias = conv.step_weights()
            state = ops.cast(state, kernel.dtype)
            weights += [
                ops.take(kernel, self.permutation, axis=1),
                ops.take(bias, self.permutation, axis=0),
                state[0],
                state[1],
            ]
        return weights

    def pixel_step(self, state, values, col, weights):
        """`(output, state)`: the output `(batch, units)` at column `col` of
        the current row given the layer's input there, `values` `(batch,
        in_channels)`. Equal to `self(x)[:, row, col]` when the pixels of a
        row are stepped in order and `next_row` starts every row."""
        state = dict(state)
        state["inputs"] = write_column(state["inputs"], values, col)
        kernel, bias, above, left = weights[:4]
        gates = ops.matmul(ops.cast(values, kernel.dtype), kernel) + bias
        gates = gates + ops.matmul(read_column(state["h_above"], col), above)
        gates = gates + ops.matmul(read_column(state["h_row"], col), left)
        h, c = lstm_update(gates, read_column(state["c_row"], col))
        state["h_row"] = write_column(state["h_row"], h, col + 1)
        state["c_row"] = write_column(state["c_row"], c, col + 1)
        return h + read_column(state["backward"], col), state

    def next_row(self, state, weights):
        """`state` moved on to the next row: the forward states of the
        finished row become the row above, and the backward LSTM runs over
        the finished row (right to left) to give the new row's backward
        output."""
        kernel, bias, above, left = weights[4:]
        z = ops.matmul(state["inputs"], kernel) + bias
        z = ops.transpose(z, (1, 0, 2))
        h_above = ops.transpose(state["backward"], (1, 0, 2))
        zeros = ops.zeros_like(h_above[0])

        def column(carry, inputs):
            h, c = carry
            z_col, h_up = inputs
            gates = z_col + ops.matmul(h_up, above) + ops.matmul(h, left)
            h, c = lstm_update(gates, c)
            return (h, c), (h, c)

        _, (h, _) = scan(column, (zeros, zeros), (z, h_above), reverse=True)
        return {
            **state,
            "h_above": state["h_row"][:, 1:],
            "backward": ops.transpose(h, (1, 0, 2)),
        }

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "units": self.units,
                "mask_type": self.mask_type,
                "channel_groups": self.channel_groups,
            }
        )
        return config
