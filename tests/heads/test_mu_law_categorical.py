import keras
import numpy as np
import pytest
from keras import ops

from keras_ar.data import mu_law_decode
from keras_ar.data import mu_law_encode
from keras_ar.heads import Categorical
from keras_ar.heads import MuLawCategorical


def _np(x):
    return ops.convert_to_numpy(x)


def test_is_a_256_way_categorical_over_codes():
    head = MuLawCategorical()
    assert isinstance(head, Categorical)
    assert head.num_values == 256 and head.value_range == (0, 255)
    assert head.params_size == 256 and head.mu == 255
    assert MuLawCategorical(mu=15).num_values == 16


def test_log_prob_matches_tfp_including_extreme_logits(tfd):
    rng = np.random.default_rng(0)
    features = rng.normal(0, 4, (3, 5, 256)).astype("float32")
    features[0, 0] = -1e4
    features[0, 0, 9] = 1e4
    head = MuLawCategorical()
    params = head(features)
    codes = rng.integers(0, 256, (3, 5, 1))
    codes[0, 0, 0] = 4  # impossible under the extreme logits
    ours = _np(head.log_prob(params, codes))
    reference = _np(
        tfd.Categorical(logits=features[:, :, None, :]).log_prob(codes)
    )
    assert np.all(np.isfinite(ours))
    np.testing.assert_allclose(ours, reference, rtol=1e-5, atol=1e-4)
    np.testing.assert_allclose(
        _np(head.to_distribution(params).log_prob(codes)),
        reference,
        rtol=1e-5,
        atol=1e-4,
    )


def test_encode_decode_use_keras_ar_data_mu_law():
    head = MuLawCategorical()
    audio = np.linspace(-1, 1, 101)
    codes = head.encode(audio)
    np.testing.assert_array_equal(codes, mu_law_encode(audio))
    np.testing.assert_array_equal(head.decode(codes), mu_law_decode(codes))
    assert codes.min() == 0 and codes.max() == 255


def test_samples_are_codes_and_follow_the_probabilities():
    head = MuLawCategorical(mu=3)
    logits = np.log(np.array([0.1, 0.2, 0.3, 0.4], "float32"))
    params = head(np.tile(logits, (20000, 1)))
    samples = _np(head.sample(params, seed=0)).astype(int).ravel()
    assert samples.min() >= 0 and samples.max() <= 3
    freq = np.bincount(samples, minlength=4) / samples.size
    np.testing.assert_allclose(freq, [0.1, 0.2, 0.3, 0.4], atol=0.015)


def test_out_of_range_codes_raise():
    head = MuLawCategorical()
    with pytest.raises(ValueError, match=r"\[0, 255\].*mu_law_encode"):
        head.check_values(np.array([[3], [256]]))
    with pytest.raises(ValueError, match="mu-law codes"):
        head.check_values(np.array([[-1], [0]]))
    with pytest.raises(ValueError, match="whole numbers.*mu-law codes"):
        head.check_values(np.array([[0.5], [0.0]]))
    with pytest.raises(ValueError, match="mu=0"):
        MuLawCategorical(mu=0)
    with pytest.raises(ValueError, match="integer"):
        MuLawCategorical(mu=2.5)


def test_config_round_trip():
    head = MuLawCategorical(mu=63, name="codes")
    config = keras.saving.serialize_keras_object(head)
    clone = keras.saving.deserialize_keras_object(config)
    assert isinstance(clone, MuLawCategorical)
    assert clone.mu == 63 and clone.num_classes == 64
    assert "num_classes" not in head.get_config()
