"""Residual block of PixelCNN."""

import keras
from keras import ops

from keras_ar.layers.masked_conv2d import MaskedConv2D


def splice(vector, part, start, stop):
    """`vector` `(batch, n)` with columns `start:stop` replaced by `part`
    (static bounds)."""
    pieces = [ops.cast(part, vector.dtype)]
    if start > 0:
        pieces.insert(0, vector[:, :start])
    if stop < vector.shape[-1]:
        pieces.append(vector[:, stop:])
    if len(pieces) == 1:
        return pieces[0]
    return ops.concatenate(pieces, axis=-1)


@keras.saving.register_keras_serializable(package="keras_ar")
class PixelCNNResidualBlock(keras.layers.Layer):
    """PixelCNN residual block: `x + conv1x1(relu(convkxk(relu(conv1x1(
    relu(x))))))`, every convolution masked with mask `"B"`.

    The input has `2 * filters` channels; the block narrows to `filters`,
    applies the `kernel_size` mask-B convolution and widens back, so the
    block keeps the autoregressive property of its input (a mask-B block
    only mixes a position with itself and the positions before it).

    Reference: van den Oord, Kalchbrenner & Kavukcuoglu, "Pixel Recurrent
    Neural Networks", ICML 2016, figure 5 (left) and table 1.

    Args:
        filters: `h`, the narrow width (the input has `2h` channels).
        kernel_size: odd size of the middle convolution (3 in the paper).
        channel_groups: channel groups of the event (3 for RGB).
        **kwargs: `keras.layers.Layer` arguments.

    Example:

    >>> import numpy as np
    >>> block = PixelCNNResidualBlock(4)
    >>> tuple(block(np.zeros((1, 5, 5, 8), "float32")).shape)
    (1, 5, 5, 8)
    """

    def __init__(self, filters, kernel_size=3, channel_groups=1, **kwargs):
        super().__init__(**kwargs)
        self.filters = int(filters)
        self.kernel_size = int(kernel_size)
        self.channel_groups = int(channel_groups)
        groups = self.channel_groups
        self.reduce = MaskedConv2D(
            self.filters, 1, "B", groups, name="reduce", dtype=self.dtype_policy
        )
        self.conv = MaskedConv2D(
            self.filters,
            self.kernel_size,
            "B",
            groups,
            name="conv",
            dtype=self.dtype_policy,
        )
        self.expand = MaskedConv2D(
            2 * self.filters,
            1,
            "B",
            groups,
            name="expand",
            dtype=self.dtype_policy,
        )

    def build(self, input_shape):
        if input_shape[-1] != 2 * self.filters:
            raise ValueError(
                f"PixelCNNResidualBlock(filters={self.filters}) expects "
                f"{2 * self.filters} input channels. Received input shape "
                f"{input_shape}."
            )
        narrow = tuple(input_shape[:-1]) + (self.filters,)
        self.reduce.build(input_shape)
        self.conv.build(narrow)
        self.expand.build(narrow)

    def call(self, inputs):
        h = self.reduce(ops.relu(inputs))
        h = self.conv(ops.relu(h))
        h = self.expand(ops.relu(h))
        return inputs + h

    # ------------------------------------------------------------------
    # One pixel at a time (fast generation, Ramachandran et al. 2017)
    # ------------------------------------------------------------------
    def empty_cache(self, batch_size, width):
        """The input cache of the middle convolution (see
        `MaskedConv2D.empty_cache`; `MaskedConv2D.next_row` moves it on)."""
        return self.conv.empty_cache(batch_size, width)

    def step_weights(self):
        """The step weights of the three convolutions, a list of six
        tensors (compute them once per generation)."""
        return (
            self.reduce.step_weights()
            + self.conv.step_weights()
            + self.expand.step_weights()
        )

    def step(self, inputs, cache, col, weights=None):
        """The block at column `col` of the current row alone.

        Args:
            inputs: the block's input at the pixel, `(batch, 2 * filters)`.
            cache: the middle convolution's input cache, holding every
                earlier pixel it reads.
            col: int scalar (a tensor in a loop).
            weights: `step_weights()`, precomputed.

        Returns:
            `(outputs, cache)`: `self(x)[:, row, col]` and the cache with
            the pixel's middle input written.
        """
        if weights is None:
            weights = self.step_weights()
        h = self.reduce.vector_step(ops.relu(inputs), weights[0:2])
        cache = self.conv.write_cache(cache, ops.relu(h), col)
        h = self.conv.pixel_step(cache, col, weights[2:4])
        h = self.expand.vector_step(ops.relu(h), weights[4:6])
        return inputs + ops.cast(h, inputs.dtype), cache

    def group_step_weights(self, group, weights=None):
        """`step_weights` for the outputs of channel group `group` (see
        `MaskedConv2D.group_step_weights`)."""
        weights = self.step_weights() if weights is None else weights
        return (
            self.reduce.group_step_weights(group, weights[0:2])
            + self.conv.group_step_weights(group, weights[2:4])
            + self.expand.group_step_weights(group, weights[4:6])
        )

    def group_step(self, inputs, state, cache, col, group, weights):
        """The block's outputs of channel group `group` alone, at column
        `col` of the current row (one RGB channel's step).

        Args:
            inputs: the block's input at the pixel, `(batch, 2 * filters)`,
                final in the groups `<= group`.
            state: `(reduced, convolved)`, the pixel's inputs of the middle
                and last convolutions `(batch, filters)`, final in the
                groups `< group` (zeros at the first group).
            cache: the middle convolution's input cache.
            col: int scalar (a tensor in a loop).
            group: static int, the channel group (`None`: all groups, the
                whole pixel).
            weights: `group_step_weights(group)`, precomputed.

        Returns:
            `(outputs, state, cache)`: the block's output channels of the
            group, `(batch, stop - start)`, and the updated state and cache.
        """
        reduced, convolved = state
        start, stop = self.reduce.group_columns(group)
        h = self.reduce.vector_step(ops.relu(inputs), weights[0:2])
        reduced = splice(reduced, ops.relu(h), start, stop)
        cache = self.conv.write_cache(cache, reduced, col)
        h = self.conv.pixel_step(cache, col, weights[2:4])
        convolved = splice(convolved, ops.relu(h), start, stop)
        h = self.expand.vector_step(convolved, weights[4:6])
        start, stop = self.expand.group_columns(group)
        outputs = inputs[:, start:stop] + ops.cast(h, inputs.dtype)
        return outputs, (reduced, convolved), cache

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "filters": self.filters,
                "kernel_size": self.kernel_size,
                "channel_groups": self.channel_groups,
            }
        )
        return config
