"""CausalDilatedConv1D: the causal, dilated convolution of WaveNet."""

import keras
from keras import ops

from keras_ar.utils.validation import check_positive_int


@keras.saving.register_keras_serializable(package="keras_ar")
class CausalDilatedConv1D(keras.layers.Layer):
    """Causal, dilated 1D convolution with a one-step (cached) call.

    The output at time `t` is

        y[t] = b + sum_{j=0}^{k-1} W[j] x[t - (k - 1 - j) * d]

    with kernel size `k` and dilation `d`: it depends on `x[t]` and the
    `(k - 1) * d` inputs before it, never on the future (`x[s]`, `s > t`).
    The sequence is padded with zeros on the left only, so the output has
    the input's length. For `k = 2`, `d = 4`:

    ```
    input   x0 x1 x2 x3 x4 x5 x6 x7
    y[7]                x4 . . . x7    (taps at t - 4 and t)
    ```

    `step(new_input, state)` computes one output from the newest input and
    a queue holding the last `(k - 1) * d` inputs (Paine et al., 2016), so
    generation never recomputes the past: the cost of a step does not grow
    with the length of the sequence. `initial_state(batch_size)` is the
    all-zero queue, matching the zero padding of the full call, so stepping
    through a sequence gives the same outputs as `call` on it. Given the
    time `index` too, `step` treats the queue as a ring buffer and writes
    one slot instead of shifting the whole queue (what WaveNet's compiled
    generation loop does).

    References: van den Oord et al., "WaveNet: A Generative Model for Raw
    Audio", 2016, section 2.1; Paine et al., "Fast Wavenet Generation
    Algorithm", 2016.

    Args:
        filters: number of output channels.
        kernel_size: number of taps `k` (2 in WaveNet).
        dilation_rate: spacing `d` between taps.
        use_bias: whether to add a bias.
        kernel_initializer: initializer of the `(k, in, filters)` kernel.
        bias_initializer: initializer of the bias.
        kernel_regularizer: optional regularizer of the kernel.
        bias_regularizer: optional regularizer of the bias.
        **kwargs: `keras.layers.Layer` arguments (`name`, `dtype`...).

    Example:

    >>> import numpy as np
    >>> layer = CausalDilatedConv1D(4, kernel_size=2, dilation_rate=2)
    >>> x = np.random.default_rng(0).normal(size=(1, 6, 3)).astype("float32")
    >>> tuple(layer(x).shape)
    (1, 6, 4)
    >>> state = layer.initial_state(1)
    >>> y0, state = layer.step(x[:, 0], state)
    >>> tuple(y0.shape), tuple(state.shape)  # the queue: last 2 inputs
    ((1, 4), (1, 2, 3))
    """

    def __init__(
        self,
        filters,
        kernel_size,
        dilation_rate=1,
        use_bias=True,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        bias_regularizer=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.filters = check_positive_int(filters, "filters")
        self.kernel_size = check_positive_int(kernel_size, "kernel_size")
        self.dilation_rate = check_positive_int(dilation_rate, "dilation_rate")
        self.use_bias = bool(use_bias)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.bias_initializer = keras.initializers.get(bias_initializer)
        self.kernel_regularizer = keras.regularizers.get(kernel_regularizer)
        self.bias_regularizer = keras.regularizers.get(bias_regularizer)
        self.input_channels = None

    @property
    def receptive_field(self):
        """Inputs one output sees: `(kernel_size - 1) * dilation_rate + 1`."""
        return (self.kernel_size - 1) * self.dilation_rate + 1

    @property
    def state_size(self):
        """Length of the queue of past inputs: `receptive_field - 1`."""
        return self.receptive_field - 1

    def _check_rank(self, shape, rank, what):
        if len(shape) != rank:
            expected = (
                "(batch, time, channels)" if rank == 3 else "(batch, channels)"
            )
            raise ValueError(
                f"{self.__class__.__name__} expects {what} of rank {rank} "
                f"{expected}. Received shape {tuple(shape)}."
            )

    def _check_channels(self, shape, what):
        if self.input_channels is not None and shape[-1] is not None:
            if int(shape[-1]) != self.input_channels:
                raise ValueError(
                    f"{self.__class__.__name__} was built for "
                    f"{self.input_channels} input channels; {what} has "
                    f"{shape[-1]}. Received shape {tuple(shape)}."
                )

    def build(self, input_shape):
        self._check_rank(input_shape, 3, "inputs")
        if input_shape[-1] is None:
            raise ValueError(
                "The channel axis of the inputs must be known. Received "
                f"shape {tuple(input_shape)}."
            )
        self.input_channels = int(input_shape[-1])
        self.kernel = self.add_weight(
            name="kernel",
            shape=(self.kernel_size, self.input_channels, self.filters),
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
        )
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(
                name="bias",
                shape=(self.filters,),
                initializer=self.bias_initializer,
                regularizer=self.bias_regularizer,
            )

    def call(self, inputs):
        self._check_rank(inputs.shape, 3, "inputs")
        self._check_channels(inputs.shape, "the input")
        x = ops.cast(inputs, self.compute_dtype)
        if self.state_size:
            x = ops.pad(x, ((0, 0), (self.state_size, 0), (0, 0)))
        kernel = ops.cast(self.kernel, self.compute_dtype)
        y = ops.conv(
            x,
            kernel,
            strides=1,
            padding="valid",
            data_format="channels_last",
            dilation_rate=self.dilation_rate,
        )
        if self.bias is not None:
            y = y + ops.cast(self.bias, self.compute_dtype)
        return y

    def initial_state(self, batch_size, dtype=None):
        """The empty queue: zeros `(batch_size, state_size, in_channels)`.

        Args:
            batch_size: int or scalar tensor.
            dtype: defaults to the layer's compute dtype.
        """
        if self.input_channels is None:
            raise ValueError(
                f"{self.__class__.__name__} must be built (called once, or "
                "`build((batch, time, channels))`) before `initial_state`."
            )
        return ops.zeros(
            (batch_size, self.state_size, self.input_channels),
            dtype=dtype or self.compute_dtype,
        )

    def step(self, new_input, state, index=None):
        """One output step from the newest input and the queue.

        Args:
            new_input: the input at time `t`, `(batch, in_channels)`.
            state: the queue of past inputs, `(batch, state_size,
                in_channels)` (from `initial_state` or the previous
                `step`). Without `index` it holds the inputs at `t -
                state_size .. t - 1` in order and is shifted by one at
                every step; with `index` it is a ring buffer: the input
                at time `s` lives in slot `s % state_size` and only that
                slot is written (no copy of the queue per step).
            index: the time `t` (int or scalar int tensor), for the ring
                buffer; the same `index` must count 0, 1, 2, ... from an
                `initial_state`.

        Returns:
            `(output, new_state)`: the output at time `t`, `(batch,
            filters)`, and the queue for time `t + 1`.
        """
        self._check_rank(new_input.shape, 2, "`new_input`")
        self._check_channels(new_input.shape, "`new_input`")
        self._check_rank(state.shape, 3, "`state`")
        size = self.state_size
        if state.shape[1] is not None and state.shape[1] != size:
            raise ValueError(
                f"`state` must hold the last {size} inputs, shape "
                f"(batch, {size}, {self.input_channels}). "
                f"Received shape {tuple(state.shape)}."
            )
        x = ops.expand_dims(ops.cast(new_input, self.compute_dtype), 1)
        state = ops.cast(state, self.compute_dtype)
        d, k = self.dilation_rate, self.kernel_size
        if size == 0:
            taps = x
        elif index is None:
            window = ops.concatenate([state, x], axis=1)
            taps = ops.take(window, [j * d for j in range(k)], axis=1)
            state = window[:, 1:]
        else:
            index = ops.cast(index, "int32")
            # Tap j reads time t - size + j * d: slot (t + j * d) % size.
            offsets = ops.convert_to_tensor([j * d for j in range(k - 1)])
            slots = ops.mod(index + ops.cast(offsets, "int32"), size)
            taps = ops.concatenate([ops.take(state, slots, axis=1), x], 1)
            state = ops.slice_update(state, (0, ops.mod(index, size), 0), x)
        kernel = ops.cast(self.kernel, self.compute_dtype)
        y = ops.einsum("bki,kio->bo", taps, kernel)
        if self.bias is not None:
            y = y + ops.cast(self.bias, self.compute_dtype)
        return y, state

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.filters,)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "filters": self.filters,
                "kernel_size": self.kernel_size,
                "dilation_rate": self.dilation_rate,
                "use_bias": self.use_bias,
                "kernel_initializer": keras.initializers.serialize(
                    self.kernel_initializer
                ),
                "bias_initializer": keras.initializers.serialize(
                    self.bias_initializer
                ),
                "kernel_regularizer": keras.regularizers.serialize(
                    self.kernel_regularizer
                ),
                "bias_regularizer": keras.regularizers.serialize(
                    self.bias_regularizer
                ),
            }
        )
        return config
