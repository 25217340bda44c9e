import keras
import numpy as np
import pytest

from keras_ar.layers import RowLSTM
from keras_ar.layers import channel_groups_of
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


def _pixel_dependencies(layer, shape, draws=3):
    """`m[a, b]`: perturbing input pixel `a` moves output pixel `b`."""
    height, width, channels = shape
    pixels = np.arange(height * width).reshape(height, width)
    inputs = np.broadcast_to(pixels[..., None], shape)
    outputs = np.broadcast_to(pixels[..., None], (height, width, layer.units))
    matrix = None
    for seed in range(draws):
        x = np.random.default_rng(seed).normal(size=(1,) + shape)
        m = dependency_matrix(
            _compiled(layer, x.shape[1:]), x, inputs, outputs, lambda v: v + 1.0
        )
        matrix = m if matrix is None else matrix | m
    return matrix


def test_output_shape():
    layer = RowLSTM(6, 5, channel_groups=3)
    y = layer(np.zeros((2, 4, 7, 3), "float32"))
    assert tuple(y.shape) == (2, 4, 7, 6)
    assert layer.compute_output_shape((None, 4, 7, 3)) == (None, 4, 7, 6)


@pytest.mark.parametrize("mask_type", ["A", "B"])
@pytest.mark.parametrize("kernel_size", [3, 5])
def test_triangular_receptive_field(mask_type, kernel_size):
    height, width = 4, 9
    layer = RowLSTM(4, kernel_size, mask_type)
    layer(np.zeros((1, height, width, 1), "float32"))
    _randomize(layer)
    m = _pixel_dependencies(layer, (height, width, 1))
    assert_autoregressive(m, strict=mask_type == "A")
    half, (row, col) = kernel_size // 2, (3, 4)
    # Own row: the k-wide input mask (`j - half .. j`, `.. j - 1` for mask
    # A). Row `row - d`: the states of columns `j - d * half .. j + d *
    # half` (in the image) and, through the input mask, `half` further to
    # the left; with mask A the input right of the last state is unseen.
    last = 0 if mask_type == "B" else 1
    expected = np.zeros((height, width), bool)
    expected[row, max(0, col - half) : col + 1 - last] = True
    for d in range(1, row + 1):
        lo = col - (d + 1) * half
        hi = min(width - 1, col + d * half) - last
        expected[row - d, max(0, lo) : hi + 1] = True
    got = m[:, row * width + col].reshape(height, width)
    np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("mask_type", ["A", "B"])
def test_rgb_channel_groups(mask_type):
    layer = RowLSTM(6, 3, mask_type, channel_groups=3)
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
    assert m[3 * 3 + 2, p]  # the previous pixel, whole


@pytest.mark.parametrize("groups, mask_type", [(1, "B"), (3, "A")])
def test_pixel_step_equals_the_full_layer(groups, mask_type):
    layer = RowLSTM(6, 3, mask_type, groups)
    x = np.random.default_rng(2).normal(size=(2, 3, 5, 3)).astype("float32")
    layer(x)
    _randomize(layer)
    full = keras.ops.convert_to_numpy(layer(x))
    state, weights = layer.empty_state(2, 5), layer.step_weights()
    for row in range(3):
        if row:
            state = layer.next_row(state)
        for col in range(5):
            out, state = layer.pixel_step(state, x[:, row, col], col, weights)
            np.testing.assert_allclose(out, full[:, row, col], atol=1e-5)


def test_config_round_trip():
    layer = RowLSTM(6, 5, "A", channel_groups=3, name="row")
    config = layer.get_config()
    assert config["units"] == 6 and config["kernel_size"] == 5
    restored = RowLSTM.from_config(config)
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
        ({"units": 0}, "units"),
        ({"units": 4, "kernel_size": 4}, "odd"),
        ({"units": 4, "mask_type": "C"}, "mask_type"),
    ],
)
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        RowLSTM(**kwargs)
