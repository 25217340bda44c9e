"""keras_ar.upstream.keras_tuner_objective: KerasTuner's string objective
"val_bits_per_dim" (keras-tuner 1.4.8 cannot infer its direction)."""

import warnings

import keras_tuner
import pytest
from keras_tuner.src.engine import metrics_tracking
from keras_tuner.src.engine.objective import create_objective

import keras_ar.tuning  # noqa: F401  (installs the workaround)
from keras_ar.tuning import MADEHyperModel
from keras_ar.upstream import keras_tuner_objective


def test_string_objective_is_minimised(tmp_path):
    tuner = keras_tuner.RandomSearch(
        MADEHyperModel((4,), search_space={"hidden_width": [4]}),
        objective="val_bits_per_dim",
        max_trials=1,
        directory=tmp_path,
    )
    assert tuner.oracle.objective.name == "val_bits_per_dim"
    assert tuner.oracle.objective.direction == "min"
    assert create_objective("bits_per_dim").direction == "min"


def test_upstream_cannot_infer_it():
    # The behaviour worked around: when this fails, upstream has fixed it
    # and the workaround can go.
    original = metrics_tracking.infer_metric_direction.__wrapped__
    assert original("val_bits_per_dim") is None


def test_other_names_are_delegated():
    infer = metrics_tracking.infer_metric_direction
    assert infer("val_accuracy") == "max"
    assert infer("val_loss") == "min"
    assert infer("val_not_a_metric") is None


def test_install_is_idempotent():
    before = metrics_tracking.infer_metric_direction
    assert keras_tuner_objective.install() is True
    assert keras_tuner_objective.install() is True
    assert metrics_tracking.infer_metric_direction is before
    original = before.__wrapped__
    assert not hasattr(original, "__wrapped__")


def test_other_version_is_left_alone(monkeypatch):
    installed = metrics_tracking.infer_metric_direction
    monkeypatch.setattr(keras_tuner, "__version__", "1.5.0")
    monkeypatch.setattr(
        metrics_tracking, "infer_metric_direction", installed.__wrapped__
    )
    with pytest.warns(UserWarning, match="keras-tuner==1.4.8"):
        assert keras_tuner_objective.install() is False
    assert metrics_tracking.infer_metric_direction is installed.__wrapped__


def test_metric_direction():
    assert keras_tuner_objective.metric_direction("bits_per_dim") == "min"
    assert keras_tuner_objective.metric_direction("val_bits_per_dim") == "min"
    assert keras_tuner_objective.metric_direction("val_val_x") is None
    assert keras_tuner_objective.metric_direction(3) is None
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        keras_tuner_objective.install()  # the pinned version: no warning
