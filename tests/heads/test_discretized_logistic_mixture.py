import keras
import numpy as np
import pytest
from keras import ops

from keras_ar.heads import DiscretizedLogisticMixture


def _np(x):
    return ops.convert_to_numpy(x)


def _reference_probs(logits, means, log_scales, num_values):
    """Direct float64 evaluation of P(v) for every value v: (..., n)."""
    log_scales = np.maximum(log_scales, -7.0)
    weights = np.exp(logits - logits.max(-1, keepdims=True))
    weights /= weights.sum(-1, keepdims=True)
    w = 1.0 / (num_values - 1)
    y = np.arange(num_values) * 2 * w - 1.0  # (n,)
    edges_hi = np.append(y[:-1] + w, np.inf)
    edges_lo = np.insert(y[1:] - w, 0, -np.inf)

    def cdf(edge):
        z = (edge - means[..., None, :]) / np.exp(log_scales)[..., None, :]
        with np.errstate(over="ignore"):
            return 1.0 / (1.0 + np.exp(-z))

    probs = cdf(edges_hi[:, None]) - cdf(edges_lo[:, None])  # (..., n, K)
    return np.sum(probs * weights[..., None, :], axis=-1)


def _random_features(rng, shape, k, extreme=False):
    logits = rng.normal(0, 2, shape + (k,))
    means = rng.normal(0, 0.8, shape + (k,))
    log_scales = rng.normal(-2, 1.5, shape + (k,))
    if extreme:
        means[..., 0] = rng.choice([-3.0, 3.0, -1.0, 1.0], shape)
        log_scales[..., 0] = -9.0  # clipped to -7
        logits[..., 0] = 30.0  # the extreme component dominates
    return np.concatenate([logits, means, log_scales], -1), (
        logits,
        means,
        log_scales,
    )


@pytest.mark.parametrize("num_values", [2, 5, 256])
@pytest.mark.parametrize("extreme", [False, True])
def test_matches_direct_numeric_evaluation_and_sums_to_one(num_values, extreme):
    rng = np.random.default_rng(num_values)
    k = 3
    head = DiscretizedLogisticMixture(k, num_values=num_values)
    features, (logits, means, log_scales) = _random_features(
        rng, (40,), k, extreme
    )
    params = head(features.astype("float32"))
    assert tuple(params.shape) == (40, 1, 3 * k)
    values = np.arange(num_values)
    x = np.broadcast_to(values[:, None, None], (num_values, 40, 1))
    ours = np.stack(
        [_np(head.log_prob(params, x[v].astype("float32"))) for v in values],
        -1,
    )[:, 0]  # (40, n)
    assert np.all(np.isfinite(ours))
    reference = _reference_probs(logits, means, log_scales, num_values)
    total = np.exp(ours.astype("float64")).sum(-1)
    np.testing.assert_allclose(total, 1.0, rtol=2e-6)
    np.testing.assert_allclose(reference.sum(-1), 1.0)
    likely = reference > 1e-6
    np.testing.assert_allclose(
        ours[likely], np.log(reference[likely]), rtol=2e-3, atol=2e-4
    )


def test_edge_bins_take_the_tails():
    head = DiscretizedLogisticMixture(1, num_values=4)
    # One component far below the range: all its mass is on value 0, and
    # one far above: all on value 3, however narrow the component.
    for mean, value in ((-5.0, 0), (5.0, 3)):
        params = head(np.array([[0.0, mean, -7.0]], "float32"))
        for v in range(4):
            x = np.array([[v]], "float32")
            lp = float(_np(head.log_prob(params, x))[0, 0])
            if v == value:
                assert abs(lp) < 1e-6
            else:
                assert lp < -50 and np.isfinite(lp)


def test_matches_tfp_quantized_logistic_mixture(tfd):
    rng = np.random.default_rng(7)
    head = DiscretizedLogisticMixture(4, num_values=16)
    features, _ = _random_features(rng, (6, 2), 4)
    features[..., 8:] = np.clip(features[..., 8:], -3.0, 0.0)  # log-scales
    params = head(features.reshape(6, 2 * 12).astype("float32"))
    x = rng.integers(0, 16, (6, 2)).astype("float32")
    x[0, 0], x[0, 1] = 0.0, 15.0  # both edge bins
    ours = _np(head.log_prob(params, x))
    theirs = _np(head.to_distribution(params).log_prob(x))
    np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-4)


def test_sample_frequencies_match_probabilities():
    head = DiscretizedLogisticMixture(2, num_values=6)
    features = np.array([[1.0, 0.0, -0.6, 0.5, -1.5, -1.0]], "float32")
    params = head(np.tile(features, (30000, 1)))
    samples = _np(head.sample(params, seed=0)).astype(int).ravel()
    assert samples.min() >= 0 and samples.max() <= 5
    freq = np.bincount(samples, minlength=6) / samples.size
    probs = np.exp(
        [
            _np(head.log_prob(params[:1], np.array([[v]], "float32")))[0, 0]
            for v in range(6)
        ]
    )
    np.testing.assert_allclose(freq, probs, atol=0.01)
    # Low temperature concentrates the samples on the likeliest values.
    cold = _np(head.sample(params, seed=0, temperature=0.05)).ravel()
    assert np.mean(cold == cold[0]) > 0.5


def test_sampling_is_deterministic_for_a_seed():
    head = DiscretizedLogisticMixture(3, num_values=256)
    features = np.random.default_rng(0).normal(size=(5, 4, 9))
    params = head(features.astype("float32"))  # 5 x 4 positions, 1 channel
    a, b = _np(head.sample(params, seed=1)), _np(head.sample(params, seed=1))
    np.testing.assert_array_equal(a, b)
    assert a.shape == (5, 4, 1) and np.all(a == np.round(a))


def test_config_round_trip_and_errors():
    head = DiscretizedLogisticMixture(5, num_values=65536)
    clone = keras.saving.deserialize_keras_object(
        keras.saving.serialize_keras_object(head)
    )
    assert clone.num_components == 5 and clone.num_values == 65536
    assert clone.params_size == 15 and clone.noise_size == 2
    with pytest.raises(ValueError, match="num_components=0"):
        DiscretizedLogisticMixture(0)
    with pytest.raises(ValueError, match="num_values=1"):
        DiscretizedLogisticMixture(2, num_values=1)
    params = head(np.zeros((1, 15), "float32"))
    with pytest.raises(ValueError, match="temperature"):
        head.sample(params, temperature=0.0)
