"""GatedResnetBlock: PixelCNN++'s gated residual block."""

import keras
from keras import ops

from keras_ar.layers.condition_bias import condition_bias
from keras_ar.layers.condition_bias import condition_bias_layer
from keras_ar.layers.down_right_shifted_conv2d import DownRightShiftedConv2D
from keras_ar.layers.down_shifted_conv2d import DownShiftedConv2D
from keras_ar.utils import validation

#: Default kernel size of each kind of convolution.
KERNEL_SIZES = {"down": (2, 3), "down_right": (2, 2), "1x1": (1, 1)}


def concat_elu(x):
    """`elu([x, -x])` on the last axis (PixelCNN++'s `concat_elu`): twice
    the channels, and information from both signs kept.

    Example:

    >>> import numpy as np
    >>> np.round(np.asarray(concat_elu(np.array([[1.0, -1.0]]))), 3)
    array([[ 1.   , -0.632, -0.632,  1.   ]])
    """
    return ops.elu(ops.concatenate([x, -x], axis=-1))


@keras.saving.register_keras_serializable(package="keras_ar")
class GatedResnetBlock(keras.layers.Layer):
    """PixelCNN++'s gated residual block (`gated_resnet`).

    For an input `x` with `filters` channels (the output has the same):

        c1 = conv1(concat_elu(x)) + nin(concat_elu(aux))
        [a, b] = conv2(dropout(concat_elu(c1))) + condition_bias
        output = x + a * sigmoid(b)

    `conv1` (`filters` outputs) and `conv2` (`2 * filters`) are
    `DownShiftedConv2D` (`conv="down"`, default `2 x 3`: the current and
    previous rows, PixelCNN++'s "up" stream), `DownRightShiftedConv2D`
    (`conv="down_right"`, default `2 x 2`: up and to the left, the "up-left"
    stream) or 1x1 convolutions (`conv="1x1"`); `nin` is a 1x1
    convolution of an optional auxiliary input `aux` (the other stream or
    a skip connection, same height and width). The block adds no new
    dependencies beyond its convolutions': with `"down_right"` the output
    at `(i, j)` depends on `x` at or before `(i, j)` in raster order (and
    on `aux` at `(i, j)` alone), with `"down"` on `x` in rows `<= i`.

    A condition adds a learned bias to `conv2`'s output (the gate's
    pre-activation), per class (`condition_classes`) or as a linear
    projection of a vector (`condition_size`), zero at the start
    (conditional PixelCNN, van den Oord et al. 2016b, eq. 4).
    `weight_norm=True` weight-normalizes every convolution; `dropout` is
    active in training only.

    Cached generation (`conv` `"down_right"` or `"1x1"`): with pixels
    computed in raster order, `step(cache, value, row, col, ...)` gives
    the block's output at one pixel from the inputs of earlier pixels
    kept in `step_cache` buffers, equal to `call` there.

    Reference: Salimans, Karpathy, Chen & Kingma, "PixelCNN++", ICLR 2017,
    section 2.2 (and github.com/openai/pixel-cnn, `nn.gated_resnet`).

    Args:
        conv: `"down"`, `"down_right"` or `"1x1"`.
        kernel_size: the convolutions' kernel, or `None` for the
            default of `conv` (`(2, 3)`, `(2, 2)`, `(1, 1)`).
        dropout: dropout rate in `[0, 1)` before `conv2`.
        weight_norm: weight-normalize the convolutions.
        condition_classes: classes of a class condition, or `None`.
        condition_size: length of a vector condition, or `None` (not
            together with `condition_classes`).
        **kwargs: `keras.layers.Layer` arguments.

    Example:

    >>> import numpy as np
    >>> block = GatedResnetBlock("down_right", condition_classes=3)
    >>> x = np.zeros((2, 4, 4, 6), "float32")
    >>> aux = np.zeros((2, 4, 4, 5), "float32")
    >>> tuple(block(x, aux, condition=np.array([0, 2])).shape)
    (2, 4, 4, 6)
    """

    def __init__(
        self,
        conv="down",
        kernel_size=None,
        dropout=0.0,
        weight_norm=False,
        condition_classes=None,
        condition_size=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.conv = validation.check_choice(conv, "conv", tuple(KERNEL_SIZES))
        if kernel_size is None:
            kernel_size = KERNEL_SIZES[conv]
        elif isinstance(kernel_size, int):
            kernel_size = (kernel_size, kernel_size)
        self.kernel_size = tuple(int(k) for k in kernel_size)
        if len(self.kernel_size) != 2 or min(self.kernel_size) < 1:
            raise ValueError(
                "`kernel_size` must be None, a positive int or a pair. "
                f"Received: kernel_size={kernel_size!r}"
            )
        if conv == "1x1" and self.kernel_size != (1, 1):
            raise ValueError(
                "conv='1x1' takes kernel_size (1, 1) or None. Received: "
                f"kernel_size={kernel_size!r}"
            )
        if conv == "down" and self.kernel_size[1] % 2 == 0:
            raise ValueError(
                "conv='down' needs an odd kernel width. Received: "
                f"kernel_size={kernel_size!r}"
            )
        self.dropout = float(dropout)
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(
                f"`dropout` must be in [0, 1). Received: dropout={dropout!r}"
            )
        self.weight_norm = bool(weight_norm)
        self.condition_classes, self.condition_size = (
            validation.check_condition_args(condition_classes, condition_size)
        )
        self.filters = None
        self.aux_channels = None

    def _conv(self, filters, name):
        if self.conv == "down":
            cls = DownShiftedConv2D
        else:
            cls = DownRightShiftedConv2D
        return cls(
            filters,
            self.kernel_size,
            weight_norm=self.weight_norm,
            name=name,
            dtype=self.dtype_policy,
        )

    def build(self, x_shape, aux_shape=None, condition_shape=None):
        x_shape = tuple(x_shape)
        p = x_shape[-1]
        if p is None:
            raise ValueError(
                "GatedResnetBlock needs a known number of input channels. "
                f"Received input shape: {x_shape}"
            )
        self.filters = int(p)
        space = x_shape[:-1]
        self.conv1 = self._conv(p, "conv1")
        self.conv1.build(space + (2 * p,))
        self.nin = None
        if aux_shape is not None:
            self.aux_channels = int(aux_shape[-1])
            self.nin = DownRightShiftedConv2D(
                p,
                1,
                weight_norm=self.weight_norm,
                name="nin",
                dtype=self.dtype_policy,
            )
            self.nin.build(tuple(aux_shape)[:-1] + (2 * self.aux_channels,))
        self.dropout_layer = keras.layers.Dropout(
            self.dropout, dtype=self.dtype_policy
        )
        self.conv2 = self._conv(2 * p, "conv2")
        self.conv2.build(space + (2 * p,))
        self.condition_layer = condition_bias_layer(
            2 * p,
            self.condition_classes,
            self.condition_size,
            "",
            self.dtype_policy,
        )
        if self.condition_layer is not None:
            size = (self.condition_size,) if self.condition_size else ()
            self.condition_layer.build((None,) + size)
        self.built = True

    def condition_biases(self, condition):
        """The condition's bias `(batch, 2 * filters)` (class ids
        `(batch,)` or vectors `(batch, size)`), or `None` for an
        unconditional block."""
        if self.condition_classes is None and self.condition_size is None:
            if condition is not None:
                raise ValueError(
                    "This GatedResnetBlock takes no condition (pass "
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
                f"This GatedResnetBlock needs a condition: {expected}. "
                "Received: condition=None"
            )
        if not self.built:
            raise ValueError(
                "GatedResnetBlock.condition_biases needs a built block (the "
                "bias width is twice the input channels): call it or build "
                "it first."
            )
        return condition_bias(
            self.condition_layer,
            condition,
            self.condition_classes,
            self.compute_dtype,
        )

    def _check_aux(self, aux):
        if (aux is None) != (self.nin is None):
            raise ValueError(
                "GatedResnetBlock was built "
                + (
                    "without an auxiliary input"
                    if self.nin is None
                    else f"with an auxiliary input of {self.aux_channels} "
                    "channels"
                )
                + " and is called with aux="
                + ("None" if aux is None else f"of shape {aux.shape}.")
            )

    def _gate(self, x, c2, bias):
        if bias is not None:
            c2 = c2 + ops.cast(bias, c2.dtype)
        a, b = c2[..., : self.filters], c2[..., self.filters :]
        return x + ops.cast(a * ops.sigmoid(b), x.dtype)

    def call(self, x, aux=None, condition=None, training=None):
        self._check_aux(aux)
        bias = self.condition_biases(condition)
        c1 = self.conv1(concat_elu(x))
        if aux is not None:
            c1 = c1 + self.nin(concat_elu(aux))
        c1 = self.dropout_layer(concat_elu(c1), training=training)
        c2 = self.conv2(c1)
        if bias is not None:
            bias = bias[:, None, None, :]
        return self._gate(x, c2, bias)

    def compute_output_shape(self, x_shape, aux_shape=None):
        return tuple(x_shape)

    # ------------------------------------------------------------------
    # Cached generation: one pixel at a time, raster order
    # ------------------------------------------------------------------
    def _check_steppable(self):
        if self.conv == "down":
            raise ValueError(
                "Cached steps need conv='down_right' or '1x1' (a 'down' "
                "convolution reads pixels to the right in the current "
                f"row). Received: conv={self.conv!r}"
            )

    def step_cache(self, batch_size, height, width):
        """The buffers of `step`: a dict of the padded inputs of `conv1`
        and `conv2` (empty for `"1x1"`)."""
        self._check_steppable()
        if self.conv == "1x1":
            return {}
        size = (batch_size, height, width, 2 * self.filters)
        return {
            "conv1": self.conv1.step_buffer(*size),
            "conv2": self.conv2.step_buffer(*size),
        }

    def _conv_step(self, layer, cache, key, value, row, col):
        if self.conv == "1x1":
            return layer.window_output(value[:, None, None, :]), cache
        output, cache[key] = layer.step(cache[key], value, row, col)
        return output, cache

    def step(self, cache, value, row, col, aux=None, condition_bias=None):
        """The block's output at one pixel.

        Args:
            cache: `step_cache`, after the steps of every earlier pixel in
                raster order.
            value: the input `x` at `(row, col)`, `(batch, filters)`.
            row: int scalar (a tensor in a loop).
            col: int scalar (a tensor in a loop).
            aux: the auxiliary input at `(row, col)`, `(batch,
                aux_channels)`, if the block takes one.
            condition_bias: `condition_biases(condition)`, or `None`.

        Returns:
            `(outputs, cache)`: `self(x, aux, condition)[:, row, col]`
            `(batch, filters)` and the updated buffers.
        """
        self._check_steppable()
        self._check_aux(aux)
        cache = dict(cache)
        value = ops.cast(value, self.compute_dtype)
        if aux is not None:
            aux = ops.cast(aux, self.compute_dtype)
        c1, cache = self._conv_step(
            self.conv1, cache, "conv1", concat_elu(value), row, col
        )
        if aux is not None:
            c1 = c1 + self.nin.window_output(concat_elu(aux)[:, None, None])
        c2, cache = self._conv_step(
            self.conv2, cache, "conv2", concat_elu(c1), row, col
        )
        return self._gate(value, c2, condition_bias), cache

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "conv": self.conv,
                "kernel_size": self.kernel_size,
                "dropout": self.dropout,
                "weight_norm": self.weight_norm,
                "condition_classes": self.condition_classes,
                "condition_size": self.condition_size,
            }
        )
        return config
