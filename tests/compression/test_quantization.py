import numpy as np
import pytest

from keras_ar.compression import PRECISION
from keras_ar.compression import code_length_bits
from keras_ar.compression import quantize_log_probs


def test_tables_sum_to_the_total_and_keep_every_value():
    rng = np.random.default_rng(0)
    logits = rng.normal(scale=8.0, size=(50, 7, 256)).astype("float32")
    logits[0, 0, :] = -1e4
    logits[0, 0, 3] = 1e4  # one value takes (almost) everything
    freq = quantize_log_probs(logits)
    assert freq.dtype == np.int64
    assert np.all(freq.sum(-1) == 1 << PRECISION)
    assert freq.min() >= 1
    probs = np.exp(logits - logits.max(-1, keepdims=True))
    probs /= probs.sum(-1, keepdims=True)
    # Each frequency is within the table's rounding of its probability.
    error = np.abs(freq / float(1 << PRECISION) - probs)
    assert error.max() <= 256 / float(1 << PRECISION)


def test_deterministic_and_unnormalized_rows_are_normalized():
    log_probs = np.log([[0.5, 0.25, 0.25]])
    first = quantize_log_probs(log_probs + 3.0, precision=10)
    assert np.array_equal(first, quantize_log_probs(log_probs, precision=10))
    assert first.tolist() == [[512, 256, 256]]


def test_code_length_costs_at_most_the_rounding_over_the_model():
    rng = np.random.default_rng(1)
    logits = rng.normal(scale=3.0, size=(200, 256))
    log_probs = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    symbols = rng.integers(0, 256, 200)
    freq = quantize_log_probs(log_probs)
    exact = -np.take_along_axis(log_probs, symbols[:, None], 1)[:, 0]
    exact /= np.log(2)
    costs = [code_length_bits(f[None], s[None]) for f, s in zip(freq, symbols)]
    # Rounding down costs at most log2(1 / (1 - V / 2**P)) bits a value
    # (2.2e-5 bits for 256 values); values rarer than 2**-P cost less.
    bound = -np.log2(1 - 256 / float(1 << PRECISION))
    assert np.max(np.asarray(costs) - exact) <= bound + 1e-9
    assert code_length_bits(freq, symbols) <= exact.sum() + 200 * bound


def test_errors_name_the_problem():
    with pytest.raises(ValueError, match="NaN or infinite"):
        quantize_log_probs(np.array([[np.nan, 0.0]]))
    with pytest.raises(ValueError, match="fewer than 16 values"):
        quantize_log_probs(np.zeros((1, 16)), precision=4)
