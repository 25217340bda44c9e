"""DistributionHead: the base class of keras_ar's output distributions."""

import math

import keras
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

    Args:
        **kwargs: `keras.layers.Layer` arguments. The compute dtype defaults
            to float32 so that log-probabilities stay accurate under mixed
            precision.
    """

    #: Uniform random numbers needed to sample one value.
    noise_size = 1

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

    def features_size(self, channels):
        """Features per position for events with `channels` channels."""
        return channels * self.params_size

    def call(self, features):
        """Maps features `(..., channels * params_size)` to parameters."""
        return self._params_from_features(features)

    def _params_from_features(self, features):
        """Default: `(..., C * P)` -> `(..., C, P)` (override as needed)."""
        return self._split_channels(features)

    def _split_channels(self, features):
        """Reshapes `(..., C * P)` to `(..., C, P)`."""
        shape = tuple(features.shape)
        channels = shape[-1] // self.params_size
        new_shape = (-1,) + tuple(shape[1:-1]) + (channels, self.params_size)
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

    def sample_from_noise(self, params, noise, temperature=1.0):
        """Turns uniform noise `x.shape + (noise_size,)` into values."""
        raise NotImplementedError

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
        if isinstance(temperature, (int, float)) and not temperature > 0:
            raise ValueError(
                "`temperature` must be a positive number. Received: "
                f"temperature={temperature}"
            )
