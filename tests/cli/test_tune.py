"""`keras-ar tune`: a tiny search on the digits, its table, plot, summary
and reloadable best model."""

import contextlib
import io
import json

import keras
import numpy as np
import pytest

from keras_ar import cli
from keras_ar import data

TINY = ["--set", "filters=2,4", "--set", "num_residual_blocks=1"]
TINY += ["--set", "output_filters=4", "--set", "first_kernel_size=3"]


def _tune(args):
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        code = cli.main(["tune", *args])
    return code, printed.getvalue()


@pytest.mark.tensorflow
def test_tune_writes_table_plot_and_best_model(tmp_path):
    out = tmp_path / "search"
    args = ["pixelcnn", "--data", "digits", "--max-trials", "2"]
    args += ["--train-size", "120", "--val-size", "40", "--test-size", "30"]
    args += ["--batch-size", "40", "--output", str(out), *TINY]
    code, printed = _tune(args)
    assert code == 0, printed
    summary = json.loads((out / "search.json").read_text())
    trials = summary["trials"]
    assert [t["trial_id"] for t in trials] == ["0", "1"]
    assert all(t["status"] == "COMPLETED" for t in trials)
    best = min(trials, key=lambda t: t["score"])
    assert summary["best_trial"] == best["trial_id"]
    assert summary["best_val_bits_per_dim"] == best["score"]
    # The table: a header, then the best trial first.
    lines = printed.splitlines()
    header = lines.index(
        next(line for line in lines if line.startswith("trial  val_bits"))
    )
    assert lines[header].split()[:3] == ["trial", "val_bits_per_dim", "filters"]
    assert lines[header + 1].split()[:2] == [
        best["trial_id"],
        f"{best['score']:.4f}",
    ]
    assert "Search: Running Trial #2" in printed  # KerasTuner's progress
    with open(out / "search.png", "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    model = keras.saving.load_model(out / "best_model.keras")
    assert model.filters == best["hyperparameters"]["filters"]
    x_test, _ = data.load("digits", split="test")
    bits = float(np.mean(model.bits_per_dim(x_test[:30])))
    np.testing.assert_allclose(bits, summary["test_bits_per_dim"], rtol=1e-4)
    # A rerun resumes the finished search: no new trial, same best model.
    code, printed = _tune(args)
    assert code == 0 and "Running Trial" not in printed, printed
    assert (
        json.loads((out / "search.json").read_text())["best_trial"]
        == (best["trial_id"])
    )


@pytest.mark.parametrize(
    "args, message",
    [
        (["--set", "filter=8"], "no hyperparameter 'filter'"),
        (["--set", "filters"], "`--set` takes NAME=V1,V2"),
        (["--val-size", "500"], "`--val-size` must be between 1 and 99"),
        (["--max-trials", "0"], "--max-trials"),
        (["--length", "16"], "`--length` is wavenet's window"),
    ],
)
def test_tune_argument_errors(args, message, tmp_path, capsys):
    base = ["pixelcnn", "--data", "digits", "--train-size", "100"]
    base += ["--output", str(tmp_path)]
    code, _ = _tune(base + args)
    assert code == 2
    assert message in capsys.readouterr().err


def test_parse_space():
    from keras_ar.cli.tune import parse_space

    assert parse_space(["a=1,2", "b=0.5", "c=true,False", "d=row"]) == {
        "a": [1, 2],
        "b": [0.5],
        "c": [True, False],
        "d": ["row"],
    }
