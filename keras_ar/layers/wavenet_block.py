"""WaveNetBlock: gated residual block with skip output and conditioning."""

import keras
from keras import ops

from keras_ar.layers.causal_conv1d import CausalDilatedConv1D
from keras_ar.utils.validation import check_optional_positive_int
from keras_ar.utils.validation import check_positive_int


@keras.saving.register_keras_serializable(package="keras_ar")
class WaveNetBlock(keras.layers.Layer):
    """WaveNet residual block: dilated causal conv, gated unit, 1x1s.

    For an input `x` `(batch, time, residual_channels)`:

    ```
    a      = CausalDilatedConv1D(2 * gate_channels)(x)
             + V_g h                     (global condition h, optional)
             + V_l y                     (local condition y, optional)
    z      = tanh(a_filter) * sigmoid(a_gate)
    output = x + Dense(residual_channels)(z)      (residual path)
    skip   = Dense(skip_channels)(z)               (skip path)
    ```

    The global condition is one vector per example (e.g. an embedded
    speaker or class id), broadcast over time. The local condition is a
    feature sequence at the signal rate (upsample lower-rate features
    first, as `keras_ar.models.WaveNet` does); it is an input, not a
    modelled variable, so it may be non-causal. With respect to `x` the
    block is causal: outputs at time `t` depend on `x[t - (k - 1) d .. t]`.

    `step(new_input, state, ...)` computes the block's outputs at one time
    step from the newest input and the convolution's queue (see
    `CausalDilatedConv1D.step`), for fast generation.

    Reference: van den Oord et al., "WaveNet: A Generative Model for Raw
    Audio", 2016, sections 2.3-2.5 (eq. 2 for the gate, eqs. 3-4 for
    conditioning, figure 4 for the block).

    Args:
        residual_channels: channels of the input and residual output.
        skip_channels: channels of the skip output.
        kernel_size: taps of the dilated convolution (2 in WaveNet).
        dilation_rate: dilation of the convolution.
        gate_channels: channels of the gated unit (default
            `residual_channels`).
        global_condition_channels: size of the global condition vector,
            or `None` for no global conditioning.
        local_condition_channels: channels of the local condition
            sequence, or `None` for no local conditioning.
        residual_output: `False` for the last block of a network, whose
            residual output is unused: it then has no residual projection
            and returns its input unchanged as the residual output.
        **kwargs: `keras.layers.Layer` arguments.

    Example:

    >>> import numpy as np
    >>> block = WaveNetBlock(8, 16, dilation_rate=4,
    ...                      global_condition_channels=3)
    >>> x = np.zeros((2, 10, 8), "float32")
    >>> h = np.ones((2, 3), "float32")
    >>> residual, skip = block(x, global_condition=h)
    >>> tuple(residual.shape), tuple(skip.shape)
    ((2, 10, 8), (2, 10, 16))
    """

    def __init__(
        self,
        residual_channels,
        skip_channels,
        kernel_size=2,
        dilation_rate=1,
        gate_channels=None,
        global_condition_channels=None,
        local_condition_channels=None,
        residual_output=True,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.residual_channels = check_positive_int(
            residual_channels, "residual_channels"
        )
        self.skip_channels = check_positive_int(skip_channels, "skip_channels")
        self.kernel_size = check_positive_int(kernel_size, "kernel_size")
        self.dilation_rate = check_positive_int(dilation_rate, "dilation_rate")
        self.gate_channels = check_positive_int(
            gate_channels or residual_channels, "gate_channels"
        )
        self.global_condition_channels = check_optional_positive_int(
            global_condition_channels, "global_condition_channels"
        )
        self.local_condition_channels = check_optional_positive_int(
            local_condition_channels, "local_condition_channels"
        )
        policy = self.dtype_policy
        self.dilated_conv = CausalDilatedConv1D(
            2 * self.gate_channels,
            self.kernel_size,
            self.dilation_rate,
            name="dilated_conv",
            dtype=policy,
        )
        self.global_projection = None
        if self.global_condition_channels is not None:
            self.global_projection = keras.layers.Dense(
                2 * self.gate_channels,
                use_bias=False,
                name="global_projection",
                dtype=policy,
            )
        self.local_projection = None
        if self.local_condition_channels is not None:
            self.local_projection = keras.layers.Dense(
                2 * self.gate_channels,
                use_bias=False,
                name="local_projection",
                dtype=policy,
            )
        self.residual_output = bool(residual_output)
        self.residual_projection = None
        if self.residual_output:
            self.residual_projection = keras.layers.Dense(
                self.residual_channels,
                name="residual_projection",
                dtype=policy,
            )
        self.skip_projection = keras.layers.Dense(
            self.skip_channels, name="skip_projection", dtype=policy
        )

    @property
    def receptive_field(self):
        """Inputs one output sees: `(kernel_size - 1) * dilation_rate + 1`."""
        return self.dilated_conv.receptive_field

    def build(self, input_shape):
        if len(input_shape) != 3 or input_shape[-1] != self.residual_channels:
            raise ValueError(
                "WaveNetBlock expects inputs of shape (batch, time, "
                f"{self.residual_channels}). Received shape "
                f"{tuple(input_shape)}."
            )
        self.dilated_conv.build(input_shape)
        gate_shape = tuple(input_shape[:-1]) + (self.gate_channels,)
        if self.residual_projection is not None:
            self.residual_projection.build(gate_shape)
        self.skip_projection.build(gate_shape)
        if self.global_projection is not None:
            self.global_projection.build((None, self.global_condition_channels))
        if self.local_projection is not None:
            self.local_projection.build(
                (None, None, self.local_condition_channels)
            )

    def _check_conditions(self, x, global_condition, local_condition, rank):
        """Checks the conditions against the block's configuration."""
        name = self.__class__.__name__
        for value, channels, what, arg in (
            (
                global_condition,
                self.global_condition_channels,
                "global",
                "global_condition",
            ),
            (
                local_condition,
                self.local_condition_channels,
                "local",
                "local_condition",
            ),
        ):
            if channels is None:
                if value is not None:
                    raise ValueError(
                        f"This {name} has no {what} conditioning (built with "
                        f"{what}_condition_channels=None) but received "
                        f"`{arg}` of shape {tuple(value.shape)}."
                    )
                continue
            if value is None:
                raise ValueError(
                    f"This {name} is {what}ly conditioned "
                    f"({what}_condition_channels={channels}): pass `{arg}`."
                )
            shape = tuple(value.shape)
            expected_rank = 2 if what == "global" else rank
            if len(shape) != expected_rank or shape[-1] != channels:
                if what == "global":
                    expected = f"(batch, {channels})"
                elif rank == 3:
                    expected = f"(batch, time, {channels})"
                else:
                    expected = f"(batch, {channels})"
                raise ValueError(
                    f"`{arg}` must have shape {expected}. Received shape "
                    f"{shape}."
                )
            if what == "local" and rank == 3:
                t_x, t_c = x.shape[1], shape[1]
                if t_x is not None and t_c is not None and t_x != t_c:
                    raise ValueError(
                        "`local_condition` must have the signal's length "
                        f"(upsample it first): expected {t_x} time steps, "
                        f"received {t_c} (shape {shape})."
                    )

    def _gate(self, a, global_condition, local_condition, time_axis):
        if global_condition is not None:
            g = self.global_projection(global_condition)
            if time_axis:
                g = ops.expand_dims(g, 1)
            a = a + ops.cast(g, a.dtype)
        if local_condition is not None:
            a = a + ops.cast(self.local_projection(local_condition), a.dtype)
        filters = a[..., : self.gate_channels]
        gates = a[..., self.gate_channels :]
        return ops.tanh(filters) * ops.sigmoid(gates)

    def _residual(self, x, z):
        if self.residual_projection is None:
            return x
        return x + self.residual_projection(z)

    def call(self, inputs, global_condition=None, local_condition=None):
        """Full-sequence pass.

        Args:
            inputs: `(batch, time, residual_channels)`.
            global_condition: `(batch, global_condition_channels)` or
                `None`.
            local_condition: `(batch, time, local_condition_channels)`
                or `None`.

        Returns:
            `(residual_output, skip)`: `(batch, time, residual_channels)`
            and `(batch, time, skip_channels)`.
        """
        self._check_conditions(inputs, global_condition, local_condition, 3)
        x = ops.cast(inputs, self.compute_dtype)
        z = self._gate(
            self.dilated_conv(x), global_condition, local_condition, True
        )
        return self._residual(x, z), self.skip_projection(z)

    def initial_state(self, batch_size, dtype=None):
        """The empty queue of the dilated convolution."""
        return self.dilated_conv.initial_state(batch_size, dtype)

    def step(
        self,
        new_input,
        state,
        global_condition=None,
        local_condition=None,
        index=None,
    ):
        """One time step, from the newest input and the queue.

        Args:
            new_input: `(batch, residual_channels)` at time `t`.
            state: the convolution's queue (see `initial_state`).
            global_condition: `(batch, global_condition_channels)` or
                `None`.
            local_condition: the local condition at time `t`,
                `(batch, local_condition_channels)`, or `None`.
            index: the time `t` for a ring-buffer queue (see
                `CausalDilatedConv1D.step`), or `None`.

        Returns:
            `((residual_output, skip), new_state)` at time `t`, each output
            `(batch, channels)`.
        """
        self._check_conditions(new_input, global_condition, local_condition, 2)
        x = ops.cast(new_input, self.compute_dtype)
        a, state = self.dilated_conv.step(x, state, index)
        z = self._gate(a, global_condition, local_condition, False)
        return (self._residual(x, z), self.skip_projection(z)), state

    def compute_output_shape(self, input_shape, *args, **kwargs):
        prefix = tuple(input_shape[:-1])
        return (
            prefix + (self.residual_channels,),
            prefix + (self.skip_channels,),
        )

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "residual_channels": self.residual_channels,
                "skip_channels": self.skip_channels,
                "kernel_size": self.kernel_size,
                "dilation_rate": self.dilation_rate,
                "gate_channels": self.gate_channels,
                "global_condition_channels": self.global_condition_channels,
                "local_condition_channels": self.local_condition_channels,
                "residual_output": self.residual_output,
            }
        )
        return config
