import keras
import numpy as np
import pytest
from keras import ops

from keras_ar.heads import DiscretizedLogisticMixture
from keras_ar.heads import MixtureOfGaussians
from keras_ar.heads import Standardized
from keras_ar.models.pixelsnail import PixelSNAIL
from keras_ar.models.pixelsnail_backbone import PixelSNAILBackbone
from keras_ar.models.pixelsnail_backbone import image_coordinates
from keras_ar.testing import assert_autoregressive
from keras_ar.testing import dependency_matrix
from keras_ar.testing import run_model_test

TINY = dict(filters=4, num_blocks=1, num_resnet=1, key_dim=2, value_dim=3)


def _tiny(event_shape=(3, 3, 1), head="bernoulli", **kwargs):
    return PixelSNAIL(event_shape, head=head, **{**TINY, **kwargs})


def _randomize(model, scale=0.6, seed=0):
    """Random backbone weights (the condition's too: they start at 0)."""
    rng = np.random.default_rng(seed)
    for w in model.backbone.weights:
        w.assign(rng.normal(0, scale, w.shape).astype("float32"))


def _ints(shape, high, n=24, seed=0):
    return np.random.default_rng(seed).integers(0, high, (n,) + shape)


def _dependencies(model, num_values, draws=2, condition=None):
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
CASES = {
    "grey_class_conditional": (
        dict(event_shape=(2, 2, 1), head=3, condition_classes=2),
        lambda: (_ints((2, 2, 1), 3), np.arange(24) % 2),
    ),
    "rgb_coupled_vector_conditional": (
        dict(
            event_shape=(1, 2, 3),
            head=DiscretizedLogisticMixture(2, num_values=3, coupled=True),
            condition_size=3,
        ),
        lambda: (
            _ints((1, 2, 3), 3),
            np.random.default_rng(1).normal(size=(24, 3)),
        ),
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_model_passes_the_harness(name):
    kwargs, data = CASES[name]
    x, condition = data()
    model = run_model_test(
        PixelSNAIL,
        {**TINY, **kwargs},
        x,
        condition,
        cross_backend=name == "rgb_coupled_vector_conditional",
    )
    assert isinstance(model.backbone, PixelSNAILBackbone)


# ----------------------------------------------------------------------
# The autoregressive property and the attention's reach
# ----------------------------------------------------------------------
@pytest.mark.parametrize(
    "event_shape, head, values",
    [
        # JAX CI time: the RGB case runs on both backends.
        pytest.param((3, 4, 1), 3, 3, marks=pytest.mark.tensorflow),
        ((2, 3, 3), DiscretizedLogisticMixture(1, num_values=4), 4),
    ],
    ids=["grey", "rgb"],
)
def test_autoregressive_with_random_weights(event_shape, head, values):
    model = _tiny(event_shape, head=head, num_blocks=2)
    _randomize(model)
    m = _dependencies(model, values)
    assert_autoregressive(m, strict=True)
    channels = event_shape[-1]
    # The first pixel's parameters depend on nothing; the second pixel's
    # on every channel of the first.
    assert not m[:, :channels].any()
    assert m[:channels, channels : 2 * channels].all()
    # Every pixel's parameters depend on every earlier pixel.
    pixels = np.arange(model.num_dims) // channels
    for later in range(1, event_shape[0] * event_shape[1]):
        for earlier in range(later):
            assert m[pixels == earlier][:, pixels == later].any()


# JAX CI time: PixelCNN++'s same test runs on JAX.
@pytest.mark.tensorflow
def test_coupled_head_orders_the_channels_of_a_pixel():
    head = DiscretizedLogisticMixture(1, num_values=4, coupled=True)
    model = _tiny((1, 2, 3), head=head)
    _randomize(model)
    m = _dependencies(model, 4, draws=3)
    assert_autoregressive(m, strict=True)
    # Within pixel 1 (positions 3, 4, 5): G reads R, B reads R and G.
    assert m[3, 4] and m[3, 5] and m[4, 5]


def test_attention_reaches_pixels_the_convolutions_cannot():
    # An 8x3 image: the input layer reaches one row up, each gated
    # resnet block (two 2x2 convolutions) two more; pixel (0, 0) is seven
    # rows above the last pixel, out of the convolutions' reach.
    model = _tiny((8, 3, 1), head=3, num_blocks=1, num_resnet=1)
    # Moderate weights: a saturated softmax can give a far key a weight
    # below the perturbation test's tolerance.
    _randomize(model, scale=0.3)
    last = model.num_dims - 1
    m = _dependencies(model, 3, draws=1)
    assert_autoregressive(m, strict=True)
    assert m[0, last] and m[:last, last].all()
    # Without the attention (its output layer zeroed) the far pixels are
    # not seen: the dependency came through the attention.
    for w in model.backbone.attention_out[0].weights:
        w.assign(np.zeros(w.shape, "float32"))
    m = _dependencies(model, 3, draws=1)
    assert_autoregressive(m, strict=True)
    assert not m[0, last]
    assert not m[:12, last].any()  # rows 0-3: beyond 1 + 2 rows up


# ----------------------------------------------------------------------
# Fast cached generation == the full pass
# ----------------------------------------------------------------------
@pytest.mark.parametrize(
    "event_shape, kwargs, condition",
    [
        (
            (3, 3, 1),
            {"num_heads": 2, "condition_size": 2},
            np.ones((2, 2), "float32"),
        ),
        (
            (2, 3, 3),
            {"num_blocks": 2, "condition_classes": 3},
            np.array([0, 2]),
        ),
    ],
    ids=["grey_two_heads_vector", "rgb_two_blocks_class"],
)
def test_cached_features_equal_the_full_pass_at_every_pixel(
    event_shape, kwargs, condition
):
    model = _tiny(event_shape, head=4, **kwargs)
    _randomize(model, seed=5)
    backbone = model.backbone
    x = _ints(event_shape, 4, n=2, seed=1).astype("float32")
    image = model.head.encode_inputs(x)
    spec = None if condition is None else {"condition": condition}
    full = ops.convert_to_numpy(backbone(image, condition=spec))
    full = full.reshape(2, -1, backbone.features_size)
    cache = backbone.build_cache(2, event_shape[1], spec)
    height, width = event_shape[:2]
    for pixel in range(height * width):
        # Pixels after `pixel` hold garbage: the step must not read them.
        later = np.arange(height * width) > pixel - 1
        noisy = np.where(
            later.reshape(1, height, width, 1), 7.0, ops.convert_to_numpy(image)
        )
        features, cache = backbone.step(cache, noisy, pixel)
        np.testing.assert_allclose(
            ops.convert_to_numpy(features),
            full[:, pixel],
            rtol=1e-5,
            atol=1e-5,
        )


#: JAX always compiles the loop with XLA: one setting there.
XLA_SETTINGS = [True, False] if keras.backend.backend() != "jax" else [True]


@pytest.mark.parametrize("xla", XLA_SETTINGS)
@pytest.mark.parametrize(
    "event_shape, head",
    [
        ((2, 2, 3), DiscretizedLogisticMixture(2, num_values=8, coupled=True)),
    ],
    ids=["rgb_coupled"],
)
def test_cached_sampling_equals_naive(event_shape, head, xla):
    model = _tiny(event_shape, head=head, num_blocks=2)
    model.jit_generation = xla
    _randomize(model, scale=0.5)
    fast = model.sample(4, seed=11)
    np.testing.assert_array_equal(
        fast, model.sample(4, seed=11, use_cache=False)
    )
    assert len(np.unique(fast)) > 2  # non-trivial samples


@pytest.mark.parametrize("head", [MixtureOfGaussians(2)])
def test_cached_sampling_of_a_continuous_head_agrees_to_rounding(head):
    # Per-position standardisation: the cached step scales the whole image.
    model = _tiny((3, 2, 2), head=Standardized(head, (3, 2, 2)))
    _randomize(model, scale=0.5)
    np.testing.assert_allclose(
        model.sample(3, seed=4),
        model.sample(3, seed=4, use_cache=False),
        rtol=1e-5,
        atol=1e-5,
    )


def test_cached_step_never_runs_the_full_backbone():
    model = _tiny((3, 3, 1), head=3)
    _randomize(model, scale=0.5)

    def full_pass(*args, **kwargs):
        raise AssertionError("the cached step ran the full backbone")

    expected = model.sample(2, seed=1, use_cache=False)
    model.backbone.call = full_pass
    np.testing.assert_array_equal(model.sample(2, seed=1), expected)


def test_cached_complete_equals_naive():
    model = _tiny((3, 2, 3), head=4, condition_classes=2)
    _randomize(model, scale=0.5)
    rng = np.random.default_rng(0)
    x = rng.integers(0, 4, (3, 3, 2, 3))
    known = rng.random(x.shape) < 0.5
    kwargs = dict(condition=[0, 1, 1], seed=3)
    fast = model.complete(x, known, **kwargs)
    np.testing.assert_array_equal(
        fast, model.complete(x, known, use_cache=False, **kwargs)
    )
    np.testing.assert_array_equal(fast[known], x[known])


# ----------------------------------------------------------------------
# Conditioning, configuration and errors
# ----------------------------------------------------------------------
def test_class_conditioning_changes_samples():
    model = _tiny((3, 3, 1), head=4, condition_classes=3)
    x = np.ones((1, 3, 3, 1), "float32")
    np.testing.assert_array_equal(  # zero-initialised embeddings
        ops.convert_to_numpy(model(x, condition=[0])),
        ops.convert_to_numpy(model(x, condition=[2])),
    )
    _randomize(model)
    a = model.sample(6, condition=0, seed=1)
    b = model.sample(6, condition=2, seed=1)
    assert not np.array_equal(a, b)


def test_image_coordinates():
    grid = image_coordinates(2, 4)
    assert grid.shape == (2, 4, 2)
    np.testing.assert_allclose(grid[:, 0, 0], [-0.5, 0.0])
    np.testing.assert_allclose(grid[0, :, 1], [-0.5, -0.25, 0.0, 0.25])


def test_config_round_trips():
    backbone = PixelSNAILBackbone(
        channels=3,
        filters=6,
        num_blocks=2,
        num_heads=2,
        features_size=12,
        condition_classes=4,
        dropout=0.1,
    )
    clone = PixelSNAILBackbone.from_config(backbone.get_config())
    assert clone.get_config() == backbone.get_config()
    model = _tiny((3, 3, 3), head=5, condition_size=2, num_heads=2)
    config = model.get_config()
    assert config["num_blocks"] == 1 and config["num_heads"] == 2
    assert config["key_dim"] == 2 and config["value_dim"] == 3
    assert PixelSNAIL.from_config(config).get_config() == config


def test_defaults_match_the_pytorch_peer():
    model = PixelSNAIL((4, 4, 1), head="bernoulli")
    assert (model.filters, model.num_blocks, model.num_resnet) == (64, 8, 2)
    assert (model.num_heads, model.key_dim, model.value_dim) == (1, 4, 32)
    assert model.pixel_features and model.accepts_coupled_heads


def test_dropout_trains_and_is_off_at_inference():
    model = _tiny((3, 3, 1), head=3, dropout=0.5)
    x = _ints((3, 3, 1), 3, n=8).astype("float32")
    a = ops.convert_to_numpy(model(x))
    np.testing.assert_array_equal(a, ops.convert_to_numpy(model(x)))
    b = ops.convert_to_numpy(model(x, training=True))
    assert not np.allclose(a, b)


def test_constructor_errors():
    with pytest.raises(ValueError, match="height, width, channels"):
        PixelSNAIL((4, 4), filters=4)
    with pytest.raises(ValueError, match="not both"):
        _tiny(condition_classes=2, condition_size=3)
    with pytest.raises(ValueError, match="num_blocks"):
        _tiny(num_blocks=0)
    with pytest.raises(ValueError, match="key_dim"):
        _tiny(key_dim=0)
    with pytest.raises(ValueError, match="dropout"):
        _tiny(dropout=1.0)


def test_one_training_step_moves_every_weight():
    # One optimizer step: finite loss and every backbone weight moves
    # (the attention's projections included).
    model = _tiny((3, 3, 1), head=3, num_blocks=2)
    model.compile(optimizer=keras.optimizers.Adam(1e-2))
    before = [ops.convert_to_numpy(w).copy() for w in model.trainable_weights]
    x = _ints((3, 3, 1), 3, n=8)
    history = model.fit(x, epochs=1, batch_size=8, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    moved = [
        not np.array_equal(a, ops.convert_to_numpy(w))
        for a, w in zip(before, model.trainable_weights)
    ]
    assert all(moved)
