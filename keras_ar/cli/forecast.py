"""`keras-ar forecast`: probabilistic forecasts of a CSV column."""

import csv
import json
import os
import time

from keras_ar.cli.common import echo
from keras_ar.cli.common import load_model
from keras_ar.cli.common import write_json

#: Written next to a trained model: how to use it for forecasts.
SIDECAR = "forecaster.json"


def add_arguments(parser):
    parser.add_argument("csv", help="a CSV file with a header row")
    parser.add_argument(
        "--column",
        default=None,
        help="column name or 0-based index (default: the last column)",
    )
    parser.add_argument(
        "--steps", type=int, default=None, help="steps to forecast"
    )
    parser.add_argument(
        "--period",
        type=int,
        default=1,
        help="seasonal period in steps (sizes the model; seasonal naive)",
    )
    parser.add_argument(
        "--holdout",
        type=int,
        default=0,
        help=(
            "hold out the last N values: train on the rest, forecast N "
            "steps and report MASE and CRPS next to the seasonal-naive "
            "forecast"
        ),
    )
    parser.add_argument(
        "--model",
        default=None,
        help="a trained WaveNet .keras file (default: train one)",
    )
    parser.add_argument(
        "--difference",
        action="store_true",
        help=(
            "model first differences (for series with a trend); a saved "
            "model remembers it in forecaster.json next to model.keras"
        ),
    )
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--num-samples", type=int, default=200)
    parser.add_argument(
        "--quantiles",
        type=float,
        nargs="+",
        default=[0.05, 0.5, 0.95],
        help="quantile levels (the outer two bound the plotted interval)",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="runs/forecast")


def read_column(path, column=None):
    """Reads one numeric column of a CSV with a header row.

    Empty cells and "NaN" are filled by linear interpolation.

    Args:
        path: CSV file.
        column: column name or 0-based index (int or digit string), or
            `None` for the last column.

    Returns:
        `(name, values)`: the column's header and a float64 array.

    Raises:
        ValueError: If the column is unknown or holds non-numbers.
    """
    import numpy as np

    if not os.path.exists(path):
        raise SystemExit(f"keras-ar: no such file: {path}")
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    if len(rows) < 2:
        raise ValueError(
            f"{path} needs a header row and data rows. Received "
            f"{len(rows)} row(s)."
        )
    header = [h.strip() for h in rows[0]]
    if column is None:
        index = len(header) - 1
    elif str(column) in header:
        index = header.index(str(column))
    elif str(column).isdigit() and int(column) < len(header):
        index = int(column)
    else:
        raise ValueError(
            f"Unknown column {column!r}; the CSV has columns {header}."
        )
    values = []
    for number, row in enumerate(rows[1:], start=2):
        cell = row[index].strip() if index < len(row) else ""
        try:
            values.append(float(cell) if cell else np.nan)
        except ValueError:
            raise ValueError(
                f"Column {header[index]!r} must be numeric. Received "
                f"{cell!r} on line {number}."
            ) from None
    values = np.asarray(values, "float64")
    missing = np.isnan(values)
    if missing.all():
        raise ValueError(f"Column {header[index]!r} has no values.")
    if missing.any():
        t = np.arange(len(values))
        values[missing] = np.interp(t[missing], t[~missing], values[~missing])
        echo(f"filled {int(missing.sum())} missing values by interpolation")
    return header[index], values


def run(args):
    import numpy as np

    from keras_ar.tasks import crps_from_samples
    from keras_ar.tasks import fit_series_wavenet
    from keras_ar.tasks import forecast_series
    from keras_ar.tasks import mase
    from keras_ar.tasks import seasonal_naive_forecast
    from keras_ar.utils import save_forecast_plot

    name, values = read_column(args.csv, args.column)
    holdout = int(args.holdout)
    if holdout < 0 or holdout >= len(values) - 8:
        raise ValueError(
            f"--holdout must be in [0, {len(values) - 9}] for a series of "
            f"{len(values)} values. Received {holdout}."
        )
    history = values[: len(values) - holdout]
    actual = values[len(values) - holdout :] if holdout else None
    steps = args.steps or holdout or args.period or 1
    if holdout and steps != holdout:
        raise ValueError(
            f"--steps must equal --holdout ({holdout}) when both are given. "
            f"Received --steps {steps}."
        )
    os.makedirs(args.out, exist_ok=True)
    echo(
        f"series {name!r}: {len(values)} values, training on "
        f"{len(history)}, forecasting {steps} steps"
    )
    difference = args.difference
    if args.model:
        model = load_model(args.model)
        sidecar = os.path.join(os.path.dirname(args.model), SIDECAR)
        if os.path.exists(sidecar):
            with open(sidecar) as f:
                difference = difference or json.load(f)["difference"]
    else:
        start = time.time()
        model, _ = fit_series_wavenet(
            history,
            period=args.period,
            epochs=args.epochs,
            difference=difference,
            seed=args.seed,
        )
        echo(
            f"trained WaveNet (receptive field {model.receptive_field}"
            f"{', on differences' if difference else ''}) in "
            f"{time.time() - start:.1f}s"
        )
        model.save(os.path.join(args.out, "model.keras"))
        write_json(
            os.path.join(args.out, SIDECAR),
            {"difference": difference, "period": args.period},
        )
    result = forecast_series(
        model,
        history,
        steps,
        num_samples=args.num_samples,
        quantiles=sorted(args.quantiles),
        difference=difference,
        seed=args.seed,
        progress=True,
    )
    levels = result["quantile_levels"]
    columns = ["step", "mean"] + [f"q{level:g}" for level in levels]
    table = np.column_stack(
        [np.arange(1, steps + 1), result["mean"], result["quantiles"].T]
    )
    path = os.path.join(args.out, "forecast.csv")
    np.savetxt(
        path, table, delimiter=",", header=",".join(columns), comments=""
    )
    echo(" ".join(f"{c:>10}" for c in columns))
    for row in table:
        echo(f"{int(row[0]):>10} " + " ".join(f"{v:>10.3f}" for v in row[1:]))
    echo(f"wrote {path}")
    metrics = {"column": name, "steps": steps, "forecast_csv": path}
    if actual is not None:
        naive = seasonal_naive_forecast(history, steps, args.period)
        scores = {
            "wavenet_mase": mase(
                actual, result["median"], history, args.period
            ),
            "naive_mase": mase(actual, naive, history, args.period),
            "wavenet_crps": crps_from_samples(actual, result["samples"]),
            "naive_crps": crps_from_samples(actual, naive[None]),
        }
        echo(
            f"held-out {holdout} steps: MASE wavenet "
            f"{scores['wavenet_mase']:.3f} vs seasonal naive "
            f"{scores['naive_mase']:.3f}; CRPS wavenet "
            f"{scores['wavenet_crps']:.3f} vs seasonal naive "
            f"{scores['naive_crps']:.3f}"
        )
        metrics.update(scores)
    plot = save_forecast_plot(
        history,
        result,
        os.path.join(args.out, "forecast.png"),
        actual=actual,
        title=f"{name}: WaveNet forecast",
        show_last=max(4 * steps, 3 * args.period),
    )
    if plot:
        echo(f"wrote {plot}")
    write_json(os.path.join(args.out, "metrics.json"), metrics)
    return 0
