"""Mixture-of-Gaussians head for continuous data (MADE MoG, RNADE)."""

import keras
from keras import ops

from keras_ar.heads.gaussian import normal_from_uniform
from keras_ar.heads.gaussian import normal_log_prob
from keras_ar.heads.head import DistributionHead


@keras.saving.register_keras_serializable(package="keras_ar")
class MixtureOfGaussians(DistributionHead):
    """Mixture of `num_components` Gaussians per value.

    Parameters per value: `K` mixture logits, `K` means and `K` raw scales
    (`softplus + min_scale`). `log_prob` is a `logsumexp` over components
    and equals `tfp.distributions.MixtureSameFamily(Categorical(logits),
    Normal(locs, scales))`. Sampling uses two uniform numbers per value: one
    picks the component (inverse CDF), one the normal draw. `temperature`
    divides the logits and multiplies the scales. Continuous: inputs are
    only checked for finite values and are not rescaled by `encode_inputs`.

    Reference: Uria, Murray & Larochelle, "RNADE: The real-valued neural
    autoregressive density-estimator", NIPS 2013; the MADE MoG of
    Papamakarios, Pavlakou & Murray, "Masked Autoregressive Flow for
    Density Estimation", NIPS 2017.

    Args:
        num_components: `K >= 1`.
        min_scale: lower bound on each standard deviation.
        **kwargs: `keras.layers.Layer` arguments.

    Example:

    >>> import numpy as np
    >>> head = MixtureOfGaussians(3)
    >>> params = head(np.zeros((2, 4, 9), "float32"))  # 4 values, 1 channel
    >>> tuple(params.shape)
    (2, 4, 1, 9)
    """

    noise_size = 2
    names = ("mixture_of_gaussians", "mog", "gaussian_mixture")

    def __init__(self, num_components=10, min_scale=1e-3, **kwargs):
        super().__init__(**kwargs)
        if int(num_components) < 1:
            raise ValueError(
                "`num_components` must be at least 1. Received: "
                f"num_components={num_components}"
            )
        self.num_components = int(num_components)
        self.min_scale = float(min_scale)

    @property
    def params_size(self):
        return 3 * self.num_components

    def components(self, params):
        """`(logits, locs, scales)`, each `(..., K)`."""
        params = ops.cast(params, "float32")
        k = self.num_components
        logits = params[..., :k]
        locs = params[..., k : 2 * k]
        scales = ops.softplus(params[..., 2 * k :]) + self.min_scale
        return logits, locs, scales

    def log_prob(self, params, x):
        logits, locs, scales = self.components(params)
        x = ops.expand_dims(ops.cast(x, "float32"), -1)
        weighted = ops.log_softmax(logits, axis=-1) + normal_log_prob(
            x, locs, scales
        )
        return ops.logsumexp(weighted, axis=-1)

    def sample_from_noise(self, params, noise, temperature=1.0):
        self._check_temperature(temperature)
        logits, locs, scales = self.components(params)
        logits = self.scaled_logits(logits, temperature)
        cdf = ops.cumsum(ops.softmax(logits, axis=-1), axis=-1)
        threshold = noise[..., :1] * cdf[..., -1:]
        index = ops.sum(ops.cast(ops.less(cdf, threshold), "int32"), axis=-1)
        index = ops.minimum(index, self.num_components - 1)
        pick = ops.one_hot(index, self.num_components, dtype="float32")
        loc = ops.sum(locs * pick, axis=-1)
        scale = ops.sum(scales * pick, axis=-1)
        return loc + scale * temperature * normal_from_uniform(noise[..., 1])

    def to_distribution(self, params):
        from keras_ar.heads.tfp import tfd

        logits, locs, scales = self.components(params)
        d = tfd()
        return d.MixtureSameFamily(
            d.Categorical(logits=logits), d.Normal(locs, scales)
        )

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "num_components": self.num_components,
                "min_scale": self.min_scale,
            }
        )
        return config
