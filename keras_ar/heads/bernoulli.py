"""Bernoulli head for binary data."""

import keras
from keras import ops

from keras_ar.heads.head import DistributionHead


@keras.saving.register_keras_serializable(package="keras_ar")
class Bernoulli(DistributionHead):
    """Bernoulli distribution over {0, 1} per value, parameterised by logits.

    `log_prob` uses `-softplus(-l) * x - softplus(l) * (1 - x)`, which is
    exact and finite for extreme logits. It equals
    `tfp.distributions.Bernoulli(logits=l).log_prob(x)`.

    Reference: used for binarized MNIST in van den Oord et al., "Pixel
    Recurrent Neural Networks", ICML 2016.

    Example:

    >>> import numpy as np
    >>> head = Bernoulli()
    >>> logits = head(np.zeros((2, 3), "float32"))
    >>> float(head.log_prob(logits, np.ones((2, 3)))[0, 0])  # log(1/2)
    -0.6931471824645996
    """

    names = ("bernoulli", "binary")

    @property
    def params_size(self):
        return 1

    @property
    def num_values(self):
        return 2

    def _params_from_features(self, features):
        return features

    def event_batch_shape(self, params):
        return ops.shape(params)

    def log_prob(self, params, x):
        logits = ops.cast(params, "float32")
        x = ops.cast(x, "float32")
        # log sigmoid(l) x + log sigmoid(-l) (1 - x) = x l - softplus(l),
        # exact and stable for any logit (one softplus per value).
        return x * logits - ops.softplus(logits)

    def value_log_probs(self, params):
        logits = ops.cast(params, "float32")
        return ops.stack(
            [-ops.softplus(logits), logits - ops.softplus(logits)], -1
        )

    def sample_from_noise(self, params, noise, temperature=1.0):
        self._check_temperature(temperature)
        logits = ops.cast(params, "float32") / temperature
        return ops.cast(ops.less(noise[..., 0], ops.sigmoid(logits)), "float32")

    def to_distribution(self, params):
        from keras_ar.heads.tfp import tfd

        return tfd().Bernoulli(logits=params, dtype="float32")
