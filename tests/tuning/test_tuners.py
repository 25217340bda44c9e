"""Searches with KerasTuner: RandomSearch (string objective), Bayesian and
Hyperband through `make_tuner`, and the best model saved and reloaded."""

import sys

import keras
import keras_tuner
import numpy as np
import pytest

from keras_ar.tuning import OBJECTIVE
from keras_ar.tuning import ImageHyperModel
from keras_ar.tuning import MADEHyperModel
from keras_ar.tuning import best_rows
from keras_ar.tuning import make_tuner
from keras_ar.tuning import trial_rows

TINY_PIXELCNN = {
    "filters": [2, 4],
    "num_residual_blocks": [1],
    "kernel_size": [3],
    "first_kernel_size": [3],
    "output_filters": [4],
}


def _images(count=48):
    return np.random.default_rng(0).integers(0, 2, (count, 4, 4, 1))


def test_random_search_best_model_reloads(tmp_path):
    x = _images()
    tuner = keras_tuner.RandomSearch(
        ImageHyperModel(
            "pixelcnn", (4, 4, 1), head=2, search_space=TINY_PIXELCNN
        ),
        objective="val_bits_per_dim",  # a string: see keras_ar.upstream
        max_trials=2,
        seed=0,
        directory=tmp_path,
        project_name="search",
    )
    tuner.search(
        x[:32], validation_data=x[32:], epochs=1, batch_size=16, verbose=0
    )
    rows = trial_rows(tuner.oracle)
    assert [row["trial_id"] for row in rows] == ["0", "1"]
    assert all(row["status"] == "COMPLETED" for row in rows)
    # The two trials searched both widths (the only other hyperparameter is
    # the learning rate).
    assert {row["hyperparameters"]["filters"] for row in rows} <= {2, 4}
    best_trial = tuner.oracle.get_best_trials(1)[0]
    assert best_rows(rows, 1)[0]["trial_id"] == best_trial.trial_id
    assert best_trial.score == min(row["score"] for row in rows)
    best = tuner.get_best_models(1)[0]
    assert best.filters == best_trial.hyperparameters.get("filters")
    # The best model scores the validation data as it did in its trial.
    bits = float(np.mean(best.bits_per_dim(x[32:])))
    np.testing.assert_allclose(bits, best_trial.score, rtol=1e-4)
    path = tmp_path / "best.keras"
    best.save(path)
    loaded = keras.saving.load_model(path)
    np.testing.assert_allclose(
        loaded.log_prob(x[32:]), best.log_prob(x[32:]), rtol=1e-6, atol=1e-5
    )


@pytest.mark.parametrize("kind", ["bayesian", "hyperband"])
def test_make_tuner_searches(kind, tmp_path):
    x = np.random.default_rng(0).integers(0, 2, (48, 6))
    hypermodel = MADEHyperModel(
        (6,), search_space={"num_hidden_layers": [1], "hidden_width": [4, 8]}
    )
    tuner = make_tuner(
        hypermodel,
        kind,
        max_trials=2,
        directory=tmp_path,
        max_epochs=2,
        seed=0,
    )
    assert tuner.oracle.objective == OBJECTIVE
    tuner.search(
        x[:32], validation_data=x[32:], epochs=1, batch_size=16, verbose=0
    )
    rows = trial_rows(tuner.oracle)
    assert len(rows) == 2
    assert all(row["status"] == "COMPLETED" for row in rows)
    assert all(np.isfinite(row["score"]) for row in rows)
    if kind == "hyperband":
        assert all(row["hyperparameters"]["epochs"] >= 1 for row in rows)


def test_make_tuner_checks_its_arguments(tmp_path):
    hypermodel = MADEHyperModel((4,))
    with pytest.raises(ValueError, match="`tuner` must be one of"):
        make_tuner(hypermodel, "grid", directory=tmp_path)
    with pytest.raises(ValueError, match="`max_trials` must be an integer"):
        make_tuner(hypermodel, max_trials=0, directory=tmp_path)


def test_a_worker_never_overwrites(tmp_path, monkeypatch):
    hypermodel = MADEHyperModel((4,), search_space={"hidden_width": [4]})
    project = tmp_path / "search"
    project.mkdir()
    (project / "keep.txt").write_text("the chief's records")
    monkeypatch.setenv("KERASTUNER_ORACLE_IP", "127.0.0.1")
    monkeypatch.setenv("KERASTUNER_ORACLE_PORT", "1")
    monkeypatch.setenv("KERASTUNER_TUNER_ID", "tuner0")
    make_tuner(hypermodel, directory=tmp_path, overwrite=True)
    assert (project / "keep.txt").exists()
    monkeypatch.delenv("KERASTUNER_ORACLE_IP")
    make_tuner(hypermodel, directory=tmp_path, overwrite=True)
    assert not (project / "keep.txt").exists()


def test_seed_zero_is_a_seed(tmp_path):
    hypermodel = MADEHyperModel((4,), search_space={"hidden_width": [4]})
    first = make_tuner(hypermodel, directory=tmp_path / "a", seed=0)
    second = make_tuner(hypermodel, directory=tmp_path / "b", seed=0)
    assert first.oracle.seed == second.oracle.seed == 1
    assert (
        make_tuner(hypermodel, directory=tmp_path / "c", seed=4).oracle.seed
        == 5
    )


@pytest.mark.tensorflow
def test_missing_tensorboard_fails_early(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "tensorboard", None)
    for name in [m for m in sys.modules if m.startswith("tensorboard.")]:
        monkeypatch.delitem(sys.modules, name)
    hypermodel = MADEHyperModel((4,), search_space={"hidden_width": [4]})
    with pytest.raises(ImportError, match="pip install tensorboard"):
        make_tuner(hypermodel, directory=tmp_path)
