"""DownRightShiftedConv2DTranspose: upsampling of PixelCNN++'s up-left
stream."""

import keras

from keras_ar.layers.down_shifted_conv2d_transpose import (
    DownShiftedConv2DTranspose,
)


@keras.saving.register_keras_serializable(package="keras_ar")
class DownRightShiftedConv2DTranspose(DownShiftedConv2DTranspose):
    """Transposed convolution that upsamples by `strides` and keeps
    PixelCNN++'s down-right-shifted causality.

    PixelCNN++'s `down_right_shifted_deconv2d`: a `"valid"` transposed
    convolution (input `(i, j)` spreads to outputs `(s*i + a, s*j + b)`
    for kernel taps `a < kh`, `b < kw`) cropped to its first `(s*H, s*W)`
    rows and columns. Output `(r, c)` thus reads only inputs `(i, j)` with
    `i <= r / s` and `j <= c / s`: a low-resolution position that stands
    for the high-resolution `(s*i, s*j)` (after a stride-`s`
    `DownRightShiftedConv2D`) is at or before `(r, c)` in raster order,
    so a stream that sees only earlier pixels stays so. With
    `weight_norm=True` the kernel is weight-normalized per output filter.

    Reference: Salimans, Karpathy, Chen & Kingma, "PixelCNN++", ICLR 2017
    (and github.com/openai/pixel-cnn).

    Args:
        filters: number of output channels.
        kernel_size: int or `(kh, kw)`, at least `strides`; default
            `(2, 2)`.
        strides: int or pair, the upsampling factor (default 2).
        weight_norm: weight-normalize the kernel.
        **kwargs: other `keras.layers.Conv2DTranspose` arguments.

    Example:

    >>> import numpy as np
    >>> layer = DownRightShiftedConv2DTranspose(4)
    >>> tuple(layer(np.zeros((1, 3, 5, 2), "float32")).shape)
    (1, 6, 10, 4)
    """

    def __init__(
        self,
        filters,
        kernel_size=(2, 2),
        strides=2,
        weight_norm=False,
        **kwargs,
    ):
        super().__init__(
            filters,
            kernel_size,
            strides=strides,
            weight_norm=weight_norm,
            **kwargs,
        )

    def check_kernel_size(self):
        """Raises `ValueError` for a kernel too small to fill the output."""
        self.check_covers(self.kernel_size)

    @property
    def crop_start(self):
        return 0, 0
