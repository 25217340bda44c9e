import keras
import numpy as np
import pytest
from keras import ops

from keras_ar.heads import Standardized
from keras_ar.models import NADE
from keras_ar.testing import assert_autoregressive
from keras_ar.testing import assert_export_matches_log_prob
from keras_ar.testing import dependency_matrix
from keras_ar.testing import enumerate_events


def _randomize(model, scale=1.0, seed=0):
    rng = np.random.default_rng(seed)
    for w in model.trainable_weights:
        w.assign(rng.normal(0, scale, w.shape).astype("float32"))


@pytest.mark.parametrize("event_shape", [(7,), (2, 3, 1), (10,)])
def test_nade_is_autoregressive(event_shape):
    model = NADE(event_shape, hidden_units=6)
    _randomize(model)
    positions = np.arange(model.num_dims).reshape(event_shape)
    x = np.random.default_rng(0).integers(0, 2, (1,) + event_shape)
    m = dependency_matrix(
        lambda v: model(v), x, positions, positions, perturb=lambda v: 1 - v
    )
    assert_autoregressive(m, strict=True)
    d = model.num_dims
    assert all(m[i, j] for i in range(d) for j in range(i + 1, d))


@pytest.mark.parametrize("head", ["bernoulli", 3])
def test_probabilities_sum_to_one(head):
    num_values = 2 if head == "bernoulli" else head
    model = NADE((4,), head=head, hidden_units=5)
    _randomize(model)
    events = enumerate_events((4,), num_values)
    probs = np.exp(model.log_prob(events).astype("float64"))
    assert probs.std() > 1e-3
    np.testing.assert_allclose(probs.sum(), 1.0, rtol=1e-5)


def test_one_pass_matches_the_naive_per_position_formula():
    model = NADE((5,), hidden_units=4)
    _randomize(model, scale=0.5)
    x = np.random.default_rng(2).integers(0, 2, (3, 5)).astype("float32")
    w = ops.convert_to_numpy(model.input_kernel)
    c = ops.convert_to_numpy(model.hidden_bias)
    v = ops.convert_to_numpy(model.output_kernel)[..., 0]
    b = ops.convert_to_numpy(model.output_bias)[:, 0]
    xe = 2 * x - 1  # the head's encoding of {0, 1}
    expected = np.zeros(3)
    for d in range(5):
        h = 1 / (1 + np.exp(-(c + xe[:, :d] @ w[:d])))
        logit = b[d] + h @ v[d]
        p = 1 / (1 + np.exp(-logit))
        expected += np.log(np.where(x[:, d] == 1, p, 1 - p))
    np.testing.assert_allclose(model.log_prob(x), expected, rtol=1e-5)


def test_fast_sampling_equals_naive_sampling():
    model = NADE((9,), hidden_units=5, condition_classes=2)
    _randomize(model)
    fast = model.sample(6, condition=1, seed=4)
    slow = model.sample(6, condition=1, seed=4, use_cache=False)
    np.testing.assert_array_equal(fast, slow)
    known = np.zeros((6, 9), bool)
    known[:, :3] = True
    x = np.ones((6, 9))
    done = model.complete(x, known, condition=np.zeros(6, int), seed=0)
    np.testing.assert_array_equal(done[:, :3], 1)


def test_conditional_nade_depends_on_condition():
    model = NADE((4,), hidden_units=5, condition_classes=3)
    _randomize(model)
    x = np.zeros((3, 4))
    lp = model.log_prob(x, condition=[0, 1, 2])
    assert len(np.unique(np.round(lp, 5))) == 3
    events = enumerate_events((4,), 2)
    total = np.exp(model.log_prob(events, condition=np.full(16, 2))).sum()
    np.testing.assert_allclose(total, 1.0, rtol=1e-5)


def test_rnade_learns_correlated_data_and_round_trips(tmp_path):
    rng = np.random.default_rng(0)
    z = rng.normal(size=(1024, 1))
    data = np.concatenate([z, 2 * z + 0.1 * rng.normal(size=(1024, 1))], 1)
    data = data * [10.0, 1.0] + [1000.0, -5.0]
    model = NADE((2,), head="mixture_of_gaussians", hidden_units=16)
    assert isinstance(model.head, Standardized)
    model.compile(optimizer=keras.optimizers.Adam(1e-2))
    model.fit(data, epochs=15, batch_size=64, verbose=0)
    # Far better than independent Gaussians (which ignore correlation).
    independent = -np.sum(np.log(data.std(0) * np.sqrt(2 * np.pi * np.e)))
    assert model.log_prob(data).mean() > independent + 1.0
    samples = model.sample(500, seed=0)
    assert abs(samples[:, 0].mean() - 1000.0) < 2.0
    assert np.corrcoef(samples.T)[0, 1] > 0.9
    path = str(tmp_path / "nade.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    np.testing.assert_allclose(
        loaded.log_prob(data[:10]), model.log_prob(data[:10]), rtol=1e-5
    )
    np.testing.assert_allclose(
        ops.convert_to_numpy(loaded.head.scale),
        ops.convert_to_numpy(model.head.scale),
    )


def test_bad_arguments():
    with pytest.raises(ValueError, match="hidden_units"):
        NADE((3,), hidden_units=0)
    model = NADE((3,), hidden_units=2)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        model.log_prob(np.array([[0, 1, 5]]))


@pytest.mark.parametrize("kwargs", [dict(), dict(condition_classes=3)])
def test_export_log_prob_signature_matches_log_prob(tmp_path, kwargs):
    if keras.backend.backend() != "tensorflow":
        pytest.skip("SavedModel export needs the TensorFlow backend")
    model = NADE((2, 3, 1), hidden_units=6, **kwargs)
    _randomize(model, scale=0.5)
    x = np.random.default_rng(0).integers(0, 2, (5, 2, 3, 1))
    condition = [0, 1, 2, 0, 1] if model.is_conditional else None
    assert_export_matches_log_prob(model, x, tmp_path / "nade", condition)
