import numpy as np
import pytest

from keras_ar.tasks import crps_from_samples
from keras_ar.tasks import mase
from keras_ar.tasks import seasonal_naive_forecast


def test_seasonal_naive_repeats_the_last_season():
    history = np.arange(10.0)
    np.testing.assert_array_equal(
        seasonal_naive_forecast(history, 5, period=3), [7, 8, 9, 7, 8]
    )
    np.testing.assert_array_equal(seasonal_naive_forecast(history, 2), [9, 9])


def test_mase_is_one_for_the_in_sample_naive_error():
    history = np.array([0.0, 2.0, 4.0, 6.0])  # naive error 2 per step
    assert mase([8.0, 10.0], [6.0, 12.0], history) == pytest.approx(1.0)
    assert mase([8.0], [8.0], history) == 0.0


def test_crps_matches_the_pairwise_definition():
    rng = np.random.default_rng(0)
    samples = rng.normal(size=(300, 4))
    actual = np.array([0.0, 1.0, -1.0, 3.0])
    brute = np.mean(
        [
            np.mean(np.abs(samples[:, j] - actual[j]))
            - 0.5
            * np.mean(np.abs(samples[:, j][:, None] - samples[:, j][None]))
            for j in range(4)
        ]
    )
    assert crps_from_samples(actual, samples) == pytest.approx(brute)
    # One sample: the mean absolute error.
    assert crps_from_samples([1.0, 2.0], [[0.0, 4.0]]) == pytest.approx(1.5)
    # A sharp forecast at the truth beats a wide one.
    wide = rng.normal(0, 5, size=(300, 4)) + actual
    sharp = rng.normal(0, 0.1, size=(300, 4)) + actual
    assert crps_from_samples(actual, sharp) < crps_from_samples(actual, wide)


def test_bad_inputs_raise_value_error():
    with pytest.raises(ValueError, match="period"):
        seasonal_naive_forecast([1.0, 2.0], 3, period=2)
    with pytest.raises(ValueError, match="same length"):
        mase([1.0, 2.0], [1.0], [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="constant"):
        mase([1.0], [1.0], [2.0, 2.0, 2.0])
    with pytest.raises(ValueError, match=r"\(num_samples, steps\)"):
        crps_from_samples([1.0, 2.0], np.zeros((5, 3)))
