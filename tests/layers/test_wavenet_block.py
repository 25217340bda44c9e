import numpy as np
import pytest
from keras import ops

from keras_ar.layers import WaveNetBlock
from keras_ar.testing import assert_autoregressive
from keras_ar.testing import dependency_matrix

LENGTH = 10


def _np(x):
    return ops.convert_to_numpy(x)


def _block(dilation=2, kernel_size=2, global_channels=3, local_channels=2):
    block = WaveNetBlock(
        4,
        5,
        kernel_size=kernel_size,
        dilation_rate=dilation,
        global_condition_channels=global_channels,
        local_condition_channels=local_channels,
    )
    block.build((None, None, 4))
    rng = np.random.default_rng(0)
    for w in block.weights:
        w.assign(rng.normal(0, 0.8, w.shape).astype("float32"))
    return block


def _conditions(seed=1, batch=1):
    rng = np.random.default_rng(seed)
    g = rng.normal(size=(batch, 3)).astype("float32")
    local = rng.normal(size=(batch, LENGTH, 2)).astype("float32")
    return g, local


def _concat(outputs):
    residual, skip = outputs
    return ops.concatenate([residual, skip], axis=-1)


@pytest.mark.parametrize("kernel_size, dilation", [(2, 1), (2, 3), (3, 2)])
def test_block_is_causal_with_conditioning(kernel_size, dilation):
    block = _block(dilation, kernel_size)
    g, local = _conditions()
    x = np.random.default_rng(2).normal(size=(1, LENGTH, 4))
    positions = np.repeat(np.arange(LENGTH)[:, None], 4, axis=1)
    out_positions = np.repeat(np.arange(LENGTH)[:, None], 9, axis=1)
    m = dependency_matrix(
        lambda v: _concat(block(v, global_condition=g, local_condition=local)),
        x,
        positions,
        out_positions,
        perturb=lambda v: v + 1.0,
    )
    assert_autoregressive(m, strict=False)
    reach = (kernel_size - 1) * dilation
    assert block.receptive_field == reach + 1
    for t in range(reach, LENGTH):
        assert m[t - reach, t] and m[t, t]
        assert t - reach - 1 < 0 or not m[t - reach - 1, t]


def test_local_condition_acts_at_its_own_time_step():
    block = _block()
    g, local = _conditions()
    x = np.random.default_rng(3).normal(size=(1, LENGTH, 4))
    positions = np.repeat(np.arange(LENGTH)[:, None], 2, axis=1)
    out_positions = np.repeat(np.arange(LENGTH)[:, None], 9, axis=1)
    m = dependency_matrix(
        lambda c: _concat(block(x, global_condition=g, local_condition=c)),
        local,
        positions,
        out_positions,
        perturb=lambda v: v + 1.0,
    )
    np.testing.assert_array_equal(m, np.eye(LENGTH, dtype=bool))


def test_conditioning_changes_the_output():
    block = _block()
    g, local = _conditions()
    x = np.random.default_rng(4).normal(size=(1, LENGTH, 4)).astype("float32")
    base = _np(_concat(block(x, g, local)))
    other_g = _np(_concat(block(x, g + 1.0, local)))
    other_local = _np(_concat(block(x, g, local + 1.0)))
    assert not np.allclose(base, other_g)
    assert not np.allclose(base, other_local)
    # The global condition shifts every time step.
    assert np.all(np.abs(base - other_g).max(axis=-1) > 1e-4)


@pytest.mark.parametrize("ring", [False, True])
@pytest.mark.parametrize("conditioned", [False, True])
def test_step_equals_full_pass(conditioned, ring):
    if conditioned:
        block = _block(dilation=4)
        g, local = _conditions(batch=2)
    else:
        block = _block(dilation=4, global_channels=None, local_channels=None)
        g = local = None
    x = np.random.default_rng(5).normal(size=(2, LENGTH, 4)).astype("float32")
    residual, skip = block(x, g, local)
    state = block.initial_state(2)
    steps = []
    for t in range(LENGTH):
        local_t = None if local is None else local[:, t]
        index = t if ring else None
        (r, s), state = block.step(x[:, t], state, g, local_t, index)
        steps.append(np.concatenate([_np(r), _np(s)], -1))
    full = np.concatenate([_np(residual), _np(skip)], -1)
    np.testing.assert_allclose(np.stack(steps, 1), full, atol=1e-5)


def test_last_block_without_residual_projection():
    block = WaveNetBlock(4, 6, residual_output=False)
    x = np.random.default_rng(6).normal(size=(1, 5, 4)).astype("float32")
    residual, skip = block(x)
    np.testing.assert_array_equal(_np(residual), x)
    assert tuple(skip.shape) == (1, 5, 6)
    assert not any("residual" in w.path for w in block.weights)


def test_config_round_trip():
    block = _block(dilation=8, kernel_size=3)
    clone = WaveNetBlock.from_config(block.get_config())
    clone.build((None, None, 4))
    clone.set_weights(block.get_weights())
    g, local = _conditions()
    x = np.random.default_rng(7).normal(size=(1, LENGTH, 4)).astype("float32")
    np.testing.assert_array_equal(
        _np(_concat(clone(x, g, local))), _np(_concat(block(x, g, local)))
    )


def test_bad_conditions_raise_clear_errors():
    block = _block()
    g, local = _conditions()
    x = np.zeros((1, LENGTH, 4), "float32")
    with pytest.raises(ValueError, match="pass `global_condition`"):
        block(x, None, local)
    with pytest.raises(ValueError, match=r"shape \(batch, 3\).*\(1, 4\)"):
        block(x, np.zeros((1, 4), "float32"), local)
    with pytest.raises(ValueError, match=r"\(batch, time, 2\).*\(1, 10\)"):
        block(x, g, np.zeros((1, LENGTH), "float32"))
    with pytest.raises(ValueError, match="expected 10 time steps, received 5"):
        block(x, g, local[:, :5])
    plain = _block(global_channels=None, local_channels=None)
    with pytest.raises(ValueError, match="no global conditioning"):
        plain(x, g)
    with pytest.raises(ValueError, match=r"shape \(batch, time, 4\)"):
        WaveNetBlock(4, 2)(np.zeros((1, 3, 5), "float32"))
    with pytest.raises(ValueError, match="skip_channels"):
        WaveNetBlock(4, 0)
    with pytest.raises(ValueError, match="dilation_rate"):
        WaveNetBlock(4, 2, dilation_rate=1.5)
    with pytest.raises(ValueError, match="global_condition_channels"):
        WaveNetBlock(4, 2, global_condition_channels=0)
