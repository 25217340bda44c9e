import keras
import numpy as np
import pytest
from toy_models import ToyModel

from keras_ar.generation import Sampler
from keras_ar.generation import draw_noise
from keras_ar.generation import gather_positions
from keras_ar.generation import scatter_positions


def _model(**kwargs):
    model = ToyModel((4,), **kwargs)
    rng = np.random.default_rng(0)
    for weight in model.trainable_weights:
        weight.assign(rng.normal(0, 1, weight.shape).astype("float32"))
    return model


def test_gather_and_scatter_positions():
    array = np.arange(12, dtype="float32").reshape(2, 6)
    shared = np.array([[4, 1]], "int32")
    np.testing.assert_array_equal(
        gather_positions(array, shared), [[4, 1], [10, 7]]
    )
    per_example = np.array([[0], [5]], "int32")
    np.testing.assert_array_equal(
        gather_positions(array, per_example), [[0], [11]]
    )
    out = keras.ops.convert_to_numpy(
        scatter_positions(array, per_example, np.array([[-1], [-2]]))
    )
    assert out[0, 0] == -1 and out[1, 5] == -2
    assert (out != array).sum() == 2


def test_chunks_equal_one_loop():
    model = _model()
    x = np.zeros((3, 4), "float32")
    known = np.zeros(x.shape, bool)
    noise = draw_noise(model, x.shape, seed=1)
    sampler = Sampler(model)
    whole = sampler.generate(x, known, noise, 1.0)
    cache = sampler.build_cache(x, known, noise)
    part = x
    for start, stop in ((0, 1), (1, 3), (3, 4)):
        part, cache = sampler.run(part, known, noise, 1.0, cache, start, stop)
    np.testing.assert_array_equal(whole, part)


def test_equal_noise_gives_equal_samples_and_known_values_stay():
    model = _model()
    x = np.full((2, 4), 2.0, "float32")
    known = np.array([[True, False, True, False]] * 2)
    noise = draw_noise(model, x.shape, seed=3)
    a = Sampler(model).generate(x, known, noise, 1.0)
    b = Sampler(model).generate(x, known, noise, 1.0, use_cache=False)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(np.asarray(a)[known], 2.0)


def test_temperature_extremes():
    model = _model()
    hot = model.sample(200, seed=0, temperature=1e6)
    assert len(np.unique(hot)) == 3  # close to uniform
    # The smallest normal float32 temperature is greedy, not all zeros.
    cold = model.sample(4, seed=0, temperature=1.2e-38)
    np.testing.assert_array_equal(cold, cold[:1].repeat(4, 0))
    with pytest.raises(ValueError, match="temperature"):
        model.sample(4, temperature=1e-39)


def test_seeds_are_reproducible_and_checked():
    model = _model()
    np.testing.assert_array_equal(
        model.sample(5, seed=7), model.sample(5, seed=7)
    )
    assert not np.array_equal(model.sample(5, seed=7), model.sample(5, seed=8))
    model.sample(1, seed=2**31 - 2)
    with pytest.raises(ValueError, match="seed"):
        model.sample(1, seed=2**31 - 1)


def test_empty_complete_returns_empty():
    model = _model()
    out = model.complete(np.zeros((0, 4)), np.zeros((0, 4), bool))
    assert out.shape == (0, 4) and out.dtype == np.int32


def test_progress_reports_every_step(capsys):
    model = _model()
    a = model.sample(2, seed=1, progress=True)
    np.testing.assert_array_equal(a, model.sample(2, seed=1))
    assert "4/4" in capsys.readouterr().out
