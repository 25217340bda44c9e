"""The coupled (PixelCNN++ RGB) discretized logistic mixture, and the
one-component head against TFP at the edge values and extreme scales."""

import itertools

import keras
import numpy as np
import pytest
from keras import ops

from keras_ar.heads import DiscretizedLogisticMixture
from keras_ar.models import PixelCNN


def _np(x):
    return ops.convert_to_numpy(x)


def _component_probs(v, mean, log_scale, num_values):
    """float64 P_k(v) of one discretized logistic (edge bins extended)."""
    log_scale = np.maximum(log_scale, -7.0)
    w = 1.0 / (num_values - 1)
    y = 2.0 * v / (num_values - 1) - 1.0
    scale = np.exp(log_scale)

    def cdf(edge):
        with np.errstate(over="ignore"):
            return 1.0 / (1.0 + np.exp(-(edge - mean) / scale))

    hi = np.where(v >= num_values - 1, 1.0, cdf(y + w))
    lo = np.where(v <= 0, 0.0, cdf(y - w))
    return hi - lo


def _reference_joint(features, x, k, num_values):
    """PixelCNN++'s RGB likelihood (Salimans et al. 2017, eq. 3), float64:
    log sum_k pi_k prod_c P_k(x_c | mu_kc + sum_{j<c} tanh(a_kcj) y_j)."""
    f = features.astype("float64")
    channels = x.shape[-1]
    logits = f[..., :k]
    y = 2.0 * x / (num_values - 1) - 1.0
    start = k + 2 * channels * k
    log_joint = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    for c in range(channels):
        mean = f[..., k + 2 * c * k : k + (2 * c + 1) * k]
        log_scale = f[..., k + (2 * c + 1) * k : k + 2 * (c + 1) * k]
        for j in range(c):
            mean = mean + np.tanh(f[..., start : start + k]) * y[..., j, None]
            start += k
        probs = _component_probs(x[..., c, None], mean, log_scale, num_values)
        log_joint = log_joint + np.log(probs)
    return np.log(np.exp(log_joint).sum(-1))


@pytest.mark.parametrize("num_values", [4, 256])
def test_coupled_log_prob_is_pixelcnnpp_joint(num_values):
    rng = np.random.default_rng(num_values)
    k = 3
    head = DiscretizedLogisticMixture(k, num_values=num_values, coupled=True)
    assert head.couples_channels and head.features_size(3) == 10 * k
    features = rng.normal(0, 1, (50, 10 * k))
    features[:, k + 6 * k :] *= 3  # coupling coefficients through tanh
    x = rng.integers(0, num_values, (50, 3)).astype("float64")
    x[0] = [0, num_values - 1, 0]  # the edge bins
    x[1] = [num_values - 1, 0, num_values - 1]
    params = head(features.astype("float32"), values=x.astype("float32"))
    assert tuple(params.shape) == (50, 3, 3 * k)
    ours = _np(head.log_prob(params, x.astype("float32"))).sum(-1)
    reference = _reference_joint(features, x, k, num_values)
    np.testing.assert_allclose(ours, reference, rtol=1e-4, atol=1e-4)


def test_coupled_probabilities_sum_to_one_over_every_pixel():
    rng = np.random.default_rng(0)
    head = DiscretizedLogisticMixture(2, num_values=4, coupled=True)
    features = rng.normal(0, 1.5, (6, 20)).astype("float32")
    total = np.zeros(6)
    for value in itertools.product(range(4), repeat=3):
        x = np.tile(np.array(value, "float32"), (6, 1))
        params = head(features, values=x)
        total += np.exp(_np(head.log_prob(params, x)).sum(-1))
    np.testing.assert_allclose(total, 1.0, rtol=1e-5)


def test_channel_parameters_depend_only_on_earlier_channels():
    rng = np.random.default_rng(1)
    head = DiscretizedLogisticMixture(2, num_values=8, coupled=True)
    features = rng.normal(0, 1, (1, 20)).astype("float32")
    x = np.array([[1.0, 5.0, 3.0]], "float32")
    base = _np(head(features, values=x))
    for c in range(3):
        moved = x.copy()
        moved[0, c] = (moved[0, c] + 3) % 8
        changed = np.any(_np(head(features, values=moved)) != base, -1)[0]
        # Channel c's value moves the parameters of later channels only.
        np.testing.assert_array_equal(changed, np.arange(3) > c)


def test_coupled_sampling_matches_the_joint():
    # Channel by channel, as an image model's steps do: the samples'
    # joint frequencies equal the joint probabilities.
    head = DiscretizedLogisticMixture(2, num_values=3, coupled=True)
    rng = np.random.default_rng(2)
    features = np.tile(rng.normal(0, 1, (1, 20)).astype("float32"), (20000, 1))
    x = np.zeros((20000, 3), "float32")
    noise = np.random.default_rng(3).random((20000, 3, 2)).astype("float32")
    for c in range(3):
        params = head(features, values=x)
        x[:, c] = _np(head.sample_from_noise(params[:, c], noise[:, c]))
    codes = (x[:, 0] * 9 + x[:, 1] * 3 + x[:, 2]).astype(int)
    freq = np.bincount(codes, minlength=27) / len(codes)
    probs = []
    for value in itertools.product(range(3), repeat=3):
        v = np.array([value], "float32")
        params = head(features[:1], values=v)
        probs.append(np.exp(_np(head.log_prob(params, v)).sum()))
    np.testing.assert_allclose(freq, probs, atol=0.012)


def test_coupled_head_with_one_channel_is_the_plain_head():
    features = np.random.default_rng(4).normal(size=(5, 9)).astype("float32")
    x = np.arange(5, dtype="float32")[:, None] * 50
    coupled = DiscretizedLogisticMixture(3, coupled=True)
    plain = DiscretizedLogisticMixture(3)
    np.testing.assert_allclose(
        _np(coupled(features, values=x)), _np(plain(features)), rtol=1e-6
    )


def test_coupled_config_and_errors():
    head = DiscretizedLogisticMixture(4, coupled=True)
    clone = keras.saving.deserialize_keras_object(
        keras.saving.serialize_keras_object(head)
    )
    assert clone.coupled and clone.features_size(3) == 40
    with pytest.raises(ValueError, match="values=x"):
        head(np.zeros((1, 40), "float32"))
    with pytest.raises(ValueError, match="needs 40 features.*Received: 30"):
        head(np.zeros((1, 30), "float32"), values=np.zeros((1, 3)))
    with pytest.raises(ValueError, match="coupled=1"):
        DiscretizedLogisticMixture(4, coupled=1)
    # Models whose networks emit features per channel group refuse it.
    with pytest.raises(ValueError, match="PixelCNNPlusPlus"):
        PixelCNN((2, 2, 3), head=head, filters=3)


@pytest.mark.parametrize("log_scale", [-7.0, -3.0, 0.0, 4.0])
def test_one_component_equals_tfp_quantized_logistic(tfd, log_scale):
    # One logistic, 256 values, computed by TFP in float64 from its own
    # QuantizedDistribution: values 0 and 255 (the tails), means inside
    # and outside [-1, 1], tiny and huge scales.
    head = DiscretizedLogisticMixture(1, num_values=256)
    means = np.array([-1.2, -1.0, -0.3, 0.0, 0.5, 1.0, 1.3])
    values = np.array([0.0, 1.0, 37.0, 127.0, 128.0, 254.0, 255.0])
    mean, value = [a.ravel() for a in np.meshgrid(means, values)]
    features = np.stack(
        [np.zeros_like(mean), mean, np.full_like(mean, log_scale)], -1
    )
    params = head(features[:, None].astype("float32"))
    x = value[:, None, None].astype("float32")
    ours = _np(head.log_prob(params, x)).reshape(-1)
    dist = tfd.QuantizedDistribution(
        tfd.Logistic(
            loc=(mean + 1.0) * 127.5 - 0.5, scale=np.exp(log_scale) * 127.5
        ),
        low=0.0,
        high=255.0,
    )
    theirs = _np(dist.log_prob(value))
    assert np.all(np.isfinite(ours)) and np.all(np.isfinite(theirs))
    np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-4)
