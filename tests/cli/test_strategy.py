"""`keras-ar train --strategy`: tiny runs equal one device's.

Each distributed run is a fresh process (logical CPU devices, TF_CONFIG
workers and JAX processes must be set up before TensorFlow or JAX
starts): 127.0.0.1 only, a timeout, every process killed by pid.
"""

import contextlib
import io
import json
import os
import sys

import numpy as np
import pytest
from bounded_process import run_bounded

from keras_ar import cli
from keras_ar.distribute import LocalCluster

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(__file__)))
TIMEOUT = 300
# The runs import keras_ar from this tree (not wherever pip points).
PYTHONPATH = os.pathsep.join(
    p for p in (ROOT, os.environ.get("PYTHONPATH")) if p
)
LAUNCH = (
    "import sys, keras_ar_launcher; "
    "sys.exit(keras_ar_launcher.main(sys.argv[1:]))"
)
TINY = [
    "train", "pixelcnn", "--data", "digits", "--epochs", "1",
    "--filters", "4", "--blocks", "1", "--output-filters", "8",
    "--train-size", "200", "--test-size", "50", "--num-samples", "4",
    "--no-export",
]  # fmt: skip


def _command(out, *extra):
    return [sys.executable, "-c", LAUNCH, *TINY, "--out", str(out), *extra]


def _metrics(out):
    with open(os.path.join(out, "metrics.json")) as f:
        return json.load(f)


def _one_device(out, backend):
    """The same run without a strategy (no XLA: as under a TF strategy)."""
    if backend == "tensorflow":
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            code = cli.main([*TINY, "--out", str(out), "--no-jit"])
        assert code == 0, printed.getvalue()
    else:
        _run(_command(out), {"KERAS_BACKEND": "jax"})
    return _metrics(out)


def _run(command, env):
    env = {**os.environ, **env, "PYTHONPATH": PYTHONPATH}
    for name in ("TF_CONFIG", "KERAS_DISTRIBUTION_NUM_PROCESSES"):
        env.pop(name, None)
    code, output, _ = run_bounded(
        command, TIMEOUT, env=env, cwd=ROOT, merge_output=True
    )
    assert code == 0, output[-4000:]
    return output


def _assert_same_training(many, one):
    assert many["replicas"] == 2 and one["replicas"] == 1
    for key, values in one["history"].items():
        np.testing.assert_allclose(
            many["history"][key], values, rtol=1e-4, err_msg=key
        )
    np.testing.assert_allclose(
        many["test_nll_nats"], one["test_nll_nats"], rtol=1e-4
    )


@pytest.mark.tensorflow
def test_mirrored_over_two_cpu_devices_trains_like_one_device(tmp_path):
    output = _run(
        _command(
            tmp_path / "mirrored", "--strategy", "mirrored",
            "--cpu-devices", "2",
        ),
        {"KERAS_BACKEND": "tensorflow"},
    )  # fmt: skip
    assert "strategy: mirrored, 2 replicas" in output
    many = _metrics(tmp_path / "mirrored")
    assert many["strategy"] == "mirrored"
    _assert_same_training(many, _one_device(tmp_path / "one", "tensorflow"))


CLUSTER_TIMEOUT = 120


def _cluster_run(tmp_path, kind, strategy):
    out = tmp_path / strategy
    env = {"KERAS_BACKEND": kind, "PYTHONPATH": PYTHONPATH}
    with LocalCluster(2, kind=kind, env=env) as cluster:
        results = cluster.run(
            _command(out, "--strategy", strategy), timeout=CLUSTER_TIMEOUT
        )
    for index, result in enumerate(results):
        assert f"2 replicas (this is worker {index})" in result.output
    # The chief writes OUT, the other worker OUT/worker-1.
    assert os.path.exists(out / "model.keras")
    assert os.path.exists(out / "worker-1" / "metrics.json")
    many = _metrics(out)
    assert many["strategy"] == strategy
    return many


@pytest.mark.tensorflow
def test_multi_worker_reads_tf_config_and_trains_like_one_device(tmp_path):
    many = _cluster_run(tmp_path, "tensorflow", "multi-worker")
    _assert_same_training(many, _one_device(tmp_path / "one", "tensorflow"))


def test_jax_data_parallel_processes_train_like_one_process(tmp_path):
    many = _cluster_run(tmp_path, "jax", "jax-data-parallel")
    _assert_same_training(many, _one_device(tmp_path / "one", "jax"))


@pytest.mark.parametrize(
    "extra, env, message",
    [
        (["--strategy", "multi-worker"], {}, "TF_CONFIG unset"),
        (["--cpu-devices", "2"], {}, "applies to --strategy mirrored"),
        (
            ["--strategy", "mirrored", "--cpu-devices", "0"],
            {},
            "--cpu-devices",
        ),
    ],
)
def test_bad_strategy_arguments_are_clear_errors(
    tmp_path, monkeypatch, extra, env, message
):
    monkeypatch.delenv("TF_CONFIG", raising=False)
    printed = io.StringIO()
    with contextlib.redirect_stderr(printed):
        code = cli.main([*TINY, "--out", str(tmp_path), *extra])
    assert code == 2
    assert message in printed.getvalue()


def test_a_strategy_of_the_other_backend_is_a_clear_error(tmp_path):
    import keras

    other = {"tensorflow": "jax-data-parallel", "jax": "mirrored"}
    strategy = other[keras.backend.backend()]
    printed = io.StringIO()
    with contextlib.redirect_stderr(printed):
        code = cli.main([*TINY, "--out", str(tmp_path), "--strategy", strategy])
    assert code == 2
    assert "backend" in printed.getvalue()
