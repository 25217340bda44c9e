import keras
import numpy as np
import pytest
from keras import ops

from keras_ar.layers import CausalDilatedConv1D
from keras_ar.testing import assert_autoregressive
from keras_ar.testing import dependency_matrix


def _np(x):
    return ops.convert_to_numpy(x)


def _layer(filters, kernel_size, dilation_rate, in_channels, seed=0):
    layer = CausalDilatedConv1D(filters, kernel_size, dilation_rate)
    layer.build((None, None, in_channels))
    rng = np.random.default_rng(seed)
    for w in layer.weights:
        w.assign(rng.normal(size=w.shape).astype("float32"))
    return layer


@pytest.mark.parametrize("kernel_size, dilation", [(2, 1), (2, 4), (3, 2)])
def test_causal_by_perturbation_with_exact_taps(kernel_size, dilation):
    length, channels = 12, 2
    layer = _layer(3, kernel_size, dilation, channels)
    x = np.random.default_rng(1).normal(size=(1, length, channels))
    in_pos = np.repeat(np.arange(length)[:, None], channels, axis=1)
    out_pos = np.repeat(np.arange(length)[:, None], 3, axis=1)
    m = dependency_matrix(layer, x, in_pos, out_pos, perturb=lambda v: v + 1.0)
    assert_autoregressive(m, strict=False)  # sees x[t], never x[>t]
    expected = np.zeros_like(m)
    for t in range(length):
        for j in range(kernel_size):
            if t - j * dilation >= 0:
                expected[t - j * dilation, t] = True
    np.testing.assert_array_equal(m, expected)


@pytest.mark.parametrize(
    "kernel_size, dilation", [(1, 1), (2, 1), (2, 8), (3, 3)]
)
def test_step_equals_full_convolution(kernel_size, dilation):
    layer = _layer(4, kernel_size, dilation, 3, seed=2)
    x = np.random.default_rng(3).normal(size=(2, 20, 3)).astype("float32")
    full = _np(layer(x))
    state = layer.initial_state(2)
    assert tuple(state.shape) == (2, (kernel_size - 1) * dilation, 3)
    outputs = []
    for t in range(x.shape[1]):
        y, state = layer.step(x[:, t], state)
        outputs.append(_np(y))
    np.testing.assert_allclose(np.stack(outputs, 1), full, atol=1e-5)
    # The queue holds the last (k - 1) d inputs.
    if layer.state_size:
        np.testing.assert_array_equal(_np(state), x[:, -layer.state_size :])


@pytest.mark.parametrize(
    "kernel_size, dilation", [(1, 1), (2, 1), (2, 8), (3, 3), (4, 2)]
)
def test_ring_buffer_step_equals_full_convolution(kernel_size, dilation):
    """With `index`, the queue is a ring buffer written in one slot per
    step: same outputs as the full pass, also when it wraps around."""
    layer = _layer(4, kernel_size, dilation, 3, seed=4)
    x = np.random.default_rng(5).normal(size=(2, 30, 3)).astype("float32")
    full = _np(layer(x))
    state = layer.initial_state(2)
    outputs = []
    for t in range(x.shape[1]):
        y, state = layer.step(x[:, t], state, index=t)
        outputs.append(_np(y))
    np.testing.assert_allclose(np.stack(outputs, 1), full, atol=1e-5)
    if layer.state_size:  # the input at time s lives in slot s % size
        size = layer.state_size
        last = np.arange(x.shape[1] - size, x.shape[1])
        np.testing.assert_array_equal(_np(state)[:, last % size], x[:, last])


def test_ring_buffer_step_in_a_compiled_loop():
    layer = _layer(2, 3, 2, 1, seed=6)
    x = np.random.default_rng(7).normal(size=(1, 12, 1)).astype("float32")

    def body(t, carry):
        out, state = carry
        y, state = layer.step(ops.take(x, t, axis=1), state, t)
        return ops.slice_update(out, (0, t, 0), y[:, None]), state

    out, _ = ops.fori_loop(
        0, 12, body, (ops.zeros((1, 12, 2)), layer.initial_state(1))
    )
    np.testing.assert_allclose(_np(out), _np(layer(x)), atol=1e-5)


def test_receptive_field_and_shapes():
    layer = CausalDilatedConv1D(5, kernel_size=3, dilation_rate=4)
    assert layer.receptive_field == 9 and layer.state_size == 8
    y = layer(np.zeros((2, 7, 3), "float32"))
    assert tuple(y.shape) == (2, 7, 5)
    assert layer.compute_output_shape((2, 7, 3)) == (2, 7, 5)


def test_config_round_trip():
    layer = _layer(2, 2, 4, 3)
    clone = CausalDilatedConv1D.from_config(layer.get_config())
    clone.build((None, None, 3))
    clone.set_weights(layer.get_weights())
    x = np.random.default_rng(0).normal(size=(1, 9, 3)).astype("float32")
    np.testing.assert_array_equal(_np(clone(x)), _np(layer(x)))
    assert clone.get_config() == layer.get_config()


def test_saved_in_a_model(tmp_path):
    inputs = keras.Input((None, 2))
    outputs = CausalDilatedConv1D(3, 2, dilation_rate=2)(inputs)
    model = keras.Model(inputs, outputs)
    path = str(tmp_path / "conv.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    x = np.random.default_rng(0).normal(size=(1, 6, 2)).astype("float32")
    np.testing.assert_allclose(_np(loaded(x)), _np(model(x)), atol=1e-6)


def test_bad_inputs_raise_clear_errors():
    with pytest.raises(ValueError, match="positive int.*filters=0"):
        CausalDilatedConv1D(0, 2)
    with pytest.raises(ValueError, match="kernel_size=True"):
        CausalDilatedConv1D(2, True)
    with pytest.raises(ValueError, match="dilation_rate=1.5"):
        CausalDilatedConv1D(2, 2, dilation_rate=1.5)
    with pytest.raises(ValueError, match="must be built"):
        CausalDilatedConv1D(2, 2).initial_state(1)
    layer = _layer(2, 2, 2, 3)
    with pytest.raises(ValueError, match=r"rank 3.*Received shape \(4, 3\)"):
        layer(np.zeros((4, 3), "float32"))
    with pytest.raises(ValueError, match="built for 3 input channels"):
        layer(np.zeros((1, 4, 5), "float32"))
    state = layer.initial_state(1)
    with pytest.raises(ValueError, match="rank 2"):
        layer.step(np.zeros((1, 1, 3), "float32"), state)
    with pytest.raises(ValueError, match="last 2 inputs"):
        layer.step(np.zeros((1, 3), "float32"), np.zeros((1, 5, 3)))
