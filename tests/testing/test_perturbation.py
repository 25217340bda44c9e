"""dependency_matrix: batched passes give the one-pass-per-value result."""

import keras
import numpy as np
import pytest

from keras_ar.layers import MaskedConv2D
from keras_ar.testing import assert_autoregressive
from keras_ar.testing import dependency_matrix


def _positions(height, width, channels):
    pixel = np.arange(height * width).reshape(height, width, 1)
    return np.broadcast_to(pixel, (height, width, channels))


@pytest.fixture(scope="module")
def layer():
    layer = MaskedConv2D(2, 3, "A")
    layer.build((None, 3, 4, 1))
    layer.kernel.assign(
        np.random.default_rng(1).normal(size=layer.kernel.shape)
    )
    return layer


@pytest.mark.parametrize("batch_size", [5, 64])
def test_batched_equals_one_pass_per_value(layer, batch_size):
    x = np.random.default_rng(0).normal(size=(1, 3, 4, 1))
    args = (x, _positions(3, 4, 1), _positions(3, 4, 2), lambda v: v + 1.0)
    calls = []

    def fn(v):
        calls.append(len(v))
        return layer(v)

    serial = dependency_matrix(fn, *args, batch_size=1)
    assert calls == [1] * 13  # the reference, then 12 values
    calls.clear()
    batched = dependency_matrix(fn, *args, batch_size=batch_size)
    # 12 values in passes of batch_size - 2 (a reference row first and at
    # least one copy of x last); every pass the same size.
    per_pass = min(batch_size - 2, 12)
    assert calls == [per_pass + 2] * -(-12 // per_pass)
    np.testing.assert_array_equal(batched, serial)
    assert_autoregressive(batched, strict=True)
    assert batched[0, 1] and batched[1, 4] and batched[2, 5]


def test_an_fn_for_batches_of_one_runs_one_pass_per_value(layer):
    x = np.random.default_rng(0).normal(size=(1, 3, 4, 1))
    condition = keras.ops.ones((1, 1, 1, 2))

    def one_only(v):  # reshapes to a batch of one, as some tests' fns do
        return keras.ops.reshape(layer(v) * condition, (1, 3, 4, -1))

    args = (x, _positions(3, 4, 1), _positions(3, 4, 2), lambda v: v + 1.0)
    np.testing.assert_array_equal(
        dependency_matrix(one_only, *args),
        dependency_matrix(layer, *args, batch_size=1),
    )


def test_rows_that_disagree_fall_back_to_one_pass_per_value():
    x = np.zeros((1, 3))
    calls = []

    def row_dependent(v):  # a row's output depends on where it is
        calls.append(len(v))
        return np.cumsum(v, axis=1) + 1e-3 * np.arange(len(v))[:, None]

    m = dependency_matrix(
        row_dependent, x, np.arange(3), np.arange(3), lambda v: v + 1.0
    )
    assert calls == [5, 1, 1, 1, 1]  # one batched pass refused, then serial
    np.testing.assert_array_equal(m, np.triu(np.ones((3, 3), bool)))


def test_x_must_be_one_example():
    with pytest.raises(ValueError, match=r"\(1,\) \+ input_shape.*\(2, 3\)"):
        dependency_matrix(
            lambda v: v, np.zeros((2, 3)), np.arange(3), np.arange(3), abs
        )
