"""Probabilistic forecast of a real series with WaveNet, against naive.

Run: python examples/forecast_series.py --series co2 --holdout 104

Trains a WaveNet (mixture-of-Gaussians head on standardised values) on the
series minus its last `--holdout` values, draws 200 sample paths over the
held-out tail, prints MASE and CRPS next to the seasonal-naive forecast
and writes forecast.png.
"""

import argparse
import os

from keras_ar.data import available_series
from keras_ar.data import load_series
from keras_ar.tasks import crps_from_samples
from keras_ar.tasks import fit_series_wavenet
from keras_ar.tasks import mase
from keras_ar.tasks import seasonal_naive_forecast
from keras_ar.utils import save_forecast_plot


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--series", default="co2", choices=available_series())
    parser.add_argument("--holdout", type=int, default=104)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--out", default="runs/forecast_example")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)

    series = load_series(args.series)
    history = series.values[: -args.holdout]
    actual = series.values[-args.holdout :]
    print(f"{series.name}: {series.description}")
    model, _ = fit_series_wavenet(
        history, period=series.period, epochs=args.epochs, verbose=2
    )
    forecast = model.forecast(
        history, args.holdout, num_samples=200, seed=0, progress=True
    )
    naive = seasonal_naive_forecast(history, args.holdout, series.period)
    m = series.period
    print(
        f"MASE  WaveNet {mase(actual, forecast['median'], history, m):.3f}"
        f"  seasonal naive {mase(actual, naive, history, m):.3f}"
    )
    print(
        f"CRPS  WaveNet {crps_from_samples(actual, forecast['samples']):.3f}"
        f"  seasonal naive {crps_from_samples(actual, naive[None]):.3f}"
    )
    path = save_forecast_plot(
        history,
        forecast,
        os.path.join(args.out, "forecast.png"),
        actual=actual,
        title=f"{series.name}: WaveNet forecast",
        show_last=3 * args.holdout,
    )
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
