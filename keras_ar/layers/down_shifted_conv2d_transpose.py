"""DownShiftedConv2DTranspose: PixelCNN++'s upsampling of the up stream."""

import keras
from keras import ops

from keras_ar.layers.down_shifted_conv2d import add_weight_norm_scale
from keras_ar.layers.down_shifted_conv2d import check_conv_kwargs
from keras_ar.layers.down_shifted_conv2d import data_init_active
from keras_ar.layers.down_shifted_conv2d import initialize_from_outputs
from keras_ar.layers.down_shifted_conv2d import spatial_output_shape
from keras_ar.layers.down_shifted_conv2d import weight_normalized


@keras.saving.register_keras_serializable(package="keras_ar")
class DownShiftedConv2DTranspose(keras.layers.Conv2DTranspose):
    """Transposed convolution that upsamples by `strides` and keeps
    PixelCNN++'s down-shifted causality.

    PixelCNN++'s `down_shifted_deconv2d`: a `"valid"` transposed
    convolution (input `(i, j)` spreads to outputs `s*i + a`, `s*j + b`
    for kernel taps `a < kh`, `b < kw`), cropped to exactly `(s*H, s*W)`:
    the first rows and the columns from `(kw - 1) / 2` on. Output row `r`
    thus reads input rows `i <= r / s` only: a low-resolution row `i`
    that stands for the high-resolution row `s*i` (after a stride-`s`
    `DownShiftedConv2D`) only reaches rows `>= s*i`, so a stream that sees
    only rows above stays so. Columns reach both sides, `(kw - 1) / 2`
    each, as in `DownShiftedConv2D`. With `weight_norm=True` the kernel is
    weight-normalized per output filter (`g` starts at 1; see
    `data_init_scope` for the data-dependent initialization).

    Reference: Salimans, Karpathy, Chen & Kingma, "PixelCNN++", ICLR 2017
    (and github.com/openai/pixel-cnn).

    Args:
        filters: number of output channels.
        kernel_size: int or `(kh, kw)`, `kw` odd; default `(2, 3)`.
        strides: int or pair, the upsampling factor (default 2).
        weight_norm: weight-normalize the kernel.
        **kwargs: other `keras.layers.Conv2DTranspose` arguments
            (`activation`, `use_bias`, initializers, `dtype`, `name`...).

    Example:

    >>> import numpy as np
    >>> layer = DownShiftedConv2DTranspose(4)
    >>> tuple(layer(np.zeros((1, 3, 5, 2), "float32")).shape)
    (1, 6, 10, 4)
    """

    fixed_kwargs = ("padding", "output_padding", "dilation_rate", "data_format")

    def __init__(
        self,
        filters,
        kernel_size=(2, 3),
        strides=2,
        weight_norm=False,
        **kwargs,
    ):
        check_conv_kwargs(type(self).__name__, kwargs, self.fixed_kwargs)
        super().__init__(
            filters,
            kernel_size,
            strides=strides,
            padding="valid",
            data_format="channels_last",
            **kwargs,
        )
        self.check_kernel_size()
        self.weight_norm = bool(weight_norm)

    def check_kernel_size(self):
        """Raises `ValueError` for a kernel the layer cannot centre, or
        one too small to fill the `(s*H, s*W)` output."""
        if self.kernel_size[1] % 2 == 0:
            raise ValueError(
                "`kernel_size` must have an odd width (the kernel is "
                "centred in width). Received: "
                f"kernel_size={self.kernel_size}"
            )
        self.check_covers((self.kernel_size[0], (self.kernel_size[1] + 1) // 2))

    def check_covers(self, reach):
        """Raises `ValueError` unless `reach` (the taps at and after the
        kept output start, per axis) is at least the stride."""
        if any(r < s for r, s in zip(reach, self.strides)):
            raise ValueError(
                f"{type(self).__name__} needs a kernel that covers every "
                f"output: {reach} taps per axis, at least "
                f"strides={self.strides}. Received: "
                f"kernel_size={self.kernel_size}"
            )

    @property
    def crop_start(self):
        """`(row, column)` of the transposed output kept first."""
        return 0, (self.kernel_size[1] - 1) // 2

    def build(self, input_shape):
        super().build(input_shape)
        if self.weight_norm:
            self.kernel_scale = add_weight_norm_scale(self, self.filters)

    def effective_kernel(self):
        """The kernel the layer uses (weight-normalized if asked)."""
        kernel = self.kernel
        if self.weight_norm:
            kernel = weight_normalized(kernel, self.kernel_scale, 2)
        return kernel

    def call(self, inputs):
        if self.weight_norm and data_init_active():
            initialize_from_outputs(self, self.transposed(inputs))
        outputs = self.transposed(inputs)
        if self.use_bias:
            outputs = outputs + ops.cast(self.bias, outputs.dtype)
        if self.activation is not None:
            outputs = self.activation(outputs)
        return outputs

    def transposed(self, inputs):
        """The cropped transposed convolution, before bias and
        activation."""
        outputs = ops.conv_transpose(
            inputs,
            self.effective_kernel(),
            strides=list(self.strides),
            padding="valid",
            data_format="channels_last",
        )
        height, width = ops.shape(inputs)[1], ops.shape(inputs)[2]
        (sh, sw), (top, left) = self.strides, self.crop_start
        return outputs[:, top : top + sh * height, left : left + sw * width]

    def compute_output_shape(self, input_shape):
        return spatial_output_shape(
            input_shape, self.strides, self.filters, scale=True
        )

    def get_config(self):
        config = super().get_config()
        for key in self.fixed_kwargs:
            config.pop(key, None)
        config["weight_norm"] = self.weight_norm
        return config
