import argparse
import json

import numpy as np
import pytest

from keras_ar import cli
from keras_ar.cli import train_made
from keras_ar.cli import train_nade
from keras_ar.cli.common import load_model
from keras_ar.data.csv_table import read_model_rows

FAST = ["--epochs", "2", "--num-samples", "3", "--no-export", "--no-jit"]


def _train(module, argv, direct=False):
    """`keras-ar train made|nade ...` (through `cli.main` once the
    subcommand is registered, unless `direct`: errors then propagate)."""
    if module.TRAINER.name in cli.TRAINERS and not direct:
        return cli.main(["train", module.TRAINER.name] + argv)
    parser = argparse.ArgumentParser()
    module.add_arguments(parser)
    return module.run(parser.parse_args(argv))


def _write_table(path, rows=240, seed=0):
    rng = np.random.default_rng(seed)
    a = rng.normal(size=rows)
    b = 2 * a + rng.normal(scale=0.3, size=rows)
    c = rng.exponential(size=rows)
    with open(path, "w") as f:
        f.write("a,name,b,c\n")
        for i in range(rows):
            f.write(f"{a[i]:.4f},row{i},{b[i]:.4f},{c[i]:.4f}\n")


@pytest.fixture(scope="module")
def made_run(tmp_path_factory):
    """MADE on columns b and a (in that order) of a CSV with a text column."""
    root = tmp_path_factory.mktemp("made")
    data, out = root / "data.csv", root / "run"
    _write_table(data)
    argv = ["--csv", str(data), "--columns", "b,a", "--out", str(out)]
    argv += ["--hidden-units", "16", "--anomaly-quantile", "0.95"] + FAST
    assert _train(train_made, argv) == 0
    return data, out


def test_made_writes_model_metrics_plots_and_columns(made_run, capsys):
    data, out = made_run
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["model"] == "made" and metrics["columns"] == ["b", "a"]
    assert metrics["train_rows"] == 192 and metrics["test_rows"] == 48
    assert metrics["head"] == "MixtureOfGaussians (standardised)"
    assert np.isfinite(metrics["test_bits_per_dim"])
    assert metrics["anomaly_quantile"] == 0.95
    for name in ("training.png", "anomaly_scores.png"):
        assert (out / name).read_bytes()[:4] == b"\x89PNG"
    sidecar = json.loads((out / "model.columns.json").read_text())
    assert sidecar["columns"] == ["b", "a"]
    samples = np.loadtxt(out / "samples.csv", delimiter=",", skiprows=1)
    assert samples.shape == (3, 2) and np.all(np.isfinite(samples))
    assert (out / "samples.csv").read_text().startswith("b,a\n")
    # The saved threshold flags about 5% of held-out rows.
    model = load_model(str(out / "model.keras"))
    assert model.anomaly_threshold == pytest.approx(
        metrics["anomaly_threshold"]
    )
    rows = read_model_rows(str(data), str(out / "model.keras"), 2)
    np.testing.assert_allclose(
        rows[:2],
        np.loadtxt(data, delimiter=",", skiprows=1, usecols=(2, 0), max_rows=2),
        rtol=1e-6,
    )


def test_score_anomaly_round_trip(made_run, tmp_path, capsys):
    data, out = made_run
    rows = read_model_rows(str(data), str(out / "model.keras"))[:20]
    rows = np.concatenate([rows, [[-30.0, 30.0]]])  # b = 2a broken
    path = tmp_path / "rows.csv"
    np.savetxt(path, rows, delimiter=",", header="b,a", comments="")
    scores = tmp_path / "scores.csv"
    argv = ["score", str(out / "model.keras"), "--anomaly"]
    argv += ["--input", str(path), "--output", str(scores)]
    assert cli.main(argv) == 0
    lines = scores.read_text().splitlines()
    assert lines[0] == "index,anomaly_score,is_anomaly" and len(lines) == 22
    flags = [int(line.split(",")[2]) for line in lines[1:]]
    values = [float(line.split(",")[1]) for line in lines[1:]]
    assert flags[-1] == 1 and values[-1] == max(values)
    assert sum(flags[:-1]) <= 5


def test_nade_discrete_headerless_csv(tmp_path):
    rng = np.random.default_rng(1)
    x = rng.integers(0, 3, (60, 4))
    path = tmp_path / "d.csv"
    np.savetxt(path, x, delimiter=",", fmt="%d")
    out = tmp_path / "run"
    argv = ["--csv", str(path), "--out", str(out), "--hidden-units", "8"]
    assert _train(train_nade, argv + FAST + ["--val-fraction", "0.25"]) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["head"] == "Categorical(3)"
    assert metrics["columns"] == ["0", "1", "2", "3"]
    # 3 values per column: a model no worse than uniform-ish.
    assert 0 < metrics["test_bits_per_dim"] < np.log2(3) + 0.5
    samples = np.loadtxt(out / "samples.csv", delimiter=",", skiprows=1)
    assert set(np.unique(samples)) <= {0, 1, 2}


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--head", "bernoulli"], "--head bernoulli needs columns of 0/1"),
        (["--columns", "name"], "numbers in column 'name'"),
        (["--columns", "zz"], "Unknown column 'zz'"),
        (["--val-fraction", "1.5"], "--val-fraction must be in"),
        (["--anomaly-quantile", "2"], "--anomaly-quantile must be in"),
    ],
)
def test_bad_input_fails_before_training(tmp_path, extra, message):
    data = tmp_path / "data.csv"
    _write_table(data, rows=10)
    argv = ["--csv", str(data), "--out", str(tmp_path / "run")] + FAST
    with pytest.raises(ValueError, match=message):
        _train(train_made, argv + extra, direct=True)
    assert not (tmp_path / "run" / "model.keras").exists()


def test_missing_value_names_line_and_column(tmp_path):
    data = tmp_path / "gap.csv"
    data.write_text("a,b\n1,2\n3,4\n5,\n")
    argv = ["--csv", str(data), "--out", str(tmp_path / "run")] + FAST
    with pytest.raises(ValueError, match="line 4, column 'b'"):
        _train(train_made, argv, direct=True)
