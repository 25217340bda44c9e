import keras
import numpy as np
import pytest
from keras import ops

from keras_ar.models import PixelRNN
from keras_ar.models import PixelRNNBackbone
from keras_ar.testing import assert_autoregressive
from keras_ar.testing import dependency_matrix
from keras_ar.testing import run_model_test

TINY = dict(hidden_units=2, num_layers=1, output_filters=4, first_kernel_size=3)


def _ints(shape, high, n=24, seed=0):
    return np.random.default_rng(seed).integers(0, high, (n,) + shape)


def _tiny(event_shape=(4, 4, 1), head="bernoulli", **kwargs):
    return PixelRNN(event_shape, head=head, **{**TINY, **kwargs})


def _randomize(model, seed=0, scale=0.7):
    rng = np.random.default_rng(seed)
    for w in model.backbone.weights:
        w.assign(rng.normal(0, scale, w.shape).astype("float32"))


# ----------------------------------------------------------------------
# run_model_test: every check of the model harness
# ----------------------------------------------------------------------
CASES = {
    "row_grey_bernoulli": (
        dict(event_shape=(3, 3, 1), head="bernoulli", cell="row"),
        lambda: (_ints((3, 3, 1), 2), None),
        False,
    ),
    "diagonal_grey_bernoulli": (
        dict(event_shape=(3, 3, 1), head="bernoulli", cell="diagonal"),
        lambda: (_ints((3, 3, 1), 2), None),
        True,
    ),
    "row_rgb_categorical": (
        dict(event_shape=(1, 2, 3), head=3, cell="row", hidden_units=3),
        lambda: (_ints((1, 2, 3), 3), None),
        False,
    ),
    "diagonal_rgb_categorical": (
        dict(event_shape=(2, 1, 3), head=2, cell="diagonal", hidden_units=3),
        lambda: (_ints((2, 1, 3), 2), None),
        False,
    ),
    "row_class_conditional": (
        dict(event_shape=(2, 2, 1), head=3, condition_classes=2),
        lambda: (_ints((2, 2, 1), 3), np.arange(24) % 2),
        False,
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_pixelrnn_passes_the_harness(name):
    kwargs, data, cross_backend = CASES[name]
    x, condition = data()
    model = run_model_test(
        PixelRNN, {**TINY, **kwargs}, x, condition, cross_backend=cross_backend
    )
    assert isinstance(model, PixelRNN)


# ----------------------------------------------------------------------
# Receptive fields of the whole model
# ----------------------------------------------------------------------
def _dependencies(model, num_values, draws=2):
    positions = np.arange(model.num_dims).reshape(model.event_shape)
    matrix = None
    for seed in range(draws):
        x = np.random.default_rng(seed).integers(
            0, num_values, (1,) + model.event_shape
        )
        m = dependency_matrix(
            model.predict_on_batch,  # compiled once
            x,
            positions,
            np.broadcast_to(positions[..., None], positions.shape + (1,)),
            perturb=lambda v: (v + 1) % num_values,
        )
        matrix = m if matrix is None else matrix | m
    return matrix


def test_diagonal_model_sees_every_earlier_pixel():
    model = _tiny((4, 5, 1), cell="diagonal", hidden_units=4)
    _randomize(model)
    m = _dependencies(model, 2)
    assert_autoregressive(m, strict=True)
    # Every earlier pixel reaches the last one (no blind spot).
    assert m[:19, 19].all()


def test_row_model_has_a_triangular_receptive_field():
    model = _tiny((4, 7, 1), cell="row", hidden_units=4)
    _randomize(model)
    m = _dependencies(model, 2, draws=3)
    assert_autoregressive(m, strict=True)
    # Target (3, 3). The Row LSTM (k = 3) sees its row at columns 2..3 and
    # row 3 - d at columns 3 - d - 1 .. 3 + d; the 3x3 mask-A input
    # convolution adds one column left in the same row and one column
    # either side in the row above. Pixels (2, 5), (2, 6) and (1, 6) come
    # earlier but lie outside the triangle.
    expected = np.zeros((4, 7), bool)
    expected[3, 1:3] = True
    expected[2, 0:5] = True
    expected[1, 0:6] = True
    expected[0, :] = True
    np.testing.assert_array_equal(m[:, 3 * 7 + 3].reshape(4, 7), expected)


# ----------------------------------------------------------------------
# Cached sampling == the naive full pass
# ----------------------------------------------------------------------
@pytest.mark.parametrize("cell", ["row", "diagonal"])
@pytest.mark.parametrize(
    "event_shape, head, extra, condition",
    [
        ((4, 5, 1), "bernoulli", {}, None),
        ((2, 3, 3), 4, {"hidden_units": 3}, None),
        ((3, 3, 1), 3, {"condition_size": 2}, [[0.5, -1.0]] * 3),
    ],
)
@pytest.mark.parametrize(
    # JAX always compiles the loop with XLA: one setting there.
    "jit",
    [True, False] if keras.backend.backend() != "jax" else [False],
)
def test_cached_sampling_equals_naive(
    cell, event_shape, head, extra, condition, jit
):
    model = _tiny(event_shape, head=head, cell=cell, **extra)
    _randomize(model, seed=3, scale=0.5)
    model.jit_generation = jit
    fast = model.sample(3, seed=4, condition=condition)
    slow = model.sample(3, seed=4, condition=condition, use_cache=False)
    np.testing.assert_array_equal(fast, slow)
    assert len(np.unique(fast)) > 1


def test_backbone_config_round_trip():
    backbone = PixelRNNBackbone(
        channels=3,
        cell="diagonal",
        hidden_units=3,
        num_layers=2,
        output_filters=6,
        features_size=6,
        condition_classes=4,
        name="b",
    )
    restored = PixelRNNBackbone.from_config(backbone.get_config())
    assert restored.get_config() == backbone.get_config()
    x = np.zeros((1, 3, 3, 3), "float32")
    out = restored(x, condition={"condition": np.array([1])})
    assert tuple(out.shape) == (1, 3, 3, 6)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"cell": "column"}, "cell"),
        ({"hidden_units": 4, "event_shape": (3, 3, 3)}, "multiple"),
        ({"num_layers": -1}, "num_layers"),
        ({"event_shape": (3, 3)}, "event_shape"),
    ],
)
def test_bad_arguments(kwargs, message):
    kwargs = {"event_shape": (3, 3, 1), **kwargs}
    with pytest.raises(ValueError, match=message):
        _tiny(**kwargs)


def test_save_load_keeps_scores_and_samples(tmp_path):
    model = _tiny((3, 4, 1), cell="diagonal", condition_classes=3)
    _randomize(model)
    path = str(tmp_path / "model.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    x = _ints((3, 4, 1), 2, n=4)
    cond = np.array([0, 1, 2, 1])
    np.testing.assert_allclose(
        loaded.log_prob(x, condition=cond),
        model.log_prob(x, condition=cond),
        rtol=1e-6,
    )
    np.testing.assert_array_equal(
        loaded.sample(2, condition=1, seed=2),
        model.sample(2, condition=1, seed=2),
    )
    assert loaded.get_config()["cell"] == "diagonal"
    assert ops.convert_to_numpy(loaded.log_prob(x, condition=cond)).shape == (
        4,
    )


@pytest.mark.parametrize("cell", ["row", "diagonal"])
def test_class_conditioning_changes_samples(cell):
    model = _tiny((4, 4, 1), head=4, cell=cell, condition_classes=3)
    x = np.ones((1, 4, 4, 1), "float32")
    np.testing.assert_array_equal(  # zero-initialised embeddings
        ops.convert_to_numpy(model(x, condition=[0])),
        ops.convert_to_numpy(model(x, condition=[2])),
    )
    _randomize(model)
    a = model.sample(6, condition=0, seed=1)
    b = model.sample(6, condition=2, seed=1)
    assert not np.array_equal(a, b)
    np.testing.assert_array_equal(a, model.sample(6, condition=0, seed=1))
    # The label moves the scores too (normalization per label is the
    # harness's class-conditional case).
    assert not np.allclose(
        model.log_prob(a, condition=np.zeros(6, int)),
        model.log_prob(a, condition=np.full(6, 2)),
    )
