"""MaskedConv2D: the masked convolution of PixelCNN."""

import keras
import numpy as np
from keras import ops


def pixelcnn_mask(kernel_size, in_channels, out_channels, mask_type, groups=1):
    """Builds the PixelCNN kernel mask as a NumPy array.

    The mask has the kernel's shape `(kh, kw, in_channels, out_channels)`.
    Positions above the centre row, and left of the centre in the centre row,
    are connected. At the centre position, input and output channels are split
    into `groups` consecutive blocks (R, G, B for colour images): with mask
    `"A"` output group `g` sees input groups `< g`, with mask `"B"` it sees
    input groups `<= g`. Everything else is zero.

    Args:
        kernel_size: `(kh, kw)`, both odd.
        in_channels: number of input channels, divisible by `groups`.
        out_channels: number of output channels, divisible by `groups`.
        mask_type: `"A"` (first layer: excludes the current pixel's own
            channel group) or `"B"` (later layers: includes it).
        groups: number of channel groups (1 for grey, 3 for RGB).

    Returns:
        A float32 NumPy array of zeros and ones.
    """
    kh, kw = kernel_size
    cy, cx = kh // 2, kw // 2
    mask = np.zeros((kh, kw, in_channels, out_channels), dtype="float32")
    mask[:cy] = 1.0
    mask[cy, :cx] = 1.0
    in_group = np.arange(in_channels) // (in_channels // groups)
    out_group = np.arange(out_channels) // (out_channels // groups)
    if mask_type == "A":
        centre = in_group[:, None] < out_group[None, :]
    else:
        centre = in_group[:, None] <= out_group[None, :]
    mask[cy, cx] = centre.astype("float32")
    return mask


@keras.saving.register_keras_serializable(package="keras_ar")
class MaskedConv2D(keras.layers.Conv2D):
    """2D convolution whose kernel only sees "past" pixels (PixelCNN).

    Pixels are ordered in raster scan (row by row, left to right) and, within
    a pixel, by channel group (R, then G, then B). The kernel is multiplied by
    a constant mask so that the output at pixel `(i, j)` in channel group `g`
    depends only on pixels before `(i, j)` and, at `(i, j)` itself, on input
    groups before `g` (mask `"A"`) or up to and including `g` (mask `"B"`).
    A 5x5 mask for one group (`1` = connected, `c` = centre, see above):

    ```
    1 1 1 1 1
    1 1 1 1 1
    1 1 c 0 0
    0 0 0 0 0
    0 0 0 0 0
    ```

    Stacking one mask-`"A"` layer followed by any number of mask-`"B"` layers
    keeps the whole network autoregressive. Padding is always `"same"` and
    strides are 1, so the spatial shape is kept. The mask is applied in `call`
    (cast to the kernel's dtype), so the layer is mixed-precision safe and
    the stored kernel is never modified.

    Reference: van den Oord, Kalchbrenner & Kavukcuoglu, "Pixel Recurrent
    Neural Networks", ICML 2016, sections 3.4 and 3.5.

    Args:
        filters: number of output channels (divisible by `channel_groups`).
        kernel_size: int or `(kh, kw)`, odd sizes.
        mask_type: `"A"` or `"B"`.
        channel_groups: number of channel groups (3 for RGB images, 1 for
            grey images). The input channel count must be divisible by it.
        dilation_rate: int or pair; dilation of the convolution.
        **kwargs: other `keras.layers.Conv2D` arguments (`activation`,
            `use_bias`, initializers, regularizers, `dtype`, `name`...).

    Example:

    >>> import numpy as np
    >>> layer = MaskedConv2D(6, 3, mask_type="A", channel_groups=3)
    >>> layer(np.zeros((1, 8, 8, 3), "float32")).shape
    (1, 8, 8, 6)
    """

    def __init__(
        self,
        filters,
        kernel_size,
        mask_type="B",
        channel_groups=1,
        dilation_rate=(1, 1),
        **kwargs,
    ):
        for key in ("padding", "strides", "groups", "data_format"):
            if key in kwargs:
                raise ValueError(
                    f"MaskedConv2D does not accept `{key}`: padding is "
                    "'same', strides 1, groups 1 and data_format "
                    f"'channels_last'. Received: {key}={kwargs[key]!r}"
                )
        super().__init__(
            filters,
            kernel_size,
            padding="same",
            dilation_rate=dilation_rate,
            data_format="channels_last",
            **kwargs,
        )
        if mask_type not in ("A", "B"):
            raise ValueError(
                f"`mask_type` must be 'A' or 'B'. Received: {mask_type!r}"
            )
        if any(k % 2 == 0 for k in self.kernel_size):
            raise ValueError(
                "`kernel_size` must be odd in both dimensions. Received: "
                f"kernel_size={self.kernel_size}"
            )
        if int(channel_groups) < 1 or filters % int(channel_groups) != 0:
            raise ValueError(
                "`filters` must be divisible by `channel_groups`. Received: "
                f"filters={filters}, channel_groups={channel_groups}"
            )
        self.mask_type = mask_type
        self.channel_groups = int(channel_groups)

    def build(self, input_shape):
        in_channels = input_shape[-1]
        if in_channels is None or in_channels % self.channel_groups != 0:
            raise ValueError(
                "The number of input channels must be divisible by "
                f"`channel_groups`={self.channel_groups}. Received input "
                f"shape: {input_shape}"
            )
        super().build(input_shape)
        self.kernel_mask = pixelcnn_mask(
            self.kernel_size,
            in_channels,
            self.filters,
            self.mask_type,
            self.channel_groups,
        )

    def convolution_op(self, inputs, kernel):
        mask = ops.cast(self.kernel_mask, kernel.dtype)
        return super().convolution_op(inputs, ops.multiply(kernel, mask))

    def get_config(self):
        config = super().get_config()
        for key in ("padding", "strides", "groups", "data_format"):
            config.pop(key, None)
        config.update(
            {"mask_type": self.mask_type, "channel_groups": self.channel_groups}
        )
        return config
