"""One step on two replicas equals one step on one device.

For PixelCNN, WaveNet, MADE and a stock `keras.Sequential`: the same
initial weights (written by the one-device run, loaded by the others),
the same global batch of 8, one SGD step. Compared: the loss `fit`
reports and every weight after the step. A loss that is not divided
across replicas shows up as a step twice too long.

Every run is a fresh process (logical CPU devices and multi-worker
strategies must be set up before TensorFlow or JAX starts): 127.0.0.1
only, bounded by a timeout, every process killed by pid at the end.
"""

import os
import sys

import numpy as np
import pytest
from bounded_process import run_bounded

from keras_ar.distribute import LocalCluster

WORKER = os.path.join(os.path.dirname(__file__), "one_step_worker.py")
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(__file__)))
# The workers import keras_ar from this tree (not wherever pip points).
PYTHONPATH = os.pathsep.join(
    p for p in (ROOT, os.environ.get("PYTHONPATH")) if p
)
MODELS = ("pixelcnn", "wavenet", "made", "sequential")
TIMEOUT = 300


def _run_one(strategy, workdir, backend):
    """One process; killed by pid if it outlives TIMEOUT."""
    env = {**os.environ, "KERAS_BACKEND": backend, "PYTHONPATH": PYTHONPATH}
    for name in ("TF_CONFIG", "KERAS_DISTRIBUTION_NUM_PROCESSES"):
        env.pop(name, None)
    command = [sys.executable, WORKER, strategy, workdir, ",".join(MODELS)]
    code, output, _ = run_bounded(command, TIMEOUT, env=env, merge_output=True)
    assert code == 0, output[-4000:]


def _run_cluster(strategy, workdir, kind):
    command = [sys.executable, WORKER, strategy, workdir, ",".join(MODELS)]
    env = {"KERAS_BACKEND": kind, "PYTHONPATH": PYTHONPATH}
    with LocalCluster(2, kind=kind, env=env) as cluster:
        cluster.run(command, timeout=TIMEOUT)


@pytest.fixture(scope="module")
def tf_runs(tmp_path_factory):
    """The one-device step, then the MirroredStrategy step."""
    workdir = str(tmp_path_factory.mktemp("tf_steps"))
    _run_one("none", workdir, "tensorflow")
    _run_one("mirrored", workdir, "tensorflow")
    return workdir


@pytest.fixture(scope="module")
def multi_worker_runs(tf_runs):
    _run_cluster("multi-worker", tf_runs, "tensorflow")
    return tf_runs


@pytest.fixture(scope="module")
def jax_runs(tmp_path_factory):
    """The one-process JAX step, then two JAX processes."""
    workdir = str(tmp_path_factory.mktemp("jax_steps"))
    _run_one("none", workdir, "jax")
    _run_cluster("jax-data-parallel", workdir, "jax")
    return workdir


def _load(workdir, tag):
    with np.load(os.path.join(workdir, f"{tag}.npz")) as f:
        return {k: f[k] for k in f.files}


def assert_same_step(workdir, tag, model):
    """The distributed step `tag` equals the one-device step."""
    one = _load(workdir, f"none-{model}")
    many = _load(workdir, tag)
    assert int(one["replicas"]) == 1
    assert int(many["replicas"]) == 2
    count = len([k for k in one if k.startswith("after_")])
    moved = 0.0
    for i in range(count):
        # Same start (the weights file), then the same step.
        np.testing.assert_array_equal(many[f"before_{i}"], one[f"before_{i}"])
        np.testing.assert_allclose(
            many[f"after_{i}"],
            one[f"after_{i}"],
            rtol=1e-5,
            atol=1e-6,
            err_msg=f"{tag}: weight {i} after one step",
        )
        step = np.abs(one[f"after_{i}"] - one[f"before_{i}"]).max()
        moved = max(moved, float(step))
    assert moved > 1e-3  # the step is large enough to catch a 2x error
    np.testing.assert_allclose(many["loss"], one["loss"], rtol=1e-5)


@pytest.mark.tensorflow
@pytest.mark.parametrize("model", MODELS)
def test_mirrored_strategy_step_equals_one_device(tf_runs, model):
    assert_same_step(tf_runs, f"mirrored-{model}", model)


@pytest.mark.tensorflow
@pytest.mark.parametrize("model", MODELS)
def test_multi_worker_step_equals_one_device(multi_worker_runs, model):
    for worker in (0, 1):
        assert_same_step(
            multi_worker_runs, f"multi-worker-{model}.{worker}", model
        )


@pytest.mark.parametrize("model", MODELS)
def test_jax_data_parallel_processes_step_equals_one_process(jax_runs, model):
    for process in (0, 1):
        assert_same_step(
            jax_runs, f"jax-data-parallel-{model}.{process}", model
        )
