"""keras_ar.upstream.multi_worker_fit: the pinned workaround for
keras-team/keras#20585 (MultiWorkerMirroredStrategy + Keras 3.15 fit)."""

import os
import sys

import keras
import pytest

from keras_ar.distribute import LocalCluster
from keras_ar.upstream import multi_worker_fit

WORKER = os.path.join(os.path.dirname(__file__), "one_step_worker.py")
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(__file__)))
# The workers import keras_ar from this tree (not wherever pip points).
PYTHONPATH = os.pathsep.join(
    p for p in (ROOT, os.environ.get("PYTHONPATH")) if p
)


def test_it_is_pinned_to_keras_3_15():
    assert multi_worker_fit.is_needed("3.15.1")
    assert not multi_worker_fit.is_needed("3.16.0")
    assert multi_worker_fit.is_needed()  # the installed, pinned Keras
    assert "keras-team/keras/issues/20585" in multi_worker_fit.ISSUE_URL
    assert multi_worker_fit.ISSUE_URL in multi_worker_fit.__doc__


def test_another_keras_version_is_left_alone(monkeypatch, tf):
    monkeypatch.setattr(keras, "__version__", "3.16.0")
    monkeypatch.setitem(multi_worker_fit._state, "applied", False)
    with pytest.warns(UserWarning, match="pinned to keras==3.15"):
        assert multi_worker_fit.apply() is False
    assert not multi_worker_fit.is_applied()


def test_it_applies_on_tensorflow_only():
    if keras.backend.backend() == "tensorflow":
        assert multi_worker_fit.apply() is True
    else:
        assert multi_worker_fit.apply() is False
        assert not multi_worker_fit.is_applied()


def test_apply_patches_the_tensorflow_trainer_once(tf):
    import importlib

    trainer = importlib.import_module(multi_worker_fit._TRAINER_MODULE)
    assert multi_worker_fit.apply() is True
    patched = trainer.reduce_per_replica
    assert multi_worker_fit.apply() is True  # idempotent
    assert trainer.reduce_per_replica is patched
    assert multi_worker_fit.ISSUE_URL in patched.__doc__
    build = trainer.TensorFlowTrainer._maybe_symbolic_build
    assert multi_worker_fit.ISSUE_URL in build.__doc__
    # Off multi-worker strategies, Keras's own reduction runs: a plain
    # tensor passes through unchanged.
    value = tf.constant(3.0)
    strategy = tf.distribute.get_strategy()
    assert patched(value, strategy, "auto") is value


@pytest.mark.tensorflow
def test_a_stock_model_fails_under_multi_worker_without_it(tmp_path):
    # The upstream bug is still there on the pinned Keras: when this
    # fails, Keras has fixed it and the workaround can go.
    command = [sys.executable, WORKER, "multi-worker-keras", tmp_path]
    command.append("sequential")
    env = {"KERAS_BACKEND": "tensorflow", "PYTHONPATH": PYTHONPATH}
    with LocalCluster(2, env=env) as cluster:
        with pytest.raises(RuntimeError, match="PerReplica") as error:
            cluster.run(command, timeout=240)
    assert "failed" in str(error.value)
