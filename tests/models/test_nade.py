import keras
import numpy as np
import pytest
from keras import ops

from keras_ar.heads import Standardized
from keras_ar.models import NADE
from keras_ar.models.nade_backbone import NADEBackbone
from keras_ar.testing import assert_autoregressive
from keras_ar.testing import assert_export_matches_log_prob
from keras_ar.testing import chi_square_p_value
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
    backbone = model.backbone
    w = ops.convert_to_numpy(backbone.input_kernel)
    c = ops.convert_to_numpy(backbone.hidden_bias)
    v = ops.convert_to_numpy(backbone.output_kernel)[..., 0]
    b = ops.convert_to_numpy(backbone.output_bias)[:, 0]
    xe = 2 * x - 1  # the head's encoding of {0, 1}
    expected = np.zeros(3)
    for d in range(5):
        h = 1 / (1 + np.exp(-(c + xe[:, :d] @ w[:d])))
        logit = b[d] + h @ v[d]
        p = 1 / (1 + np.exp(-logit))
        expected += np.log(np.where(x[:, d] == 1, p, 1 - p))
    np.testing.assert_allclose(model.log_prob(x), expected, rtol=1e-5)


@pytest.mark.parametrize(
    "kwargs",
    [
        # The plain binary NADE is the harness's nade_binary.
        dict(condition_classes=2),
        dict(head=4, event_shape=(2, 3, 2)),
        dict(head="categorical", event_shape=(3,), activation="tanh"),
    ],
)
def test_cached_sampling_equals_the_naive_full_pass(kwargs):
    kwargs = {"event_shape": (9,), "hidden_units": 5, **kwargs}
    model = NADE(**kwargs)
    _randomize(model)
    condition = np.array([1, 0, 1, 1, 0, 0]) if model.is_conditional else None
    args = dict(condition=condition, seed=4)
    fast = model.sample(6, **args)
    np.testing.assert_array_equal(
        fast, model.sample(6, use_cache=False, **args)
    )
    np.testing.assert_array_equal(fast, model.sample(6, progress=True, **args))
    values = model.head.num_values
    x = np.random.default_rng(1).integers(0, values, (6,) + model.event_shape)
    known = np.random.default_rng(2).random(x.shape) < 0.4
    done = model.complete(x, known, **args)
    np.testing.assert_array_equal(done[known], x[known])
    np.testing.assert_array_equal(
        done, model.complete(x, known, use_cache=False, **args)
    )
    np.testing.assert_array_equal(
        done, model.complete(x, known, progress=True, **args)
    )


@pytest.mark.parametrize("head", ["gaussian", "mixture_of_gaussians"])
def test_cached_continuous_sampling_equals_the_naive_full_pass(head):
    model = NADE((5,), head=head, hidden_units=6, condition_classes=2)
    _randomize(model, scale=0.5)
    model.head.adapt(np.random.default_rng(0).normal(-4, 3, (64, 5)))
    args = dict(condition=[0, 1, 1, 0], seed=3)
    fast = model.sample(4, **args)
    # A running sum adds in another order than the blocked prefix sum:
    # equal up to float32 rounding (bit-exact on JAX).
    slow = model.sample(4, use_cache=False, **args)
    np.testing.assert_allclose(fast, slow, rtol=1e-5, atol=1e-5)
    x = np.full((4, 5), 1.5, "float32")
    known = np.zeros((4, 5), bool)
    known[:, :2] = True
    done = model.complete(x, known, **args)
    np.testing.assert_array_equal(done[:, :2], 1.5)
    np.testing.assert_allclose(
        done,
        model.complete(x, known, use_cache=False, **args),
        rtol=1e-5,
        atol=1e-5,
    )


# Eager steps, slow on JAX; the JAX suite checks NADE's cached path
# end to end (cached sampling and completion equal the naive pass).
@pytest.mark.tensorflow
def test_cached_step_keeps_a_running_pre_activation():
    """The cache is the `(batch, H)` pre-activation `c + sum_{j<d} W_j x_j`
    and a step returns only value `d`'s parameters."""
    model = NADE((6,), head=3, hidden_units=4, condition_classes=2)
    _randomize(model)
    x = np.random.default_rng(0).integers(0, 3, (5, 6)).astype("float32")
    condition = {"condition": np.array([0, 1, 0, 1, 1], "int32")}
    noise = np.zeros(model.generation_noise_shape(x.shape), "float32")
    cache = model.build_generation_cache(x, x < 0, condition, noise)
    backbone = model.backbone
    w = ops.convert_to_numpy(backbone.input_kernel)
    c = (
        ops.convert_to_numpy(backbone.hidden_bias)
        + ops.convert_to_numpy(backbone.condition_embedding.embeddings)[
            condition["condition"]
        ]
    )
    encoded = ops.convert_to_numpy(model.head.encode_inputs(x))
    for index in range(6):
        fast, cache = model.call_with_cache(x, cache, index)
        slow, _ = model.call_without_cache(x, cache, index)
        assert tuple(fast.shape) == (5, 1, 3)
        np.testing.assert_allclose(
            ops.convert_to_numpy(cache["hidden"]),
            c + encoded[:, :index] @ w[:index],
            rtol=1e-5,
            atol=1e-5,
        )
        np.testing.assert_allclose(
            ops.convert_to_numpy(fast),
            ops.convert_to_numpy(slow),
            rtol=1e-5,
            atol=1e-5,
        )


def test_samples_follow_the_distribution_log_prob_reports():
    model = NADE((4,), hidden_units=5, condition_classes=2)
    _randomize(model)
    for label in (0, 1):
        p_value, tv = chi_square_p_value(
            model, [label], num_samples=20000, seed=label
        )
        assert p_value > 1e-3 and tv < 0.03, (p_value, tv)


def _uniform_chi_square(u, bins=10):
    from scipy import stats

    counts = np.histogram(u, bins=bins, range=(0.0, 1.0))[0]
    return stats.chisquare(counts)[1]


@pytest.mark.parametrize("head", ["gaussian", "mixture_of_gaussians"])
def test_continuous_samples_follow_their_conditionals(head):
    """Probability integral transform: `F(x_d | x_<d)` of the model's own
    samples is uniform for every `d` (binned 1-D chi-square)."""
    from scipy import stats

    model = NADE((3,), head=head, hidden_units=6)
    _randomize(model, scale=0.5)
    model.head.adapt(np.random.default_rng(0).normal(10, 2, (64, 3)))
    samples = model.sample(6000, seed=1)
    params = model(samples)
    inner = model.head.head
    z = ops.convert_to_numpy(model.head.standardize(samples))
    if head == "gaussian":
        loc, scale = (ops.convert_to_numpy(t) for t in inner.loc_scale(params))
        u = stats.norm.cdf(z.reshape(loc.shape), loc, scale)
    else:
        logits, locs, scales = (
            ops.convert_to_numpy(t) for t in inner.components(params)
        )
        weights = np.exp(logits - logits.max(-1, keepdims=True))
        weights /= weights.sum(-1, keepdims=True)
        z = z.reshape(locs.shape[:-1] + (1,))
        u = (weights * stats.norm.cdf(z, locs, scales)).sum(-1)
    u = u.reshape(len(samples), -1)
    for d in range(3):
        assert _uniform_chi_square(u[:, d]) > 1e-3
    # Conditionals, not marginals: x_2's transform is independent of x_0.
    assert abs(np.corrcoef(u[:, 0], u[:, 2])[0, 1]) < 0.05


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
    assert isinstance(loaded.backbone, NADEBackbone)
    np.testing.assert_allclose(
        loaded.log_prob(data[:10]), model.log_prob(data[:10]), rtol=1e-5
    )
    np.testing.assert_allclose(
        ops.convert_to_numpy(loaded.head.scale),
        ops.convert_to_numpy(model.head.scale),
    )
    np.testing.assert_allclose(
        loaded.sample(3, seed=1), model.sample(3, seed=1), rtol=1e-6
    )


@pytest.mark.tensorflow  # JAX CI time (about 20 s there)
def test_mixed_precision_fit_log_prob_and_sample():
    """A bfloat16 bias used to be added to float32 inputs (TensorFlow
    refused: AddV2 expected a float tensor)."""
    keras.config.set_dtype_policy("mixed_bfloat16")
    model = NADE((6,), hidden_units=8, condition_classes=2)
    assert model.backbone.compute_dtype == "bfloat16"
    x = np.random.default_rng(0).integers(0, 2, (64, 6))
    label = np.arange(64) % 2
    model.compile(optimizer="adam")
    history = model.fit(
        {"x": x, "label": label}, epochs=2, batch_size=16, verbose=0
    )
    assert np.isfinite(history.history["loss"]).all()
    log_prob = model.log_prob(x[:4], condition=label[:4])
    assert log_prob.dtype == np.float32 and np.isfinite(log_prob).all()
    fast = model.sample(4, condition=1, seed=0)
    assert fast.shape == (4, 6) and set(np.unique(fast)) <= {0, 1}
    real = np.random.default_rng(1).normal(5, 2, (64, 3))
    gaussian = NADE((3,), head="gaussian", hidden_units=4)
    gaussian.compile(optimizer="adam")
    gaussian.fit(real, epochs=1, verbose=0)
    assert np.isfinite(gaussian.sample(3, seed=0)).all()


def test_bad_arguments():
    with pytest.raises(ValueError, match="hidden_units"):
        NADE((3,), hidden_units=0)
    with pytest.raises(ValueError, match="event_shape"):
        NADE((), hidden_units=2)
    model = NADE((3,), hidden_units=2)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        model.log_prob(np.array([[0, 1, 5]]))
    with pytest.raises(ValueError, match="not conditional"):
        model.sample(2, condition=1)


def test_backbone_round_trips_its_config():
    backbone = NADEBackbone((2, 2), 3, hidden_units=4, condition_classes=2)
    clone = NADEBackbone.from_config(backbone.get_config())
    assert clone.get_config() == backbone.get_config()
    out = clone(np.zeros((1, 2, 2), "float32"), condition={"condition": [1]})
    assert tuple(out.shape) == (1, 2, 6)


# tests/models/test_model_harness.py exports a conditional NADE too.
@pytest.mark.tensorflow
@pytest.mark.parametrize("kwargs", [dict()])
def test_export_log_prob_signature_matches_log_prob(tmp_path, kwargs):
    model = NADE((2, 3, 1), hidden_units=6, **kwargs)
    _randomize(model, scale=0.5)
    x = np.random.default_rng(0).integers(0, 2, (5, 2, 3, 1))
    condition = [0, 1, 2, 0, 1] if model.is_conditional else None
    assert_export_matches_log_prob(model, x, tmp_path / "nade", condition)
