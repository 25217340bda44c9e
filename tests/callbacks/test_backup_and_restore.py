import json
import os
import signal
import sys
from pathlib import Path

import keras
import numpy as np
import pytest
from bounded_process import run_bounded

import keras_ar
from keras_ar.callbacks import BackupAndRestore
from keras_ar.callbacks import backup_files
from keras_ar.upstream import backup_and_restore as upstream

SCRIPT = Path(__file__).with_name("kill_and_resume_script.py")
# 40 examples in batches of 8: 5 batches an epoch.
X = (np.random.default_rng(0).random((40, 6)) > 0.5).astype("float32")


class Interrupt(keras.callbacks.Callback):
    """Raises at the end of the `after`-th train-function call."""

    def __init__(self, after):
        super().__init__()
        self.after = after
        self.calls = 0

    def on_train_batch_end(self, batch, logs=None):
        self.calls += 1
        if self.calls == self.after:
            raise RuntimeError("interrupted")


def _fit(callbacks=(), shuffle=True, steps_per_execution=1, x=X, epochs=2):
    keras.utils.set_random_seed(3)
    # Two masks drawn per step by the model's SeedGenerator: its state
    # must be restored too.
    model = keras_ar.models.MADE((6,), hidden_units=[8], num_masks=2)
    model.compile(
        optimizer=keras.optimizers.Adam(1e-2),
        steps_per_execution=steps_per_execution,
    )
    history = model.fit(
        x,
        batch_size=8,
        epochs=epochs,
        shuffle=shuffle,
        callbacks=list(callbacks),
        verbose=0,
    )
    return model, history.history


_REFERENCES = {}


def _reference(shuffle=True, steps_per_execution=1):
    key = (keras.backend.backend(), shuffle, steps_per_execution)
    if key not in _REFERENCES:
        model, history = _fit(
            shuffle=shuffle, steps_per_execution=steps_per_execution
        )
        _REFERENCES[key] = model.get_weights(), history
    return _REFERENCES[key]


def _crash(callback, after, **kwargs):
    with pytest.raises(RuntimeError, match="interrupted"):
        _fit([callback, Interrupt(after)], **kwargs)


def _assert_same_weights(expected, model):
    weights = model.get_weights()
    assert len(weights) == len(expected)
    for want, got in zip(expected, weights):
        np.testing.assert_array_equal(got, want)


def _differs(expected, model):
    return any(
        not np.array_equal(want, got)
        for want, got in zip(expected, model.get_weights())
    )


def test_stock_keras_replays_the_epoch_ours_resumes_exactly(tmp_path):
    expected, history = _reference()
    # Keras 3.15: a backup every 2 batches, killed after 7 (epoch 1,
    # batch 2): its last backup is after batch 6, but the restart trains
    # epoch 1 from its first batch again.
    stock = keras.callbacks.BackupAndRestore(tmp_path / "stock", save_freq=2)
    _crash(stock, 7)
    metadata = json.loads(
        (tmp_path / "stock" / "training_metadata.json").read_text()
    )
    assert metadata == {"epoch": 1, "batch": 0}  # batch 6 = epoch 1, batch 0
    model, _ = _fit([keras.callbacks.BackupAndRestore(tmp_path / "stock", 2)])
    assert _differs(expected, model)

    ours = BackupAndRestore(tmp_path / "ours", save_freq=2)
    _crash(ours, 7)
    resumed = BackupAndRestore(tmp_path / "ours", save_freq=2)
    assert resumed.resume_point() == (1, 1)
    model, resumed_history = _fit([resumed])
    _assert_same_weights(expected, model)
    # The restored running metrics give the resumed epoch the logs of
    # the uninterrupted run; the finished run deletes its backup.
    assert resumed_history["loss"] == history["loss"][1:]
    assert resumed_history["bits_per_dim"] == history["bits_per_dim"][1:]
    assert not (tmp_path / "ours").exists()
    assert resumed.resume_point() is None


@pytest.mark.parametrize(
    "save_freq, after, point",
    [(3, 8, (1, 1)), (1, 5, (0, 5))],
    ids=["every_3_steps", "last_step_of_epoch"],
)
def test_resumes_with_the_weights_of_an_uninterrupted_run(
    tmp_path, save_freq, after, point
):
    expected, _ = _reference(shuffle=False)
    _crash(BackupAndRestore(tmp_path, save_freq), after, shuffle=False)
    callback = BackupAndRestore(tmp_path, save_freq)
    assert callback.resume_point() == point
    model, history = _fit([callback], shuffle=False)
    _assert_same_weights(expected, model)
    assert len(history["loss"]) == 2 - point[0]


def test_steps_per_execution(tmp_path):
    # 4 batches an epoch, 2 per execution (an execution that ran past the
    # epoch would take the next epoch's first batch from keras_ar's
    # endless NumPy stream). A backup every 6 batches: the first at epoch
    # 1, step 2; killed after the 4th execution (epoch 1, step 4).
    x = X[:32]
    expected = _fit(x=x, steps_per_execution=2)[0].get_weights()
    callback = BackupAndRestore(tmp_path, save_freq=6)
    _crash(callback, 4, steps_per_execution=2, x=x)
    callback = BackupAndRestore(tmp_path, save_freq=6)
    assert callback.resume_point() == (1, 2)
    model, _ = _fit([callback], steps_per_execution=2, x=x)
    _assert_same_weights(expected, model)


def test_backup_layout_keeps_one_checkpoint_and_atomic_metadata(tmp_path):
    _crash(BackupAndRestore(tmp_path, 2), 7)
    metadata = json.loads((tmp_path / "training_metadata.json").read_text())
    assert metadata["current"] == {
        "epoch": 1,
        "step": 1,
        "checkpoint": "checkpoint-000003",
        "steps_per_execution": 1,
    }
    assert metadata["previous"] is None
    assert metadata["keras_version"] == keras.__version__
    assert sorted(os.listdir(tmp_path)) == [
        "checkpoint-000003",
        "training_metadata.json",
    ]
    # A later run numbers its backups after the restored one and keeps
    # the folder when asked to.
    callback = BackupAndRestore(tmp_path, 2, delete_checkpoint=False)
    _fit([callback])
    metadata = json.loads((tmp_path / "training_metadata.json").read_text())
    # Step backups only: the last is after the last batch of epoch 1.
    assert metadata["current"]["checkpoint"] == "checkpoint-000005"
    assert callback.resume_point() == (1, 5)
    assert len(os.listdir(tmp_path)) == 2


def test_torn_save_leaves_the_previous_backup(tmp_path, monkeypatch):
    expected, _ = _reference()
    write = backup_files.write_atomically
    calls = []

    def failing_write(path, text):
        calls.append(path)
        if len(calls) == 3:  # the 3rd backup: files written, not committed
            Path(f"{path}.tmp").write_text(text[:10])
            raise RuntimeError("interrupted")
        write(path, text)

    monkeypatch.setattr(backup_files, "write_atomically", failing_write)
    _crash(BackupAndRestore(tmp_path, 2), 10)
    monkeypatch.undo()
    assert (tmp_path / "checkpoint-000003").exists()  # uncommitted
    callback = BackupAndRestore(tmp_path, 2)
    assert callback.resume_point() == (0, 4)
    model, _ = _fit([callback])
    _assert_same_weights(expected, model)


@pytest.mark.parametrize("corrupted", ["model.weights.h5", "state.npz"])
def test_double_checkpoint_falls_back_to_the_previous_backup(
    tmp_path, corrupted
):
    expected, _ = _reference()
    _crash(BackupAndRestore(tmp_path, 2, double_checkpoint=True), 7)
    metadata = json.loads((tmp_path / "training_metadata.json").read_text())
    assert metadata["previous"]["checkpoint"] == "checkpoint-000002"
    newest = tmp_path / "checkpoint-000003" / corrupted
    newest.write_bytes(newest.read_bytes()[:100])  # a corrupted file
    with pytest.raises(OSError, match=corrupted):
        BackupAndRestore(tmp_path, 2)._check_readable(metadata["current"])
    callback = BackupAndRestore(tmp_path, 2, double_checkpoint=True)
    assert callback.resume_point() == (0, 4)
    model, _ = _fit([callback])
    _assert_same_weights(expected, model)


def test_other_data_or_keras_version_is_a_clear_error(tmp_path, monkeypatch):
    _crash(BackupAndRestore(tmp_path, 2), 9)  # backup at epoch 1, step 3
    with pytest.raises(ValueError, match="an epoch now has 2 batches"):
        _fit([BackupAndRestore(tmp_path, 2)], x=X[:16])
    monkeypatch.setattr(upstream.keras, "__version__", "3.16.0")
    with pytest.raises(RuntimeError, match=r"keras==3\.15\.\*.*3\.16\.0"):
        _fit([BackupAndRestore(tmp_path, 2)])
    monkeypatch.undo()
    model, _ = _fit([BackupAndRestore(tmp_path, 2)])
    _assert_same_weights(_reference()[0], model)


def test_a_keras_backup_folder_is_refused(tmp_path):
    (tmp_path / "training_metadata.json").write_text('{"epoch": 1}')
    with pytest.raises(ValueError, match="not a keras_ar backup"):
        BackupAndRestore(tmp_path).resume_point()


@pytest.mark.parametrize("save_freq", [0, -2, True, 1.5, "batch", None])
def test_bad_save_freq(save_freq):
    with pytest.raises(ValueError, match="save_freq"):
        BackupAndRestore("backup", save_freq=save_freq)
    with pytest.raises(ValueError, match="backup_dir"):
        BackupAndRestore("")


class _FakeModel:
    def __init__(self, steps_per_execution=1):
        self.steps_per_execution = steps_per_execution
        self.calls = []
        self.train_function = self.original

    def original(self, *args):
        self.calls.append(next(args[-1]))
        return {"loss": "trained"}


def test_skip_train_steps_drops_batches_then_restores_the_function():
    model = _FakeModel(steps_per_execution=2)
    skipper = upstream.SkipTrainSteps(model, 2, {"loss": 1.5}).install()
    assert model.train_function is skipper
    batches = iter(range(10))
    assert model.train_function(batches) == {"loss": 1.5}  # TensorFlow
    assert model.train_function("state", batches) == ({"loss": 1.5}, "state")
    assert model.train_function == model.original  # put back
    assert model.train_function(batches) == {"loss": "trained"}
    assert model.calls == [4]  # batches 0-3 dropped, unseen
    # Batches an epoch iterator already fetched are not fetched again.
    model = _FakeModel()
    upstream.SkipTrainSteps(model, 1).install()
    assert model.train_function([np.zeros(2)]) == {}
    # Too few batches for the skip.
    upstream.SkipTrainSteps(model, 3).install()
    batches = iter([0])
    model.train_function(batches)
    with pytest.raises(ValueError, match="more batches of this epoch"):
        model.train_function(batches)
    assert model.train_function == model.original


def test_version_pin():
    assert upstream.is_supported(keras.__version__)
    assert not upstream.is_supported("3.16.0")
    upstream.check_keras_version("3.15.9")
    with pytest.raises(RuntimeError, match="Received: keras==3.14.0"):
        upstream.check_keras_version("3.14.0")


# Kill-and-resume with SIGKILL: a subprocess kills itself mid-epoch (or
# mid-save), a second one resumes and then trains an uninterrupted model
# from the same seeds; the two final weights must be identical. The
# mid-save case also trains under MirroredStrategy (two CPU devices).


def _run(args, backend, timeout=240):
    env = dict(os.environ, KERAS_BACKEND=backend, TF_CPP_MIN_LOG_LEVEL="3")
    return run_bounded(
        [sys.executable, str(SCRIPT), *map(str, args)], timeout, env=env
    )


@pytest.mark.parametrize(
    "backend, options, kill, point",
    [
        pytest.param(
            "tensorflow",
            ["--save-freq", "epoch"],
            ["--kill-after-batches", 8],
            (1, 0),
            marks=pytest.mark.tensorflow,
            id="tensorflow-epoch-backups",
        ),
        pytest.param(
            "tensorflow",
            ["--save-freq", 2, "--shuffle", "--mirrored"],
            ["--kill-in-save", 4],
            (1, 1),
            marks=pytest.mark.tensorflow,
            id="tensorflow-mirrored-step-backups-killed-while-saving",
        ),
        pytest.param(
            "jax",
            ["--save-freq", 2, "--shuffle"],
            ["--kill-after-batches", 7],
            (1, 1),
            id="jax-step-backups",
        ),
    ],
)
def test_sigkill_and_resume_ends_with_identical_weights(
    tmp_path, backend, options, kill, point
):
    backup = tmp_path / "backup"
    options = ["--backup", backup, *options]
    code, out, err = _run([tmp_path / "killed.npz", *options, *kill], backend)
    assert code == -signal.SIGKILL, err[-3000:]
    assert "resume_point=None" in out
    assert (backup / "training_metadata.json").exists()

    resumed, reference = tmp_path / "resumed.npz", tmp_path / "reference.npz"
    args = [resumed, *options, "--reference", reference]
    code, out, err = _run(args, backend)
    assert code == 0, err[-3000:]
    assert f"resume_point={point}" in out
    assert not backup.exists()
    with np.load(resumed) as got, np.load(reference) as want:
        assert got.files == want.files and len(got.files) == 8
        for name in want.files:
            np.testing.assert_array_equal(got[name], want[name])
