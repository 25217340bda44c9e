import keras
import numpy as np
import pytest
from keras import ops

from keras_ar.heads import DiscretizedLogisticMixture
from keras_ar.models import PixelCNN
from keras_ar.models.pixelcnnpp import PixelCNNPlusPlus
from keras_ar.models.pixelcnnpp_backbone import PixelCNNPlusPlusBackbone
from keras_ar.models.pixelcnnpp_backbone import hierarchy_sizes
from keras_ar.testing import assert_autoregressive
from keras_ar.testing import dependency_matrix
from keras_ar.testing import run_model_test

TINY = dict(filters=4, num_resnet=1, num_hierarchies=2)


def _tiny(event_shape=(3, 3, 1), head="bernoulli", **kwargs):
    return PixelCNNPlusPlus(event_shape, head=head, **{**TINY, **kwargs})


def _randomize(model, scale=0.25, seed=0):
    """Random backbone weights (the condition's too: they start at 0);
    weight norm's scales at 1 and small biases, so that no unit saturates
    and every connection shows in float32."""
    rng = np.random.default_rng(seed)
    for w in model.backbone.weights:
        name = w.path.split("/")[-1]
        if name == "kernel_scale":
            value = np.ones(w.shape)
        elif name == "bias":
            value = rng.normal(0, 0.1, w.shape)
        else:
            value = rng.normal(0, scale, w.shape)
        w.assign(value.astype("float32"))


def _ints(shape, high, n=24, seed=0):
    return np.random.default_rng(seed).integers(0, high, (n,) + shape)


def _pixel_dependencies(model, num_values, draws=2, condition=None):
    """`m[a, b]`: moving a value of pixel `a` (any channel) moves the
    parameters at pixel `b` (flat raster pixels; an uncoupled head, whose
    parameters at a pixel are its features')."""
    height, width, channels = model.event_shape
    pixels = np.arange(height * width).reshape(height, width)
    inputs = np.repeat(pixels[..., None], channels, axis=-1)
    size = model.head.params_size
    outputs = np.broadcast_to(
        pixels[..., None, None], (height, width, channels, size)
    )
    # Eager: dependency_matrix sends all perturbations in one or a few
    # batched calls, fewer than compiling the network would cost.
    if condition is not None:
        condition = np.asarray(condition)

    def fn(v):
        cond = None if condition is None else np.repeat(condition, len(v), 0)
        return model(v, condition=cond)

    matrix = None
    for seed in range(draws):
        x = np.random.default_rng(seed).integers(
            0, num_values, (1,) + model.event_shape
        )
        m = dependency_matrix(
            fn, x, inputs, outputs, perturb=lambda v: (v + 1) % num_values
        )
        matrix = m if matrix is None else matrix | m
    return matrix


# ----------------------------------------------------------------------
# keras_ar.testing.run_model_test
# ----------------------------------------------------------------------
#: One hierarchy for most cases (a third of the time: the harness
#: compiles the network many times); the RGB case has two.
CASES = {
    "grey_class_conditional": (
        dict(
            event_shape=(3, 3, 1),
            head="bernoulli",
            condition_classes=2,
            num_hierarchies=1,
        ),
        lambda: (_ints((3, 3, 1), 2), np.arange(24) % 2),
    ),
    "rgb_coupled_vector_conditional": (
        dict(
            event_shape=(1, 2, 3),
            head=DiscretizedLogisticMixture(2, num_values=3, coupled=True),
            condition_size=3,
            weight_norm=False,
            num_hierarchies=1,
        ),
        lambda: (
            _ints((1, 2, 3), 3),
            np.random.default_rng(1).normal(size=(24, 3)),
        ),
    ),
}


@pytest.mark.parametrize(
    "name",
    [
        # The JAX suite runs the RGB case only: PixelCNN++'s autoregressive
        # property, cached sampling and grey class conditioning are
        # covered on JAX by the tests below, and this case's remaining
        # checks (sums to 1, chi-square, bad inputs) are backend-free.
        pytest.param("grey_class_conditional", marks=pytest.mark.tensorflow),
        "rgb_coupled_vector_conditional",
    ],
)
def test_model_passes_the_harness(name):
    kwargs, data = CASES[name]
    x, condition = data()
    model = run_model_test(
        PixelCNNPlusPlus,
        {**TINY, **kwargs},
        x,
        condition,
        cross_backend=False,  # the JAX suite runs this harness itself
    )
    assert isinstance(model.backbone, PixelCNNPlusPlusBackbone)


# ----------------------------------------------------------------------
# The receptive field: earlier pixels only, all of them, no blind spot
# ----------------------------------------------------------------------
@pytest.mark.parametrize(
    "event_shape, num_hierarchies, num_resnet",
    [
        # JAX CI time: the two smaller cases run on both backends.
        pytest.param((8, 8, 1), 3, 2, marks=pytest.mark.tensorflow),
        ((5, 5, 2), 3, 1),
        ((4, 4, 3), 1, 1),
    ],
    ids=["8x8_three_hierarchies", "5x5_odd_sizes", "4x4_rgb_one_level"],
)
def test_features_see_exactly_the_earlier_pixels(
    event_shape, num_hierarchies, num_resnet
):
    model = _tiny(
        event_shape,
        head=4,
        num_hierarchies=num_hierarchies,
        num_resnet=num_resnet,
    )
    _randomize(model)
    m = _pixel_dependencies(model, 4)
    size = event_shape[0] * event_shape[1]
    assert_autoregressive(m, strict=True)
    assert not m[:, 0].any()  # the first pixel sees nothing
    assert m[0, 1:].all()  # ... and every later pixel sees it
    # Every earlier pixel is within reach at these sizes: no blind spot.
    earlier = np.triu(np.ones((size, size), bool), k=1)
    np.testing.assert_array_equal(m, earlier)


def test_no_blind_spot_where_pixelcnn_has_one():
    # Output at (2, 2) of a 4x9 image. PixelCNN (7x7 first layer, 3x3
    # blocks) never sees (1, 6), up one row and four columns right;
    # PixelCNN++'s up stream does with one hierarchy and one block pair.
    width = 9
    target, corner = 2 * width + 2, 1 * width + 6
    pixelcnn = PixelCNN(
        (4, width, 1),
        head="bernoulli",
        filters=2,
        num_residual_blocks=4,
        output_filters=4,
    )
    rng = np.random.default_rng(3)
    for w in pixelcnn.backbone.weights:
        w.assign(rng.normal(0, 0.7, w.shape).astype("float32"))
    x = np.random.default_rng(0).integers(0, 2, (1, 4, width, 1))
    positions = np.arange(4 * width).reshape(4, width, 1)
    blind = dependency_matrix(
        lambda v: pixelcnn(v),
        x,
        positions,
        positions[..., None],
        perturb=lambda v: 1 - v,
    )
    plusplus = _tiny((4, width, 1), num_hierarchies=1)
    _randomize(plusplus, seed=3)
    seen = _pixel_dependencies(plusplus, 2)
    assert_autoregressive(blind, strict=True)
    assert not blind[corner, target]  # PixelCNN's blind spot
    assert seen[corner, target]  # PixelCNN++ sees it
    # Every earlier pixel within reach: up to five columns to the right
    # (the up stream's first 2x3 convolution and the two of each of its
    # gated resnets, up and down pass, each one column wider); the last
    # column, six to the right, is beyond it.
    columns = np.arange(target) % width
    assert seen[:target, target][columns <= 2 + 5].all()
    assert not seen[:target, target][columns == 8].any()


def test_coupled_head_orders_the_channels_of_a_pixel():
    head = DiscretizedLogisticMixture(2, num_values=4, coupled=True)
    model = _tiny((2, 2, 3), head=head)
    _randomize(model)
    positions = np.arange(12).reshape(2, 2, 3)
    x = np.random.default_rng(0).integers(0, 4, (1, 2, 2, 3))
    m = dependency_matrix(
        lambda v: model(v),
        x,
        positions,
        np.broadcast_to(positions[..., None], (2, 2, 3, 6)),
        perturb=lambda v: (v + 1) % 4,
    )
    assert_autoregressive(m, strict=True)
    # Pixel 1: R=3, G=4, B=5. G sees R; B sees R and G; pixel 0 all.
    assert m[3, 4] and m[3, 5] and m[4, 5]
    assert m[:3, 3:6].all()
    assert head.features_size(3) == model.backbone.features_size == 20


# ----------------------------------------------------------------------
# Dropout, conditioning, the default head, cached sampling
# ----------------------------------------------------------------------
def test_dropout_only_in_training():
    model = _tiny((4, 4, 1), head=4, dropout=0.5)
    _randomize(model, scale=0.4)
    x = _ints((4, 4, 1), 4, n=2).astype("float32")
    a = ops.convert_to_numpy(model(x))
    np.testing.assert_array_equal(a, model(x, training=False))
    t1 = ops.convert_to_numpy(model(x, training=True))
    t2 = ops.convert_to_numpy(model(x, training=True))
    assert not np.allclose(t1, a) and not np.allclose(t1, t2)
    still = _tiny((4, 4, 1), head=4, dropout=0.0)
    _randomize(still, scale=0.4)
    np.testing.assert_array_equal(still(x, training=True), still(x))


def test_class_conditioning_changes_samples_and_stays_autoregressive():
    model = _tiny((3, 3, 1), head=4, condition_classes=3)
    x = np.ones((1, 3, 3, 1), "float32")
    np.testing.assert_array_equal(  # zero-initialised embeddings
        ops.convert_to_numpy(model(x, condition=[0])),
        ops.convert_to_numpy(model(x, condition=[2])),
    )
    _randomize(model)
    for label in range(3):
        m = _pixel_dependencies(model, 4, draws=1, condition=np.array([label]))
        assert_autoregressive(m, strict=True)
    a = model.sample(6, condition=0, seed=1)
    b = model.sample(6, condition=2, seed=1)
    assert not np.array_equal(a, b)


def test_default_head_is_the_coupled_logistic_mixture():
    model = PixelCNNPlusPlus((2, 2, 3), filters=4, num_resnet=1)
    assert isinstance(model.head, DiscretizedLogisticMixture)
    assert model.head.coupled and model.head.num_components == 10
    assert model.head.num_values == 256
    assert model.backbone.features_size == 100  # 10 * (1 + 6 + 3)
    grey = PixelCNNPlusPlus((2, 2, 1), filters=4, num_logistic_mix=3)
    assert grey.backbone.features_size == 9
    assert model.num_hierarchies == 3 and model.weight_norm
    assert model.dropout == 0.5


def test_cached_rgb_sampling_equals_naive():
    head = DiscretizedLogisticMixture(2, num_values=8, coupled=True)
    model = _tiny((3, 2, 3), head=head, num_hierarchies=2)
    _randomize(model, scale=0.4)
    fast = model.sample(3, seed=5)
    np.testing.assert_array_equal(
        fast, model.sample(3, seed=5, use_cache=False)
    )
    assert len(np.unique(fast)) > 2


# Eager steps, slow on JAX; the JAX suite checks PixelCNN++'s cached path
# end to end (cached sampling and completion equal the naive pass).
@pytest.mark.tensorflow
def test_cached_step_equals_the_full_pass_and_runs_once_per_pixel():
    head = DiscretizedLogisticMixture(2, num_values=5, coupled=True)
    model = _tiny((1, 2, 3), head=head, num_hierarchies=2)
    _randomize(model, scale=0.4)
    x = _ints((1, 2, 3), 5, n=2).astype("float32")
    full = ops.convert_to_numpy(model(x)).reshape(2, 6, -1)
    calls = []
    original = model.backbone.call

    def counting(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    model.backbone.call = counting
    cache = model.build_generation_cache(x, None, None, None)
    for index in range(6):
        params, cache = model.call_with_cache(x, cache, index)
        np.testing.assert_allclose(
            ops.convert_to_numpy(params)[:, 0], full[:, index], atol=1e-5
        )
    if keras.backend.backend() == "tensorflow":
        # Eager `cond` runs one branch: one backbone pass per pixel
        # (JAX traces both branches of every step).
        assert len(calls) == 2


def test_initialize_from_data_normalizes_the_features():
    model = _tiny((2, 4, 3), head=DiscretizedLogisticMixture(2, coupled=True))
    x = _ints((2, 4, 3), 256, n=8)
    before = ops.convert_to_numpy(model.backbone.output_conv.kernel_scale)
    assert model.initialize_from_data(x) is model
    scaled = model.head.encode_inputs(x.astype("float32"))
    features = ops.convert_to_numpy(model.backbone(scaled))
    flat = features.reshape(-1, features.shape[-1])
    # The last layer (a weight-normed 1x1 convolution) was initialized
    # last, from this batch: zero mean, unit variance per feature.
    np.testing.assert_allclose(flat.mean(axis=0), 0.0, atol=1e-4)
    np.testing.assert_allclose(flat.std(axis=0), 1.0, rtol=1e-3)
    after = ops.convert_to_numpy(model.backbone.output_conv.kernel_scale)
    assert not np.allclose(before, after)
    assert np.isfinite(model.log_prob(x)).all()
    conditional = _tiny((3, 3, 1), head=4, condition_classes=2)
    conditional.initialize_from_data(_ints((3, 3, 1), 4, n=4), [0, 1, 0, 1])
    with pytest.raises(ValueError, match="weight_norm=True"):
        _tiny(weight_norm=False).initialize_from_data(_ints((3, 3, 1), 2))


# ----------------------------------------------------------------------
# Configuration and errors
# ----------------------------------------------------------------------
def test_hierarchy_sizes():
    assert hierarchy_sizes(32, 3) == [32, 16, 8]
    assert hierarchy_sizes(7, 4) == [7, 4, 2, 1]
    assert hierarchy_sizes(None, 2) == [None, None]


def test_backbone_config_round_trip():
    backbone = PixelCNNPlusPlusBackbone(
        channels=3,
        filters=6,
        num_resnet=2,
        num_hierarchies=2,
        dropout=0.1,
        weight_norm=False,
        features_size=20,
        condition_classes=4,
    )
    config = backbone.get_config()
    clone = PixelCNNPlusPlusBackbone.from_config(config)
    assert clone.get_config() == config
    # Layers: 2 + 3 blocks per stream (down pass: 2 then 3), one down- and
    # one upsampling per stream.
    assert len(backbone.up_u) == 4 and len(backbone.down_ul) == 5
    assert len(backbone.downsample_u) == len(backbone.upsample_ul) == 1


def test_model_config_round_trip():
    model = _tiny(
        (3, 3, 3),
        head=DiscretizedLogisticMixture(3, num_values=16, coupled=True),
        condition_size=2,
        dropout=0.2,
        weight_norm=False,
    )
    config = model.get_config()
    assert config["num_resnet"] == 1 and config["num_hierarchies"] == 2
    assert config["dropout"] == 0.2 and config["weight_norm"] is False
    assert config["filters"] == 4 and config["num_logistic_mix"] == 10
    clone = PixelCNNPlusPlus.from_config(config)
    assert clone.get_config() == config
    assert clone.head.coupled and clone.head.num_components == 3


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"num_resnet": 0}, "num_resnet"),
        ({"num_hierarchies": 0}, "num_hierarchies"),
        ({"filters": 0}, "filters"),
        ({"dropout": 1.0}, "dropout"),
        ({"weight_norm": "yes"}, "weight_norm"),
        ({"num_logistic_mix": 0, "head": None}, "num_logistic_mix"),
        ({"condition_classes": 2, "condition_size": 3}, "not both"),
    ],
)
def test_constructor_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        _tiny((4, 4, 1), **kwargs)
    with pytest.raises(ValueError, match="height, width, channels"):
        PixelCNNPlusPlus((4, 4), filters=4)
