"""Tests for keras_ar.data transforms (quantize, binarize, mu-law, ...)."""

import keras
import numpy as np
import pytest

from keras_ar.data import binarize
from keras_ar.data import dequantize
from keras_ar.data import mu_law_decode
from keras_ar.data import mu_law_encode
from keras_ar.data import quantize

ops = keras.ops


def _tensor(x):
    return ops.convert_to_tensor(np.asarray(x))


# quantize ------------------------------------------------------------------


@pytest.mark.parametrize("num_levels", [2, 4, 8, 16, 32])
def test_quantize_power_of_two_is_bit_reduction(num_levels):
    x = np.arange(256, dtype=np.uint8)
    levels = quantize(x, num_levels)
    assert levels.dtype == np.int32
    np.testing.assert_array_equal(levels, x // (256 // num_levels))


def test_quantize_float_input_and_max_value():
    x = np.array([0.0, 0.49, 0.5, 0.99, 1.0])
    np.testing.assert_array_equal(
        quantize(x, 2, max_value=1.0), [0, 0, 1, 1, 1]
    )


def test_quantize_tensor_matches_numpy():
    x = np.arange(256, dtype=np.uint8).reshape(16, 16)
    for levels in (3, 5, 8, 15, 17, 51, 85, 255, 256):
        expected = quantize(x, levels)
        result = quantize(_tensor(x), levels)
        assert keras.backend.standardize_dtype(result.dtype) == "int32"
        np.testing.assert_array_equal(ops.convert_to_numpy(result), expected)


@pytest.mark.parametrize(
    "kwargs,message",
    [
        (
            {"x": [0, 256], "num_levels": 4},
            r"\[0, 255\]; received .*\[0, 256\]",
        ),
        ({"x": [-1, 3], "num_levels": 4}, r"received values in \[-1, 3\]"),
        ({"x": [0.5, np.nan], "num_levels": 4}, "expects values in"),
        ({"x": [1, 2], "num_levels": 1}, "num_levels must be an integer >= 2"),
        ({"x": [1, 2], "num_levels": 2.0}, "num_levels must be an integer"),
        ({"x": [1], "num_levels": 2, "max_value": 0}, "max_value must be"),
        ({"x": ["a"], "num_levels": 2}, "numeric values"),
    ],
)
def test_quantize_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        quantize(**kwargs)


def test_quantize_tensor_range_error():
    with pytest.raises(ValueError, match=r"received values in \[0\.0, 300"):
        quantize(_tensor(np.array([0.0, 300.0], np.float32)), 4)


# binarize ------------------------------------------------------------------


def test_binarize_threshold():
    x = np.array([0, 127, 128, 255], np.uint8)
    np.testing.assert_array_equal(binarize(x, threshold=127), [0, 0, 1, 1])
    result = binarize(_tensor(x), threshold=127)
    np.testing.assert_array_equal(ops.convert_to_numpy(result), [0, 0, 1, 1])


def test_binarize_stochastic_seeded_and_unbiased():
    x = np.full((200, 200), 51, np.uint8)  # probability 0.2
    first = binarize(x, seed=3)
    np.testing.assert_array_equal(first, binarize(x, seed=3))
    assert not np.array_equal(first, binarize(x, seed=4))
    assert first.dtype == np.uint8 and set(np.unique(first)) == {0, 1}
    assert abs(first.mean() - 0.2) < 0.01  # std error 0.002
    # Float input in [0, 1] uses the float path.
    floats = binarize(x / 255.0, seed=3, max_value=1.0)
    assert abs(floats.mean() - 0.2) < 0.01


def test_binarize_extremes_are_deterministic():
    x = np.array([0, 255] * 500, np.uint8)
    np.testing.assert_array_equal(binarize(x, seed=0), x // 255)
    tensor = binarize(_tensor(x), seed=0)
    np.testing.assert_array_equal(ops.convert_to_numpy(tensor), x // 255)


def test_binarize_tensor_stochastic():
    x = _tensor(np.full((100, 100), 191, np.uint8))  # probability 0.749
    first = ops.convert_to_numpy(binarize(x, seed=7))
    again = ops.convert_to_numpy(binarize(x, seed=7))
    np.testing.assert_array_equal(first, again)
    assert first.dtype == np.uint8
    assert abs(first.mean() - 191 / 255) < 0.02


def test_binarize_errors():
    with pytest.raises(ValueError, match="not both"):
        binarize(np.zeros(3), seed=0, threshold=1)
    with pytest.raises(ValueError, match=r"threshold must be .*\[0, 255\]"):
        binarize(np.zeros(3), threshold=300)
    with pytest.raises(ValueError, match=r"\[0, 1.0\]; received"):
        binarize(np.array([0.0, 2.0]), max_value=1.0)


# dequantize ----------------------------------------------------------------


def test_dequantize_range_and_inverse():
    x = np.arange(256, dtype=np.uint8).repeat(50)
    y = dequantize(x, 256, seed=0)
    assert y.dtype == np.float32
    assert y.min() >= 0.0 and y.max() < 1.0
    np.testing.assert_array_equal(np.floor(y * 256).astype(np.uint8), x)
    np.testing.assert_array_equal(quantize(y, 256, max_value=1.0), x)
    np.testing.assert_array_equal(y, dequantize(x, 256, seed=0))
    # The noise is uniform within each bin: mean offset about 0.5.
    assert abs((y * 256 - x).mean() - 0.5) < 0.01


def test_dequantize_tensor():
    x = np.arange(17, dtype=np.int32).repeat(20)
    y = ops.convert_to_numpy(dequantize(_tensor(x), 17, seed=1))
    assert y.dtype == np.float32
    assert y.min() >= 0.0 and y.max() < 1.0
    np.testing.assert_array_equal(np.floor(y * 17).astype(np.int32), x)


def test_dequantize_never_reaches_one():
    y = dequantize(np.full(10000, 255, np.uint8), 256, seed=0)
    assert y.max() < 1.0


class _ConstantGenerator(np.random.Generator):
    """A Generator whose `random()` returns one value: worst-case noise."""

    def __init__(self, value):
        super().__init__(np.random.PCG64(0))
        self.value = value

    def random(self, size=None, dtype=np.float64, out=None):
        return np.full(size, self.value)


@pytest.mark.parametrize("num_levels", [3, 17, 256, 1000])
@pytest.mark.parametrize("noise", [0.0, 1 - 2**-53])
def test_dequantize_stays_in_bin(num_levels, noise):
    # Noise at the bin edges: without clamping, float32 rounding moves
    # (x + noise) / n into the neighbouring bin for many x.
    x = np.arange(num_levels)
    y = dequantize(x, num_levels, seed=_ConstantGenerator(noise))
    assert y.dtype == np.float32
    bins = np.floor(y.astype(np.float64) * num_levels)
    np.testing.assert_array_equal(bins, x)
    assert y.max() < 1.0


@pytest.mark.parametrize(
    "x,message",
    [
        ([0, 256], r"\[0, 255\]; received values in \[0, 256\]"),
        ([0.5, 1.0], "integer values"),
        ([-1], r"received values in \[-1, -1\]"),
    ],
)
def test_dequantize_errors(x, message):
    with pytest.raises(ValueError, match=message):
        dequantize(np.array(x), 256)


# mu-law --------------------------------------------------------------------


def test_mu_law_known_values():
    codes = mu_law_encode(np.array([-1.0, 0.0, 1.0]))
    assert codes.dtype == np.int32
    assert codes.tolist() == [0, 128, 255]
    np.testing.assert_allclose(mu_law_decode(np.array([0, 255])), [-1, 1])


def test_mu_law_round_trip():
    x = np.linspace(-1, 1, 20001)
    codes = mu_law_encode(x)
    assert codes.min() == 0 and codes.max() == 255
    assert len(np.unique(codes)) == 256
    error = np.abs(mu_law_decode(codes) - x)
    assert error.max() < 0.023
    # Companding: fine resolution near zero.
    assert error[np.abs(x) < 0.001].max() < 1.2e-4
    # Decoding then encoding is exact.
    np.testing.assert_array_equal(mu_law_encode(mu_law_decode(codes)), codes)


def test_mu_law_other_mu():
    x = np.linspace(-1, 1, 1001)
    codes = mu_law_encode(x, mu=15)
    assert codes.min() == 0 and codes.max() == 15
    assert np.abs(mu_law_decode(codes, mu=15) - x).max() < 0.2


def test_mu_law_tensor_matches_numpy():
    x = np.linspace(-1, 1, 1001).astype(np.float32)
    codes = mu_law_encode(_tensor(x))
    assert keras.backend.standardize_dtype(codes.dtype) == "int32"
    codes = ops.convert_to_numpy(codes)
    np.testing.assert_array_equal(codes, mu_law_encode(x))
    decoded = ops.convert_to_numpy(mu_law_decode(_tensor(codes)))
    np.testing.assert_allclose(decoded, mu_law_decode(codes), atol=1e-6)


@pytest.mark.parametrize(
    "func,x,kwargs,message",
    [
        (mu_law_encode, [0.0, 1.5], {}, r"\[-1, 1\]; received .*1\.5"),
        (mu_law_encode, [np.nan], {}, r"expects values in \[-1, 1\]"),
        (mu_law_encode, [0.0], {"mu": 0}, "mu must be an integer >= 1"),
        (mu_law_decode, [0, 256], {}, r"\[0, 255\]; received .*256"),
        (mu_law_decode, [0, 4], {"mu": 3}, r"\[0, 3\]; received"),
        (mu_law_decode, [0.5], {}, "integer values"),
    ],
)
def test_mu_law_errors(func, x, kwargs, message):
    with pytest.raises(ValueError, match=message):
        func(np.array(x), **kwargs)


def test_mu_law_tensor_errors():
    with pytest.raises(ValueError, match=r"\[-1, 1\]"):
        mu_law_encode(_tensor(np.array([2.0], np.float32)))
    with pytest.raises(ValueError, match=r"\[0, 255\]"):
        mu_law_decode(_tensor(np.array([300], np.int32)))


def test_traced_tensors_skip_value_checks(tf):
    @tf.function
    def encode(x):
        return mu_law_encode(x)

    codes = encode(tf.constant([-1.0, 0.0, 1.0]))
    assert codes.numpy().tolist() == [0, 128, 255]
