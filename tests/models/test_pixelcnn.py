import keras
import numpy as np
import pytest
from keras import ops
from scipy import stats

from keras_ar.heads import Categorical
from keras_ar.heads import DiscretizedLogisticMixture
from keras_ar.heads import Gaussian
from keras_ar.heads import Standardized
from keras_ar.models import PixelCNN
from keras_ar.models.pixelcnn_backbone import PixelCNNBackbone
from keras_ar.testing import assert_autoregressive
from keras_ar.testing import dependency_matrix
from keras_ar.testing import enumerate_events


def _tiny(event_shape=(4, 4, 1), head="bernoulli", **kwargs):
    channels = event_shape[-1]
    defaults = dict(
        filters=2 * channels,
        num_residual_blocks=1,
        output_filters=4 * channels,
        first_kernel_size=3,
    )
    defaults.update(kwargs)
    return PixelCNN(event_shape, head=head, **defaults)


def _randomize(model, scale=0.7, seed=0):
    """Random backbone weights (the condition's too: they start at 0)."""
    rng = np.random.default_rng(seed)
    for w in model.backbone.weights:
        w.assign(rng.normal(0, scale, w.shape).astype("float32"))


def _param_positions(model, params):
    height, width, channels = model.event_shape
    positions = np.arange(height * width * channels).reshape(
        height, width, channels
    )
    extra = tuple(params.shape[4:])
    return np.broadcast_to(
        positions.reshape(positions.shape + (1,) * len(extra)),
        positions.shape + extra,
    )


def _model_dependencies(model, num_values, draws=3, condition=None):
    """Union of the dependencies measured around a few random inputs (a
    single input can hide a real dependency behind a dead ReLU)."""
    positions = np.arange(model.num_dims).reshape(model.event_shape)
    matrix = None
    for seed in range(draws):
        x = np.random.default_rng(seed).integers(
            0, num_values, (1,) + model.event_shape
        )
        params = model(x.astype("float32"), condition=condition)
        m = dependency_matrix(
            lambda v: model(v, condition=condition),
            x,
            positions,
            _param_positions(model, params),
            perturb=lambda v: (v + 1) % num_values,
        )
        matrix = m if matrix is None else matrix | m
    return matrix


def _generation_order(model):
    """`order[position]`: the generation step that writes each position,
    as the model reports it (`generation_positions`)."""
    shape = model.generation_shape()
    order = np.full(model.num_dims, -1)
    for step in range(model.generation_steps(shape)):
        positions = model.generation_positions(step, {}, shape)
        order[ops.convert_to_numpy(positions).ravel()] = step
    assert (order >= 0).all()
    return order


# ----------------------------------------------------------------------
# The autoregressive property
# ----------------------------------------------------------------------
def test_grey_pixelcnn_is_autoregressive():
    model = _tiny((5, 5, 1), num_residual_blocks=2)
    _randomize(model)
    m = _model_dependencies(model, 2)
    assert_autoregressive(m, strict=True)
    assert m[0, 1] and m[5, 6] and m[11, 12]  # left and upper neighbours


def test_rgb_pixelcnn_is_autoregressive_with_channel_order():
    model = _tiny((3, 3, 3), head=4, num_residual_blocks=1)
    _randomize(model)
    m = _model_dependencies(model, 4)
    assert_autoregressive(m, strict=True)
    # Pixel 4 (centre): R=12, G=13, B=14. G sees R, B sees R and G.
    assert m[12, 13] and m[12, 14] and m[13, 14]
    # R of pixel 5 sees all channels of pixel 4.
    assert m[12, 15] and m[13, 15] and m[14, 15]


def test_conditional_pixelcnn_is_autoregressive_and_uses_condition():
    model = _tiny((4, 4, 1), condition_classes=3)
    _randomize(model)
    x = np.random.default_rng(1).integers(0, 2, (1, 4, 4, 1))
    for label in range(3):
        m = _model_dependencies(model, 2, condition=np.array([label]))
        assert_autoregressive(m, strict=True)
    a = ops.convert_to_numpy(model(x.astype("float32"), condition=[0]))
    b = ops.convert_to_numpy(model(x.astype("float32"), condition=[2]))
    assert not np.allclose(a, b)


def test_vector_conditional_pixelcnn_is_autoregressive_and_uses_condition():
    model = _tiny((4, 4, 1), condition_size=3)
    assert model.condition_size == 3 and model.is_conditional
    _randomize(model)
    h = np.random.default_rng(2).normal(size=(1, 3)).astype("float32")
    m = _model_dependencies(model, 2, condition=h)
    assert_autoregressive(m, strict=True)
    x = np.ones((1, 4, 4, 1), "float32")
    a = ops.convert_to_numpy(model(x, condition=h))
    b = ops.convert_to_numpy(model(x, condition=-h))
    assert not np.allclose(a, b)


def test_condition_starts_with_no_effect():
    # Zero-initialised class embeddings and vector projections.
    for kwargs, cond in (
        ({"condition_classes": 3}, [2]),
        ({"condition_size": 2}, [[3.0, -1.0]]),
    ):
        model = _tiny((3, 3, 1), **kwargs)
        x = np.ones((1, 3, 3, 1), "float32")
        zero = [0] if "condition_classes" in kwargs else [[0.0, 0.0]]
        np.testing.assert_array_equal(
            ops.convert_to_numpy(model(x, condition=cond)),
            ops.convert_to_numpy(model(x, condition=zero)),
        )


def test_blind_spot():
    # Output at (r, c) never sees (r-1, c+4) with a 7x7 first layer, however
    # deep the stack, although that pixel comes earlier in the model's
    # generation order.
    model = PixelCNN(
        (4, 9, 1),
        head="bernoulli",
        filters=2,
        num_residual_blocks=4,
        output_filters=4,
    )
    _randomize(model, seed=3)
    m = _model_dependencies(model, 2)
    assert_autoregressive(m, strict=True)
    width = 9
    target = 2 * width + 2  # (2, 2)
    seen, blind = 1 * width + 5, 1 * width + 6  # (1, 5) and (1, 6)
    order = _generation_order(model)
    assert order[seen] < order[target] and order[blind] < order[target]
    assert m[seen, target]  # c + 3 is seen
    assert not m[blind, target]  # c + 4, generated earlier: the blind spot


# ----------------------------------------------------------------------
# Exact likelihoods and the sampler's distribution
# ----------------------------------------------------------------------
@pytest.mark.parametrize(
    "event_shape, num_values",
    [((2, 2, 1), 2), ((1, 2, 1), 3), ((1, 1, 3), 3)],
)
def test_probabilities_sum_to_one(event_shape, num_values):
    model = _tiny(event_shape, head=num_values)
    _randomize(model, scale=1.0)
    events = enumerate_events(event_shape, num_values)
    assert len(events) == num_values ** int(np.prod(event_shape))
    log_prob = model.log_prob(events)
    probs = np.exp(log_prob.astype("float64"))
    assert probs.std() > 1e-3  # a non-trivial distribution
    np.testing.assert_allclose(probs.sum(), 1.0, rtol=1e-5)


@pytest.mark.parametrize(
    "kwargs, conditions",
    [
        ({"condition_classes": 2}, [0, 1]),
        ({"condition_size": 2}, [[0.5, -1.0], [2.0, 0.3]]),
    ],
)
def test_conditional_probabilities_sum_to_one(kwargs, conditions):
    model = _tiny((2, 2, 1), **kwargs)
    _randomize(model, scale=1.0)
    events = enumerate_events((2, 2, 1), 2)
    totals = []
    for cond in conditions:
        cond = np.repeat(np.asarray([cond]), len(events), axis=0)
        probs = np.exp(model.log_prob(events, condition=cond))
        totals.append(probs)
        np.testing.assert_allclose(probs.sum(), 1.0, rtol=1e-5)
    assert not np.allclose(totals[0], totals[1])


def test_sampler_draws_from_log_prob():
    model = _tiny((2, 2, 1), head="bernoulli")
    _randomize(model, scale=1.0)
    events = enumerate_events((2, 2, 1), 2)
    probs = np.exp(model.log_prob(events).astype("float64"))
    samples = model.sample(4000, seed=7)
    codes = samples.reshape(len(samples), -1) @ (2 ** np.arange(4)[::-1])
    counts = np.bincount(codes, minlength=16)
    expected = probs / probs.sum() * len(samples)
    assert stats.chisquare(counts, expected).pvalue > 1e-3


@pytest.mark.tensorflow  # JAX CI time; the JAX harness cases fit too
def test_fit_on_a_few_images_then_samples_them():
    images = np.array(
        [
            [[1, 0, 1, 0], [0, 1, 0, 1], [1, 0, 1, 0], [0, 1, 0, 1]],
            [[1, 1, 0, 0], [1, 1, 0, 0], [0, 0, 1, 1], [0, 0, 1, 1]],
        ],
        "uint8",
    )[..., None]
    model = _tiny((4, 4, 1), filters=16, output_filters=32, first_kernel_size=5)
    model.compile(optimizer=keras.optimizers.Adam(0.01))
    history = model.fit(
        np.repeat(images, 32, axis=0), epochs=40, batch_size=64, verbose=0
    )
    # The best possible loss is log(2) = 0.69 nats (which of the two).
    assert history.history["loss"][-1] < 0.85
    samples = model.sample(40, seed=0)
    matches = [any(np.array_equal(s, im) for im in images) for s in samples]
    assert np.mean(matches) >= 0.9
    # Both images are generated.
    assert any(np.array_equal(s, images[0]) for s in samples)
    assert any(np.array_equal(s, images[1]) for s in samples)


# ----------------------------------------------------------------------
# Fast cached sampling == the naive full pass
# ----------------------------------------------------------------------
def _assert_cached_equals_naive(model, num_samples, seed=11, **kwargs):
    fast = model.sample(num_samples, seed=seed, **kwargs)
    slow = model.sample(num_samples, seed=seed, use_cache=False, **kwargs)
    np.testing.assert_array_equal(fast, slow)
    return fast


@pytest.mark.parametrize("num_samples", [5])  # one sample: the RGB case
def test_cached_sampling_equals_naive_grey(num_samples):
    model = _tiny((7, 5, 1), head=3, num_residual_blocks=2)
    _randomize(model, scale=0.5)
    fast = _assert_cached_equals_naive(model, num_samples)
    assert len(np.unique(fast)) == 3  # non-trivial samples
    # With a progress bar the loop runs in compiled chunks: same samples.
    np.testing.assert_array_equal(
        model.sample(num_samples, seed=11, progress=True), fast
    )


#: JAX always compiles the loop with XLA: one setting there.
XLA_SETTINGS = [True, False] if keras.backend.backend() != "jax" else [True]


#: Each setting once, each batch size once (XLA with one sample, no XLA
#: with four on TensorFlow; both XLA on JAX).
RGB_CASES = [(1, True), (4, XLA_SETTINGS[-1])]


@pytest.mark.parametrize("num_samples, xla", RGB_CASES)
def test_cached_sampling_equals_naive_rgb(num_samples, xla):
    # Under XLA a step computes one channel group's share of every layer
    # (a branch per group); without, the whole pixel (no branches).
    model = _tiny((4, 5, 3), head=4, kernel_size=5, first_kernel_size=5)
    model.jit_generation = xla
    _randomize(model, scale=0.5)
    fast = _assert_cached_equals_naive(model, num_samples, seed=5)
    np.testing.assert_array_equal(
        model.sample(num_samples, seed=5, progress=True), fast
    )


@pytest.mark.parametrize("xla", XLA_SETTINGS)
def test_cached_sampling_equals_naive_class_conditional(xla):
    model = _tiny((5, 3, 3), head=4, condition_classes=2, filters=4)
    model.jit_generation = xla
    _randomize(model, scale=0.5)
    _assert_cached_equals_naive(model, 4, seed=5, condition=[0, 1, 0, 1])
    _assert_cached_equals_naive(model, 1, seed=5, condition=1)


def test_cached_sampling_equals_naive_vector_conditional():
    model = _tiny((5, 4, 1), head=3, condition_size=3)
    _randomize(model, scale=0.5)
    h = np.random.default_rng(0).normal(size=(3, 3)).astype("float32")
    fast = _assert_cached_equals_naive(model, 3, seed=2, condition=h)
    np.testing.assert_array_equal(
        model.sample(3, seed=2, condition=h, progress=True), fast
    )


@pytest.mark.parametrize(
    "head",
    [
        "bernoulli",
        DiscretizedLogisticMixture(num_components=2, num_values=8),
        Standardized(Gaussian(), (4, 3, 2)),
    ],
    ids=["bernoulli", "logistic_mixture", "standardized_gaussian"],
)
def test_cached_sampling_equals_naive_other_heads(head):
    model = _tiny((4, 3, 2), head=head)
    _randomize(model, scale=0.5)
    if isinstance(head, Standardized):
        rng = np.random.default_rng(1)
        head.mean.assign(rng.normal(size=(4, 3, 2)).astype("float32"))
        head.scale.assign(rng.uniform(0.5, 2, (4, 3, 2)).astype("float32"))
    if not model.head.is_discrete:
        # Continuous values: the step's matmuls and the full convolutions
        # round differently (1 ulp), so the values agree to rounding.
        np.testing.assert_allclose(
            model.sample(3, seed=4),
            model.sample(3, seed=4, use_cache=False),
            rtol=1e-5,
            atol=1e-5,
        )
        return
    _assert_cached_equals_naive(model, 3, seed=4)


@pytest.mark.parametrize("event_shape", [(5, 4, 1), (4, 3, 3)])
def test_cached_complete_equals_naive(event_shape):
    model = _tiny(event_shape, head=4, condition_classes=2)
    _randomize(model, scale=0.5)
    rng = np.random.default_rng(0)
    x = rng.integers(0, 4, (3,) + event_shape)
    known = rng.random((3,) + event_shape) < 0.5
    kwargs = dict(condition=[0, 1, 1], seed=3)
    fast = model.complete(x, known, **kwargs)
    slow = model.complete(x, known, use_cache=False, **kwargs)
    np.testing.assert_array_equal(fast, slow)
    np.testing.assert_array_equal(fast[known], x[known])
    chunked = model.complete(x, known, progress=True, **kwargs)
    np.testing.assert_array_equal(chunked, fast)


def test_cached_step_runs_only_the_pixel_column():
    model = _tiny((4, 4, 1), head=3)
    _randomize(model, scale=0.5)

    def full_pass(*args, **kwargs):
        raise AssertionError("the cached step ran the full backbone")

    expected = model.sample(2, seed=1, use_cache=False)
    model.backbone.call = full_pass
    np.testing.assert_array_equal(model.sample(2, seed=1), expected)


def test_sampling_seed_determinism_and_range():
    model = _tiny((4, 4, 3), head=5)
    _randomize(model, scale=0.5)
    a = model.sample(3, seed=1)
    b = model.sample(3, seed=1)
    c = model.sample(3, seed=2)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    assert a.dtype == np.int32 and a.min() >= 0 and a.max() <= 4
    assert a.shape == (3, 4, 4, 3)


def test_complete_keeps_known_values_and_fills_the_rest():
    model = _tiny((4, 4, 1), head=4)
    _randomize(model, scale=0.5)
    x = np.random.default_rng(0).integers(0, 4, (5, 4, 4, 1))
    known = np.zeros((5, 4, 4), bool)
    known[:, :2] = True  # top half known
    out = model.complete(x, known, seed=0)
    np.testing.assert_array_equal(out[:, :2], x[:, :2])
    assert not np.array_equal(out[:, 2:], x[:, 2:])
    full = model.complete(x, np.ones_like(x, bool), seed=0)
    np.testing.assert_array_equal(full, x)


def test_complete_matches_sample_on_the_first_values():
    # With nothing known, complete == sample for the same seed.
    model = _tiny((3, 3, 1), head=3)
    _randomize(model, scale=0.5)
    x = np.zeros((2, 3, 3, 1), "int32")
    np.testing.assert_array_equal(
        model.complete(x, np.zeros((2, 3, 3), bool), seed=4),
        model.sample(2, seed=4),
    )


# ----------------------------------------------------------------------
# Saving, configuration, errors
# ----------------------------------------------------------------------
@pytest.mark.parametrize(
    "kwargs, cond",
    [
        ({"condition_classes": 2}, np.array([0, 1, 1, 0])),
        # JAX CI time: the class case runs on both backends.
        pytest.param(
            {"condition_size": 2},
            np.linspace(-1, 1, 8).reshape(4, 2),
            marks=pytest.mark.tensorflow,
        ),
    ],
    ids=["class", "vector"],
)
def test_save_and_load_round_trip(tmp_path, kwargs, cond):
    model = _tiny((3, 3, 3), head=Categorical(6), **kwargs)
    _randomize(model, scale=0.5)
    model.compile(optimizer="adam")
    x = np.random.default_rng(0).integers(0, 6, (4, 3, 3, 3))
    cond = cond.astype("float32" if "condition_size" in kwargs else "int64")
    model.fit({"image": x, "condition": cond}, epochs=1, verbose=0)
    path = str(tmp_path / "model.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert isinstance(loaded, PixelCNN)
    assert isinstance(loaded.backbone, PixelCNNBackbone)
    config, loaded_config = model.get_config(), loaded.get_config()
    assert config.pop("head")["config"] == loaded_config.pop("head")["config"]
    assert config == loaded_config
    np.testing.assert_array_equal(
        loaded.log_prob(x, condition=cond), model.log_prob(x, condition=cond)
    )
    np.testing.assert_array_equal(
        loaded.sample(2, condition=cond[:2], seed=3),
        model.sample(2, condition=cond[:2], seed=3),
    )
    loaded.fit({"image": x, "condition": cond}, epochs=1, verbose=0)


def test_backbone_config_round_trip():
    backbone = PixelCNNBackbone(
        channels=3,
        filters=6,
        num_residual_blocks=2,
        output_filters=9,
        features_size=12,
        condition_size=4,
    )
    clone = PixelCNNBackbone.from_config(backbone.get_config())
    assert clone.get_config() == backbone.get_config()
    assert clone.receptive_field_rows == 3 + 2


def test_receptive_field_rows():
    model = PixelCNN(
        (8, 8, 1), filters=2, num_residual_blocks=3, output_filters=4
    )
    assert model.receptive_field_rows == 3 + 3


@pytest.mark.tensorflow  # channel-group arithmetic; JAX CI time
def test_default_rgb_model_splits_uneven_channel_groups():
    # filters=64, output_filters=256 are not multiples of 3: the groups are
    # nearly equal consecutive blocks, and the model stays autoregressive
    # with cached sampling equal to the naive pass.
    model = PixelCNN(
        (3, 3, 3), head=4, filters=4, output_filters=5, num_residual_blocks=1
    )
    _randomize(model)
    m = _model_dependencies(model, 4)
    assert_autoregressive(m, strict=True)
    np.testing.assert_array_equal(
        model.sample(3, seed=2), model.sample(3, seed=2, use_cache=False)
    )
    assert PixelCNN((4, 4, 3)).backbone.filters == 64


def test_constructor_errors():
    with pytest.raises(ValueError, match="at least the number of channels"):
        PixelCNN((4, 4, 3), filters=2)
    with pytest.raises(ValueError, match="height, width, channels"):
        PixelCNN((4, 4), filters=4)
    with pytest.raises(ValueError, match="not both"):
        _tiny(condition_classes=2, condition_size=3)
    with pytest.raises(ValueError, match="condition_size"):
        _tiny(condition_size=0)
    with pytest.raises(ValueError, match="num_residual_blocks"):
        _tiny(num_residual_blocks=-1)


def test_condition_errors():
    model = _tiny((3, 3, 1), condition_size=2)
    with pytest.raises(ValueError, match="condition"):
        model.sample(2, seed=0)  # missing
    with pytest.raises(ValueError, match="shape"):
        model.sample(2, condition=np.zeros((2, 3)), seed=0)
    with pytest.raises(ValueError, match="not conditional"):
        _tiny((3, 3, 1)).sample(2, condition=[1, 0], seed=0)
