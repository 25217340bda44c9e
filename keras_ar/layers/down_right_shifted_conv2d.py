"""DownRightShiftedConv2D: PixelCNN++'s convolution up and to the left."""

import keras
from keras import ops

from keras_ar.layers.down_shifted_conv2d import DownShiftedConv2D
from keras_ar.layers.down_shifted_conv2d import right_shift


@keras.saving.register_keras_serializable(package="keras_ar")
class DownRightShiftedConv2D(DownShiftedConv2D):
    """2D convolution that sees the rows above and the columns to the left.

    PixelCNN++'s `down_right_shifted_conv2d`: the input is padded with
    `kh - 1` zero rows on top and `kw - 1` zero columns on the left, then
    convolved with padding `"valid"`, so the output has the size
    `(ceil(H / s), ceil(W / s))` and output `(i, j)` sees input rows
    `s*i - kh + 1 .. s*i` and columns `s*j - kw + 1 .. s*j` (the kernel's
    rectangle with the output's position at its bottom-right corner).
    For a `2 x 2` kernel at stride 1 (`x`: the output's position, `k`:
    inputs seen):

    ```
    k k
    k x
    ```

    At stride 1 the output at `(i, j)` thus depends only on inputs at or
    before `(i, j)` in raster order. With `shift=True` the output moves
    right one column (its first column is zero), so it sees only inputs
    strictly before `(i, j)` in raster order: PixelCNN++'s
    `right_shift(down_right_shifted_conv2d(x))`. `weight_norm=True`
    weight-normalizes the kernel as `DownShiftedConv2D` does. A `1 x 1`
    kernel makes it a plain (optionally weight-normalized) 1x1
    convolution, PixelCNN++'s `nin`.

    Cached generation (stride 1, `shift=False`), pixels written in raster
    order: `step_buffer` holds the (padded) inputs written so far and
    `step` writes one pixel's input and returns the output there, equal
    to the full call at that position; `window_output` computes the
    output at one position from its `(kh, kw)` input window.

    Reference: Salimans, Karpathy, Chen & Kingma, "PixelCNN++", ICLR 2017
    (and github.com/openai/pixel-cnn).

    Args:
        filters: number of output channels.
        kernel_size: int or `(kh, kw)`; default `(2, 2)`.
        strides: int or pair (2 for PixelCNN++'s downsampling).
        shift: move the output right one column (see above).
        weight_norm: weight-normalize the kernel.
        **kwargs: other `keras.layers.Conv2D` arguments (`activation`,
            `use_bias`, initializers, regularizers, `dtype`, `name`...).

    Example:

    >>> import numpy as np
    >>> layer = DownRightShiftedConv2D(4)
    >>> x = np.random.default_rng(0).normal(size=(2, 3, 3, 2))
    >>> full = np.asarray(layer(x.astype("float32")))
    >>> buffer = layer.step_buffer(2, 3, 3, 2)
    >>> for row in range(3):
    ...     for col in range(3):
    ...         out, buffer = layer.step(buffer, x[:, row, col], row, col)
    >>> bool(np.allclose(out, full[:, 2, 2], atol=1e-5))
    True
    """

    def __init__(
        self,
        filters,
        kernel_size=(2, 2),
        strides=1,
        shift=False,
        weight_norm=False,
        **kwargs,
    ):
        super().__init__(
            filters,
            kernel_size,
            strides=strides,
            shift=shift,
            weight_norm=weight_norm,
            **kwargs,
        )

    def check_kernel_size(self):
        """Any kernel size works (no centring)."""

    @property
    def paddings(self):
        kh, kw = self.kernel_size
        return [(kh - 1, 0), (kw - 1, 0)]

    def shift_outputs(self, outputs):
        """`shift=True`'s move (right one column)."""
        return right_shift(outputs)

    # ------------------------------------------------------------------
    # Cached generation: one pixel at a time, raster order
    # ------------------------------------------------------------------
    def _check_steppable(self):
        if self.shift or tuple(self.strides) != (1, 1):
            raise ValueError(
                "Cached steps need strides 1 and shift=False. Received: "
                f"strides={self.strides}, shift={self.shift}"
            )

    def step_buffer(self, batch_size, height, width, input_channels):
        """Zeros `(batch, height + kh - 1, width + kw - 1,
        input_channels)`: the padded input of `step` (the image at offset
        `(kh - 1, kw - 1)`)."""
        self._check_steppable()
        kh, kw = self.kernel_size
        return ops.zeros(
            (batch_size, height + kh - 1, width + kw - 1, input_channels),
            self.compute_dtype,
        )

    def step(self, buffer, value, row, col):
        """Writes one input pixel and returns the output there.

        Args:
            buffer: `step_buffer`, holding the inputs of every earlier
                pixel in raster order (the ones the output reads).
            value: the input at `(row, col)`, `(batch, input_channels)`.
            row: int scalar (a tensor in a loop).
            col: int scalar (a tensor in a loop).

        Returns:
            `(outputs, buffer)`: `self(inputs)[:, row, col]` `(batch,
            filters)` and the buffer with `value` written.
        """
        self._check_steppable()
        kh, kw = self.kernel_size
        batch = ops.shape(buffer)[0]
        row = ops.cast(row, "int32")
        col = ops.cast(col, "int32")
        # A scatter, not `slice_update` (see `MaskedConv2D.write_cache`).
        indices = ops.stack(
            [
                ops.arange(batch, dtype="int32"),
                ops.full((batch,), row + kh - 1, "int32"),
                ops.full((batch,), col + kw - 1, "int32"),
            ],
            axis=1,
        )
        buffer = ops.scatter_update(
            buffer, indices, ops.cast(value, buffer.dtype)
        )
        window = ops.slice(
            buffer, (0, row, col, 0), (batch, kh, kw, buffer.shape[-1])
        )
        return self.window_output(window), buffer
