import numpy as np
import pytest

from keras_ar.models import MADE
from keras_ar.models import WaveNet
from keras_ar.tasks import fit_series_wavenet
from keras_ar.tasks import forecast_series
from keras_ar.tasks import mase
from keras_ar.tasks import seasonal_naive_forecast
from keras_ar.tasks import series_windows


def test_series_windows():
    windows = series_windows(np.arange(6.0), 4)
    assert windows.shape == (3, 4, 1)
    np.testing.assert_array_equal(windows[2, :, 0], [2, 3, 4, 5])
    assert series_windows(np.arange(100.0), 5, max_windows=7).shape[0] == 7
    with pytest.raises(ValueError, match=r"\[1, 6\]"):
        series_windows(np.arange(6.0), 7)


def test_fit_learns_a_seasonal_series_in_data_units():
    t = np.arange(160)
    rng = np.random.default_rng(0)
    y = 10 + 3 * np.sin(2 * np.pi * t / 8) + rng.normal(0, 0.1, t.size)
    history, actual = y[:-16], y[-16:]
    model, fit = fit_series_wavenet(history, period=8, epochs=15)
    assert isinstance(model, WaveNet)
    assert model.receptive_field >= 16
    assert fit.history["loss"][-1] < fit.history["loss"][0]
    out = model.forecast(history, 16, num_samples=50, seed=0)
    same = forecast_series(model, history, 16, num_samples=50, seed=0)
    np.testing.assert_array_equal(same["samples"], out["samples"])
    # Works in the data's units (a Standardized head): values near 10.
    assert abs(out["median"].mean() - 10) < 1.5
    naive = seasonal_naive_forecast(history, 16, 8)
    assert mase(actual, out["median"], history, 8) < 3 * max(
        mase(actual, naive, history, 8), 0.1
    )


def test_fit_rejects_bad_series():
    with pytest.raises(ValueError, match="at least 8"):
        fit_series_wavenet(np.arange(5.0))
    with pytest.raises(ValueError, match="NaN"):
        fit_series_wavenet(np.array([1.0] * 10 + [np.nan]))
    with pytest.raises(ValueError, match="period"):
        fit_series_wavenet(np.arange(20.0), period=0)


def test_forecast_series_on_differences_continues_a_trend():
    rng = np.random.default_rng(1)
    y = 2.0 * np.arange(80) + rng.normal(0, 0.2, 80)
    model, _ = fit_series_wavenet(y, epochs=3, difference=True)
    out = forecast_series(model, y, 5, num_samples=40, seed=0, difference=True)
    assert out["samples"].shape == (40, 5)
    assert out["quantiles"].shape == (3, 5)
    # Paths are integrated from the last value and keep climbing ~2/step.
    np.testing.assert_allclose(
        out["median"] - y[-1], 2.0 * np.arange(1, 6), atol=2.5
    )
    plain = forecast_series(model, y[:40], 3, num_samples=4, seed=0)
    assert plain["samples"].shape == (4, 3)  # differences, not integrated
    with pytest.raises(ValueError, match="at least 2"):
        forecast_series(model, y[:1], 3, difference=True)


def test_forecast_series_with_a_model_of_fixed_windows():
    """Any model works: a MADE of windows of 8 values is given the last
    `8 - steps` values of the series (levels or differences)."""
    rng = np.random.default_rng(2)
    y = 5 + np.sin(np.arange(200) * 2 * np.pi / 6) + rng.normal(0, 0.05, 200)
    model = MADE((8,), head="gaussian", hidden_units=(32,))
    model.compile(optimizer="adam")
    model.fit(series_windows(y, 8)[..., 0], epochs=3, verbose=0)
    out = forecast_series(model, y, 3, num_samples=20, seed=0)
    assert out["samples"].shape == (20, 3)
    assert np.all(np.abs(out["median"] - 5) < 3)  # data units
    same = forecast_series(model, y[-5:], 3, num_samples=20, seed=0)
    np.testing.assert_array_equal(same["samples"], out["samples"])
    diffs = MADE((8,), head="gaussian", hidden_units=(8,))
    diffs.compile(optimizer="adam")
    diffs.fit(series_windows(np.diff(y), 8)[..., 0], epochs=1, verbose=0)
    out = forecast_series(diffs, y, 2, num_samples=5, difference=True)
    assert out["samples"].shape == (5, 2)
    with pytest.raises(ValueError, match="at most 7 steps"):
        forecast_series(model, y, 8)
