"""DistributionHead: the base class of keras_ar's output distributions."""

import math

import keras
import numpy as np
from keras import ops


@keras.saving.register_keras_serializable(package="keras_ar")
class DistributionHead(keras.layers.Layer):
    """Base class of the distribution heads.

    A head turns the raw features a backbone emits for each position into the
    parameters of a distribution over the value at that position, and owns
    that distribution's math. Events are arrays whose last axis holds
    `channels` values per position (for an image: `(H, W, C)`). The backbone
    emits `channels * params_size` features per position, laid out channel by
    channel (the first `params_size` features belong to channel 0, ...),
    which matches the channel groups of `MaskedConv2D`.

    Subclasses implement `params_size`, `log_prob`, `sample_from_noise` and
    `to_distribution`, and override `_params_from_features` and
    `event_batch_shape` when their parameters are not `(..., C, P)`.
    Sampling is driven by uniform noise with `noise_size` numbers per value,
    so that a sampling loop can draw all its randomness once, up front,
    from a seed.

    A head owns its value rules: `value_range` and `is_discrete` say which
    values it models, `check_values` enforces them on NumPy data (with a
    `ValueError` naming the head, the rule and the values received), and
    the exported signatures assert the same rules in the graph. Every head
    class lists the `names` that `keras_ar.heads.get_head` resolves.

    Args:
        **kwargs: `keras.layers.Layer` arguments. The compute dtype defaults
            to float32 so that log-probabilities stay accurate under mixed
            precision.
    """

    #: Uniform random numbers needed to sample one value.
    noise_size = 1

    #: Names `get_head` resolves to this head (the first is canonical).
    names = ()

    #: A hint added to value errors (e.g. how to encode raw data).
    value_hint = ""

    #: True for heads whose parameters of channel `c` depend on the values
    #: of the earlier channels of the same position (`call(features,
    #: values)`); models write such events one channel per step.
    couples_channels = False

    def __init__(self, **kwargs):
        kwargs.setdefault("dtype", "float32")
        super().__init__(**kwargs)

    @property
    def params_size(self):
        """Features per value (per channel) that the backbone must emit."""
        raise NotImplementedError

    @property
    def num_values(self):
        """Number of discrete values per channel (`None` if continuous)."""
        return None

    @property
    def value_range(self):
        """`(low, high)`, the inclusive range of valid values (the real
        line for continuous heads)."""
        if self.num_values is None:
            return (-math.inf, math.inf)
        return (0, self.num_values - 1)

    @property
    def is_discrete(self):
        """True for heads over integers `0..num_values-1`."""
        return self.num_values is not None

    def check_values(self, x, name="x"):
        """Checks that NumPy data holds values this head models.

        Finite values for every head; whole numbers in `value_range` for
        discrete heads.

        Args:
            x: array-like of values (any shape).
            name: the argument's name, for the message.

        Returns:
            `x` as a NumPy array.

        Raises:
            ValueError: naming the head, the rule and the values received.
        """
        x = np.asarray(x)
        if x.dtype.kind not in "biuf":
            raise ValueError(
                f"`{name}` must be numeric. Received dtype {x.dtype}."
            )
        if x.size == 0:
            return x
        head = self.__class__.__name__
        hint = f" {self.value_hint}" if self.value_hint else ""
        # min and max are NaN or infinite exactly when some value is: one
        # pass over the data for both checks (this runs on every `fit`).
        lo, hi = x.min(), x.max()
        if x.dtype.kind == "f" and not (np.isfinite(lo) and np.isfinite(hi)):
            raise ValueError(
                f"`{name}` contains NaN or infinite values "
                f"({int(np.sum(~np.isfinite(x)))} of {x.size})."
            )
        if not self.is_discrete:
            return x
        low, high = self.value_range
        if lo < low or hi > high:
            raise ValueError(
                f"`{name}` values must lie in [{low}, {high}] for the "
                f"{head} head. Received values in [{lo}, {hi}].{hint}"
            )
        # x == rint(x) is the whole-number test (9x faster than mod 1).
        if x.dtype.kind == "f" and not np.array_equal(x, np.rint(x)):
            example = x[np.not_equal(x, np.rint(x))].ravel()[0]
            raise ValueError(
                f"`{name}` must hold whole numbers in [{low}, {high}] for "
                f"the {head} head. Received non-integer values, e.g. "
                f"{example}.{hint}"
            )
        return x

    def features_size(self, channels):
        """Features per position for events with `channels` channels."""
        return channels * self.params_size

    def call(self, features, values=None):
        """Maps features `(..., features_size(channels))` to parameters
        `(..., channels, params_size)`.

        Args:
            features: the backbone's features of some positions.
            values: the event values (unscaled) at the same positions,
                `features.shape[:-1] + (channels,)`; only heads that
                `couples_channels` read them (the parameters of channel
                `c` then depend on the values of channels `< c`).
        """
        del values
        return self._params_from_features(features)

    def _params_from_features(self, features):
        """Default: `(..., C * P)` -> `(..., C, P)` (override as needed)."""
        return self._split_channels(features)

    def _split_channels(self, features):
        """Reshapes `(..., C * P)` to `(..., C, P)`."""
        shape = tuple(features.shape)
        channels = shape[-1] // self.params_size
        middle = tuple(
            ops.shape(features)[i + 1] if size is None else size
            for i, size in enumerate(shape[1:-1])
        )  # a sequence of any length (exported WaveNet) is dynamic
        new_shape = (-1,) + middle + (channels, self.params_size)
        return ops.reshape(features, new_shape)

    def encode_inputs(self, x):
        """Scales discrete values to the network's input range `[-1, 1]`;
        continuous values pass through unscaled (standardise them)."""
        x = ops.cast(x, self.compute_dtype)
        if self.num_values is None:
            return x
        low, high = self.value_range
        return (x - low) / max(high - low, 1) * 2.0 - 1.0

    def log_prob(self, params, x):
        """Log-probability (nats) of each value of `x`, shape `x.shape`."""
        raise NotImplementedError

    def value_log_probs(self, params):
        """Log-probabilities (nats) of every value `0..num_values-1`.

        The whole distribution of each position at once, as an entropy
        coder needs it (`keras_ar.compression`): `log_prob` of each value
        in turn, so the two agree exactly. Discrete heads only.

        Args:
            params: parameters from `call`, event batch shape `S`.

        Returns:
            `S + (num_values,)` log-probabilities; each row sums to 1 in
            probability.

        Raises:
            ValueError: for a continuous head.
        """
        if not self.is_discrete:
            raise ValueError(
                f"value_log_probs needs a discrete head; "
                f"{self.__class__.__name__} is continuous."
            )
        shape = tuple(self.event_batch_shape(params))
        count = self.num_values
        tail = tuple(params.shape[len(shape) :])
        expanded = ops.broadcast_to(
            ops.expand_dims(params, len(shape)), shape + (count,) + tail
        )
        values = ops.broadcast_to(
            ops.arange(count, dtype="float32"), shape + (count,)
        )
        return self.log_prob(expanded, values)

    def sample_from_noise(self, params, noise, temperature=1.0):
        """Turns uniform noise `x.shape + (noise_size,)` into values."""
        raise NotImplementedError

    def sample_positions(self, params, noise, temperature, positions, shape):
        """Samples the values at some flat positions of an event.

        The generation loop calls this with the parameters of the values it
        writes at one step. Heads whose distribution does not depend on the
        position (all but `Standardized`) just call `sample_from_noise`.

        Args:
            params: parameters of the values, `(batch, G) + param_shape`.
            noise: uniform noise `(batch, G, noise_size)`.
            temperature: positive scalar.
            positions: int tensor `(batch, G)` or `(1, G)`: the flat
                (row-major) positions of these values in the event.
            shape: the event shape (without batch).

        Returns:
            Values `(batch, G)`.
        """
        del positions, shape
        return self.sample_from_noise(params, noise, temperature)

    def noise_shape(self, event_batch_shape):
        """Shape of the uniform noise that samples `event_batch_shape`."""
        return tuple(event_batch_shape) + (self.noise_size,)

    def sample(self, params, seed=None, temperature=1.0):
        """Draws one value per position.

        Args:
            params: parameters from `call`.
            seed: int, `keras.random.SeedGenerator` or `None`.
            temperature: positive float; below 1 sharpens, above 1 flattens.

        Returns:
            A float tensor of values with the event batch shape.
        """
        noise = keras.random.uniform(
            self.noise_shape(self.event_batch_shape(params)), seed=seed
        )
        return self.sample_from_noise(params, noise, temperature)

    def event_batch_shape(self, params):
        """The shape of the values that `params` describe (default: all
        but the last axis, as for `(..., C, P)` parameters)."""
        return ops.shape(params)[:-1]

    def to_distribution(self, params):
        """The equivalent `tfp.distributions.Distribution` (TF backend)."""
        raise NotImplementedError

    @staticmethod
    def _check_temperature(temperature):
        if isinstance(temperature, (int, float)):
            from keras_ar.utils.validation import check_temperature

            check_temperature(temperature)

    @staticmethod
    def scaled_logits(logits, temperature):
        """`(logits - max) / temperature` in float32: the logits of the
        tempered distribution, finite for any temperature >= 1.2e-38
        (dividing the raw logits would overflow to inf - inf = NaN)."""
        logits = ops.cast(logits, "float32")
        logits = logits - ops.max(logits, axis=-1, keepdims=True)
        return logits / ops.cast(temperature, "float32")
