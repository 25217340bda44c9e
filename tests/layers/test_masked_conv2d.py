import keras
import numpy as np
import pytest

from keras_ar.layers import MaskedConv2D
from keras_ar.layers import channel_groups_of
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
        ({"filters": 2, "kernel_size": 3, "channel_groups": 3}, "at least"),
        ({"filters": 4, "kernel_size": 3, "padding": "valid"}, "padding"),
    ],
)
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        MaskedConv2D(**kwargs)


def test_bad_input_channels():
    layer = MaskedConv2D(6, 3, channel_groups=3)
    with pytest.raises(ValueError, match="at least"):
        layer(np.zeros((1, 4, 4, 2), "float32"))


def test_uneven_channel_groups_keep_the_channel_order():
    # 4 outputs and 5 inputs in 3 groups: [0, 0, 1, 2] and [0, 0, 1, 1, 2].
    mask = pixelcnn_mask((1, 1), 5, 4, "A", groups=3)[0, 0]
    in_group = channel_groups_of(5, 3)
    out_group = channel_groups_of(4, 3)
    np.testing.assert_array_equal(
        mask, (in_group[:, None] < out_group[None, :]).astype("float32")
    )
    assert out_group.tolist() == [0, 0, 1, 2]


def _raster_steps(layer, x):
    """`pixel_step` at every pixel in raster order, writing each pixel's
    input into the row cache first (as fast generation does)."""
    batch, height, width, _ = x.shape
    cache = layer.empty_cache(batch, width)
    weights = layer.step_weights()
    out = np.zeros((batch, height, width, layer.filters), "float32")
    for row in range(height):
        if row:
            cache = layer.next_row(cache)
        for col in range(width):
            cache = layer.write_cache(cache, x[:, row, col], col)
            step = layer.pixel_step(cache, col, weights)
            out[:, row, col] = keras.ops.convert_to_numpy(step)
    return out


@pytest.mark.parametrize(
    "kwargs, in_channels",
    [
        ({"kernel_size": 3, "mask_type": "A"}, 1),
        ({"kernel_size": 5, "mask_type": "B"}, 2),
        ({"kernel_size": (3, 5), "mask_type": "B"}, 2),
        ({"kernel_size": 1, "mask_type": "B", "channel_groups": 3}, 3),
        ({"kernel_size": 7, "mask_type": "A", "channel_groups": 3}, 3),
        ({"kernel_size": 3, "mask_type": "B", "dilation_rate": 2}, 2),
        ({"kernel_size": 3, "mask_type": "A", "dilation_rate": (1, 2)}, 1),
        ({"kernel_size": 3, "mask_type": "B", "use_bias": False}, 2),
        ({"kernel_size": 3, "mask_type": "B", "activation": "relu"}, 2),
    ],
)
def test_pixel_step_equals_the_full_convolution(kwargs, in_channels):
    layer = MaskedConv2D(6, **kwargs)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 5, 6, in_channels)).astype("float32")
    layer(x)  # build
    for w in layer.weights:
        w.assign(rng.normal(size=w.shape).astype("float32"))
    full = keras.ops.convert_to_numpy(layer(x))
    np.testing.assert_allclose(_raster_steps(layer, x), full, atol=1e-5)


def test_pixel_step_ignores_later_pixels_in_the_cache():
    # Values right of the current pixel in the current row (masked out)
    # may be stale: the step must not read them.
    layer = MaskedConv2D(4, 5, "B")
    x = np.random.default_rng(0).normal(size=(1, 3, 5, 2)).astype("float32")
    layer(x)
    cache = layer.empty_cache(1, 5)
    for col in range(5):
        cache = layer.write_cache(cache, x[:, 0, col], col)
    stale = layer.pixel_step(cache, 1)
    cache = layer.empty_cache(1, 5)
    for col in range(2):
        cache = layer.write_cache(cache, x[:, 0, col], col)
    np.testing.assert_allclose(stale, layer.pixel_step(cache, 1), atol=1e-6)


def test_step_cache_and_weights_shapes():
    layer = MaskedConv2D(8, 7, "A", channel_groups=1, dilation_rate=2)
    layer.build((None, 10, 12, 3))
    assert layer.cache_rows == 7 and layer.cache_padding == 6
    assert tuple(layer.empty_cache(2, 12).shape) == (2, 7, 24, 3)
    kernel, bias = layer.step_weights()
    # Only the 3 rows above the centre and the centre row up to the
    # centre are kept.
    assert layer.step_taps == 3 * 7 + 4
    assert tuple(kernel.shape) == ((3 * 7 + 4) * 3, 8)
    assert tuple(bias.shape) == (8,)
