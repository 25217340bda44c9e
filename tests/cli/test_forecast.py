import json

import numpy as np

from keras_ar import cli


def test_forecast_a_csv_column_with_holdout(tmp_path, capsys):
    t = np.arange(120)
    y = 50 + 10 * np.sin(2 * np.pi * t / 12)
    y[5] = np.nan  # filled by interpolation
    path = tmp_path / "series.csv"
    with open(path, "w") as f:
        f.write("month,sales\n")
        for i, v in enumerate(y):
            f.write(f"{i},{'' if np.isnan(v) else v}\n")
    out = tmp_path / "fc"
    args = ["forecast", str(path), "--column", "sales", "--period", "12"]
    args += ["--holdout", "12", "--epochs", "3", "--num-samples", "20"]
    args += ["--difference"]
    assert cli.main(args + ["--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "filled 1 missing values" in printed
    assert "MASE wavenet" in printed and "seasonal naive" in printed
    table = np.loadtxt(out / "forecast.csv", delimiter=",", skiprows=1)
    assert table.shape == (12, 5)  # step, mean, 3 quantiles
    assert np.all(table[:, 2] <= table[:, 3]) and np.all(
        table[:, 3] <= table[:, 4]
    )
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["wavenet_mase"] > 0 and metrics["naive_crps"] > 0
    assert (out / "forecast.png").stat().st_size > 0
    assert json.loads((out / "forecaster.json").read_text())["difference"]
    assert "on differences" in printed
    # Reuse the trained model for a forecast past the end.
    again = tmp_path / "fc2"
    args = ["forecast", str(path), "--column", "1", "--steps", "5"]
    args += ["--model", str(out / "model.keras"), "--out", str(again)]
    assert cli.main(args) == 0
    assert np.loadtxt(again / "forecast.csv", skiprows=1, delimiter=",").shape
    assert cli.main(["forecast", str(path), "--column", "price"]) == 2
    assert "columns ['month', 'sales']" in capsys.readouterr().err
