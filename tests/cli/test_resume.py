import json
import os
import signal
import sys

import keras
import numpy as np
from bounded_process import run_bounded

from keras_ar import cli

# Runs `keras-ar ARGS...`; with KILL_AFTER_BATCHES=K set, the process
# SIGKILLs itself at the end of its K-th training batch (after the backup
# callback ran), i.e. in the middle of an epoch; with THEN_RUN (a JSON
# list of arguments) it then runs `keras-ar THEN_RUN...` too (one process
# fewer).
_CLI = """
import json, os, signal, sys
from keras_ar.callbacks import BackupAndRestore
kill_after = int(os.environ.get("KILL_AFTER_BATCHES", "0"))
end = BackupAndRestore.on_train_batch_end
seen = []
def on_train_batch_end(self, batch, logs=None):
    end(self, batch, logs)
    seen.append(batch)
    if len(seen) == kill_after:
        os.kill(os.getpid(), signal.SIGKILL)
BackupAndRestore.on_train_batch_end = on_train_batch_end
from keras_ar import cli
code = cli.main(sys.argv[1:])
if code == 0 and os.environ.get("THEN_RUN"):
    code = cli.main(json.loads(os.environ["THEN_RUN"]))
sys.exit(code)
"""

TINY_PIXELCNN = ["--filters", "4", "--blocks", "1", "--output-filters", "8"]


def _train_args(out):
    # 96 digits in batches of 16: 6 batches an epoch, 2 epochs.
    args = ["train", "pixelcnn", "--data", "digits", "--epochs", "2"]
    args += TINY_PIXELCNN + ["--train-size", "96", "--test-size", "16"]
    args += ["--batch-size", "16", "--val-size", "16", "--num-samples", "1"]
    return args + ["--no-export", "--seed", "3", "--out", str(out)]


def _run(args, kill_after=0, then_run=(), timeout=300):
    env = dict(os.environ, KILL_AFTER_BATCHES=str(kill_after))
    env["THEN_RUN"] = json.dumps(list(then_run))
    return run_bounded([sys.executable, "-c", _CLI, *args], timeout, env=env)


def test_train_resume_after_sigkill_ends_with_identical_weights(
    tmp_path, capsys
):
    out = tmp_path / "run"
    backup = out / "backup"
    # Backups every 4 batches; killed after batch 9 (epoch 2, batch 3):
    # the last backup is after batch 8 (epoch 2, step 2).
    args = _train_args(out) + ["--backup-steps", "4"]
    code, printed, err = _run(args, kill_after=9)
    assert code == -signal.SIGKILL, err[-3000:]
    metadata = json.loads((backup / "training_metadata.json").read_text())
    assert metadata["current"]["epoch"] == 1
    assert metadata["current"]["step"] == 2

    # Without --resume the backup is an error that says what to do.
    assert cli.main(args) == 2
    error = capsys.readouterr().err
    assert "pass --resume to continue it, or delete the folder" in error
    assert "epoch 2, step 2" in error and str(backup) in error

    # Resumed, then (same process) the uninterrupted run: the same
    # arguments, and --resume with no backup trains from the start.
    reference = tmp_path / "reference"
    then_run = _train_args(reference) + ["--resume"]
    code, printed, err = _run(args + ["--resume"], then_run=then_run)
    assert code == 0, err[-3000:]
    assert f"resuming from {backup}: epoch 2, step 2" in printed
    assert not backup.exists()  # deleted when training completed
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["resumed_from"] == {"epoch": 1, "step": 2}
    assert len(metrics["history"]["loss"]) == 1  # the resumed epoch
    assert f"no backup in {reference / 'backup'}: training from the start" in (
        printed
    )
    resumed = keras.saving.load_model(out / "model.keras")
    uninterrupted = keras.saving.load_model(reference / "model.keras")
    weights = uninterrupted.get_weights()
    assert len(weights) == len(resumed.get_weights()) > 0
    for want, got in zip(weights, resumed.get_weights()):
        np.testing.assert_array_equal(got, want)
    # Both runs end with the same epoch's logs (the restored running
    # metrics make the resumed epoch's loss the uninterrupted one's).
    reference_metrics = json.loads((reference / "metrics.json").read_text())
    assert (
        reference_metrics["history"]["loss"][1:] == metrics["history"]["loss"]
    )


def test_bad_backup_steps(tmp_path, capsys):
    args = _train_args(tmp_path) + ["--backup-steps", "-1"]
    assert cli.main(args) == 2
    assert "--backup-steps" in capsys.readouterr().err
