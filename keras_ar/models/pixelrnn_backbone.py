"""PixelRNNBackbone: the LSTM stack of PixelRNN."""

import keras
from keras import ops

from keras_ar.layers import DiagonalBiLSTM
from keras_ar.layers import MaskedConv2D
from keras_ar.layers import RowLSTM
from keras_ar.layers.condition_bias import condition_bias
from keras_ar.layers.condition_bias import condition_bias_layer
from keras_ar.utils import validation

#: The constructor arguments `get_config` returns.
CONFIG_NAMES = (
    "channels cell hidden_units num_layers kernel_size first_kernel_size "
    "output_filters features_size condition_classes condition_size"
).split()

#: The recurrent layer of each `cell`.
CELLS = {"row": RowLSTM, "diagonal": DiagonalBiLSTM}


@keras.saving.register_keras_serializable(package="keras_ar")
class PixelRNNBackbone(keras.layers.Layer):
    """PixelRNN's network: scaled images -> per-pixel head features.

    A `first_kernel_size` mask-`"A"` convolution to `2h` features, then
    `num_layers` residual LSTM layers (`RowLSTM` or `DiagonalBiLSTM` with
    `h` units and mask `"B"`, a `1 x 1` mask-`"B"` convolution back to `2h`
    features added to the layer's input; paper, section 3.3), then ReLU, a
    1x1 mask-`"B"` convolution with `output_filters` filters, ReLU, and a
    1x1 mask-`"B"` convolution to `features_size` features (paper, table
    1). The features at pixel `(i, j)`, channel group `g`, depend only on
    pixels before `(i, j)` in raster order (a triangle above the pixel for
    `"row"`, everything before it for `"diagonal"`) and on channel groups
    `< g` of `(i, j)` itself.

    A condition adds a learned bias before every LSTM layer and before the
    output layers: a per-class embedding (`condition_classes`) or a linear
    projection of a vector (`condition_size`); both start at zero.

    Generation (`build_cache`, `write_inputs`, `next_row`, `step`) computes
    the network at one pixel per step: the input convolution from a cache
    of the image rows it reads, each LSTM layer from the cached states of
    the rows above and of the pixels to the left (see `RowLSTM.pixel_step`,
    `DiagonalBiLSTM.pixel_step`), never re-running the recurrence.

    Args:
        channels: channels of the image (channel groups: 3 for RGB).
        cell: `"row"` (Row LSTM) or `"diagonal"` (Diagonal BiLSTM).
        hidden_units: `h`, a multiple of `channels`; the residual stream
            has `2h` features.
        num_layers: number of LSTM layers.
        kernel_size: width of the Row LSTM's convolutions.
        first_kernel_size: size of the mask-`"A"` input convolution.
        output_filters: width of the 1x1 output layer.
        features_size: features per pixel (`head.features_size(channels)`),
            a multiple of `channels`.
        condition_classes: classes of a class condition, or `None`.
        condition_size: length of a vector condition, or `None`.
        **kwargs: `keras.layers.Layer` arguments.

    Example:

    >>> import numpy as np
    >>> backbone = PixelRNNBackbone(channels=3, hidden_units=3,
    ...                             num_layers=1, output_filters=6,
    ...                             features_size=12)
    >>> tuple(backbone(np.zeros((2, 4, 4, 3), "float32")).shape)
    (2, 4, 4, 12)
    """

    def __init__(
        self,
        channels=1,
        cell="row",
        hidden_units=16,
        num_layers=2,
        kernel_size=3,
        first_kernel_size=7,
        output_filters=32,
        features_size=256,
        condition_classes=None,
        condition_size=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        check = validation.check_positive_int
        self.channels = check(channels, "channels")
        self.cell = validation.check_choice(cell, "cell", tuple(CELLS))
        self.hidden_units = check(hidden_units, "hidden_units")
        self.num_layers = validation.check_non_negative_int(
            num_layers, "num_layers"
        )
        self.kernel_size = check(kernel_size, "kernel_size")
        self.first_kernel_size = check(first_kernel_size, "first_kernel_size")
        self.output_filters = check(output_filters, "output_filters")
        self.features_size = check(features_size, "features_size")
        self.condition_classes, self.condition_size = (
            validation.check_condition_args(condition_classes, condition_size)
        )
        validation.check_channel_groups(
            self.channels,
            at_least={"output_filters": self.output_filters},
            multiple={
                "hidden_units": self.hidden_units,
                "features_size": self.features_size,
            },
        )
        conv = dict(channel_groups=self.channels, dtype=self.dtype_policy)
        width = 2 * self.hidden_units
        self.input_conv = MaskedConv2D(
            width, self.first_kernel_size, "A", name="input_conv", **conv
        )
        extra = {"kernel_size": self.kernel_size} if cell == "row" else {}
        self.lstms = [
            CELLS[cell](
                self.hidden_units,
                mask_type="B",
                name=f"lstm_{i}",
                **extra,
                **conv,
            )
            for i in range(self.num_layers)
        ]
        self.residual_convs = [
            MaskedConv2D(width, 1, "B", name=f"residual_conv_{i}", **conv)
            for i in range(self.num_layers)
        ]
        self.output_conv = MaskedConv2D(
            self.output_filters, 1, "B", name="output_conv", **conv
        )
        self.features_conv = MaskedConv2D(
            self.features_size, 1, "B", name="params_conv", **conv
        )
        classes, size = self.condition_classes, self.condition_size
        self.condition_layers = [
            condition_bias_layer(width, classes, size, f"_{i}", conv["dtype"])
            for i in range(self.num_layers + 1)
            if classes or size
        ]

    def build(self, input_shape):
        shape = tuple(input_shape[:-1])
        width = 2 * self.hidden_units
        self.input_conv.build(tuple(input_shape))
        for lstm, conv in zip(self.lstms, self.residual_convs):
            lstm.build(shape + (width,))
            conv.build(shape + (self.hidden_units,))
        self.output_conv.build(shape + (width,))
        self.features_conv.build(shape + (self.output_filters,))
        for layer in self.condition_layers:
            size = (self.condition_size,) if self.condition_size else ()
            layer.build((None,) + size)
        self.built = True

    def condition_biases(self, condition):
        """The `num_layers + 1` biases `(batch, 2h)` a condition adds, or
        `None` for an unconditional backbone."""
        if not self.condition_layers:
            return None
        value, classes = condition["condition"], self.condition_classes
        return [
            condition_bias(layer, value, classes, self.compute_dtype)
            for layer in self.condition_layers
        ]

    def call(self, inputs, condition=None, training=None):
        biases = self.condition_biases(condition)
        h = self.input_conv(inputs)
        for i in range(self.num_layers + 1):
            if biases is not None:
                bias = ops.reshape(biases[i], (-1, 1, 1, 2 * self.hidden_units))
                h = h + ops.cast(bias, h.dtype)
            if i < self.num_layers:
                h = h + self.residual_convs[i](self.lstms[i](h))
        h = self.output_conv(ops.relu(h))
        return self.features_conv(ops.relu(h))

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.features_size,)

    # ------------------------------------------------------------------
    # Generation, one pixel per step
    # ------------------------------------------------------------------
    def build_cache(self, batch_size, width, condition=None):
        """The state of a generation, a dict of tensors: the input
        convolution's row cache (`"rows_inputs"`), every LSTM layer's state
        (`"lstm"`, see `RowLSTM.empty_state`), every layer's step weights
        (computed once) and the condition's biases."""
        weights = {
            "inputs": self.input_conv.step_weights(),
            "lstm": [lstm.step_weights() for lstm in self.lstms],
            "residual": [conv.step_weights() for conv in self.residual_convs],
            "output": self.output_conv.step_weights(),
            "features": self.features_conv.step_weights(),
        }
        cache = {
            "rows_inputs": self.input_conv.empty_cache(batch_size, width),
            "lstm": [
                lstm.empty_state(batch_size, width) for lstm in self.lstms
            ],
            "weights": weights,
        }
        for i, bias in enumerate(self.condition_biases(condition) or ()):
            cache[f"bias_{i}"] = ops.cast(bias, self.compute_dtype)
        return cache

    def write_inputs(self, cache, values, col):
        """`cache` with the scaled image's values `(batch, channels)` at
        column `col` of the current row written."""
        return {
            **cache,
            "rows_inputs": self.input_conv.write_cache(
                cache["rows_inputs"], values, col
            ),
        }

    def next_row(self, cache, condition=None):
        """`cache` moved on to the next image row (when `condition`, a
        scalar bool tensor, is true; in one `keras.ops.cond`): the input
        rows move on and every LSTM layer finishes its row (the Diagonal
        BiLSTM runs its backward direction over it)."""
        moving = {"rows_inputs": cache["rows_inputs"], "lstm": cache["lstm"]}
        weights = cache["weights"]["lstm"]

        def move():
            return {
                "rows_inputs": MaskedConv2D.next_row(cache["rows_inputs"]),
                "lstm": [
                    lstm.next_row(state, w)
                    for lstm, state, w in zip(
                        self.lstms, cache["lstm"], weights
                    )
                ],
            }

        if condition is None:
            return {**cache, **move()}
        return {**cache, **ops.cond(condition, move, lambda: moving)}

    def step(self, cache, col):
        """`(features, cache)`: `self(x)[:, row, col]` `(batch,
        features_size)` for the current row, from the cache (which must
        hold every earlier pixel of the image, see `write_inputs` and
        `next_row`), and the cache with this pixel's LSTM states written.
        For colour images a pixel may be stepped again once more of its
        channels are written (its states are overwritten)."""
        cache = dict(cache)
        weights = cache["weights"]
        h = self.input_conv.pixel_step(
            cache["rows_inputs"], col, weights["inputs"]
        )
        states = list(cache["lstm"])
        for i in range(self.num_layers + 1):
            if f"bias_{i}" in cache:
                h = h + ops.cast(cache[f"bias_{i}"], h.dtype)
            if i < self.num_layers:
                out, states[i] = self.lstms[i].pixel_step(
                    states[i], h, col, weights["lstm"][i]
                )
                h = h + self.residual_convs[i].vector_step(
                    out, weights["residual"][i]
                )
        cache["lstm"] = states
        out = self.output_conv.vector_step(ops.relu(h), weights["output"])
        features = self.features_conv.vector_step(
            ops.relu(out), weights["features"]
        )
        return features, cache

    def get_config(self):
        config = super().get_config()
        config.update({name: getattr(self, name) for name in CONFIG_NAMES})
        return config
