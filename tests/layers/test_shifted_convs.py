import os

import keras
import numpy as np
import pytest
from keras import ops

from keras_ar.layers.down_right_shifted_conv2d import DownRightShiftedConv2D
from keras_ar.layers.down_right_shifted_conv2d_transpose import (
    DownRightShiftedConv2DTranspose,
)
from keras_ar.layers.down_shifted_conv2d import DownShiftedConv2D
from keras_ar.layers.down_shifted_conv2d import data_init_scope
from keras_ar.layers.down_shifted_conv2d_transpose import (
    DownShiftedConv2DTranspose,
)

CONVS = (DownShiftedConv2D, DownRightShiftedConv2D)
TRANSPOSED = (DownShiftedConv2DTranspose, DownRightShiftedConv2DTranspose)


def _randomize(layer, seed=1, scale=0.5):
    rng = np.random.default_rng(seed)
    for w in layer.weights:
        w.assign(rng.normal(0, scale, w.shape).astype("float32"))


def _measured_reach(layer, shape, seed=0):
    """`reach[r, c, i, j]`: moving input pixel `(r, c)` (every channel)
    moves output pixel `(i, j)`."""
    x = np.random.default_rng(seed).normal(size=(1,) + shape)
    x = x.astype("float32")
    base = ops.convert_to_numpy(layer(x))[0]
    reach = np.zeros(shape[:2] + base.shape[:2], bool)
    for r, c in np.ndindex(*shape[:2]):
        moved = x.copy()
        moved[0, r, c] += 3.0
        out = ops.convert_to_numpy(layer(moved))[0]
        reach[r, c] = np.abs(out - base).max(axis=-1) > 1e-5
    return reach


def _conv_reach(cls, kernel, strides, shift, in_hw, out_hw):
    """The documented receptive field of a shifted convolution."""
    kh, kw = kernel
    reach = np.zeros(tuple(in_hw) + tuple(out_hw), bool)
    for i, j in np.ndindex(*out_hw):
        # The convolution's own position that lands at (i, j).
        ci, cj = i, j
        if shift:
            if cls is DownShiftedConv2D:
                ci -= 1
            else:
                cj -= 1
            if ci < 0 or cj < 0:
                continue  # the shifted-in zeros
        rows = range(strides * ci - kh + 1, strides * ci + 1)
        if cls is DownShiftedConv2D:
            half = (kw - 1) // 2
            cols = range(strides * cj - half, strides * cj + half + 1)
        else:
            cols = range(strides * cj - kw + 1, strides * cj + 1)
        for r in rows:
            for c in cols:
                if 0 <= r < in_hw[0] and 0 <= c < in_hw[1]:
                    reach[r, c, i, j] = True
    return reach


def _transpose_reach(cls, kernel, strides, in_hw):
    """The documented receptive field of a shifted transposed conv:
    input `(r, c)` spreads to `(s*r + a, s*c + b - start)`."""
    kh, kw = kernel
    start = (kw - 1) // 2 if cls is DownShiftedConv2DTranspose else 0
    out_hw = (strides * in_hw[0], strides * in_hw[1])
    reach = np.zeros(tuple(in_hw) + out_hw, bool)
    for r, c in np.ndindex(*in_hw):
        for a, b in np.ndindex(kh, kw):
            i, j = strides * r + a, strides * c + b - start
            if 0 <= i < out_hw[0] and 0 <= j < out_hw[1]:
                reach[r, c, i, j] = True
    return reach


# ----------------------------------------------------------------------
# Shapes, symbolic use, configuration, saving
# ----------------------------------------------------------------------
@pytest.mark.parametrize("cls", CONVS)
@pytest.mark.parametrize("strides", [1, 2])
@pytest.mark.parametrize("shape", [(4, 4), (5, 3), (7, 7)])
def test_conv_output_shapes(cls, strides, shape):
    layer = cls(3, strides=strides, shift=True)
    x = np.zeros((2,) + shape + (2,), "float32")
    expected = (2, -(-shape[0] // strides), -(-shape[1] // strides), 3)
    assert tuple(layer(x).shape) == expected
    assert tuple(layer.compute_output_shape(x.shape)) == expected
    inputs = keras.Input(shape + (2,))
    assert (
        tuple(cls(3, strides=strides)(inputs).shape) == (None,) + expected[1:]
    )
    # Unknown spatial sizes stay unknown.
    assert layer.compute_output_shape((None, None, None, 2)) == (
        None,
        None,
        None,
        3,
    )


@pytest.mark.parametrize("cls", TRANSPOSED)
@pytest.mark.parametrize("shape", [(3, 4), (1, 1), (4, 7)])
def test_transposed_output_is_exactly_strides_times_input(cls, shape):
    layer = cls(3)
    x = np.zeros((2,) + shape + (5,), "float32")
    expected = (2, 2 * shape[0], 2 * shape[1], 3)
    assert tuple(layer(x).shape) == expected
    assert tuple(layer.compute_output_shape(x.shape)) == expected
    x3 = np.zeros((1,) + shape + (2,), "float32")
    big = cls(2, kernel_size=(3, 5), strides=3)
    assert tuple(big(x3).shape) == (1, 3 * shape[0], 3 * shape[1], 2)


@pytest.mark.parametrize("cls", CONVS + TRANSPOSED)
@pytest.mark.parametrize("weight_norm", [False, True])
def test_config_round_trip_and_keras_file(cls, weight_norm, tmp_path):
    kwargs = {} if cls in TRANSPOSED else {"shift": True}
    layer = cls(
        3, weight_norm=weight_norm, activation="elu", name="shifted", **kwargs
    )
    config = layer.get_config()
    assert config["weight_norm"] is weight_norm
    assert "padding" not in config and "data_format" not in config
    if cls in CONVS:
        assert config["shift"] is True
    clone = cls.from_config(config)
    assert clone.get_config() == config
    inputs = keras.Input((4, 4, 2))
    model = keras.Model(inputs, layer(inputs))
    _randomize(layer)
    x = np.random.default_rng(0).normal(size=(2, 4, 4, 2)).astype("float32")
    path = os.path.join(tmp_path, "model.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert type(loaded.layers[-1]) is cls
    np.testing.assert_allclose(loaded(x), model(x), rtol=1e-6, atol=1e-6)
    # Weight norm adds one scale per filter, nothing else.
    names = sorted(w.path.split("/")[-1] for w in layer.weights)
    expected = ["bias", "kernel"] + (["kernel_scale"] if weight_norm else [])
    assert names == expected


# ----------------------------------------------------------------------
# Receptive fields by perturbation: exactly the documented ones
# ----------------------------------------------------------------------
@pytest.mark.parametrize("cls", CONVS)
@pytest.mark.parametrize(
    "kernel, strides, shift",
    [
        (None, 1, False),
        (None, 1, True),
        (None, 2, False),
        (None, 2, True),
        ((1, 3), 1, True),
        ((2, 1), 1, True),
        ((3, 3), 2, False),
    ],
)
def test_conv_receptive_field_is_exactly_the_documented_one(
    cls, kernel, strides, shift
):
    if cls is DownRightShiftedConv2D and kernel == (1, 3):
        kernel = (1, 2)
    kwargs = {} if kernel is None else {"kernel_size": kernel}
    layer = cls(3, strides=strides, shift=shift, **kwargs)
    shape = (5, 5, 2)
    layer(np.zeros((1,) + shape, "float32"))
    _randomize(layer)
    measured = _measured_reach(layer, shape)
    expected = _conv_reach(
        cls, layer.kernel_size, strides, shift, shape[:2], measured.shape[2:]
    )
    np.testing.assert_array_equal(measured, expected)
    assert measured.any()


def test_shifted_streams_see_only_earlier_pixels():
    # PixelCNN++'s first layers: the up stream (down shift of a 2x3
    # conv) sees rows above only; the up-left stream adds a right shift
    # of a 2x1 conv and then sees strictly earlier pixels, the pixel to
    # the left and the row above (three wide) included.
    shape = (4, 5, 2)
    up = DownShiftedConv2D(3, (2, 3), shift=True)
    left = DownRightShiftedConv2D(3, (2, 1), shift=True)
    for layer in (up, left):
        layer(np.zeros((1,) + shape, "float32"))
        _randomize(layer)
    up_reach = _measured_reach(up, shape)
    left_reach = _measured_reach(left, shape)
    for r, _, i, _ in zip(*np.nonzero(up_reach)):
        assert r < i
    for r, c, i, j in zip(*np.nonzero(left_reach)):
        assert r * shape[1] + c < i * shape[1] + j
    assert left_reach[2, 1, 2, 2] and left_reach[1, 1, 2, 2]
    assert up_reach[1, 3, 2, 2] and up_reach[0, 1, 2, 2]
    assert not up_reach[:, :, 0].any() and not left_reach[:, :, :, 0].any()


@pytest.mark.parametrize("cls", TRANSPOSED)
@pytest.mark.parametrize(
    "kernel, strides", [(None, 2), ((3, 3), 2), ((3, 5), 3)]
)
def test_transposed_receptive_field_is_exactly_the_documented_one(
    cls, kernel, strides
):
    if cls is DownRightShiftedConv2DTranspose and kernel == (3, 5):
        kernel = (3, 3)
    kwargs = {} if kernel is None else {"kernel_size": kernel}
    layer = cls(3, strides=strides, **kwargs)
    shape = (3, 3, 2)
    layer(np.zeros((1,) + shape, "float32"))
    _randomize(layer)
    measured = _measured_reach(layer, shape)
    expected = _transpose_reach(cls, layer.kernel_size, strides, shape[:2])
    np.testing.assert_array_equal(measured, expected)
    # Low-resolution (r, c) stands for (s*r, s*c): it reaches rows at or
    # below s*r only, and (down-right) columns at or right of s*c only.
    for r, c, i, j in zip(*np.nonzero(measured)):
        assert i >= strides * r
        if cls is DownRightShiftedConv2DTranspose:
            assert j >= strides * c


# ----------------------------------------------------------------------
# One position at a time
# ----------------------------------------------------------------------
@pytest.mark.parametrize("cls", CONVS)
@pytest.mark.parametrize("weight_norm", [False, True])
def test_window_output_equals_the_full_call(cls, weight_norm):
    layer = cls(4, kernel_size=(2, 3), weight_norm=weight_norm)
    x = np.random.default_rng(2).normal(size=(2, 4, 5, 3)).astype("float32")
    layer(x)
    _randomize(layer)
    full = ops.convert_to_numpy(layer(x))
    (top, _), (left, right) = layer.paddings
    padded = np.pad(x, [(0, 0), (top, 0), (left, right), (0, 0)])
    kh, kw = layer.kernel_size
    for i, j in np.ndindex(4, 5):
        window = padded[:, i : i + kh, j : j + kw]
        np.testing.assert_allclose(
            layer.window_output(window), full[:, i, j], rtol=1e-5, atol=1e-5
        )


@pytest.mark.parametrize(
    "kernel, weight_norm", [((2, 2), False), ((2, 2), True), ((3, 2), True)]
)
def test_cached_steps_equal_the_full_call_at_every_position(
    kernel, weight_norm
):
    layer = DownRightShiftedConv2D(
        4, kernel, weight_norm=weight_norm, activation="tanh"
    )
    x = np.random.default_rng(3).normal(size=(2, 3, 4, 3)).astype("float32")
    layer(x)
    _randomize(layer)
    full = ops.convert_to_numpy(layer(x))
    buffer = layer.step_buffer(2, 3, 4, 3)
    assert tuple(buffer.shape) == (2, 3 + kernel[0] - 1, 4 + kernel[1] - 1, 3)
    for row, col in np.ndindex(3, 4):
        out, buffer = layer.step(buffer, x[:, row, col], row, col)
        np.testing.assert_allclose(out, full[:, row, col], atol=1e-5)


def test_steps_refuse_shift_and_strides():
    with pytest.raises(ValueError, match="shift=False"):
        DownRightShiftedConv2D(2, shift=True).step_buffer(1, 2, 2, 1)
    with pytest.raises(ValueError, match="strides"):
        DownRightShiftedConv2D(2, strides=2).step_buffer(1, 2, 2, 1)


# ----------------------------------------------------------------------
# Weight normalization
# ----------------------------------------------------------------------
@pytest.mark.parametrize("cls", CONVS + TRANSPOSED)
def test_weight_norm_makes_the_output_invariant_to_the_kernel_scale(cls):
    x = np.random.default_rng(4).normal(size=(2, 3, 3, 2)).astype("float32")
    normed = cls(3, weight_norm=True)
    plain = cls(3)
    for layer in (normed, plain):
        layer(x)
        _randomize(layer)
    before = ops.convert_to_numpy(normed(x))
    normed.kernel.assign(normed.kernel * 7.0)
    np.testing.assert_allclose(normed(x), before, rtol=1e-5, atol=1e-5)
    # ... and g scales each filter: doubling g doubles the output minus
    # the bias.
    bias = ops.convert_to_numpy(normed.bias)
    normed.kernel_scale.assign(normed.kernel_scale * 2.0)
    np.testing.assert_allclose(
        ops.convert_to_numpy(normed(x)) - bias,
        2.0 * (before - bias),
        rtol=1e-5,
        atol=1e-5,
    )
    # Without weight norm the kernel's scale shows.
    before = ops.convert_to_numpy(plain(x))
    plain.kernel.assign(plain.kernel * 7.0)
    assert not np.allclose(plain(x), before)


def test_weight_norm_gives_unit_norm_filters_at_the_start():
    layer = DownShiftedConv2D(5, weight_norm=True)
    layer(np.zeros((1, 3, 3, 4), "float32"))
    kernel = ops.convert_to_numpy(layer.effective_kernel())
    norms = np.sqrt(np.sum(kernel**2, axis=(0, 1, 2)))
    np.testing.assert_allclose(norms, np.ones(5), rtol=1e-5)


@pytest.mark.parametrize("cls", CONVS + TRANSPOSED)
def test_data_dependent_init_normalizes_the_batch(cls):
    rng = np.random.default_rng(5)
    x = (3.0 + 2.0 * rng.normal(size=(6, 4, 5, 2))).astype("float32")
    layer = cls(3, weight_norm=True, strides=2)
    plain = cls(3, strides=2)
    with data_init_scope():
        out = ops.convert_to_numpy(layer(x))
        before = ops.convert_to_numpy(plain(x))
    flat = out.reshape(-1, 3)
    np.testing.assert_allclose(flat.mean(axis=0), 0.0, atol=1e-4)
    np.testing.assert_allclose(flat.std(axis=0), 1.0, rtol=1e-4)
    # The initialization stays; outside the scope calls change nothing.
    np.testing.assert_allclose(layer(x), out, rtol=1e-5, atol=1e-5)
    scale = ops.convert_to_numpy(layer.kernel_scale).copy()
    bias = ops.convert_to_numpy(layer.bias).copy()
    layer(2.0 * x + 1.0)
    np.testing.assert_array_equal(layer.kernel_scale, scale)
    np.testing.assert_array_equal(layer.bias, bias)
    # Without weight norm the scope does nothing.
    np.testing.assert_array_equal(plain(x), before)
    assert ops.convert_to_numpy(layer.bias).any()
    assert not ops.convert_to_numpy(plain.bias).any()


# ----------------------------------------------------------------------
# Errors
# ----------------------------------------------------------------------
@pytest.mark.parametrize(
    "factory, message",
    [
        (lambda: DownShiftedConv2D(2, (2, 2)), "odd width"),
        (lambda: DownShiftedConv2D(2, padding="same"), "padding"),
        (lambda: DownRightShiftedConv2D(2, data_format="x"), "data_format"),
        (lambda: DownShiftedConv2DTranspose(2, (2, 2)), "odd width"),
        (lambda: DownShiftedConv2DTranspose(2, (2, 1)), "covers"),
        (lambda: DownRightShiftedConv2DTranspose(2, (1, 2)), "covers"),
        (
            lambda: DownRightShiftedConv2DTranspose(2, output_padding=1),
            "output_padding",
        ),
    ],
)
def test_bad_arguments_raise_value_errors(factory, message):
    with pytest.raises(ValueError, match=message):
        factory()
