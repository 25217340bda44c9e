"""MaskedConv2D: the masked convolution of PixelCNN."""

import keras
import numpy as np
from keras import ops


def channel_groups_of(channels, groups):
    """The channel group of each of `channels` features: `floor(i * groups
    / channels)`, consecutive blocks of (nearly) equal size.

    Example:

    >>> channel_groups_of(8, 3).tolist()
    [0, 0, 0, 1, 1, 1, 2, 2]
    """
    return (np.arange(channels) * groups) // channels


def pixelcnn_mask(kernel_size, in_channels, out_channels, mask_type, groups=1):
    """Builds the PixelCNN kernel mask as a NumPy array.

    The mask has the kernel's shape `(kh, kw, in_channels, out_channels)`.
    Positions above the centre row, and left of the centre in the centre row,
    are connected. At the centre position, input and output channels are split
    into `groups` consecutive blocks (R, G, B for colour images; channel `i`
    of `n` is in group `floor(i * groups / n)`, so `n` need not be a
    multiple of `groups`): with mask `"A"` output group `g` sees input
    groups `< g`, with mask `"B"` it sees input groups `<= g`. Everything
    else is zero.

    Args:
        kernel_size: `(kh, kw)`, both odd.
        in_channels: number of input channels, at least `groups`.
        out_channels: number of output channels, at least `groups`.
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
    in_group = channel_groups_of(in_channels, groups)
    out_group = channel_groups_of(out_channels, groups)
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

    For fast generation (Ramachandran et al. 2017) `pixel_step` computes
    the output at one pixel alone from a cache of the input rows it reads
    (`empty_cache`, `write_cache`, `next_row`, `step_weights`), equal to
    the full convolution there when pixels are written in raster order.

    Reference: van den Oord, Kalchbrenner & Kavukcuoglu, "Pixel Recurrent
    Neural Networks", ICML 2016, sections 3.4 and 3.5.

    Args:
        filters: number of output channels (at least `channel_groups`).
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
    >>> tuple(layer(np.zeros((1, 8, 8, 3), "float32")).shape)
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
        if int(channel_groups) < 1 or filters < int(channel_groups):
            raise ValueError(
                "`filters` must be at least `channel_groups` (one feature "
                f"per group at least). Received: filters={filters}, "
                f"channel_groups={channel_groups}"
            )
        self.mask_type = mask_type
        self.channel_groups = int(channel_groups)

    def build(self, input_shape):
        in_channels = input_shape[-1]
        if in_channels is None or in_channels < self.channel_groups:
            raise ValueError(
                "The number of input channels must be at least "
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

    # ------------------------------------------------------------------
    # One pixel at a time (fast generation, Ramachandran et al. 2017)
    # ------------------------------------------------------------------
    @property
    def cache_rows(self):
        """Input rows a pixel's output reads: the centre row and the
        (dilated) rows above it (the rows below are masked out)."""
        return (self.kernel_size[0] // 2) * self.dilation_rate[0] + 1

    @property
    def cache_padding(self):
        """Zero columns on each side of the input cache (`same` padding)."""
        return (self.kernel_size[1] // 2) * self.dilation_rate[1]

    def empty_cache(self, batch_size, width):
        """The input cache of `pixel_step` for images `width` pixels wide:
        zeros `(batch, cache_rows, width + 2 * cache_padding,
        in_channels)`, a window of the last `cache_rows` rows, the current
        row last (rows above the image stay zero)."""
        pad = self.cache_padding
        return ops.zeros(
            (
                batch_size,
                self.cache_rows,
                width + 2 * pad,
                self.kernel.shape[2],
            ),
            self.compute_dtype,
        )

    def write_cache(self, cache, values, col):
        """`cache` with the input `values` `(batch, in_channels)` of column
        `col` of the current row written."""
        # A scatter, not `slice_update`: outside XLA, TensorFlow runs the
        # latter as an XLA op compiled on demand, 10x slower per call.
        batch = ops.shape(cache)[0]
        indices = ops.stack(
            [
                ops.arange(batch, dtype="int32"),
                ops.full((batch,), self.cache_rows - 1, "int32"),
                ops.full((batch,), col + self.cache_padding, "int32"),
            ],
            axis=1,
        )
        return ops.scatter_update(cache, indices, ops.cast(values, cache.dtype))

    @staticmethod
    def next_row(cache):
        """`cache` moved on to a new (zero) current row."""
        return ops.concatenate(
            [cache[:, 1:], ops.zeros_like(cache[:, :1])], axis=1
        )

    @property
    def step_taps(self):
        """Kernel positions a pixel's output reads: the rows above the
        centre and the centre row up to the centre (the others are masked
        to zero), in raster order."""
        kh, kw = self.kernel_size
        return (kh // 2) * kw + kw // 2 + 1

    def step_weights(self):
        """`[kernel, bias]` as `pixel_step` uses them: the masked kernel at
        its `step_taps` (rows above the centre, the centre row up to the
        centre) as a matrix `(step_taps * in_channels, filters)`, and the
        bias (zeros without one). Compute them once per generation."""
        kernel = ops.cast(self.kernel, self.compute_dtype)
        kernel = kernel * ops.cast(self.kernel_mask, kernel.dtype)
        kernel = ops.reshape(kernel, (-1,) + tuple(kernel.shape[2:]))
        kernel = ops.reshape(kernel[: self.step_taps], (-1, self.filters))
        if self.use_bias:
            bias = ops.cast(self.bias, kernel.dtype)
        else:
            bias = ops.zeros((self.filters,), kernel.dtype)
        return [kernel, bias]

    def group_columns(self, group):
        """`(start, stop)`: the output channels of channel group `group`
        (all of them for `None`)."""
        if group is None:
            return 0, self.filters
        groups = channel_groups_of(self.filters, self.channel_groups)
        index = np.flatnonzero(groups == group)
        return int(index[0]), int(index[-1]) + 1

    def group_step_weights(self, group, weights=None):
        """`step_weights` restricted to the outputs of channel group
        `group` (for RGB: what one channel's step needs, a third of the
        work). For a 1x1 layer only the inputs the mask lets that group
        see are kept (groups `<= group`, `< group` for mask `"A"`): feed
        `vector_step` the pixel's input with those groups final.

        Args:
            group: static int in `[0, channel_groups)`, or `None` for
                every group (the weights unchanged).
            weights: `step_weights()`, if already computed.
        """
        kernel, bias = self.step_weights() if weights is None else weights
        if group is None:
            return [kernel, bias]
        start, stop = self.group_columns(group)
        kernel, bias = kernel[:, start:stop], bias[start:stop]
        if self.step_taps == 1:
            seen = channel_groups_of(kernel.shape[0], self.channel_groups)
            rows = int(
                np.sum(seen < group if self.mask_type == "A" else seen <= group)
            )
            kernel = kernel[: max(rows, 1)]  # mask "A", group 0: all zero
        return [kernel, bias]

    def pixel_step(self, cache, col, weights=None):
        """The output `(batch, filters)` at column `col` of the current row.

        Args:
            cache: `empty_cache`, holding the layer's inputs of the rows
                above and of the current row up to and including `col`
                (later columns are masked out, whatever they hold); see
                `write_cache`, `next_row`.
            col: int scalar (a tensor in a loop).
            weights: `step_weights()`, precomputed.

        Returns:
            The same values as `self(inputs)[:, row, col]`.
        """
        (kh, kw), (dh, dw) = self.kernel_size, self.dilation_rate
        batch, rows, _, channels = ops.shape(cache)
        size = (batch, rows, (kw - 1) * dw + 1, channels)
        patch = ops.slice(cache, (0, 0, col, 0), size)
        if dh > 1 or dw > 1:
            patch = patch[:, ::dh, ::dw]
        patch = ops.reshape(patch, (batch, -1))
        if self.step_taps < (kh // 2 + 1) * kw:
            # The centre row's taps right of the centre are masked out.
            patch = patch[:, : self.step_taps * channels]
        return self.vector_step(patch, weights)

    def vector_step(self, inputs, weights=None):
        """A 1x1 layer on one pixel's vector: `(batch, in_channels)` ->
        `(batch, filters)`; for larger kernels `inputs` is a flattened
        patch (see `pixel_step`)."""
        kernel, bias = self.step_weights() if weights is None else weights
        if inputs.shape[-1] != kernel.shape[0]:  # `group_step_weights`
            inputs = inputs[:, : kernel.shape[0]]
        outputs = ops.matmul(ops.cast(inputs, kernel.dtype), kernel) + bias
        if self.activation is not None:
            outputs = self.activation(outputs)
        return outputs

    def get_config(self):
        config = super().get_config()
        for key in ("padding", "strides", "groups", "data_format"):
            config.pop(key, None)
        config.update(
            {"mask_type": self.mask_type, "channel_groups": self.channel_groups}
        )
        return config
