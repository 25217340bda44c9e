"""Forecast accuracy: MASE, CRPS and the seasonal-naive baseline."""

import numpy as np


def _check_period(period, history):
    period = int(period)
    if period < 1 or period >= len(history):
        raise ValueError(
            "`period` must be in [1, len(history) - 1] = "
            f"[1, {len(history) - 1}]. Received: period={period}"
        )
    return period


def seasonal_naive_forecast(history, steps, period=1):
    """Repeats the last season of `history` for `steps` steps.

    With `period=1` this is the naive (last value) forecast.

    Args:
        history: observed values `(time,)`.
        steps: number of future steps.
        period: season length in steps.

    Returns:
        `(steps,)` float64 forecast.

    Example:

    >>> seasonal_naive_forecast([1, 2, 3, 4], 3, period=2).tolist()
    [3.0, 4.0, 3.0]
    """
    history = np.asarray(history, "float64").reshape(-1)
    period = _check_period(period, history)
    last = history[-period:]
    return np.resize(last, int(steps))


def mase(actual, forecast, history, period=1):
    """Mean absolute scaled error (Hyndman & Koehler, 2006).

    The forecast's mean absolute error divided by the in-sample mean
    absolute error of the seasonal-naive forecast on `history`. Below 1:
    better than the in-sample seasonal-naive forecast.

    Args:
        actual: true future values `(steps,)`.
        forecast: point forecast `(steps,)`.
        history: the training series the scale is computed on.
        period: season length of the naive scale.

    Returns:
        A float.

    Raises:
        ValueError: If shapes differ or the history is constant.

    Example:

    >>> mase([3, 4], [3, 5], history=[1, 2, 3, 4, 5], period=1)
    0.5
    """
    actual = np.asarray(actual, "float64").reshape(-1)
    forecast = np.asarray(forecast, "float64").reshape(-1)
    if actual.shape != forecast.shape:
        raise ValueError(
            f"`actual` and `forecast` must have the same length. Received "
            f"{actual.shape[0]} and {forecast.shape[0]}."
        )
    history = np.asarray(history, "float64").reshape(-1)
    period = _check_period(period, history)
    scale = np.mean(np.abs(history[period:] - history[:-period]))
    if scale == 0:
        raise ValueError("MASE is undefined: the seasonal history is constant.")
    return float(np.mean(np.abs(actual - forecast)) / scale)


def crps_from_samples(actual, samples):
    """Continuous ranked probability score of sample paths (lower is better).

    Uses the energy form `E|X - y| - E|X - X'| / 2`, averaged over steps,
    with `X, X'` drawn from the samples (Gneiting & Raftery, 2007). For a
    point forecast (one sample) it equals the mean absolute error.

    Args:
        actual: true values `(steps,)`.
        samples: sample paths `(num_samples, steps)`.

    Returns:
        A float, in the units of the data.

    Example:

    >>> crps_from_samples([0.0], [[0.0]])
    0.0
    """
    actual = np.asarray(actual, "float64").reshape(-1)
    samples = np.asarray(samples, "float64")
    if samples.ndim == 1:
        samples = samples[:, None]
    if samples.ndim != 2 or samples.shape[1] != actual.shape[0]:
        raise ValueError(
            "`samples` must have shape (num_samples, steps) with steps = "
            f"{actual.shape[0]}. Received shape {samples.shape}."
        )
    term1 = np.mean(np.abs(samples - actual[None]), axis=0)
    # E|X - X'| from sorted samples in O(n log n) per step.
    n = samples.shape[0]
    ordered = np.sort(samples, axis=0)
    weights = (2 * np.arange(1, n + 1) - n - 1)[:, None]
    term2 = 2 * np.sum(weights * ordered, axis=0) / (n * n)
    return float(np.mean(term1 - 0.5 * term2))
