import numpy as np
import pytest
from keras import ops

from keras_ar.heads import Gaussian
from keras_ar.heads import get_head


def _np(x):
    return ops.convert_to_numpy(x)


def test_log_prob_matches_tfp_normal(tfd):
    rng = np.random.default_rng(0)
    features = rng.normal(0, 3, (4, 5, 2 * 2)).astype("float32")  # 2 chans
    features[0, 0, 1] = -30.0  # tiny scale: min_scale keeps it finite
    head = Gaussian()
    params = head(features)
    assert tuple(params.shape) == (4, 5, 2, 2)
    x = rng.normal(0, 2, (4, 5, 2)).astype("float32")
    ours = _np(head.log_prob(params, x))
    loc = features.reshape(4, 5, 2, 2)[..., 0]
    scale = np.log1p(np.exp(features.reshape(4, 5, 2, 2)[..., 1])) + 1e-3
    reference = _np(tfd.Normal(loc, scale).log_prob(x))
    assert np.all(np.isfinite(ours))
    np.testing.assert_allclose(ours, reference, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(
        _np(head.to_distribution(params).log_prob(x)), reference, rtol=1e-5
    )


def test_sampling_from_noise_has_the_right_moments():
    head = Gaussian()
    features = np.tile(np.array([[3.0, 1.0]], "float32"), (20000, 1))
    params = head(features[:, None, :])
    values = _np(head.sample(params, seed=0))[:, 0]
    scale = np.log1p(np.e) + 1e-3
    assert values.shape == (20000, 1)  # 1 position, 1 channel
    assert abs(values.mean() - 3.0) < 0.05
    assert abs(values.std() - scale) < 0.05
    cold = _np(head.sample(params, seed=0, temperature=0.5))[:, 0]
    np.testing.assert_allclose(cold - 3.0, 0.5 * (values - 3.0), atol=1e-4)


def test_continuous_head_passes_values_through():
    head = get_head("gaussian")
    assert head.num_values is None
    assert head.value_range == (-np.inf, np.inf)
    x = np.array([[-1e3, 2.5]], "float32")
    np.testing.assert_array_equal(_np(head.encode_inputs(x)), x)
    with pytest.raises(ValueError, match="min_scale"):
        Gaussian(min_scale=-1.0)
