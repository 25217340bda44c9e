import numpy as np
import pytest

from keras_ar.ood import mutate


def test_mutate_rate_and_value_range():
    x = np.full((400, 10, 10, 1), 3, "int32")
    y = mutate(x, 0.2, num_values=8, seed=0)
    assert y.shape == x.shape and y.dtype == x.dtype
    assert y.min() >= 0 and y.max() <= 7
    # A replaced value keeps 3 with probability 1/8: P(change) = 0.2 * 7/8.
    changed = np.mean(y != x)
    assert changed == pytest.approx(0.2 * 7 / 8, abs=0.005)
    # Replacements are uniform over 0..7 (3 also gets the unchanged ones).
    counts = np.bincount(y[y != x], minlength=8)
    assert counts[3] == 0
    others = np.delete(counts, 3) / counts.sum()
    np.testing.assert_allclose(others, 1 / 7, atol=0.01)


def test_mutate_is_seeded_and_has_edge_rates():
    x = np.random.default_rng(1).integers(0, 2, (50, 16))
    np.testing.assert_array_equal(mutate(x, 0.3, 2, 5), mutate(x, 0.3, 2, 5))
    assert np.any(mutate(x, 0.3, 2, 5) != mutate(x, 0.3, 2, 6))
    np.testing.assert_array_equal(mutate(x, 0.0, 2, 0), x)
    everything = mutate(np.zeros((20000,), "int32"), 1.0, 4, 0)
    np.testing.assert_allclose(
        np.bincount(everything) / everything.size, 0.25, atol=0.015
    )


@pytest.mark.parametrize(
    "x, rate, num_values, match",
    [
        (np.zeros(4), 1.5, 2, "rate"),
        (np.zeros(4), 0.1, 1, "num_values"),
        (np.array([0, 2]), 0.1, 2, "0..1"),
        (np.array([0.5]), 0.1, 2, "non-integer"),
    ],
)
def test_mutate_rejects_bad_input(x, rate, num_values, match):
    with pytest.raises(ValueError, match=match):
        mutate(x, rate, num_values)
