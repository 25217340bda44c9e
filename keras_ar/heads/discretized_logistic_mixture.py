"""DiscretizedLogisticMixture: PixelCNN++ / WaveNet mixture of logistics."""

import keras
from keras import ops

from keras_ar.heads.head import DistributionHead

#: Lower bound of the log-scales (as in PixelCNN++): keeps the density
#: finite and the gradients sane when a component collapses.
MIN_LOG_SCALE = -7.0


def _log_expm1(d):
    """`log(exp(d) - 1)` for `d > 0`, stable for small and large `d`."""
    safe = ops.minimum(d, 20.0)
    small = ops.log(ops.maximum(ops.expm1(safe), 1e-30))
    large = d + ops.log1p(-ops.exp(-ops.maximum(d, 20.0)))
    return ops.where(d > 20.0, large, small)


@keras.saving.register_keras_serializable(package="keras_ar")
class DiscretizedLogisticMixture(DistributionHead):
    """Mixture of discretized logistics over the integers `0..num_values-1`.

    Each value (each channel independently) has `num_components` logistic
    components with weights `softmax(logits)`, means `mu_k` and scales
    `s_k = exp(log_s_k)` in the network's `[-1, 1]` space, where value
    `v` sits at `y_v = 2 v / (num_values - 1) - 1` and owns the bin
    `[y_v - w, y_v + w]`, `w = 1 / (num_values - 1)`:

        P(v) = sum_k pi_k [sigmoid((y_v + w - mu_k) / s_k)
                           - sigmoid((y_v - w - mu_k) / s_k)]

    with the edge bins extended to infinity (`P(0)` uses `sigmoid(...) - 0`
    and `P(num_values - 1)` uses `1 - sigmoid(...)`), so the probabilities
    of all values sum to exactly 1. The difference of sigmoids is computed
    in log space as `b + log(expm1(a - b)) - softplus(a) - softplus(b)`
    with `a - b = 2 w / s` computed directly, exact and finite for tiny
    and huge scales and far-away means (no pdf approximation is needed).
    Log-scales are clipped below at -7 as in PixelCNN++. The parameters
    are laid out per channel as `[logits (K), means (K), log_scales (K)]`,
    `params_size = 3 K`.

    Sampling uses two uniforms per value: one picks a component, the
    other is mapped through the logistic's inverse CDF and rounded to the
    nearest value (exact sampling of the discretized mixture). A
    `temperature` divides the logits and multiplies the scales.

    It is 16-bit-audio friendly (`num_values=65536` costs the same as 256)
    and suits integer series. `to_distribution` returns the equivalent
    `tfd.MixtureSameFamily` of `tfd.QuantizedDistribution`s of logistics
    in value space.

    With `coupled=True` (PixelCNN++, section 2.2) the channels of a
    position (R, G, B) share one mixture component and the mean of
    channel `c` is shifted linearly by the earlier channels' values:
    `mu_kc + sum_{j<c} tanh(alpha_kcj) y_j`. The backbone then emits
    `K (1 + 2 C + C (C - 1) / 2)` features per position (`10 K` for RGB:
    logits, then means and log-scales per channel, then the coefficients
    `alpha` of the pairs (1, 0), (2, 0), (2, 1), ...), and
    `call(features, values)` returns, for each channel, the exact
    conditional mixture given the earlier channels of its position: the
    weights become the posterior `pi_k prod_{j<c} P_k(x_j)` (normalised by
    the softmax) and the means the coupled ones. These are ordinary
    per-channel parameters `(..., C, 3 K)`, so `log_prob` sums to the
    joint PixelCNN++ likelihood `log sum_k pi_k prod_c P_k(x_c)` and
    sampling channel by channel draws from it.

    References: Salimans et al., "PixelCNN++", ICLR 2017, sections 2.1-2.2;
    van den Oord et al., "Parallel WaveNet", 2017, section 2.2.

    Args:
        num_components: number of logistic components `K >= 1`.
        num_values: number of integer values, `>= 2` (256 for 8-bit data,
            65536 for 16-bit audio shifted to `0..65535`).
        coupled: share the component across the channels of a position
            and couple their means (PixelCNN++'s RGB model); needs a model
            that `accepts_coupled_heads`.
        **kwargs: `keras.layers.Layer` arguments.

    Example:

    >>> import numpy as np
    >>> head = DiscretizedLogisticMixture(3, num_values=5)
    >>> params = head(np.zeros((1, 9), "float32"))  # 1 channel, 3 K
    >>> p = np.exp(head.log_prob(params, np.arange(5.0)[:, None]))
    >>> round(float(np.sum(p)), 5)
    1.0
    >>> rgb = DiscretizedLogisticMixture(2, coupled=True)
    >>> rgb.features_size(3)
    20
    >>> values = np.array([[10.0, 200.0, 30.0]])
    >>> params = rgb(np.zeros((1, 20), "float32"), values=values)
    >>> tuple(params.shape), tuple(rgb.log_prob(params, values).shape)
    ((1, 3, 6), (1, 3))
    """

    noise_size = 2
    names = (
        "logistic_mixture",
        "discretized_logistic_mixture",
        "dlm",
        "pixelcnnpp",
    )

    def __init__(
        self, num_components=10, num_values=256, coupled=False, **kwargs
    ):
        super().__init__(**kwargs)
        for name, value, low in (
            ("num_components", num_components, 1),
            ("num_values", num_values, 2),
        ):
            if isinstance(value, bool) or int(value) != value or value < low:
                raise ValueError(
                    f"`{name}` must be an integer >= {low}. Received: "
                    f"{name}={value!r}"
                )
        if not isinstance(coupled, bool):
            raise ValueError(
                f"`coupled` must be True or False. Received: coupled="
                f"{coupled!r}"
            )
        self.num_components = int(num_components)
        self._num_values = int(num_values)
        self.coupled = coupled

    @property
    def couples_channels(self):
        return self.coupled

    def features_size(self, channels):
        if not self.coupled:
            return super().features_size(channels)
        pairs = channels * (channels - 1) // 2
        return self.num_components * (1 + 2 * channels + pairs)

    def call(self, features, values=None):
        if not self.coupled:
            return self._params_from_features(features)
        if values is None:
            raise ValueError(
                "A coupled DiscretizedLogisticMixture needs the values of "
                "each position's channels: call `head(features, values=x)`."
            )
        return self._coupled_params(features, values)

    def _coupled_params(self, features, values):
        """Per-channel conditional parameters `(..., C, 3K)` from the
        coupled features `(..., K (1 + 2C + C(C-1)/2))` and the values."""
        k = self.num_components
        channels = int(values.shape[-1])
        expected = self.features_size(channels)
        if features.shape[-1] != expected:
            raise ValueError(
                f"A coupled DiscretizedLogisticMixture with {k} components "
                f"and {channels} channels needs {expected} features per "
                f"position. Received: {features.shape[-1]}"
            )
        features = ops.cast(features, "float32")
        y = self.encode_inputs(values)  # [-1, 1]
        logits = features[..., :k]
        means = []
        log_scales = []
        start = k + 2 * channels * k
        for c in range(channels):
            mean = features[..., k + 2 * c * k : k + (2 * c + 1) * k]
            for j in range(c):
                alpha = ops.tanh(features[..., start : start + k])
                mean = mean + alpha * y[..., j : j + 1]
                start += k
            means.append(mean)
            first = k + (2 * c + 1) * k
            log_scale = features[..., first : first + k]
            log_scales.append(ops.maximum(log_scale, MIN_LOG_SCALE))
        means = ops.stack(means, axis=-2)
        log_scales = ops.stack(log_scales, axis=-2)
        shared = ops.broadcast_to(
            ops.expand_dims(logits, -2), ops.shape(means)
        )
        plain = ops.concatenate([shared, means, log_scales], axis=-1)
        # Posterior weights: channel c's component weights given the
        # earlier channels' values (an exclusive cumulative sum of the
        # per-component log-likelihoods over the channel axis).
        component = self.component_log_probs(plain, values)
        earlier = [ops.zeros_like(logits)]
        for c in range(1, channels):
            earlier.append(earlier[-1] + component[..., c - 1, :])
        logits = shared + ops.stack(earlier, axis=-2)
        return ops.concatenate([logits, means, log_scales], axis=-1)

    @property
    def params_size(self):
        return 3 * self.num_components

    @property
    def num_values(self):
        return self._num_values

    @property
    def half_width(self):
        """Half the width of a value's bin in `[-1, 1]` space."""
        return 1.0 / (self._num_values - 1)

    def _params_from_features(self, features):
        params = ops.cast(self._split_channels(features), "float32")
        logits, means, log_scales = self._unpack(params)
        log_scales = ops.maximum(log_scales, MIN_LOG_SCALE)
        return ops.concatenate([logits, means, log_scales], axis=-1)

    def _unpack(self, params):
        k = self.num_components
        params = ops.cast(params, "float32")
        return params[..., :k], params[..., k : 2 * k], params[..., 2 * k :]

    def component_log_probs(self, params, x):
        """Per-component log-probabilities `x.shape + (K,)`."""
        _, means, log_scales = self._unpack(params)
        x = ops.expand_dims(ops.cast(x, "float32"), -1)
        w = self.half_width
        top = float(self._num_values - 1)
        y = (2.0 * x - top) / top  # one rounding: 2x - top is exact
        inv_scale = ops.exp(-log_scales)
        centred = y - means
        upper = inv_scale * (centred + w)  # a
        lower = inv_scale * (centred - w)  # b < a
        # log(sigmoid(a) - sigmoid(b)) in closed form. `a - b` is the bin
        # width over the scale, computed directly: subtracting the two
        # nearly equal numbers `a` and `b` would lose most of its digits
        # for broad components.
        width = (2.0 * w) * inv_scale
        middle = (
            lower
            + _log_expm1(width)
            - ops.softplus(upper)
            - ops.softplus(lower)
        )
        first = -ops.softplus(-upper)  # log sigmoid(a)
        last = -ops.softplus(lower)  # log(1 - sigmoid(b))
        return ops.where(x < 0.5, first, ops.where(x > top - 0.5, last, middle))

    def log_prob(self, params, x):
        logits, _, _ = self._unpack(params)
        log_weights = ops.log_softmax(logits, axis=-1)
        return ops.logsumexp(
            log_weights + self.component_log_probs(params, x), axis=-1
        )

    def sample_from_noise(self, params, noise, temperature=1.0):
        self._check_temperature(temperature)
        logits, means, log_scales = self._unpack(params)
        noise = ops.cast(noise, "float32")
        logits = self.scaled_logits(logits, temperature)
        cdf = ops.cumsum(ops.softmax(logits, axis=-1), axis=-1)
        threshold = noise[..., 0:1] * cdf[..., -1:]
        index = ops.sum(ops.cast(ops.less(cdf, threshold), "int32"), axis=-1)
        index = ops.minimum(index, self.num_components - 1)
        one_hot = ops.one_hot(index, self.num_components, dtype="float32")
        mean = ops.sum(one_hot * means, axis=-1)
        scale = ops.exp(ops.sum(one_hot * log_scales, axis=-1)) * temperature
        u = ops.clip(noise[..., 1], 1e-7, 1.0 - 1e-7)
        y = mean + scale * (ops.log(u) - ops.log1p(-u))
        top = float(self._num_values - 1)
        value = ops.round((y + 1.0) * 0.5 * top)
        return ops.clip(value, 0.0, top)

    def to_distribution(self, params):
        from keras_ar.heads.tfp import tfd

        d = tfd()
        logits, means, log_scales = self._unpack(params)
        half_top = 0.5 * (self._num_values - 1)
        components = d.QuantizedDistribution(
            d.Logistic(
                loc=(means + 1.0) * half_top - 0.5,
                scale=ops.exp(log_scales) * half_top,
            ),
            low=0.0,
            high=float(self._num_values - 1),
        )
        return d.MixtureSameFamily(d.Categorical(logits=logits), components)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "num_components": self.num_components,
                "num_values": self._num_values,
                "coupled": self.coupled,
            }
        )
        return config
