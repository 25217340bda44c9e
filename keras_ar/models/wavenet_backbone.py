"""WaveNetBackbone: gated, dilated causal convolutions over sequences."""

import keras
from keras import ops

from keras_ar.layers.causal_conv1d import CausalDilatedConv1D
from keras_ar.layers.wavenet_block import WaveNetBlock
from keras_ar.utils import validation

#: The architecture arguments (shared with `WaveNet`'s config).
ARGUMENTS = (
    "residual_channels", "skip_channels", "num_stacks", "layers_per_stack",
    "kernel_size", "output_channels", "condition_classes",
    "condition_embedding_size", "local_condition_channels",
    "local_upsample_factor", "local_upsample",
)  # fmt: skip


@keras.saving.register_keras_serializable(package="keras_ar")
class WaveNetBackbone(keras.layers.Layer):
    """WaveNet's network: sequences `(batch, time, channels)` -> features.

    The input (a sequence scaled by the head, see
    `DistributionHead.encode_inputs`) is shifted right by one step, so
    that the features at time `t` see only `x[<t]`; then a causal input
    convolution and `num_stacks` stacks of `layers_per_stack`
    `WaveNetBlock`s with dilations `1, 2, ..., 2**(layers_per_stack - 1)`;
    the sum of the blocks' skip outputs goes through ReLU, a 1x1 layer
    with ReLU and a 1x1 layer to `features_size` features per step.
    Features at time `t` depend on the `receptive_field` steps before `t`
    and never on `t` or later.

    Conditions (section 2.5 of the paper) come as the dict models receive
    from their `ConditionSpec`: `"condition"`, integer class ids
    `(batch,)` (embedded, fed to every block: a global condition), and
    `"local_condition"`, features `(batch, frames, channels)` at a rate
    `local_upsample_factor` times lower than the sequence, upsampled by
    repetition (`"repeat"`) or a learned transposed convolution
    (`"transposed"`) and cropped to the sequence's length (more frames
    than needed are allowed).

    Fast generation (Paine et al., 2016): `build_cache` holds a queue of
    past inputs for every causal convolution (a ring buffer written one
    slot per step), the embedded class and the upsampled local condition;
    `call_with_cache` computes one time step from the previous value: a
    step costs one column of the network whatever the length, and gives
    the features of the full pass.

    References: van den Oord et al., "WaveNet: A Generative Model for Raw
    Audio", 2016; Paine et al., "Fast Wavenet Generation Algorithm", 2016.

    Args:
        features_size: features per time step (`head.features_size(C)`).
        residual_channels: channels of the residual stream.
        skip_channels: channels of the skip outputs.
        num_stacks: number of dilation cycles.
        layers_per_stack: blocks per cycle.
        kernel_size: taps of every causal convolution.
        output_channels: width of the first 1x1 output layer (default
            `skip_channels`).
        condition_classes: classes of a global class condition, or `None`.
        condition_embedding_size: size of the class embedding.
        local_condition_channels: features per frame of a local
            condition, or `None`.
        local_upsample_factor: sequence steps per local frame.
        local_upsample: `"repeat"` or `"transposed"`.
        **kwargs: `keras.layers.Layer` arguments.

    Example:

    >>> import numpy as np
    >>> backbone = WaveNetBackbone(5, residual_channels=4, skip_channels=4,
    ...                            num_stacks=1, layers_per_stack=3)
    >>> backbone.dilations, backbone.receptive_field
    ([1, 2, 4], 9)
    >>> tuple(backbone(np.zeros((2, 16, 1), "float32")).shape)
    (2, 16, 5)
    """

    def __init__(
        self,
        features_size,
        residual_channels=32,
        skip_channels=64,
        num_stacks=2,
        layers_per_stack=10,
        kernel_size=2,
        output_channels=None,
        condition_classes=None,
        condition_embedding_size=16,
        local_condition_channels=None,
        local_upsample_factor=1,
        local_upsample="repeat",
        **kwargs,
    ):
        super().__init__(**kwargs)
        output_channels = output_channels or skip_channels
        for name, value in (
            ("features_size", features_size),
            ("residual_channels", residual_channels),
            ("skip_channels", skip_channels),
            ("num_stacks", num_stacks),
            ("layers_per_stack", layers_per_stack),
            ("kernel_size", kernel_size),
            ("output_channels", output_channels),
            ("condition_embedding_size", condition_embedding_size),
            ("local_upsample_factor", local_upsample_factor),
        ):
            setattr(self, name, validation.check_positive_int(value, name))
        optional = validation.check_optional_positive_int
        self.condition_classes = optional(
            condition_classes, "condition_classes"
        )
        self.local_condition_channels = optional(
            local_condition_channels, "local_condition_channels"
        )
        self.local_upsample = validation.check_choice(
            local_upsample, "local_upsample", ("repeat", "transposed")
        )
        self._make_layers()

    def _make_layers(self):
        policy = self.dtype_policy
        self.input_conv = CausalDilatedConv1D(
            self.residual_channels, self.kernel_size, name="input_conv",
            dtype=policy,
        )  # fmt: skip
        self.condition_embedding = None
        if self.condition_classes is not None:
            self.condition_embedding = keras.layers.Embedding(
                self.condition_classes, self.condition_embedding_size,
                name="condition_embedding", dtype=policy,
            )  # fmt: skip
        self.local_upsampler = None
        if self.local_condition_channels and self.local_upsample != "repeat":
            self.local_upsampler = keras.layers.Conv1DTranspose(
                self.local_condition_channels, self.local_upsample_factor,
                strides=self.local_upsample_factor, padding="valid",
                name="local_upsampler", dtype=policy,
            )  # fmt: skip
        global_channels = (
            None if self.condition_classes is None
            else self.condition_embedding_size
        )  # fmt: skip
        last = len(self.dilations) - 1
        self.blocks = [
            WaveNetBlock(
                self.residual_channels, self.skip_channels, self.kernel_size,
                dilation, global_condition_channels=global_channels,
                local_condition_channels=self.local_condition_channels,
                residual_output=i < last, name=f"block_{i}", dtype=policy,
            )
            for i, dilation in enumerate(self.dilations)
        ]  # fmt: skip
        self.output_dense = keras.layers.Dense(
            self.output_channels, activation="relu", name="output_dense",
            dtype=policy,
        )  # fmt: skip
        self.params_dense = keras.layers.Dense(
            self.features_size, name="params_dense", dtype=policy
        )

    @property
    def dilations(self):
        """Dilation of every block: `1, 2, ..., 2**(n-1)` per stack."""
        return [2**i for i in range(self.layers_per_stack)] * self.num_stacks

    @property
    def receptive_field(self):
        """Past steps a prediction sees: `1 + (kernel_size - 1) * (1 +
        sum(dilations))` (the shift, the input conv, every block)."""
        return 1 + (self.kernel_size - 1) * (1 + sum(self.dilations))

    def build(self, input_shape):
        # From shapes alone: no eager forward pass (slow op by op on JAX).
        self.input_conv.build((None, None, input_shape[-1]))
        for block in self.blocks:
            block.build((None, None, self.residual_channels))
        if self.condition_embedding is not None:
            self.condition_embedding.build((None,))
        if self.local_upsampler is not None:
            self.local_upsampler.build(
                (None, None, self.local_condition_channels)
            )
        self.output_dense.build((None, None, self.skip_channels))
        self.params_dense.build((None, None, self.output_channels))

    # ------------------------------------------------------------------
    # Conditions
    # ------------------------------------------------------------------
    def condition_tensors(self, condition, length):
        """`(embedded class (batch, E) or None, local features at the
        sequence's rate (batch, length, channels) or None)`."""
        condition = dict(condition or {})
        received = sorted(condition)
        ids = condition.pop("condition", None)
        local = condition.pop("local_condition", None)
        for name, value, used in (
            ("condition", ids, self.condition_classes is not None),
            ("local_condition", local, self.local_condition_channels),
        ):
            if bool(used) != (value is not None):
                verb = "is conditional: pass" if used else "takes no"
                raise ValueError(
                    f"This WaveNet {verb} `{name}`. Received condition "
                    f"keys: {received}."
                )
        if condition:
            raise ValueError(
                "WaveNet conditions are 'condition' (class ids) and "
                f"'local_condition'. Received keys {received}."
            )
        embedded = None
        if ids is not None:
            ids = ops.reshape(ops.cast(ids, "int32"), (-1,))
            embedded = self.condition_embedding(ids)
        if local is not None:
            local = self.upsample(local, length)
        return embedded, local

    def upsample(self, local, length):
        """Local features `(batch, frames, channels)` -> `(batch, length,
        channels)`: repeated or transposed-convolved, then cropped."""
        shape = tuple(local.shape)
        if len(shape) != 3 or shape[-1] != self.local_condition_channels:
            raise ValueError(
                "The local condition must have shape (batch, frames, "
                f"{self.local_condition_channels}). Received shape {shape}."
            )
        factor = self.local_upsample_factor
        if shape[1] is not None and isinstance(length, int):
            if shape[1] * factor < length:
                raise ValueError(
                    f"The local condition has {shape[1]} frames; "
                    f"{-(-length // factor)} are needed to cover {length} "
                    f"steps at {factor} steps per frame."
                )
        local = ops.cast(local, self.compute_dtype)
        if self.local_upsampler is not None:
            local = self.local_upsampler(local)
        elif factor > 1:
            local = ops.repeat(local, factor, axis=1)
        return local[:, :length]

    # ------------------------------------------------------------------
    # Full pass
    # ------------------------------------------------------------------
    def call(self, inputs, condition=None, training=None):
        """Features `(batch, time, features_size)` of encoded sequences
        `(batch, time, channels)` and the condition dict (or `None`)."""
        length = inputs.shape[1]
        if length is None:
            length = ops.shape(inputs)[1]
        # Shift right by one: the features at t see x[<t] only.
        x = ops.pad(
            ops.cast(inputs, self.compute_dtype), ((0, 0), (1, 0), (0, 0))
        )
        h = self.input_conv(x[:, :-1])
        embedded, local = self.condition_tensors(condition, length)
        skip = None
        for block in self.blocks:
            h, s = block(h, embedded, local)
            skip = s if skip is None else skip + s
        return self.params_dense(self.output_dense(ops.relu(skip)))

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.features_size,)

    # ------------------------------------------------------------------
    # Fast generation
    # ------------------------------------------------------------------
    def build_cache(self, batch_size, condition, length):
        """The state of `call_with_cache` for `batch_size` sequences of
        `length` steps: `{"queues": (an empty queue per causal conv),
        "global": the embedded class, "local": the local condition at the
        sequence's rate}` (the last two if used)."""
        layers = [self.input_conv] + [b.dilated_conv for b in self.blocks]
        cache = {
            "queues": tuple(layer.initial_state(batch_size) for layer in layers)
        }
        embedded, local = self.condition_tensors(condition, length)
        if embedded is not None:
            cache["global"] = embedded
        if local is not None:
            cache["local"] = local
        return cache

    def call_with_cache(self, previous, cache, index):
        """`(features (batch, features_size), cache)` of time step `index`
        from the encoded value at `index - 1`, `(batch, channels)` (zeros
        at step 0)."""
        queues = cache["queues"]
        embedded = cache.get("global")
        local = cache.get("local")
        if local is not None:
            local = ops.take(local, index, axis=1)
        h, queue = self.input_conv.step(previous, queues[0], index)
        new_queues = [queue]
        skip = None
        for block, queue in zip(self.blocks, queues[1:]):
            (h, s), queue = block.step(h, queue, embedded, local, index)
            new_queues.append(queue)
            skip = s if skip is None else skip + s
        features = self.params_dense(self.output_dense(ops.relu(skip)))
        return features, dict(cache, queues=tuple(new_queues))

    def get_config(self):
        config = super().get_config()
        config["features_size"] = self.features_size
        config.update({name: getattr(self, name) for name in ARGUMENTS})
        return config
