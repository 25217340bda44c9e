import keras
import numpy as np
import pytest
from keras import ops

from keras_ar.heads import Categorical
from keras_ar.models import PixelCNN
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
    rng = np.random.default_rng(seed)
    for w in model.weights:
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


def _model_dependencies(model, num_values, draws=3):
    """Union of the dependencies measured around a few random inputs (a
    single input can hide a real dependency behind a dead ReLU)."""
    positions = np.arange(model.num_dims).reshape(model.event_shape)
    matrix = None
    for seed in range(draws):
        x = np.random.default_rng(seed).integers(
            0, num_values, (1,) + model.event_shape
        )
        params = model(x.astype("float32"))
        m = dependency_matrix(
            lambda v: model(v),
            x,
            positions,
            _param_positions(model, params),
            perturb=lambda v: (v + 1) % num_values,
        )
        matrix = m if matrix is None else matrix | m
    return matrix


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
        cond = np.array([label])
        m = dependency_matrix(
            lambda v, c=cond: model(v, condition=c),
            x,
            np.arange(16).reshape(4, 4, 1),
            np.arange(16).reshape(4, 4, 1),
            perturb=lambda v: 1 - v,
        )
        assert_autoregressive(m, strict=True)
    a = ops.convert_to_numpy(model(x.astype("float32"), condition=[0]))
    b = ops.convert_to_numpy(model(x.astype("float32"), condition=[2]))
    assert not np.allclose(a, b)


def test_blind_spot_is_documented():
    # Output at (r, c) never sees (r-1, c+4) with a 7x7 first layer, however
    # deep the stack, although that pixel comes earlier in raster order.
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
    assert m[1 * width + 5, target]  # (1, 5) = c + 3 is seen
    assert not m[1 * width + 6, target]  # (1, 6) = c + 4: the blind spot
    assert 1 * width + 6 < target


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


def test_conditional_probabilities_sum_to_one_per_class():
    model = _tiny((2, 2, 1), condition_classes=2)
    _randomize(model, scale=1.0)
    events = enumerate_events((2, 2, 1), 2)
    for label in (0, 1):
        cond = np.full(len(events), label)
        total = np.exp(model.log_prob(events, condition=cond)).sum()
        np.testing.assert_allclose(total, 1.0, rtol=1e-5)


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


def test_cached_sampling_equals_naive():
    model = _tiny((9, 5, 1), head=3, num_residual_blocks=1)
    _randomize(model, scale=0.5)
    assert model.receptive_field_rows + 1 < 9  # the crop is really used
    fast = model.sample(6, seed=11)
    slow = model.sample(6, seed=11, use_cache=False)
    np.testing.assert_array_equal(fast, slow)
    # With a progress bar the loop runs in compiled chunks: same samples.
    np.testing.assert_array_equal(model.sample(6, seed=11, progress=True), fast)


def test_cached_sampling_equals_naive_rgb_conditional():
    model = _tiny((7, 3, 3), head=4, condition_classes=2)
    _randomize(model, scale=0.5)
    fast = model.sample(4, condition=[0, 1, 0, 1], seed=5)
    slow = model.sample(4, condition=[0, 1, 0, 1], seed=5, use_cache=False)
    np.testing.assert_array_equal(fast, slow)


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


def test_save_and_load_round_trip(tmp_path):
    model = _tiny((3, 3, 3), head=Categorical(6), condition_classes=2)
    _randomize(model, scale=0.5)
    model.compile(optimizer="adam")
    x = np.random.default_rng(0).integers(0, 6, (4, 3, 3, 3))
    cond = np.array([0, 1, 1, 0])
    model.fit({"image": x, "label": cond}, epochs=1, verbose=0)
    path = str(tmp_path / "model.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert isinstance(loaded, PixelCNN)
    config, loaded_config = model.get_config(), loaded.get_config()
    assert config.pop("head")["config"] == loaded_config.pop("head")["config"]
    assert config == loaded_config
    np.testing.assert_array_equal(
        loaded.log_prob(x, condition=cond), model.log_prob(x, condition=cond)
    )
    np.testing.assert_array_equal(
        loaded.sample(2, condition=1, seed=3),
        model.sample(2, condition=1, seed=3),
    )
    loaded.fit({"image": x, "label": cond}, epochs=1, verbose=0)


def test_receptive_field_rows():
    model = PixelCNN(
        (8, 8, 1), filters=2, num_residual_blocks=3, output_filters=4
    )
    assert model.receptive_field_rows == 3 + 3


def test_constructor_errors():
    with pytest.raises(ValueError, match="multiples"):
        PixelCNN((4, 4, 3), filters=4)
    with pytest.raises(ValueError, match="height, width, channels"):
        PixelCNN((4, 4), filters=4)
