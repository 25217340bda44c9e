"""DownShiftedConv2D: PixelCNN++'s convolution over the rows above."""

import contextlib

import keras
import numpy as np
from keras import ops

#: Added under the square root of weight normalization's kernel norms, so
#: that an all-zero filter gives zeros rather than NaN.
WEIGHT_NORM_EPSILON = 1e-12


def down_shift(x):
    """`x` `(batch, height, width, channels)` moved down one row: row 0
    becomes zeros, row `i` holds row `i - 1` (PixelCNN++'s `down_shift`).

    Example:

    >>> import numpy as np
    >>> x = np.arange(4.0).reshape(1, 2, 2, 1)
    >>> np.asarray(down_shift(x))[0, :, :, 0].tolist()
    [[0.0, 0.0], [0.0, 1.0]]
    """
    return ops.pad(x, [[0, 0], [1, 0], [0, 0], [0, 0]])[:, :-1]


def right_shift(x):
    """`x` `(batch, height, width, channels)` moved right one column:
    column 0 becomes zeros (PixelCNN++'s `right_shift`).

    Example:

    >>> import numpy as np
    >>> x = np.arange(4.0).reshape(1, 2, 2, 1)
    >>> np.asarray(right_shift(x))[0, :, :, 0].tolist()
    [[0.0, 0.0], [0.0, 2.0]]
    """
    return ops.pad(x, [[0, 0], [0, 0], [1, 0], [0, 0]])[:, :, :-1]


def add_weight_norm_scale(layer, filters):
    """Creates `layer.kernel_scale`, weight normalization's per-filter
    scale `g` (Salimans & Kingma 2016), starting at 1 (unit-norm
    filters)."""
    return layer.add_weight(
        name="kernel_scale",
        shape=(filters,),
        initializer="ones",
        trainable=True,
        dtype=layer.dtype,
    )


def weight_normalized(kernel, scale, filter_axis):
    """`scale * kernel / ||kernel||`, the norm taken per filter over every
    axis but `filter_axis` (weight normalization: `w = g v / ||v||`).

    Example:

    >>> import numpy as np
    >>> k = weight_normalized(np.full((2, 2, 1, 3), 2.0, "float32"),
    ...                       np.ones(3, "float32"), filter_axis=3)
    >>> float(np.sum(np.asarray(k)[..., 0] ** 2))
    1.0
    """
    axes = [a for a in range(len(kernel.shape)) if a != filter_axis]
    squares = ops.sum(ops.square(kernel), axis=axes, keepdims=True)
    norm = ops.sqrt(squares + WEIGHT_NORM_EPSILON)
    shape = [1] * len(kernel.shape)
    shape[filter_axis] = -1
    scale = ops.reshape(ops.cast(scale, kernel.dtype), shape)
    return kernel * (scale / norm)


_DATA_INIT = [False]


@contextlib.contextmanager
def data_init_scope():
    """Within it, every weight-normalized shifted convolution called
    (eagerly) initializes itself from the batch it sees, in network order
    (`initialize_from_outputs`): weight normalization's data-dependent
    initialization (Salimans & Kingma 2016, section 3; PixelCNN++'s
    `init` pass, TFP's `use_data_init=True`).

    Example:

    >>> x = np.random.default_rng(0).normal(size=(8, 4, 4, 3))
    >>> layer = DownShiftedConv2D(2, weight_norm=True, use_bias=False)
    >>> with data_init_scope():
    ...     y = np.asarray(layer(x.astype("float32")))
    >>> np.round(y.std(axis=(0, 1, 2)), 3).tolist()
    [1.0, 1.0]
    """
    previous = _DATA_INIT[0]
    _DATA_INIT[0] = True
    try:
        yield
    finally:
        _DATA_INIT[0] = previous


def data_init_active():
    """Whether `data_init_scope` is active."""
    return _DATA_INIT[0]


def initialize_from_outputs(layer, outputs):
    """Weight norm's data-dependent initialization of `layer` from its
    pre-bias `outputs` `(..., filters)` on a batch (concrete tensors):
    the scales `g` are divided by the outputs' standard deviation per
    filter and the bias set to minus their mean over it, so that the
    layer's outputs on that batch have zero mean and unit variance."""
    values = np.asarray(ops.convert_to_numpy(outputs), "float64")
    values = values.reshape(-1, values.shape[-1])
    mean = values.mean(axis=0)
    std = np.sqrt(values.var(axis=0) + 1e-10)
    scale = np.asarray(ops.convert_to_numpy(layer.kernel_scale), "float64")
    layer.kernel_scale.assign((scale / std).astype(layer.kernel_scale.dtype))
    if layer.use_bias:
        layer.bias.assign((-mean / std).astype(layer.bias.dtype))


def check_conv_kwargs(cls_name, kwargs, fixed):
    """Raises `ValueError` when `kwargs` holds an argument of `fixed` (the
    ones the layer sets itself)."""
    for key in fixed:
        if key in kwargs:
            raise ValueError(
                f"{cls_name} does not accept `{key}`: it sets "
                f"{', '.join(fixed)} itself. Received: {key}={kwargs[key]!r}"
            )


def spatial_output_shape(input_shape, strides, filters, scale=None):
    """`(batch, ceil(H / s), ceil(W / s), filters)` (`scale`: multiply
    instead), keeping unknown sizes `None`."""
    batch, height, width = input_shape[:3]
    sizes = []
    for size, stride in zip((height, width), strides):
        if size is None:
            sizes.append(None)
        elif scale:
            sizes.append(size * stride)
        else:
            sizes.append(-(-size // stride))
    return (batch, *sizes, filters)


@keras.saving.register_keras_serializable(package="keras_ar")
class DownShiftedConv2D(keras.layers.Conv2D):
    """2D convolution that sees the current row and the rows above only.

    PixelCNN++'s `down_shifted_conv2d`: the input is padded with
    `kh - 1` zero rows on top and `(kw - 1) / 2` zero columns on each
    side, then convolved with padding `"valid"`, so the output has the
    size `(ceil(H / s), ceil(W / s))` and output `(i, j)` sees input rows
    `s*i - kh + 1 .. s*i` and columns `s*j - (kw - 1) / 2 .. s*j + (kw -
    1) / 2` (the kernel's rectangle, centred in width, with its bottom
    row at the output's row). For a `2 x 3` kernel at stride 1 (`x`: the
    output's position, `k`: inputs seen):

    ```
    k k k
    k x k
    ```

    With `shift=True` the output moves down one row (its first row is
    zero), so output row `i` sees only input rows `< i`: PixelCNN++'s
    `down_shift(down_shifted_conv2d(x))`, the start of its "up" stream.
    With `weight_norm=True` the kernel is `g v / ||v||` per filter
    (weight normalization, Salimans & Kingma 2016; `g` starts at 1),
    applied in `convolution_op`; within `data_init_scope` an eager call
    initializes `g` and the bias from the batch (data-dependent
    initialization).

    `window_output` computes the output at one position from its input
    window alone (kernel contraction, bias, activation), for cached
    generation.

    Reference: Salimans, Karpathy, Chen & Kingma, "PixelCNN++: Improving
    the PixelCNN with Discretized Logistic Mixture Likelihood and Other
    Modifications", ICLR 2017 (and github.com/openai/pixel-cnn).

    Args:
        filters: number of output channels.
        kernel_size: int or `(kh, kw)`, `kw` odd; default `(2, 3)`.
        strides: int or pair (2 for PixelCNN++'s downsampling).
        shift: move the output down one row (see above).
        weight_norm: weight-normalize the kernel.
        **kwargs: other `keras.layers.Conv2D` arguments (`activation`,
            `use_bias`, initializers, regularizers, `dtype`, `name`...).

    Example:

    >>> import numpy as np
    >>> layer = DownShiftedConv2D(4, strides=2, shift=True)
    >>> tuple(layer(np.zeros((1, 7, 6, 3), "float32")).shape)
    (1, 4, 3, 4)
    """

    fixed_kwargs = ("padding", "dilation_rate", "groups", "data_format")

    def __init__(
        self,
        filters,
        kernel_size=(2, 3),
        strides=1,
        shift=False,
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
        self.shift = bool(shift)
        self.weight_norm = bool(weight_norm)

    def check_kernel_size(self):
        """Raises `ValueError` for a kernel the layer cannot centre."""
        if self.kernel_size[1] % 2 == 0:
            raise ValueError(
                "`kernel_size` must have an odd width (the kernel is "
                "centred in width). Received: "
                f"kernel_size={self.kernel_size}"
            )

    def build(self, input_shape):
        super().build(input_shape)
        if self.weight_norm:
            self.kernel_scale = add_weight_norm_scale(self, self.filters)

    @property
    def paddings(self):
        """`[(top, bottom), (left, right)]` zero padding of the input."""
        kh, kw = self.kernel_size
        return [(kh - 1, 0), ((kw - 1) // 2, (kw - 1) // 2)]

    def effective_kernel(self, kernel=None):
        """The kernel the convolution uses (weight-normalized if asked)."""
        kernel = self.kernel if kernel is None else kernel
        if self.weight_norm:
            kernel = weight_normalized(kernel, self.kernel_scale, 3)
        return kernel

    def convolution_op(self, inputs, kernel):
        kernel = self.effective_kernel(kernel)
        inputs = ops.pad(inputs, [(0, 0), *self.paddings, (0, 0)])
        return super().convolution_op(inputs, kernel)

    def shift_outputs(self, outputs):
        """`shift=True`'s move (down one row)."""
        return down_shift(outputs)

    def call(self, inputs):
        if self.weight_norm and data_init_active():
            initialize_from_outputs(
                self, self.convolution_op(inputs, self.kernel)
            )
        outputs = super().call(inputs)
        return self.shift_outputs(outputs) if self.shift else outputs

    def compute_output_shape(self, input_shape):
        return spatial_output_shape(input_shape, self.strides, self.filters)

    def window_output(self, window):
        """The output at one position from its input window.

        Args:
            window: `(batch, kh, kw, in_channels)`, the inputs the kernel
                covers there in their natural order (rows top to bottom,
                columns left to right; zeros outside the image).

        Returns:
            `(batch, filters)`: the convolution there (weight norm, bias
            and activation applied; `shift` is the caller's business).
        """
        kernel = ops.cast(self.effective_kernel(), self.compute_dtype)
        batch = ops.shape(window)[0]
        flat = ops.reshape(ops.cast(window, kernel.dtype), (batch, -1))
        outputs = ops.matmul(flat, ops.reshape(kernel, (-1, self.filters)))
        if self.use_bias:
            outputs = outputs + ops.cast(self.bias, outputs.dtype)
        if self.activation is not None:
            outputs = self.activation(outputs)
        return outputs

    def save_own_variables(self, store):
        # Conv2D saves only its kernel and bias: with weight norm, save
        # every variable as a plain layer does (kernel, bias, scale).
        if self.weight_norm:
            keras.layers.Layer.save_own_variables(self, store)
        else:
            super().save_own_variables(store)

    def load_own_variables(self, store):
        if self.weight_norm:
            keras.layers.Layer.load_own_variables(self, store)
        else:
            super().load_own_variables(store)

    def get_config(self):
        config = super().get_config()
        for key in self.fixed_kwargs:
            config.pop(key, None)
        config.update({"shift": self.shift, "weight_norm": self.weight_norm})
        return config
