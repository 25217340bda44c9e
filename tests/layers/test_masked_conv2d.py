import keras
import numpy as np
import pytest

from keras_ar.layers import MaskedConv2D
from keras_ar.layers import pixelcnn_mask
from keras_ar.testing import assert_autoregressive
from keras_ar.testing import dependency_matrix


def _positions(height, width, groups, channels):
    """AR position of each (row, col, channel) for `groups` channel groups."""
    pixel = np.arange(height * width).reshape(height, width, 1)
    group = (np.arange(channels) // (channels // groups)).reshape(1, 1, -1)
    return pixel * groups + group


def _dependencies(layer, height, width, in_channels, groups):
    x = np.random.default_rng(0).normal(size=(1, height, width, in_channels))
    layer(x)  # build
    layer.kernel.assign(
        np.random.default_rng(1).normal(size=layer.kernel.shape)
    )
    out_channels = layer.filters
    return dependency_matrix(
        layer,
        x,
        _positions(height, width, groups, in_channels),
        _positions(height, width, groups, out_channels),
        perturb=lambda v: v + 1.0,
    )


def test_mask_a_grey_is_strictly_causal():
    m = _dependencies(MaskedConv2D(2, 3, "A"), 4, 4, 1, 1)
    assert_autoregressive(m, strict=True)
    # Non-vacuous: each pixel sees its left and upper neighbours.
    assert m[4, 5] and m[1, 5] and m[0, 5] and m[2, 5]
    assert not m[5, 5]


def test_mask_b_grey_sees_itself_only():
    m = _dependencies(MaskedConv2D(2, 3, "B"), 4, 4, 1, 1)
    assert_autoregressive(m, strict=False)
    assert m[5, 5]
    with pytest.raises(AssertionError):
        assert_autoregressive(m, strict=True)


def test_mask_a_rgb_channel_order():
    m = _dependencies(MaskedConv2D(6, 3, "A", channel_groups=3), 3, 3, 3, 3)
    assert_autoregressive(m, strict=True)
    # Centre pixel 4 has positions 12 (R), 13 (G), 14 (B).
    assert not m[12, 12] and m[12, 13] and m[12, 14] and m[13, 14]
    assert not m[13, 13] and not m[14, 14] and not m[13, 12]


def test_mask_b_rgb_channel_order():
    m = _dependencies(MaskedConv2D(6, 3, "B", channel_groups=3), 3, 3, 6, 3)
    assert_autoregressive(m, strict=False)
    assert m[12, 12] and m[13, 13] and m[12, 14]
    assert not m[14, 13] and not m[13, 12]


def test_mask_values():
    mask = pixelcnn_mask((5, 5), 1, 1, "A")[..., 0, 0]
    expected = np.array(
        [
            [1, 1, 1, 1, 1],
            [1, 1, 1, 1, 1],
            [1, 1, 0, 0, 0],
            [0, 0, 0, 0, 0],
            [0, 0, 0, 0, 0],
        ]
    )
    np.testing.assert_array_equal(mask, expected)
    assert pixelcnn_mask((5, 5), 1, 1, "B")[2, 2, 0, 0] == 1


def test_kernel_is_not_modified_and_shape_kept():
    layer = MaskedConv2D(4, 3, "A")
    out = layer(np.ones((2, 5, 6, 1), "float32"))
    assert tuple(out.shape) == (2, 5, 6, 4)
    kernel = keras.ops.convert_to_numpy(layer.kernel)
    assert np.count_nonzero(kernel[2]) > 0  # masked rows still stored


def test_serialization_round_trip():
    layer = MaskedConv2D(6, 5, "A", channel_groups=3, activation="relu")
    x = np.random.default_rng(0).normal(size=(1, 4, 4, 3)).astype("float32")
    y = layer(x)
    config = layer.get_config()
    assert config["mask_type"] == "A" and config["channel_groups"] == 3
    assert "padding" not in config
    clone = keras.saving.deserialize_keras_object(
        keras.saving.serialize_keras_object(layer)
    )
    clone.set_weights(layer.get_weights())
    np.testing.assert_allclose(clone(x), y, rtol=1e-6)


def test_mixed_precision():
    layer = MaskedConv2D(4, 3, "B", dtype="mixed_float16")
    out = layer(np.ones((1, 4, 4, 2), "float32"))
    assert keras.backend.standardize_dtype(out.dtype) == "float16"
    assert layer.kernel.dtype == "float32"


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"filters": 4, "kernel_size": 3, "mask_type": "C"}, "mask_type"),
        ({"filters": 4, "kernel_size": 2}, "odd"),
        ({"filters": 4, "kernel_size": 3, "channel_groups": 3}, "divisible"),
        ({"filters": 4, "kernel_size": 3, "padding": "valid"}, "padding"),
    ],
)
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        MaskedConv2D(**kwargs)


def test_bad_input_channels():
    layer = MaskedConv2D(6, 3, channel_groups=3)
    with pytest.raises(ValueError, match="divisible"):
        layer(np.zeros((1, 4, 4, 2), "float32"))
