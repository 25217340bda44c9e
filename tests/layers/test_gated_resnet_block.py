import os

import keras
import numpy as np
import pytest
from keras import ops

from keras_ar.layers.down_right_shifted_conv2d import DownRightShiftedConv2D
from keras_ar.layers.down_shifted_conv2d import DownShiftedConv2D
from keras_ar.layers.gated_resnet_block import GatedResnetBlock
from keras_ar.layers.gated_resnet_block import concat_elu


def _randomize(layer, seed=1, scale=0.5):
    rng = np.random.default_rng(seed)
    for w in layer.weights:
        w.assign(rng.normal(0, scale, w.shape).astype("float32"))


def _data(shape=(2, 3, 4), filters=4, aux=3, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=shape + (filters,)).astype("float32")
    a = rng.normal(size=shape + (aux,)).astype("float32")
    return x, a


# ----------------------------------------------------------------------
# The formula, shapes, weights, configuration
# ----------------------------------------------------------------------
def test_concat_elu():
    x = np.array([[-2.0, 0.5]], "float32")
    expected = np.array([[np.expm1(-2.0), 0.5, 2.0, np.expm1(-0.5)]])
    np.testing.assert_allclose(concat_elu(x), expected, rtol=1e-6)


@pytest.mark.parametrize("conv", ["down", "down_right", "1x1"])
def test_call_is_the_documented_formula(conv):
    x, aux = _data()
    c = np.array([1, 0])
    block = GatedResnetBlock(conv, condition_classes=2)
    block(x, aux, condition=c)
    _randomize(block)
    conv_cls = {"down": DownShiftedConv2D}.get(conv, DownRightShiftedConv2D)
    assert type(block.conv1) is conv_cls and type(block.conv2) is conv_cls
    c1 = block.conv1(concat_elu(x)) + block.nin(concat_elu(aux))
    c2 = ops.convert_to_numpy(block.conv2(concat_elu(c1)))
    c2 = c2 + ops.convert_to_numpy(block.condition_biases(c))[:, None, None]
    a, b = c2[..., :4], c2[..., 4:]
    expected = x + a / (1.0 + np.exp(-b))
    np.testing.assert_allclose(
        block(x, aux, condition=c), expected, rtol=1e-5, atol=1e-5
    )


def test_kernel_sizes_and_weight_counts():
    x, aux = _data(filters=4, aux=3)
    block = GatedResnetBlock("down", condition_size=2)
    block(x, aux, condition=np.ones((2, 2), "float32"))
    assert block.conv1.kernel_size == (2, 3) and block.filters == 4
    # conv1 2x3 (8 -> 4), nin 1x1 (6 -> 4), conv2 2x3 (8 -> 8), projection
    # 2 -> 8 (no bias).
    expected = (6 * 8 * 4 + 4) + (6 * 4 + 4) + (6 * 8 * 8 + 8) + 2 * 8
    assert block.count_params() == expected
    plain = GatedResnetBlock("down_right", weight_norm=True)
    plain(x)
    assert plain.conv1.kernel_size == (2, 2) and plain.nin is None
    names = sorted(w.path.split("/")[-1] for w in plain.weights)
    assert names.count("kernel_scale") == 2
    wide = GatedResnetBlock("down", kernel_size=(3, 5))
    wide(x)
    assert wide.conv2.kernel_size == (3, 5)


def test_config_round_trip_and_keras_file(tmp_path):
    block = GatedResnetBlock(
        "down_right",
        kernel_size=(2, 3),
        dropout=0.25,
        weight_norm=True,
        condition_size=2,
        name="g",
    )
    config = block.get_config()
    assert config["conv"] == "down_right" and config["kernel_size"] == (2, 3)
    assert config["dropout"] == 0.25 and config["weight_norm"] is True
    assert config["condition_size"] == 2
    assert GatedResnetBlock.from_config(config).get_config() == config
    x, aux = _data()
    c = np.random.default_rng(1).normal(size=(2, 2)).astype("float32")
    inputs = [keras.Input((3, 4, 4)), keras.Input((3, 4, 3)), keras.Input((2,))]
    model = keras.Model(
        inputs, block(inputs[0], inputs[1], condition=inputs[2])
    )
    _randomize(block)
    path = os.path.join(tmp_path, "block.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    np.testing.assert_allclose(
        loaded([x, aux, c]), model([x, aux, c]), rtol=1e-6, atol=1e-6
    )


def test_dropout_only_in_training():
    x, _ = _data(filters=8)
    block = GatedResnetBlock("down", dropout=0.5)
    block(x)
    _randomize(block)
    infer = ops.convert_to_numpy(block(x))
    np.testing.assert_array_equal(infer, block(x, training=False))
    a = ops.convert_to_numpy(block(x, training=True))
    b = ops.convert_to_numpy(block(x, training=True))
    assert not np.allclose(a, infer) and not np.allclose(a, b)


def test_condition_biases_start_at_zero_and_then_matter():
    x, _ = _data()
    block = GatedResnetBlock("1x1", condition_classes=3)
    block(x, condition=np.array([0, 1]))
    np.testing.assert_array_equal(
        block(x, condition=np.array([0, 0])),
        block(x, condition=np.array([2, 2])),
    )
    _randomize(block)
    assert not np.allclose(
        block(x, condition=np.array([0, 0])),
        block(x, condition=np.array([2, 2])),
    )
    assert tuple(block.condition_biases(np.array([1, 2])).shape) == (2, 8)
    assert GatedResnetBlock("1x1").condition_biases(None) is None


def test_mixed_precision():
    block = GatedResnetBlock(
        "down_right", weight_norm=True, dtype="mixed_float16"
    )
    x = np.ones((1, 3, 3, 4), "float32")
    y = block(x, x)
    assert keras.backend.standardize_dtype(y.dtype) == "float16"
    assert block.conv1.kernel.dtype == "float32"
    assert block.conv1.kernel_scale.dtype == "float32"
    out, _ = block.step(block.step_cache(1, 3, 3), x[:, 0, 0], 0, 0, x[:, 0, 0])
    assert keras.backend.standardize_dtype(out.dtype) == "float16"
    np.testing.assert_allclose(out, y[:, 0, 0], rtol=1e-2, atol=1e-2)


# ----------------------------------------------------------------------
# Causality by perturbation
# ----------------------------------------------------------------------
def _reach(fn, x, index):
    """Output pixels that move when input pixel `index` moves."""
    base = ops.convert_to_numpy(fn(x))
    moved = x.copy()
    moved[(slice(None),) + index] += 2.0
    out = ops.convert_to_numpy(fn(moved))
    return np.abs(out - base).max(axis=(0, -1)) > 1e-6


@pytest.mark.parametrize("conv", ["down", "down_right", "1x1"])
def test_receptive_field_of_two_stacked_blocks(conv):
    height, width = 5, 5
    x, aux = _data((1, height, width), filters=3, aux=2)
    blocks = [GatedResnetBlock(conv) for _ in range(2)]

    def fn(v):
        for block in blocks:
            v = block(v, aux)
        return v

    fn(x)
    for i, block in enumerate(blocks):
        _randomize(block, seed=i)
    kh, kw = blocks[0].kernel_size

    def expected_reach(r, c, depth):
        up, side = depth * (kh - 1), depth * (kw - 1)
        expected = np.zeros((height, width), bool)
        for i, j in np.ndindex(height, width):
            if conv == "1x1":
                expected[i, j] = (i, j) == (r, c)
            elif conv == "down":
                expected[i, j] = r <= i <= r + up and abs(j - c) <= side // 2
            else:
                expected[i, j] = r <= i <= r + up and c <= j <= c + side
        return expected

    # Two blocks, two convolutions each: four convolutions deep.
    for r, c in np.ndindex(height, width):
        np.testing.assert_array_equal(
            _reach(fn, x, (r, c)), expected_reach(r, c, 4)
        )
    # The auxiliary input enters through nin (1x1) before conv2: one
    # convolution deep.
    moved = _reach(lambda a: blocks[0](x, a), aux, (2, 2))
    np.testing.assert_array_equal(moved, expected_reach(2, 2, 1))


# ----------------------------------------------------------------------
# Cached steps
# ----------------------------------------------------------------------
@pytest.mark.parametrize("conv", ["down_right", "1x1"])
@pytest.mark.parametrize(
    "options",
    [
        {},
        {"weight_norm": True, "condition_classes": 3},
        {"condition_size": 2, "kernel_size": (3, 2)},
    ],
    ids=["plain", "weight_norm_class", "vector_3x2"],
)
def test_cached_steps_equal_the_full_call(conv, options):
    if conv == "1x1":
        options = {k: v for k, v in options.items() if k != "kernel_size"}
    x, aux = _data((2, 3, 4), filters=4, aux=3, seed=5)
    if "condition_classes" in options:
        condition = np.array([2, 0])
    elif "condition_size" in options:
        condition = np.random.default_rng(2).normal(size=(2, 2))
        condition = condition.astype("float32")
    else:
        condition = None
    block = GatedResnetBlock(conv, dropout=0.5, **options)
    block(x, aux, condition=condition)
    _randomize(block, scale=0.4)
    full = ops.convert_to_numpy(block(x, aux, condition=condition))
    cache = block.step_cache(2, 3, 4)
    bias = block.condition_biases(condition)
    for row, col in np.ndindex(3, 4):
        out, cache = block.step(
            cache,
            x[:, row, col],
            row,
            col,
            aux=aux[:, row, col],
            condition_bias=bias,
        )
        np.testing.assert_allclose(out, full[:, row, col], atol=1e-5)
    if conv == "1x1":
        assert cache == {}
    else:
        assert sorted(cache) == ["conv1", "conv2"]


def test_steps_refuse_down_convs():
    block = GatedResnetBlock("down")
    block(np.zeros((1, 2, 2, 2), "float32"))
    with pytest.raises(ValueError, match="down_right"):
        block.step_cache(1, 2, 2)


# ----------------------------------------------------------------------
# Errors
# ----------------------------------------------------------------------
@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"conv": "up"}, "conv"),
        ({"conv": "down", "kernel_size": (2, 2)}, "odd"),
        ({"conv": "1x1", "kernel_size": 3}, "1x1"),
        ({"kernel_size": (0, 3)}, "kernel_size"),
        ({"dropout": 1.0}, "dropout"),
        ({"condition_classes": 2, "condition_size": 3}, "not both"),
    ],
)
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        GatedResnetBlock(**kwargs)


def test_condition_and_aux_mismatches():
    x, aux = _data()
    block = GatedResnetBlock("down", condition_classes=2)
    with pytest.raises(ValueError, match="needs a condition"):
        block(x)
    plain = GatedResnetBlock("down")
    with pytest.raises(ValueError, match="takes no condition"):
        plain(x, condition=np.array([0, 1]))
    plain = GatedResnetBlock("down")
    plain(x)
    with pytest.raises(ValueError, match="without an auxiliary input"):
        plain(x, aux)
