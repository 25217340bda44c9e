"""Forecasting one real-valued series: a WaveNet forecaster, and forecasts
with any model in the series' units."""

import math

import keras
import numpy as np

from keras_ar.heads.mixture_of_gaussians import MixtureOfGaussians
from keras_ar.heads.standardized import Standardized
from keras_ar.models.wavenet import WaveNet
from keras_ar.tasks.forecasting import forecast
from keras_ar.utils import validation


def series_windows(values, length, max_windows=None, seed=0):
    """All sliding windows `(n, length, 1)` of a series (hop 1).

    Args:
        values: the series `(time,)`, finite.
        length: window length, `<= len(values)`.
        max_windows: keep at most this many windows (a seeded random
            subset, in time order), or `None` for all.
        seed: seed of the subset.

    Returns:
        float32 array `(n, length, 1)`.

    Example:

    >>> series_windows(np.arange(5.0), 3).shape
    (3, 3, 1)
    """
    values = np.asarray(values, "float32").reshape(-1)
    length = int(length)
    if not 1 <= length <= len(values):
        raise ValueError(
            f"`length` must be in [1, {len(values)}] (the series length). "
            f"Received: length={length}"
        )
    windows = np.lib.stride_tricks.sliding_window_view(values, length)
    if max_windows is not None and len(windows) > max_windows:
        rng = np.random.default_rng(seed)
        keep = np.sort(rng.choice(len(windows), int(max_windows), False))
        windows = windows[keep]
    return np.ascontiguousarray(windows)[..., None]


def fit_series_wavenet(
    values,
    period=1,
    epochs=30,
    batch_size=32,
    num_components=5,
    residual_channels=32,
    skip_channels=32,
    learning_rate=3e-3,
    max_windows=2048,
    difference=False,
    seed=0,
    verbose=0,
):
    """Builds and trains a WaveNet forecaster on one real-valued series.

    The receptive field is the smallest power of two plus one covering two
    seasons (at least 17 steps), the training windows are every window of
    twice that length (at most `max_windows`), and the head is a
    `Standardized` mixture of Gaussians whose statistics are fitted on the
    series, so the model works in the data's units and its forecasts and
    log-likelihoods need no rescaling (also after `save`/`load`).

    With `difference=True` the model is fitted to the first differences
    `values[1:] - values[:-1]` instead (as the `d = 1` of ARIMA): better
    for series with a trend, which a model of levels tends to
    over-extrapolate. Forecast with `forecast_series(..., difference=True)`,
    which integrates the sampled differences back to levels.

    Args:
        values: the training series `(time,)`, finite, at least 8 values.
        period: seasonal period in steps (1 if none).
        epochs: training epochs.
        batch_size: windows per batch.
        num_components: Gaussians in the mixture head.
        residual_channels: residual channels of the WaveNet.
        skip_channels: skip channels of the WaveNet.
        learning_rate: Adam learning rate.
        max_windows: at most this many training windows.
        difference: model first differences instead of levels.
        seed: seed of initialisation and window subset.
        verbose: Keras `fit` verbosity.

    Returns:
        `(model, history)`: the trained `WaveNet` and the Keras `History`.

    Raises:
        ValueError: If the series is too short or not finite.

    Example:

    >>> t = np.arange(120.0)
    >>> y = np.sin(2 * np.pi * t / 12) + 0.1 * t / 12
    >>> model, _ = fit_series_wavenet(y, period=12, epochs=1)
    >>> model.receptive_field
    33
    >>> model.forecast(y, steps=6, num_samples=10, seed=0)["median"].shape
    (6,)
    """
    values = np.asarray(values, "float64").reshape(-1)
    if len(values) < 8:
        raise ValueError(
            "A series needs at least 8 values to fit a forecaster. "
            f"Received {len(values)}."
        )
    if not np.all(np.isfinite(values)):
        raise ValueError(
            "The series contains NaN or infinite values; fill them first."
        )
    period = int(period)
    if period < 1:
        raise ValueError(f"`period` must be >= 1. Received: period={period}")
    if difference:
        values = np.diff(values)
    layers = max(4, math.ceil(math.log2(max(2 * period, 2))))
    receptive_field = 2**layers + 1
    length = min(len(values), 2 * receptive_field)
    keras.utils.set_random_seed(seed)
    head = Standardized(MixtureOfGaussians(num_components), (1,))
    head.adapt(values.reshape(-1, 1))
    model = WaveNet(
        (length, 1),
        head=head,
        residual_channels=residual_channels,
        skip_channels=skip_channels,
        num_stacks=1,
        layers_per_stack=layers,
    )
    model.compile(optimizer=keras.optimizers.Adam(learning_rate))
    windows = series_windows(values, length, max_windows, seed)
    history = model.fit(
        windows,
        epochs=epochs,
        batch_size=batch_size,
        shuffle=True,
        verbose=verbose,
    )
    return model, history


def forecast_series(
    model,
    history,
    steps,
    num_samples=200,
    quantiles=(0.1, 0.5, 0.9),
    difference=False,
    seed=None,
    progress=False,
):
    """Forecasts a series with a model from `fit_series_wavenet` (or any
    sequence model over the series' values).

    Works with any model `keras_ar.tasks.forecast` accepts: a WaveNet
    (only the last `receptive_field` values matter), or a model of
    fixed-length windows of the series, `(L,)` (MADE, NADE) or `(L, 1)`,
    which is given the last `L - steps` values as its context.

    Args:
        model: the `WaveNet` returned by `fit_series_wavenet`, or any
            model `keras_ar.tasks.forecast` accepts.
        history: the observed series `(time,)`.
        steps: number of future steps.
        num_samples: sample paths.
        quantiles: quantile levels to report.
        difference: `True` if the model was fitted with `difference=True`:
            it then continues the differences of `history`, and every path
            is integrated from the last observed value.
        seed: int or `None`.
        progress: show a progress bar.

    Returns:
        The dict of `keras_ar.tasks.forecast` for a `(time,)` context, in the
        units of the series: `"samples"` `(num_samples, steps)`,
        `"quantiles"` `(levels, steps)`, `"mean"`, `"median"`,
        `"quantile_levels"`.

    Example:

    >>> y = np.cumsum(np.ones(60))  # a straight line
    >>> model, _ = fit_series_wavenet(y, epochs=1, difference=True)
    >>> out = forecast_series(model, y, 4, num_samples=8, difference=True)
    >>> out["samples"].shape
    (8, 4)
    """
    history = np.asarray(history, "float64").reshape(-1)
    context = np.diff(history) if difference else history
    if len(context) < 1:
        raise ValueError(
            "`history` needs at least 2 values with difference=True. "
            f"Received {len(history)}."
        )
    steps = validation.check_positive_int(steps, "steps")
    if not model.variable_length:
        # A model of fixed windows sees the last values that leave room
        # for the forecast in one window.
        room = model.event_shape[0] - steps
        if room < 1:
            raise ValueError(
                f"{model.__class__.__name__} models windows of "
                f"{model.event_shape[0]} values: it can forecast at most "
                f"{model.event_shape[0] - 1} steps after one value. "
                f"Received: steps={steps}"
            )
        context = context[-room:]
    out = forecast(
        model,
        context,
        steps,
        num_samples=num_samples,
        quantiles=quantiles,
        seed=seed,
        progress=progress,
    )
    if not difference:
        return out
    paths = history[-1] + np.cumsum(out["samples"], axis=-1)
    levels = out["quantile_levels"]
    return {
        "samples": paths,
        "quantiles": np.quantile(paths, levels, axis=0),
        "mean": paths.mean(axis=0),
        "median": np.median(paths, axis=0),
        "quantile_levels": levels,
    }
