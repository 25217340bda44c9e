import keras
import numpy as np
import pytest
from keras import ops

from keras_ar.heads import Bernoulli
from keras_ar.heads import Categorical
from keras_ar.heads import get_head


def _np(x):
    return ops.convert_to_numpy(x)


def test_bernoulli_log_prob_matches_tfp_including_extreme_logits(tfd):
    rng = np.random.default_rng(0)
    logits = np.concatenate(
        [rng.normal(0, 3, 50), [-200.0, -50.0, 50.0, 200.0, 0.0]]
    ).astype("float32")
    head = Bernoulli()
    params = head(logits[:, None])
    for value in (0.0, 1.0):
        x = np.full((len(logits), 1), value, "float32")
        ours = _np(head.log_prob(params, x))
        theirs = _np(head.to_distribution(params).log_prob(x))
        reference = _np(tfd.Bernoulli(logits=logits[:, None]).log_prob(x))
        assert np.all(np.isfinite(ours))
        np.testing.assert_allclose(ours, reference, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(theirs, reference, rtol=1e-5, atol=1e-6)


def test_categorical_log_prob_matches_tfp_including_extreme_logits(tfd):
    rng = np.random.default_rng(1)
    features = rng.normal(0, 5, (4, 3, 2 * 256)).astype("float32")
    features[0, 0, :256] = -1e4
    features[0, 0, 7] = 1e4
    head = Categorical(256)
    params = head(features)
    assert tuple(params.shape) == (4, 3, 2, 256)
    x = rng.integers(0, 256, (4, 3, 2)).astype("float32")
    x[0, 0, 0] = 3  # an impossible value under the extreme logits
    ours = _np(head.log_prob(params, x))
    reference = _np(
        tfd.Categorical(logits=features.reshape(4, 3, 2, 256)).log_prob(
            x.astype("int32")
        )
    )
    np.testing.assert_allclose(ours, reference, rtol=1e-5, atol=1e-4)
    np.testing.assert_allclose(
        _np(head.to_distribution(params).log_prob(x.astype("int32"))),
        reference,
        rtol=1e-5,
        atol=1e-4,
    )


@pytest.mark.parametrize("head", [Bernoulli(), Categorical(5)])
def test_sampling_is_deterministic_for_a_seed(head):
    features = np.random.default_rng(2).normal(
        size=(8, 6, head.features_size(1))
    )
    params = head(features.astype("float32"))
    a = _np(head.sample(params, seed=3))
    b = _np(head.sample(params, seed=3))
    c = _np(head.sample(params, seed=4))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    low, high = head.value_range
    assert a.min() >= low and a.max() <= high


def test_categorical_sample_frequencies_match_probabilities():
    head = Categorical(4)
    logits = np.log(np.array([0.1, 0.2, 0.3, 0.4], "float32"))
    params = head(np.tile(logits, (20000, 1)))
    samples = _np(head.sample(params, seed=0)).astype(int).ravel()
    freq = np.bincount(samples, minlength=4) / samples.size
    np.testing.assert_allclose(freq, [0.1, 0.2, 0.3, 0.4], atol=0.015)
    # Temperature -> sharper distribution.
    cold = _np(head.sample(params, seed=0, temperature=0.1)).astype(int)
    assert np.mean(cold == 3) > 0.9


def test_bernoulli_sample_frequency():
    head = Bernoulli()
    params = head(np.full((20000, 1), np.log(0.3 / 0.7), "float32"))
    samples = _np(head.sample(params, seed=0))
    assert abs(samples.mean() - 0.3) < 0.015


def test_encode_inputs_range():
    head = Categorical(256)
    enc = _np(head.encode_inputs(np.array([0.0, 255.0])))
    np.testing.assert_allclose(enc, [-1.0, 1.0])


def test_bad_temperature():
    head = Bernoulli()
    with pytest.raises(ValueError, match="temperature"):
        head.sample(np.zeros((1, 1), "float32"), seed=1, temperature=0.0)


def test_get_head_and_serialization():
    assert isinstance(get_head("bernoulli"), Bernoulli)
    assert get_head(10).num_classes == 10
    assert get_head(None).num_classes == 256
    with pytest.raises(ValueError, match="head"):
        get_head("gaussian?")
    with pytest.raises(ValueError, match="num_classes"):
        Categorical(1)
    head = Categorical(7)
    clone = keras.saving.deserialize_keras_object(
        keras.saving.serialize_keras_object(head)
    )
    assert isinstance(clone, Categorical) and clone.num_classes == 7
