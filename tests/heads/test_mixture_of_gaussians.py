import keras
import numpy as np
import pytest
from keras import ops

from keras_ar.heads import Bernoulli
from keras_ar.heads import Gaussian
from keras_ar.heads import MixtureOfGaussians
from keras_ar.heads import Standardized


def _np(x):
    return ops.convert_to_numpy(x)


def test_log_prob_matches_tfp_mixture_same_family(tfd):
    rng = np.random.default_rng(0)
    k = 3
    features = rng.normal(0, 2, (4, 6, 3 * k)).astype("float32")
    features[0, 0, :k] = [-1e4, 1e4, 0.0]  # extreme logits
    head = MixtureOfGaussians(k)
    params = head(features)
    x = rng.normal(0, 3, (4, 6, 1)).astype("float32")
    logits = features[..., :k]
    locs = features[..., k : 2 * k]
    scales = np.log1p(np.exp(features[..., 2 * k :])) + 1e-3
    reference = _np(
        tfd.MixtureSameFamily(
            tfd.Categorical(logits=logits), tfd.Normal(locs, scales)
        ).log_prob(x[..., 0])
    )[..., None]
    ours = _np(head.log_prob(params, x))
    assert np.all(np.isfinite(ours))
    np.testing.assert_allclose(ours, reference, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(
        _np(head.to_distribution(params).log_prob(x)),
        reference,
        rtol=1e-4,
        atol=1e-4,
    )


def test_sampling_picks_components_by_weight():
    head = MixtureOfGaussians(2, min_scale=0.0)
    # weights 0.25 / 0.75, means -10 / 10, tiny scales
    one = np.array([np.log(0.25), np.log(0.75), -10, 10, -20, -20], "float32")
    params = head(np.tile(one, (40000, 1))[:, None, :])
    values = _np(head.sample(params, seed=1))[:, 0]
    assert head.noise_size == 2
    assert abs(np.mean(values > 0) - 0.75) < 0.01
    assert np.allclose(np.abs(values), 10.0, atol=1e-3)


def test_standardized_head_is_a_change_of_variables_and_serializes(tfd):
    rng = np.random.default_rng(0)
    data = rng.normal([5.0, -100.0], [2.0, 50.0], (500, 2))
    head = Standardized(Gaussian(), (2,))
    head.adapt(data)
    np.testing.assert_allclose(_np(head.mean), data.mean(0), rtol=1e-5)
    np.testing.assert_allclose(_np(head.scale), data.std(0), rtol=1e-5)
    params = head(rng.normal(size=(3, 4)).astype("float32"))  # (3, 2, 2)
    x = data[:3].astype("float32")
    inner = Gaussian().log_prob(params, (x - data.mean(0)) / data.std(0))
    expected = _np(inner) - np.log(data.std(0))
    np.testing.assert_allclose(_np(head.log_prob(params, x)), expected, 1e-5)
    np.testing.assert_allclose(
        _np(head.to_distribution(params).log_prob(x)), expected, rtol=1e-4
    )
    noise = np.full((3, 2, 1), 0.5, "float32")  # the median: z = loc
    loc = _np(params)[..., 0]
    np.testing.assert_allclose(
        _np(head.sample_from_noise(params, noise)),
        loc * data.std(0) + data.mean(0),
        rtol=1e-4,
    )
    config = keras.saving.serialize_keras_object(head)
    clone = keras.saving.deserialize_keras_object(config)
    assert isinstance(clone.head, Gaussian) and clone.event_shape == (2,)
    with pytest.raises(ValueError, match="continuous head"):
        Standardized(Bernoulli(), (2,))
