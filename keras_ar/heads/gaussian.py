"""Gaussian head for continuous data."""

import math

import keras
from keras import ops

from keras_ar.heads.head import DistributionHead

_LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)


def normal_from_uniform(noise, eps=1e-6):
    """Standard normal draws from uniform noise (inverse CDF)."""
    u = ops.clip(noise, eps, 1.0 - eps)
    return math.sqrt(2.0) * ops.erfinv(2.0 * u - 1.0)


def normal_log_prob(x, loc, scale):
    """Log-density of `Normal(loc, scale)` at `x`."""
    z = (x - loc) / scale
    return -0.5 * ops.square(z) - ops.log(scale) - _LOG_SQRT_2PI


@keras.saving.register_keras_serializable(package="keras_ar")
class Gaussian(DistributionHead):
    """Gaussian distribution per value: `N(loc, softplus(s) + min_scale)`.

    A continuous head: `num_values` is `None`, so model inputs are only
    checked for finite values, and `encode_inputs` passes values through
    unscaled (standardise the data instead, as MADE/NADE do with
    `standardize=True`). Sampling inverts the normal CDF with one uniform
    number; `temperature` multiplies the scale.

    Reference: the real-valued conditionals of RNADE, Uria, Murray &
    Larochelle, "RNADE: The real-valued neural autoregressive
    density-estimator", NIPS 2013 (one component).

    Args:
        min_scale: lower bound on the standard deviation (stability).
        **kwargs: `keras.layers.Layer` arguments.

    Example:

    >>> import numpy as np
    >>> head = Gaussian()
    >>> params = head(np.zeros((1, 3, 2), "float32"))  # 3 values, 1 channel
    >>> tuple(head.log_prob(params, np.zeros((1, 3, 1))).shape)
    (1, 3, 1)
    """

    names = ("gaussian", "normal")

    def __init__(self, min_scale=1e-3, **kwargs):
        super().__init__(**kwargs)
        if not float(min_scale) >= 0:
            raise ValueError(
                f"`min_scale` must be >= 0. Received: min_scale={min_scale}"
            )
        self.min_scale = float(min_scale)

    @property
    def params_size(self):
        return 2

    def loc_scale(self, params):
        """`(loc, scale)` tensors from the parameters."""
        params = ops.cast(params, "float32")
        scale = ops.softplus(params[..., 1]) + self.min_scale
        return params[..., 0], scale

    def log_prob(self, params, x):
        loc, scale = self.loc_scale(params)
        return normal_log_prob(ops.cast(x, "float32"), loc, scale)

    def sample_from_noise(self, params, noise, temperature=1.0):
        self._check_temperature(temperature)
        loc, scale = self.loc_scale(params)
        return loc + scale * temperature * normal_from_uniform(noise[..., 0])

    def to_distribution(self, params):
        from keras_ar.heads.tfp import tfd

        loc, scale = self.loc_scale(params)
        return tfd().Normal(loc, scale)

    def get_config(self):
        config = super().get_config()
        config.update({"min_scale": self.min_scale})
        return config
