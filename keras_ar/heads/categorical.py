"""Categorical head for discrete data (e.g. 256 grey levels)."""

import keras
from keras import ops

from keras_ar.heads.head import DistributionHead


@keras.saving.register_keras_serializable(package="keras_ar")
class Categorical(DistributionHead):
    """Categorical (softmax) distribution over `num_classes` values.

    Each value (e.g. each 8-bit colour channel of a pixel) gets its own
    `num_classes`-way softmax. `log_prob` uses `log_softmax`, stable for
    extreme logits, and equals `tfp.distributions.Categorical(logits)`.
    Sampling inverts the cumulative distribution with one uniform number.

    Reference: van den Oord, Kalchbrenner & Kavukcuoglu, "Pixel Recurrent
    Neural Networks", ICML 2016, section 5.3 (256-way softmax).

    Args:
        num_classes: number of values, `2 <= num_classes`.
        **kwargs: `keras.layers.Layer` arguments.

    Example:

    >>> import numpy as np
    >>> head = Categorical(4)
    >>> params = head(np.zeros((2, 5, 4), "float32"))  # 5 values, 1 channel
    >>> tuple(params.shape)
    (2, 5, 1, 4)
    """

    names = ("categorical", "softmax")

    def __init__(self, num_classes=256, **kwargs):
        super().__init__(**kwargs)
        if int(num_classes) < 2:
            raise ValueError(
                "`num_classes` must be at least 2. Received: "
                f"num_classes={num_classes}"
            )
        self.num_classes = int(num_classes)

    @property
    def params_size(self):
        return self.num_classes

    @property
    def num_values(self):
        return self.num_classes

    def log_prob(self, params, x):
        logits = ops.cast(params, "float32")
        log_probs = ops.log_softmax(logits, axis=-1)
        index = ops.expand_dims(ops.cast(x, "int32"), -1)
        return ops.squeeze(ops.take_along_axis(log_probs, index, axis=-1), -1)

    def value_log_probs(self, params):
        return ops.log_softmax(ops.cast(params, "float32"), axis=-1)

    def sample_from_noise(self, params, noise, temperature=1.0):
        self._check_temperature(temperature)
        logits = self.scaled_logits(params, temperature)
        cdf = ops.cumsum(ops.softmax(logits, axis=-1), axis=-1)
        threshold = noise * cdf[..., -1:]
        index = ops.sum(ops.cast(ops.less(cdf, threshold), "int32"), axis=-1)
        index = ops.minimum(index, self.num_classes - 1)
        return ops.cast(index, "float32")

    def to_distribution(self, params):
        from keras_ar.heads.tfp import tfd

        return tfd().Categorical(logits=params, dtype="int32")

    def get_config(self):
        config = super().get_config()
        config.update({"num_classes": self.num_classes})
        return config
