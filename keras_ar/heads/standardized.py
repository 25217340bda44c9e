"""Standardized: a continuous head on standardised data."""

import keras
import numpy as np
from keras import ops

from keras_ar.heads.head import DistributionHead


@keras.saving.register_keras_serializable(package="keras_ar")
class Standardized(DistributionHead):
    """Wraps a continuous head so the model sees `z = (x - mean) / scale`.

    The data statistics are non-trainable variables of shape
    `event_shape` (saved with the model's weights), set once by `adapt(x)`
    (MADE and NADE call it on the first `fit`). Everything stays in the
    units of the raw data: `log_prob(params, x)` is the density of `x`
    (`log p(z) - log(scale)`, the change of variables), and sampled values
    are mapped back with `z * scale + mean`. So scores of raw data are
    right after a reload.

    Reference: the standardised tabular benchmarks of Papamakarios,
    Pavlakou & Murray, "Masked Autoregressive Flow for Density
    Estimation", NIPS 2017.

    Args:
        head: a continuous `DistributionHead` (`num_values is None`).
        event_shape: shape of one example.
        **kwargs: `keras.layers.Layer` arguments.

    Example:

    >>> import numpy as np
    >>> from keras_ar.heads import Gaussian
    >>> head = Standardized(Gaussian(), (2,))
    >>> head.adapt(np.array([[0.0, 10.0], [2.0, 30.0]]))
    >>> head.scale.numpy().tolist()
    [1.0, 10.0]
    """

    def __init__(self, head, event_shape, **kwargs):
        super().__init__(**kwargs)
        if isinstance(head, dict):
            head = keras.saving.deserialize_keras_object(head)
        if not isinstance(head, DistributionHead) or head.num_values:
            raise ValueError(
                "`Standardized` wraps a continuous head (num_values None), "
                f"e.g. Gaussian(). Received: {head!r}"
            )
        self.head = head
        self.event_shape = tuple(int(d) for d in event_shape)
        self.mean = self.add_weight(
            shape=self.event_shape,
            initializer="zeros",
            trainable=False,
            name="mean",
        )
        self.scale = self.add_weight(
            shape=self.event_shape,
            initializer="ones",
            trainable=False,
            name="scale",
        )
        self.adapted = self.add_weight(
            shape=(), initializer="zeros", trainable=False, name="adapted"
        )

    noise_size = property(lambda self: self.head.noise_size)

    def build(self, input_shape=None):
        # The statistics are created in __init__ (their shape is the event
        # shape, not the features' shape).
        self.built = True

    @property
    def params_size(self):
        return self.head.params_size

    @property
    def is_adapted(self):
        return bool(ops.convert_to_numpy(self.adapted) > 0)

    def adapt(self, data, epsilon=1e-6):
        """Sets `mean` and `scale` (std, 1 where constant) from data.

        Args:
            data: an array `(batch,) + event_shape`, or an iterable of such
                batches (a `tf.data.Dataset` or a generator): the statistics
                are then accumulated in one pass, in float64.
            epsilon: standard deviations below this count as constant.

        Raises:
            ValueError: if a batch has the wrong shape or no data is seen.
        """
        count = 0
        total = np.zeros(self.event_shape, "float64")
        squares = np.zeros(self.event_shape, "float64")
        batches = [data] if hasattr(data, "shape") else data
        for batch in batches:
            x = np.asarray(batch, "float64")
            if x.shape[1:] != self.event_shape:
                raise ValueError(
                    f"`adapt` expects data of shape (batch, "
                    f"{', '.join(map(str, self.event_shape))}). Received "
                    f"shape {x.shape}."
                )
            # Shifted sums: exact enough for data far from zero.
            if count == 0 and len(x):
                shift = x[0].copy()
            if len(x):
                centred = x - shift
                total += centred.sum(axis=0)
                squares += np.square(centred).sum(axis=0)
                count += len(x)
        if count == 0:
            raise ValueError("`adapt` needs at least one example. Received 0.")
        mean = total / count
        std = np.sqrt(np.maximum(squares / count - np.square(mean), 0.0))
        self.mean.assign((mean + shift).astype("float32"))
        self.scale.assign(np.where(std > epsilon, std, 1.0).astype("float32"))
        self.adapted.assign(1.0)

    def standardize(self, x):
        return (ops.cast(x, "float32") - self.mean) / self.scale

    def encode_inputs(self, x):
        return self.head.encode_inputs(self.standardize(x))

    def _params_from_features(self, features):
        return self.head(features)

    def event_batch_shape(self, params):
        return self.head.event_batch_shape(params)

    def log_prob(self, params, x):
        z = self.standardize(x)
        return self.head.log_prob(params, z) - ops.log(self.scale)

    def sample_from_noise(self, params, noise, temperature=1.0):
        z = self.head.sample_from_noise(params, noise, temperature)
        return z * self.scale + self.mean

    def sample_positions(self, params, noise, temperature, positions, shape):
        """Values at flat `positions` of events of `shape`: the statistics
        are taken at those positions."""
        z = self.head.sample_from_noise(params, noise, temperature)
        mean = ops.reshape(ops.broadcast_to(self.mean, shape), (-1,))
        scale = ops.reshape(ops.broadcast_to(self.scale, shape), (-1,))
        positions = ops.cast(positions, "int32")
        return z * ops.take(scale, positions) + ops.take(mean, positions)

    def to_distribution(self, params):
        import tensorflow_probability as tfp

        from keras_ar.heads.tfp import tfd

        bijector = tfp.bijectors.Chain(
            [tfp.bijectors.Shift(self.mean), tfp.bijectors.Scale(self.scale)]
        )
        return tfd().TransformedDistribution(
            self.head.to_distribution(params), bijector
        )

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "head": keras.saving.serialize_keras_object(self.head),
                "event_shape": list(self.event_shape),
            }
        )
        return config


def standardized_head(head, event_shape, standardize=True):
    """`get_head(head)`, wrapped in `Standardized` when it is continuous
    and `standardize` is set (the tabular models' default).

    Example:

    >>> type(standardized_head("gaussian", (3,))).__name__
    'Standardized'
    >>> type(standardized_head("bernoulli", (3,))).__name__
    'Bernoulli'
    """
    from keras_ar.heads.get_head import get_head

    head = get_head(head)
    if standardize and not head.is_discrete:
        if not isinstance(head, Standardized):
            head = Standardized(head, event_shape)
    return head
