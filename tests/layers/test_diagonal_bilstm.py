import keras
import numpy as np
import pytest

from keras_ar.layers import DiagonalBiLSTM
from keras_ar.layers import channel_groups_of
from keras_ar.layers.diagonal_bilstm import skew
from keras_ar.layers.diagonal_bilstm import unskew
from keras_ar.testing import assert_autoregressive
from keras_ar.testing import dependency_matrix


def _compiled(layer, shape):
    """`layer` as one compiled function (eager calls of a scan retrace
    it every time on JAX)."""
    inputs = keras.Input(shape)
    return keras.Model(inputs, layer(inputs)).predict_on_batch


def _randomize(layer, seed=1, scale=0.7):
    rng = np.random.default_rng(seed)
    for w in layer.weights:
        w.assign(rng.normal(0, scale, w.shape).astype("float32"))


def test_skew_and_unskew():
    x = np.arange(1, 13, dtype="float32").reshape(1, 3, 4, 1)
    skewed = keras.ops.convert_to_numpy(skew(x))[0, :, :, 0]
    np.testing.assert_array_equal(
        skewed,
        [
            [1, 2, 3, 4, 0, 0],
            [0, 5, 6, 7, 8, 0],
            [0, 0, 9, 10, 11, 12],
        ],
    )
    np.testing.assert_array_equal(unskew(skew(x), 4), x)


def test_output_shape():
    layer = DiagonalBiLSTM(6, channel_groups=3)
    y = layer(np.zeros((2, 4, 7, 3), "float32"))
    assert tuple(y.shape) == (2, 4, 7, 6)
    assert layer.compute_output_shape((None, 4, 7, 3)) == (None, 4, 7, 6)


def test_sees_everything_before_and_nothing_after():
    height, width = 4, 5
    layer = DiagonalBiLSTM(4, "B")
    layer(np.zeros((1, height, width, 1), "float32"))
    _randomize(layer)
    pixels = np.arange(height * width).reshape(height, width, 1)
    outputs = np.broadcast_to(pixels, (height, width, 4))
    m = np.zeros((pixels.size, pixels.size), bool)
    for seed in range(2):
        x = np.random.default_rng(seed).normal(size=(1, height, width, 1))
        m |= dependency_matrix(
            _compiled(layer, x.shape[1:]), x, pixels, outputs, lambda v: v + 1.0
        )
    # Output pixel b sees exactly the pixels a < b (raster order) and
    # itself (mask B): the full context, no blind spot. (With one channel
    # group a 1x1 mask-A convolution sees nothing: PixelRNN starts with a
    # 7x7 mask-A convolution.)
    a, b = np.meshgrid(np.arange(20), np.arange(20), indexing="ij")
    np.testing.assert_array_equal(m, a <= b)


@pytest.mark.parametrize("mask_type", ["A", "B"])
def test_rgb_channel_groups(mask_type):
    layer = DiagonalBiLSTM(6, mask_type, channel_groups=3)
    x = np.random.default_rng(0).normal(size=(1, 2, 3, 3))
    layer(x.astype("float32"))
    _randomize(layer)
    pixel = np.arange(6).reshape(2, 3, 1)
    inputs = pixel * 3 + np.arange(3).reshape(1, 1, 3)
    outputs = pixel * 3 + channel_groups_of(6, 3).reshape(1, 1, 6)
    m = dependency_matrix(
        _compiled(layer, x.shape[1:]), x, inputs, outputs, lambda v: v + 1.0
    )
    assert_autoregressive(m, strict=mask_type == "A")
    p = 4 * 3  # pixel (1, 1)
    for source in range(3):
        for group in range(3):
            seen = source < group or (mask_type == "B" and source == group)
            assert m[p + source, p + group] == seen, (source, group)
    # The pixel above-right reaches it only through the backward direction
    # (its last channel only with mask B: with mask A no group sees it).
    assert m[2 * 3, p] and m[2 * 3 + 1, p]
    assert m[2 * 3 + 2, p] == (mask_type == "B")


@pytest.mark.parametrize("groups, mask_type", [(1, "B"), (3, "A")])
def test_pixel_step_equals_the_full_layer(groups, mask_type):
    layer = DiagonalBiLSTM(6, mask_type, groups)
    x = np.random.default_rng(2).normal(size=(2, 3, 5, 3)).astype("float32")
    layer(x)
    _randomize(layer)
    full = keras.ops.convert_to_numpy(layer(x))
    state, weights = layer.empty_state(2, 5), layer.step_weights()
    for row in range(3):
        if row:
            state = layer.next_row(state, weights)
        for col in range(5):
            out, state = layer.pixel_step(state, x[:, row, col], col, weights)
            np.testing.assert_allclose(out, full[:, row, col], atol=1e-5)


def test_config_round_trip():
    layer = DiagonalBiLSTM(6, "A", channel_groups=3, name="diagonal")
    config = layer.get_config()
    assert config["units"] == 6 and config["mask_type"] == "A"
    restored = DiagonalBiLSTM.from_config(config)
    assert restored.get_config() == config
    x = np.random.default_rng(0).normal(size=(1, 3, 4, 3)).astype("float32")
    layer(x)
    restored(x)
    restored.set_weights(layer.get_weights())
    np.testing.assert_allclose(restored(x), layer(x), atol=1e-6)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"units": 4, "channel_groups": 3}, "multiple"),
        ({"units": -1}, "units"),
        ({"units": 4, "mask_type": "b"}, "mask_type"),
    ],
)
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        DiagonalBiLSTM(**kwargs)
