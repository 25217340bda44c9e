"""BackupAndRestore: fault-tolerant `fit` that resumes at the exact step."""

import json
import os
import shutil
import tempfile
import zipfile

import keras
import numpy as np

from keras_ar.callbacks import backup_files
from keras_ar.distribute import is_chief
from keras_ar.upstream import backup_and_restore as upstream

#: The backup format this callback writes and reads.
FORMAT = 1
METADATA_FILE = "training_metadata.json"
WEIGHTS_FILE = "model.weights.h5"
STATE_FILE = "state.npz"
CHECKPOINT_PREFIX = "checkpoint-"


class BackupAndRestore(keras.callbacks.BackupAndRestore):
    """Backs up training and resumes it where it stopped, to the step.

    A drop-in for `keras.callbacks.BackupAndRestore` (same arguments) that
    makes a killed-and-restarted `fit` end with exactly the weights of an
    uninterrupted one, with epoch backups and with step backups:

    - a backup holds the model's weights and optimizer state
      (`model.save_weights`), the state `save_weights` leaves out (the
      `SeedGenerator` states, e.g. MADE's per-step mask draws, and the
      running metrics of the epoch) and `(epoch, step)`, the first batch
      not yet trained;
    - it is written atomically: each backup goes to a new
      `checkpoint-NNNNNN/` folder and `training_metadata.json`, replaced
      atomically (`os.replace`) after the files are synced, names the
      one to restore; a SIGKILL during a save leaves the previous backup;
    - on restart, `fit` resumes at `epoch` and does not train on the
      first `step` batches of it: they are taken from the data and
      dropped, so every batch is trained on exactly once (Keras 3.15
      replays the epoch from its first batch: see
      `keras_ar/upstream/backup_and_restore.py`);
    - `resume_point()` reads `(epoch, step)` before `fit` starts: a
      keras_ar model's `fit` starts its NumPy data stream at that epoch,
      so the resumed epoch has the batch order of the uninterrupted run.

    The data must be the same, in the same order, as in the interrupted
    run: a keras_ar model fitted on NumPy arrays (shuffled or not), or a
    dataset whose order does not depend on the process. The backup
    folder is deleted when `fit` completes (unless
    `delete_checkpoint=False`). With several workers (TensorFlow
    `TF_CONFIG`, JAX processes) every worker saves (a collective
    operation) but only the chief's copy (worker 0, process 0) is kept;
    every worker restores from `backup_dir`, which must be shared.

    Args:
        backup_dir: folder of the backups (created; used by this callback
            only).
        save_freq: `"epoch"` (a backup after every epoch) or an int `N`:
            a backup every `N` batches (counted across epochs).
        double_checkpoint: keep the previous backup too; if the newest
            one cannot be read, training resumes from the previous one.
        delete_checkpoint: delete `backup_dir` when `fit` completes.

    Example:

    >>> import numpy as np, tempfile
    >>> import keras_ar
    >>> x = (np.random.rand(32, 6) > 0.5).astype("float32")
    >>> model = keras_ar.models.MADE((6,), hidden_units=[8])
    >>> model.compile(optimizer="adam")
    >>> backup = keras_ar.callbacks.BackupAndRestore(
    ...     tempfile.mkdtemp(), save_freq=2
    ... )
    >>> backup.resume_point() is None  # nothing to resume
    True
    >>> _ = model.fit(x, batch_size=8, epochs=2, callbacks=[backup],
    ...               verbose=0)
    """

    def __init__(
        self,
        backup_dir,
        save_freq="epoch",
        double_checkpoint=False,
        delete_checkpoint=True,
    ):
        if save_freq != "epoch" and (
            isinstance(save_freq, bool)
            or not isinstance(save_freq, int)
            or save_freq < 1
        ):
            raise ValueError(
                "`save_freq` must be 'epoch' or a positive int (batches "
                f"between backups). Received: save_freq={save_freq!r}"
            )
        if not backup_dir:
            raise ValueError(
                "`backup_dir` must name a folder. Received: "
                f"backup_dir={backup_dir!r}"
            )
        super().__init__(
            os.fspath(backup_dir),
            save_freq=save_freq,
            double_checkpoint=double_checkpoint,
            delete_checkpoint=delete_checkpoint,
        )
        self._metadata_path = os.path.join(self.backup_dir, METADATA_FILE)
        self._restored = None
        self._metric_values = None
        self._skipper = None
        self._skip_steps = 0
        self._epoch = 0
        self._step_in_epoch = 0
        self._batches_since_save = 0
        self._sequence = 0
        self._set_initial_epoch = False

    # -- Reading ----------------------------------------------------------

    def resume_point(self):
        """Where `fit` will resume: `(epoch, step)` or `None`.

        Returns:
            `(epoch, step)` (ints): training resumes at batch `step` of
            epoch `epoch` (0-based; `step` 0 is an epoch boundary), or
            `None` when `backup_dir` holds no backup.
        """
        record = self._select()
        if record is None:
            return None
        return int(record["epoch"]), int(record["step"])

    def _read_metadata(self):
        if not os.path.exists(self._metadata_path):
            return None
        with open(self._metadata_path) as f:
            text = f.read()
        try:
            metadata = json.loads(text)
        except ValueError:
            metadata = None
        if not isinstance(metadata, dict) or metadata.get("format") != FORMAT:
            raise ValueError(
                f"{self._metadata_path} is not a keras_ar backup (format "
                f"{FORMAT}; Keras's own BackupAndRestore writes another): "
                "delete the folder to start over, or pass another "
                f"`backup_dir`. Received: {text[:200]!r}"
            )
        return metadata

    def _select(self):
        """The newest readable record of the metadata, or `None`."""
        metadata = self._read_metadata()
        if metadata is None:
            return None
        records = [metadata["current"], metadata.get("previous")]
        records = [r for r in records if r is not None]
        errors = []
        for record in records:
            try:
                self._check_readable(record)
            except OSError as error:
                errors.append(f"{record['checkpoint']}: {error}")
                continue
            return dict(record, sequence=int(metadata["sequence"]))
        raise OSError(
            f"No readable backup in {self.backup_dir}: "
            + "; ".join(errors)
            + ". Delete the folder to start over."
        )

    def _check_readable(self, record):
        import h5py

        folder = os.path.join(self.backup_dir, record["checkpoint"])
        try:
            with h5py.File(os.path.join(folder, WEIGHTS_FILE), "r"):
                pass
        except OSError as error:
            raise OSError(f"{WEIGHTS_FILE}: {error}") from error
        try:
            with np.load(os.path.join(folder, STATE_FILE)) as state:
                state.files  # noqa: B018 (reads the zip directory)
        except (ValueError, EOFError, zipfile.BadZipFile) as error:
            raise OSError(f"{STATE_FILE}: {error}") from error

    # -- Restoring --------------------------------------------------------

    def on_train_begin(self, logs=None):
        self._skipper = None
        self._skip_steps = 0
        self._epoch = 0
        self._step_in_epoch = 0
        self._batches_since_save = 0
        self._metric_values = None
        self._restored = record = self._select()
        metadata = self._read_metadata()
        self._sequence = 0 if metadata is None else int(metadata["sequence"])
        if record is None:
            return
        self._load_model()

    def _load_model(self):
        record = self._restored
        model = self.model
        if not model.built:
            raise ValueError(
                "BackupAndRestore restores into a built model; build it "
                "(call it on a batch, or `model.build(shape)`) before `fit`. "
                f"Received: an unbuilt {model.__class__.__name__}."
            )
        step = int(record["step"])
        execution = max(int(model.steps_per_execution), 1)
        if step:
            upstream.check_keras_version()
            if step % execution:
                raise ValueError(
                    "The backup resumes at step "
                    f"{step} of epoch {record['epoch']}, which is not a "
                    "multiple of steps_per_execution. Compile with the "
                    "steps_per_execution of the interrupted run. Received: "
                    f"steps_per_execution={execution}"
                )
        if model.optimizer is not None and not model.optimizer.built:
            model.optimizer.build(model.trainable_variables)
        folder = os.path.join(self.backup_dir, record["checkpoint"])
        model.load_weights(os.path.join(folder, WEIGHTS_FILE))
        with np.load(os.path.join(folder, STATE_FILE)) as state:
            backup_files.assign(
                model.non_trainable_variables,
                backup_files.unpack(state, "state"),
                "non-trainable variables",
            )
            metrics = backup_files.unpack(state, "metric")
        if step:
            self._metric_values = metrics
        self._epoch = int(record["epoch"])
        self._skip_steps = step
        self._sequence = int(record["sequence"])
        model._initial_epoch = self._epoch
        self._set_initial_epoch = True

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch
        self._step_in_epoch = 0
        if not self._skip_steps:
            return
        if epoch != int(self._restored["epoch"]):
            self._skip_steps = 0
            return
        steps = (self.params or {}).get("steps")
        if steps and self._skip_steps > steps:
            self._too_few_batches(steps)
        model = self.model
        restored_logs = {}
        values = self._metric_values
        if values is not None and backup_files.variable_shapes(
            model.metrics_variables
        ) == [np.shape(v) for v in values]:
            # The epoch's running metrics as they were at the backup, so
            # the logs of the resumed epoch are the uninterrupted run's.
            backup_files.assign(
                model.metrics_variables, values, "metric variables"
            )
            restored_logs = backup_files.to_floats(model.get_metrics_result())
        execution = max(int(model.steps_per_execution), 1)
        self._skipper = upstream.SkipTrainSteps(
            model, self._skip_steps // execution, restored_logs
        ).install()

    def _too_few_batches(self, steps):
        self._stop_skipping()
        raise ValueError(
            f"The backup in {self.backup_dir} resumes at step "
            f"{int(self._restored['step'])} of epoch "
            f"{int(self._restored['epoch'])}, but an epoch now has {steps} "
            "batches. Resume with the data and batch size of the "
            "interrupted run, or delete the folder to start over."
        )

    def _stop_skipping(self):
        if self._skipper is not None:
            self._skipper.uninstall()
            self._skipper = None
        self._skip_steps = 0

    # -- Saving -----------------------------------------------------------

    def on_train_batch_end(self, batch, logs=None):
        step = int(batch) + 1
        steps = (self.params or {}).get("steps")
        if steps:  # a last, partial execution ends past the epoch
            step = min(step, steps)
        if self._skip_steps and step <= self._skip_steps:
            self._step_in_epoch = step  # a skipped batch: nothing trained
            return
        self._batches_since_save += step - self._step_in_epoch
        self._step_in_epoch = step
        if self.save_freq == "epoch":
            return
        if self._batches_since_save >= self.save_freq:
            self._batches_since_save = 0
            self._save_model(self._epoch, step)

    def on_epoch_end(self, epoch, logs=None):
        if self._skipper is not None and self._skipper.remaining:
            self._too_few_batches(self._skipper.skipped)
        self._stop_skipping()
        self._step_in_epoch = 0
        if self.save_freq == "epoch":
            self._save_model(epoch + 1, 0)

    def _save_model(self, epoch, step):
        """Writes a backup resuming at batch `step` of epoch `epoch`.

        Every worker saves (reading distributed variables is a collective
        operation under `MultiWorkerMirroredStrategy` and JAX processes:
        a worker that skipped it would leave the others waiting); only the
        chief's copy is kept, the others write to a temporary folder that
        is deleted at once."""
        model = self.model  # on JAX, syncs the training state first
        if not is_chief():
            scratch = tempfile.mkdtemp(prefix="keras_ar_backup_")
            try:
                self._write_state(model, os.path.join(scratch, "state"))
            finally:
                shutil.rmtree(scratch, ignore_errors=True)
            return
        os.makedirs(self.backup_dir, exist_ok=True)
        previous = self._read_metadata() if self.double_checkpoint else None
        self._sequence += 1
        name = f"{CHECKPOINT_PREFIX}{self._sequence:06d}"
        folder = os.path.join(self.backup_dir, name)
        if os.path.exists(folder):  # left by a run killed while saving
            shutil.rmtree(folder)
        self._write_state(model, folder)
        record = {
            "epoch": int(epoch),
            "step": int(step),
            "checkpoint": name,
            "steps_per_execution": int(model.steps_per_execution),
        }
        metadata = {
            "format": FORMAT,
            "sequence": self._sequence,
            "keras_version": keras.__version__,
            "backend": keras.backend.backend(),
            "current": record,
            "previous": previous and previous["current"],
        }
        backup_files.write_atomically(
            self._metadata_path, json.dumps(metadata, indent=1)
        )
        keep = {r["checkpoint"] for r in (record, metadata["previous"]) if r}
        for entry in os.listdir(self.backup_dir):
            if entry.startswith(CHECKPOINT_PREFIX) and entry not in keep:
                shutil.rmtree(
                    os.path.join(self.backup_dir, entry), ignore_errors=True
                )

    def _write_state(self, model, folder):
        """Weights, optimizer, seed-generator and metric state, synced to
        disk, in the new folder `folder`."""
        os.makedirs(folder)
        weights = os.path.join(folder, WEIGHTS_FILE)
        model.save_weights(weights)
        state = os.path.join(folder, STATE_FILE)
        with open(state, "wb") as f:
            np.savez(
                f,
                **backup_files.pack(model.non_trainable_variables, "state"),
                **backup_files.pack(model.metrics_variables, "metric"),
            )
        for path in (weights, state):
            backup_files.fsync(path)
        backup_files.fsync(folder)

    def on_train_end(self, logs=None):
        self._stop_skipping()
        if self._set_initial_epoch:
            # Keras never resets it: a later `fit` would start there too.
            self._model._initial_epoch = None
            self._set_initial_epoch = False
        self._restored = None
        if (
            self.delete_checkpoint
            and is_chief()
            and os.path.exists(self.backup_dir)
        ):
            shutil.rmtree(self.backup_dir)
