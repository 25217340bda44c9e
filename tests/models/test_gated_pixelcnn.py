import keras
import numpy as np
import pytest
from keras import ops

from keras_ar.heads import Gaussian
from keras_ar.heads import Standardized
from keras_ar.models import GatedPixelCNN
from keras_ar.models import GatedPixelCNNBackbone
from keras_ar.models import PixelCNN
from keras_ar.testing import assert_autoregressive
from keras_ar.testing import dependency_matrix
from keras_ar.testing import run_model_test


def _tiny(event_shape=(4, 4, 1), head="bernoulli", **kwargs):
    channels = event_shape[-1]
    defaults = dict(
        filters=2 * channels,
        num_layers=2,
        output_filters=4 * channels,
        first_kernel_size=3,
    )
    defaults.update(kwargs)
    return GatedPixelCNN(event_shape, head=head, **defaults)


def _randomize(model, scale=0.7, seed=0):
    """Random backbone weights (the condition's too: they start at 0)."""
    rng = np.random.default_rng(seed)
    for w in model.backbone.weights:
        w.assign(rng.normal(0, scale, w.shape).astype("float32"))


def _dependencies(model, num_values, draws=3, condition=None):
    """Union of the measured dependencies around a few random inputs, in
    flat raster positions (pixel * channels + channel)."""
    positions = np.arange(model.num_dims).reshape(model.event_shape)
    matrix = None
    for seed in range(draws):
        x = np.random.default_rng(seed).integers(
            0, num_values, (1,) + model.event_shape
        )
        params = model(x.astype("float32"), condition=condition)
        extra = tuple(params.shape[4:])
        outputs = np.broadcast_to(
            positions.reshape(positions.shape + (1,) * len(extra)),
            positions.shape + extra,
        )
        m = dependency_matrix(
            lambda v: model(v, condition=condition),
            x,
            positions,
            outputs,
            perturb=lambda v: (v + 1) % num_values,
        )
        matrix = m if matrix is None else matrix | m
    return matrix


# ----------------------------------------------------------------------
# keras_ar.testing.run_model_test
# ----------------------------------------------------------------------
def _ints(shape, high, n=24, seed=0):
    return np.random.default_rng(seed).integers(0, high, (n,) + shape)


TINY = dict(filters=4, num_layers=2, output_filters=8, first_kernel_size=3)

CASES = {
    "grey_bernoulli": (
        dict(event_shape=(3, 3, 1), head="bernoulli"),
        lambda: (_ints((3, 3, 1), 2), None),
    ),
    "rgb_categorical": (
        dict(event_shape=(1, 2, 3), head=3, filters=3, output_filters=6),
        lambda: (_ints((1, 2, 3), 3), None),
    ),
    "class_conditional": (
        dict(event_shape=(2, 2, 1), head=3, condition_classes=2),
        lambda: (_ints((2, 2, 1), 3), np.arange(24) % 2),
    ),
    "vector_conditional": (
        dict(event_shape=(2, 2, 1), head="bernoulli", condition_size=3),
        lambda: (
            _ints((2, 2, 1), 2),
            np.random.default_rng(1).normal(size=(24, 3)),
        ),
    ),
}


@pytest.mark.parametrize(
    "name",
    [
        # On JAX the vector-conditional case covers grey Bernoulli images.
        pytest.param("grey_bernoulli", marks=pytest.mark.tensorflow),
        "class_conditional",
        "rgb_categorical",
        "vector_conditional",
    ],
)
def test_model_passes_the_harness(name):
    kwargs, data = CASES[name]
    x, condition = data()
    model = run_model_test(
        GatedPixelCNN,
        {**TINY, **kwargs},
        x,
        condition,
        cross_backend=name == "vector_conditional",
    )
    assert isinstance(model.backbone, GatedPixelCNNBackbone)


# ----------------------------------------------------------------------
# The receptive field: no blind spot
# ----------------------------------------------------------------------
def test_no_blind_spot_where_pixelcnn_has_one():
    # Output at (2, 2) of a 4x9 image. PixelCNN (7x7 first layer, 3x3
    # blocks) never sees (1, 6), up one row and four columns right,
    # however deep; Gated PixelCNN's vertical stack (7 wide, then 3)
    # sees it after two layers, although it is not in PixelCNN's reach.
    width = 9
    target = 2 * width + 2
    corner = 1 * width + 6
    pixelcnn = PixelCNN(
        (4, width, 1),
        head="bernoulli",
        filters=2,
        num_residual_blocks=4,
        output_filters=4,
    )
    gated = GatedPixelCNN(
        (4, width, 1),
        head="bernoulli",
        filters=2,
        num_layers=2,
        output_filters=4,
    )
    for model in (pixelcnn, gated):
        _randomize(model, seed=3)
    blind = _dependencies(pixelcnn, 2)
    seen = _dependencies(gated, 2)
    assert_autoregressive(blind, strict=True)
    assert_autoregressive(seen, strict=True)
    assert not blind[corner, target]  # PixelCNN's blind spot
    assert seen[corner, target]  # Gated PixelCNN sees it
    # Every earlier pixel within the reach is seen: the row above up to
    # column 2 + 3 + 1 and the pixels to the left.
    assert all(seen[p, target] for p in range(width, corner + 1))
    assert seen[target - 1, target] and seen[target - 2, target]
    assert gated.receptive_field_rows == 1 + 3 + 1


def test_rgb_gated_pixelcnn_is_autoregressive_with_channel_order():
    model = _tiny((3, 3, 3), head=4)
    _randomize(model)
    m = _dependencies(model, 4)
    assert_autoregressive(m, strict=True)
    # Pixel 4 (centre): R=12, G=13, B=14. G sees R, B sees R and G.
    assert m[12, 13] and m[12, 14] and m[13, 14]
    assert m[12, 15] and m[13, 15] and m[14, 15]
    assert m[6, 12] and m[8, 12]  # up-left and up-right pixels


# ----------------------------------------------------------------------
# Conditioning
# ----------------------------------------------------------------------
def test_class_conditioning_changes_samples_and_stays_autoregressive():
    model = _tiny((4, 4, 1), head=4, condition_classes=3)
    x = np.ones((1, 4, 4, 1), "float32")
    np.testing.assert_array_equal(  # zero-initialised embeddings
        ops.convert_to_numpy(model(x, condition=[0])),
        ops.convert_to_numpy(model(x, condition=[2])),
    )
    _randomize(model)
    for label in range(3):
        m = _dependencies(model, 4, condition=np.array([label]))
        assert_autoregressive(m, strict=True)
    a = model.sample(6, condition=0, seed=1)
    b = model.sample(6, condition=2, seed=1)
    assert not np.array_equal(a, b)


def test_vector_condition_changes_the_parameters():
    model = _tiny((3, 3, 1), condition_size=2)
    _randomize(model)
    h = np.array([[1.0, -2.0]], "float32")
    x = np.ones((1, 3, 3, 1), "float32")
    a = ops.convert_to_numpy(model(x, condition=h))
    b = ops.convert_to_numpy(model(x, condition=-h))
    assert not np.allclose(a, b)


# ----------------------------------------------------------------------
# Fast cached sampling == the naive full pass
# ----------------------------------------------------------------------
def _assert_cached_equals_naive(model, num_samples, seed=11, **kwargs):
    fast = model.sample(num_samples, seed=seed, **kwargs)
    slow = model.sample(num_samples, seed=seed, use_cache=False, **kwargs)
    np.testing.assert_array_equal(fast, slow)
    return fast


#: JAX always compiles the loop with XLA: one setting there.
XLA_SETTINGS = [True, False] if keras.backend.backend() != "jax" else [True]


#: RGB (where XLA changes the step: a branch per channel group) under both
#: settings; the others under one each, alternating.
CACHED_CASES = [
    ("grey", (5, 4, 1), {}, None, XLA_SETTINGS[0]),
    ("class", (4, 3, 3), {"condition_classes": 2}, [0, 1, 0, 1], True),
    ("vector", (4, 4, 1), {"condition_size": 3}, "vectors", XLA_SETTINGS[-1]),
] + [("rgb", (4, 5, 3), {"kernel_size": 5}, None, x) for x in XLA_SETTINGS]


@pytest.mark.parametrize(
    "event_shape, kwargs, condition, xla",
    [case[1:] for case in CACHED_CASES],
    ids=[f"{case[0]}-{case[4]}" for case in CACHED_CASES],
)
def test_cached_sampling_equals_naive(event_shape, kwargs, condition, xla):
    model = _tiny(event_shape, head=4, **kwargs)
    model.jit_generation = xla
    _randomize(model, scale=0.5)
    if condition == "vectors":
        condition = np.random.default_rng(0).normal(size=(4, 3))
    fast = _assert_cached_equals_naive(model, 4, condition=condition)
    assert len(np.unique(fast)) == 4  # non-trivial samples
    np.testing.assert_array_equal(
        model.sample(4, seed=11, condition=condition, progress=True), fast
    )


def test_cached_sampling_of_a_continuous_head_agrees_to_rounding():
    head = Standardized(Gaussian(), (3, 4, 2))
    model = _tiny((3, 4, 2), head=head)
    _randomize(model, scale=0.5)
    np.testing.assert_allclose(
        model.sample(3, seed=4),
        model.sample(3, seed=4, use_cache=False),
        rtol=1e-5,
        atol=1e-5,
    )


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


def test_cached_step_never_runs_the_full_backbone():
    model = _tiny((4, 4, 1), head=3)
    _randomize(model, scale=0.5)

    def full_pass(*args, **kwargs):
        raise AssertionError("the cached step ran the full backbone")

    expected = model.sample(2, seed=1, use_cache=False)
    model.backbone.call = full_pass
    np.testing.assert_array_equal(model.sample(2, seed=1), expected)


# ----------------------------------------------------------------------
# Configuration and errors
# ----------------------------------------------------------------------
def test_backbone_config_round_trip():
    backbone = GatedPixelCNNBackbone(
        channels=3,
        filters=6,
        num_layers=3,
        output_filters=9,
        features_size=12,
        condition_classes=4,
    )
    clone = GatedPixelCNNBackbone.from_config(backbone.get_config())
    assert clone.get_config() == backbone.get_config()
    assert clone.receptive_field_rows == 1 + 3 + 2


def test_model_config_round_trip():
    model = _tiny((3, 3, 3), head=5, condition_size=2, kernel_size=5)
    clone = GatedPixelCNN.from_config(model.get_config())
    config = model.get_config()
    assert config["num_layers"] == 2 and config["kernel_size"] == 5
    assert clone.get_config() == config


def test_constructor_errors():
    with pytest.raises(ValueError, match="at least the number of channels"):
        GatedPixelCNN((4, 4, 3), filters=2)
    with pytest.raises(ValueError, match="height, width, channels"):
        GatedPixelCNN((4, 4), filters=4)
    with pytest.raises(ValueError, match="not both"):
        _tiny(condition_classes=2, condition_size=3)
    with pytest.raises(ValueError, match="num_layers"):
        _tiny(num_layers=0)
    with pytest.raises(ValueError, match="odd"):
        _tiny(kernel_size=4)
