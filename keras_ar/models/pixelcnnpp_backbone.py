"""PixelCNNPlusPlusBackbone: the U-net of shifted convolutions of
PixelCNN++."""

import keras
from keras import ops

from keras_ar.layers.down_right_shifted_conv2d import DownRightShiftedConv2D
from keras_ar.layers.down_right_shifted_conv2d_transpose import (
    DownRightShiftedConv2DTranspose,
)
from keras_ar.layers.down_shifted_conv2d import DownShiftedConv2D
from keras_ar.layers.down_shifted_conv2d_transpose import (
    DownShiftedConv2DTranspose,
)
from keras_ar.layers.gated_resnet_block import GatedResnetBlock
from keras_ar.utils import validation

#: The constructor arguments `get_config` returns.
CONFIG_NAMES = (
    "channels filters num_resnet num_hierarchies dropout weight_norm "
    "features_size condition_classes condition_size"
).split()


def hierarchy_sizes(size, num_hierarchies):
    """The image size (an int or `None`) at each hierarchy: halved (ceil)
    from one to the next, as stride-2 shifted convolutions do.

    Example:

    >>> hierarchy_sizes(28, 3)
    [28, 14, 7]
    >>> hierarchy_sizes(5, 3)
    [5, 3, 2]
    """
    sizes = [size]
    for _ in range(num_hierarchies - 1):
        size = None if size is None else -(-size // 2)
        sizes.append(size)
    return sizes


@keras.saving.register_keras_serializable(package="keras_ar")
class PixelCNNPlusPlusBackbone(keras.layers.Layer):
    """PixelCNN++'s network: scaled images -> per-pixel head features.

    After Salimans et al. 2017 (figure 2, and github.com/openai/pixel-cnn
    `model.py`); the same network as TFP's `tfd.PixelCNN` with its
    default `receptive_field_dims=(3, 3)`:

    1. the scaled image plus a channel of ones (so the zero padding is
       told apart from the image) starts two streams: `u =
       down_shift(DownShiftedConv2D((2, 3)))`, which sees the two rows
       above, and `ul = down_shift(DownShiftedConv2D((1, 3))) +
       right_shift(DownRightShiftedConv2D((2, 1)))`, which sees the row
       above and the pixels to the left; both `filters` wide;
    2. an "up" pass of `num_hierarchies` hierarchies of `num_resnet`
       `GatedResnetBlock` pairs (`u`: `conv="down"`, 2x3; `ul`:
       `conv="down_right"`, 2x2, with `u` as auxiliary input), the
       hierarchies separated by stride-2 shifted convolutions (32 -> 16
       -> 8; odd sizes round up: 28 -> 14 -> 7 -> 4); every stream output
       is kept;
    3. a "down" pass in reverse, `num_resnet` block pairs at the lowest
       resolution and `num_resnet + 1` at the others, each taking the kept
       output of the up pass as auxiliary input (`u`: the kept `u`; `ul`:
       `[u, kept ul]`), with stride-2 shifted transposed convolutions
       between the hierarchies (cropped to the kept outputs' size for odd
       sizes);
    4. `features = nin(elu(ul))`, a 1x1 convolution to `features_size`.

    The features at pixel `(i, j)` depend only on pixels before `(i, j)`
    in raster order, every channel of them, with no blind spot (the `u`
    stream sees whole rows above within its reach): the head orders the
    channels within a pixel (`DiscretizedLogisticMixture(coupled=True)`
    for PixelCNN++'s R -> G -> B coupling), so `features_size` may be
    any size. A condition adds a learned bias (per class, or a projection
    of a vector; zero at the start) to every gated resnet's gate.

    Reference: Salimans, Karpathy, Chen & Kingma, "PixelCNN++: Improving
    the PixelCNN with Discretized Logistic Mixture Likelihood and Other
    Modifications", ICLR 2017.

    Args:
        channels: channels of the image.
        filters: width of both streams (160 in the paper).
        num_resnet: gated resnet block pairs per hierarchy (5).
        num_hierarchies: resolutions (3).
        dropout: dropout rate of the gated resnets (0.5), training only.
        weight_norm: weight-normalize every convolution (True).
        features_size: features per pixel (`head.features_size(channels)`).
        condition_classes: classes of a class condition, or `None`.
        condition_size: length of a vector condition, or `None`.
        **kwargs: `keras.layers.Layer` arguments.

    Example:

    >>> import numpy as np
    >>> backbone = PixelCNNPlusPlusBackbone(channels=3, filters=4,
    ...                                     num_resnet=1, num_hierarchies=2,
    ...                                     features_size=10,
    ...                                     condition_classes=2)
    >>> x = np.zeros((2, 5, 5, 3), "float32")
    >>> c = {"condition": np.array([0, 1])}
    >>> tuple(backbone(x, condition=c).shape)
    (2, 5, 5, 10)
    """

    def __init__(
        self,
        channels=3,
        filters=160,
        num_resnet=5,
        num_hierarchies=3,
        dropout=0.5,
        weight_norm=True,
        features_size=100,
        condition_classes=None,
        condition_size=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        check = validation.check_positive_int
        self.channels = check(channels, "channels")
        self.filters = check(filters, "filters")
        self.num_resnet = check(num_resnet, "num_resnet")
        self.num_hierarchies = check(num_hierarchies, "num_hierarchies")
        self.features_size = check(features_size, "features_size")
        self.dropout = float(dropout)
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(
                f"`dropout` must be in [0, 1). Received: dropout={dropout!r}"
            )
        if not isinstance(weight_norm, bool):
            raise ValueError(
                "`weight_norm` must be True or False. Received: "
                f"weight_norm={weight_norm!r}"
            )
        self.weight_norm = weight_norm
        self.condition_classes, self.condition_size = (
            validation.check_condition_args(condition_classes, condition_size)
        )
        p, dtype, wn = self.filters, self.dtype_policy, self.weight_norm
        conv = dict(weight_norm=wn, dtype=dtype)
        self.u_input = DownShiftedConv2D(
            p, (2, 3), shift=True, name="u_input", **conv
        )
        self.ul_input_up = DownShiftedConv2D(
            p, (1, 3), shift=True, name="ul_input_up", **conv
        )
        self.ul_input_left = DownRightShiftedConv2D(
            p, (2, 1), shift=True, name="ul_input_left", **conv
        )

        def block(kind, name):
            return GatedResnetBlock(
                kind,
                dropout=self.dropout,
                weight_norm=wn,
                condition_classes=self.condition_classes,
                condition_size=self.condition_size,
                name=name,
                dtype=dtype,
            )

        levels = range(self.num_hierarchies)
        self.up_u, self.up_ul, self.down_u, self.down_ul = [], [], [], []
        for h in levels:
            count = self.num_resnet if h == 0 else self.num_resnet + 1
            for r in range(self.num_resnet):
                self.up_u.append(block("down", f"up_u_{h}_{r}"))
                self.up_ul.append(block("down_right", f"up_ul_{h}_{r}"))
            for r in range(count):
                self.down_u.append(block("down", f"down_u_{h}_{r}"))
                self.down_ul.append(block("down_right", f"down_ul_{h}_{r}"))
        last = self.num_hierarchies - 1
        self.downsample_u = [
            DownShiftedConv2D(p, strides=2, name=f"downsample_u_{h}", **conv)
            for h in range(last)
        ]
        self.downsample_ul = [
            DownRightShiftedConv2D(
                p, strides=2, name=f"downsample_ul_{h}", **conv
            )
            for h in range(last)
        ]
        self.upsample_u = [
            DownShiftedConv2DTranspose(p, name=f"upsample_u_{h}", **conv)
            for h in range(last)
        ]
        self.upsample_ul = [
            DownRightShiftedConv2DTranspose(p, name=f"upsample_ul_{h}", **conv)
            for h in range(last)
        ]
        self.output_conv = DownRightShiftedConv2D(
            self.features_size, 1, name="output_conv", **conv
        )

    def build(self, input_shape):
        batch, height, width, channels = tuple(input_shape)
        if channels is not None and channels != self.channels:
            raise ValueError(
                f"PixelCNNPlusPlusBackbone(channels={self.channels}) "
                f"expects images with {self.channels} channels. Received "
                f"input shape: {tuple(input_shape)}"
            )
        p = self.filters
        sizes = list(
            zip(
                hierarchy_sizes(height, self.num_hierarchies),
                hierarchy_sizes(width, self.num_hierarchies),
            )
        )

        def shape(level, depth=p):
            return (batch,) + sizes[level] + (depth,)

        for layer in (self.u_input, self.ul_input_up, self.ul_input_left):
            layer.build(shape(0, self.channels + 1))
        r_count = self.num_resnet
        for index, (u, ul) in enumerate(zip(self.up_u, self.up_ul)):
            level = index // r_count
            u.build(shape(level))
            ul.build(shape(level), shape(level))
        for level, (u, ul) in enumerate(
            zip(self.downsample_u, self.downsample_ul)
        ):
            u.build(shape(level))
            ul.build(shape(level))
        start = 0
        for h in range(self.num_hierarchies):
            level = self.num_hierarchies - 1 - h
            count = r_count if h == 0 else r_count + 1
            for u, ul in zip(
                self.down_u[start : start + count],
                self.down_ul[start : start + count],
            ):
                u.build(shape(level), shape(level))
                ul.build(shape(level), shape(level, 2 * p))
            start += count
            if level > 0:
                self.upsample_u[h].build(shape(level))
                self.upsample_ul[h].build(shape(level))
        self.output_conv.build(shape(0))
        self.built = True

    @staticmethod
    def _condition_value(condition):
        return None if condition is None else condition["condition"]

    def call(self, inputs, condition=None, training=None):
        value = self._condition_value(condition)
        ones = ops.ones_like(inputs[..., :1])
        x = ops.concatenate([inputs, ones], axis=-1)
        u = self.u_input(x)
        ul = self.ul_input_up(x) + self.ul_input_left(x)
        kept_u, kept_ul = [u], [ul]
        # Up pass: keep every output for the skip connections.
        for h in range(self.num_hierarchies):
            for r in range(self.num_resnet):
                index = h * self.num_resnet + r
                u = self.up_u[index](u, condition=value, training=training)
                ul = self.up_ul[index](
                    ul, u, condition=value, training=training
                )
                kept_u.append(u)
                kept_ul.append(ul)
            if h < self.num_hierarchies - 1:
                u = self.downsample_u[h](u)
                ul = self.downsample_ul[h](ul)
                kept_u.append(u)
                kept_ul.append(ul)
        # Down pass, in reverse, with the kept outputs as auxiliary inputs.
        u, ul = kept_u.pop(), kept_ul.pop()
        start = 0
        for h in range(self.num_hierarchies):
            count = self.num_resnet if h == 0 else self.num_resnet + 1
            for index in range(start, start + count):
                u = self.down_u[index](
                    u, kept_u.pop(), condition=value, training=training
                )
                aux = ops.concatenate([u, kept_ul.pop()], axis=-1)
                ul = self.down_ul[index](
                    ul, aux, condition=value, training=training
                )
            start += count
            if h < self.num_hierarchies - 1:
                height, width = kept_u[-1].shape[1], kept_u[-1].shape[2]
                u = self.upsample_u[h](u)[:, :height, :width]
                ul = self.upsample_ul[h](ul)[:, :height, :width]
        return self.output_conv(ops.elu(ul))

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.features_size,)

    def build_cache(self, batch_size, width, condition=None):
        """The backbone's part of a generation cache: nothing (PixelCNN++
        has no per-layer activation cache yet; `PixelCNNPlusPlus` runs the
        whole network once per pixel)."""
        return {}

    def get_config(self):
        config = super().get_config()
        config.update({name: getattr(self, name) for name in CONFIG_NAMES})
        return config
