"""KerasTuner's distributed mode through `keras-ar tune`: one chief (the
oracle) and two workers, as three processes on 127.0.0.1, share one
output folder; every trial is recorded and trained exactly once.

The chief polls every 20 s once the search is over and workers wait up to
an hour for a chief: every process is killed by its pid when the test
ends, whatever happens."""

import glob
import json
import os
import socket
import subprocess
import sys
import time

import keras
import numpy as np
import pytest

import keras_ar  # noqa: F401  (registers the models for load_model)

MAX_TRIALS = 4
#: Bound of the whole search (3 TensorFlow start-ups and 4 tiny trials on
#: 2 cores take about a minute).
DEADLINE_SECONDS = 300

TUNE = [
    "tune",
    "pixelcnn",
    "--data",
    "digits",
    "--max-trials",
    str(MAX_TRIALS),
    "--train-size",
    "120",
    "--val-size",
    "40",
    "--test-size",
    "30",
    "--batch-size",
    "40",
    "--set",
    "filters=2,4",
    "--set",
    "num_residual_blocks=1",
    "--set",
    "output_filters=4",
    "--set",
    "first_kernel_size=3",
]


def free_port():
    """A TCP port free on 127.0.0.1 now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(tuner_id, port, out, log_dir):
    """Starts `keras-ar tune` as KerasTuner process `tuner_id`."""
    env = dict(os.environ)
    env.pop("_KERAS_AR_LAZY_IMPORT", None)
    env.update(
        KERAS_BACKEND="tensorflow",
        KERASTUNER_TUNER_ID=tuner_id,
        KERASTUNER_ORACLE_IP="127.0.0.1",
        KERASTUNER_ORACLE_PORT=str(port),
        TF_NUM_INTEROP_THREADS="1",
        TF_NUM_INTRAOP_THREADS="1",
    )
    log = open(os.path.join(log_dir, f"{tuner_id}.log"), "w")
    code = "import sys, keras_ar_launcher; sys.exit(keras_ar_launcher.main())"
    process = subprocess.Popen(
        [sys.executable, "-c", code, *TUNE, "--output", str(out)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    log.close()
    return process


def run_search(tmp_path, tuner_ids, deadline=DEADLINE_SECONDS):
    """Runs the processes to the end (or kills them at `deadline`);
    returns `{tuner_id: (return_code, log)}`."""
    port = free_port()
    out = tmp_path / "search"
    processes = {}
    try:
        for tuner_id in tuner_ids:
            processes[tuner_id] = start(tuner_id, port, out, tmp_path)
        end = time.monotonic() + deadline
        for process in processes.values():
            process.wait(timeout=max(end - time.monotonic(), 1))
    except subprocess.TimeoutExpired:
        pass
    finally:
        for process in processes.values():
            if process.poll() is None:
                process.kill()
                process.wait()
    results = {}
    for tuner_id, process in processes.items():
        with open(tmp_path / f"{tuner_id}.log") as f:
            results[tuner_id] = (process.returncode, f.read())
    return results, out


@pytest.mark.tensorflow
def test_chief_and_two_workers(tmp_path):
    results, out = run_search(tmp_path, ["chief", "tuner0", "tuner1"])
    for tuner_id, (code, log) in results.items():
        assert code == 0, f"{tuner_id} exited with {code}:\n{log[-3000:]}"
    project = out / "tuner" / "pixelcnn"
    records = [
        json.loads(open(path).read())
        for path in glob.glob(str(project / "trial_*" / "trial.json"))
    ]
    ids = sorted(record["trial_id"] for record in records)
    assert ids == [str(i) for i in range(MAX_TRIALS)]  # each id once
    assert all(record["status"] == "COMPLETED" for record in records)
    assert all(np.isfinite(record["score"]) for record in records)
    oracle = json.loads((project / "oracle.json").read_text())
    assert sorted(oracle["start_order"]) == ids
    assert sorted(oracle["end_order"]) == ids
    assert oracle["run_times"] == {i: 1 for i in ids}
    assert oracle["ongoing_trials"] == {}
    # The workers trained every trial once between them (one epoch each:
    # one line of `fit` per trial); the chief trained nothing.
    fits = {
        tuner_id: log.count("val_bits_per_dim: ")
        for tuner_id, (_, log) in results.items()
    }
    assert fits["tuner0"] + fits["tuner1"] == MAX_TRIALS, fits
    # The chief wrote the results; the workers left them to it.
    chief_log = results["chief"][1]
    assert "best 4 trials" in chief_log
    for worker in ("tuner0", "tuner1"):
        assert "the chief writes the results" in results[worker][1]
    summary = json.loads((out / "search.json").read_text())
    assert {t["trial_id"] for t in summary["trials"]} == set(ids)
    model = keras.saving.load_model(out / "best_model.keras")
    best = min(records, key=lambda record: record["score"])
    assert summary["best_trial"] == best["trial_id"]
    assert model.filters == best["hyperparameters"]["values"]["filters"]
