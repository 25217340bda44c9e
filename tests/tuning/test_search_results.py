"""Rows, table and plot of a search's trials."""

import types

import keras_tuner

from keras_ar.tuning import best_rows
from keras_ar.tuning import format_table
from keras_ar.tuning import save_search_plot
from keras_ar.tuning import trial_rows


def _oracle(scores):
    trials = {}
    for i, score in enumerate(scores):
        hp = keras_tuner.HyperParameters()
        hp.Fixed("filters", 8 * (i + 1))
        hp.values["tuner/epochs"] = 2
        hp.values["tuner/round"] = 0
        trial = keras_tuner.engine.trial.Trial(
            hp,
            trial_id=str(i),
            status="COMPLETED" if score is not None else "FAILED",
        )
        trial.score = score
        trial.best_step = 0
        trials[str(i)] = trial
    return types.SimpleNamespace(trials=trials)


def test_rows_in_trial_order_and_best_first():
    scores = [0.9, 0.5, None, 0.7, 0.6, 0.8, 0.95, 1.0, 0.4, 0.55, 0.65]
    rows = trial_rows(_oracle(scores))
    # Trial ids sort as numbers ("10" after "9").
    assert [row["trial_id"] for row in rows] == [str(i) for i in range(11)]
    assert rows[2]["status"] == "FAILED" and rows[2]["score"] is None
    # Hyperband's bookkeeping is dropped but its epochs.
    assert rows[0]["hyperparameters"] == {"filters": 8, "epochs": 2}
    assert [row["trial_id"] for row in best_rows(rows, 3)] == ["8", "1", "9"]


def test_table():
    rows = best_rows(trial_rows(_oracle([0.9, 0.5])))
    lines = format_table(rows).splitlines()
    assert lines[0].split() == [
        "trial",
        "val_bits_per_dim",
        "filters",
        "epochs",
    ]
    assert lines[1].split() == ["1", "0.5000", "16", "2"]
    assert lines[2].split() == ["0", "0.9000", "8", "2"]


def test_plot(tmp_path):
    rows = trial_rows(_oracle([0.9, None, 0.5]))
    path = save_search_plot(rows, tmp_path / "search.png", title="t")
    with open(path, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"


def test_columns_follow_the_search_space():
    oracle = _oracle([0.5])
    hp = oracle.trials["0"].hyperparameters
    hp.values = {"learning_rate": 0.01, "filters": 8}  # a worker's order
    space = keras_tuner.HyperParameters()
    space.Fixed("filters", 8)
    space.Fixed("learning_rate", 0.01)
    oracle.hyperparameters = space
    assert list(trial_rows(oracle)[0]["hyperparameters"]) == [
        "filters",
        "learning_rate",
    ]
