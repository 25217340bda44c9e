"""UPSTREAM WORKAROUND: `BackupAndRestore(save_freq=<steps>)` replays steps.

Upstream code (no upstream issue found for it; the closest is
https://github.com/keras-team/keras/issues/19179, the epoch restore):
https://github.com/keras-team/keras/blob/v3.15.1/keras/src/callbacks/backup_and_restore.py
Applies to: keras==3.15.* (TensorFlow and JAX backends); pinned, see
`check_keras_version`.

Keras 3.15's `keras.callbacks.BackupAndRestore(backup_dir, save_freq=N)`
saves the weights every `N` batches with `{"epoch": e, "batch": b}` next to
them, but on restart `_load_model` reads only `epoch`: `fit` restarts
epoch `e` from its first batch, so the batches of `e` trained before the
crash are trained twice and the run ends with other weights than an
uninterrupted one. It also leaves out state that `save_weights` does not
write (the `SeedGenerator` states, e.g. MADE's per-step mask choice) and
writes the weights and the metadata as two files in place, so a kill
during a save can leave a torn backup.

`keras_ar.callbacks.BackupAndRestore` fixes the state and the atomicity
itself; the replay fix needs Keras internals and lives here:
`SkipTrainSteps` replaces `model.train_function` for the first steps of
the resumed epoch. In Keras 3.15 `fit` calls `make_train_function()`
before `callbacks.on_train_begin()`, and each step calls
`model.train_function(iterator)` (TensorFlow) or
`model.train_function(state, iterator)` (JAX), where `iterator` is the
epoch's data iterator, from which the train function itself takes its
`steps_per_execution` batches. A skipped call takes the same batches
from the iterator (so the data stays aligned: the next call trains on
the first batch not trained before the crash) and trains on nothing. If
a Keras version passes batches it already fetched (a list) instead, a
skipped call just drops them.

Pinned to keras==3.15.*: on another version a resume in the middle of an
epoch raises a `RuntimeError` (an epoch-boundary resume, which needs no
skipping, works on any version).

Example:

```python
from keras_ar.upstream import backup_and_restore

backup_and_restore.check_keras_version()  # raises off keras 3.15.*
```
"""

import keras

UPSTREAM_URL = (
    "https://github.com/keras-team/keras/blob/v3.15.1/"
    "keras/src/callbacks/backup_and_restore.py"
)
#: The Keras versions this workaround was written and tested for.
PINNED_KERAS = "3.15."


def is_supported(version=None):
    """True when `version` (default: the installed Keras) is the pinned
    Keras, the one whose `fit` loop `SkipTrainSteps` was written for.

    Args:
        version: a Keras version string, or `None` for `keras.__version__`.

    Returns:
        bool.

    Example:

    >>> is_supported("3.15.1"), is_supported("3.16.0")
    (True, False)
    """
    version = keras.__version__ if version is None else version
    return str(version).startswith(PINNED_KERAS)


def check_keras_version(version=None):
    """Raises unless the Keras `fit` loop is the one `SkipTrainSteps` knows.

    Args:
        version: a Keras version string, or `None` for `keras.__version__`.

    Raises:
        RuntimeError: on a Keras other than 3.15.*.

    Example:

    >>> check_keras_version("3.15.1")
    """
    version = keras.__version__ if version is None else version
    if not is_supported(version):
        raise RuntimeError(
            "keras_ar.callbacks.BackupAndRestore resumes in the middle of an "
            f"epoch only on keras=={PINNED_KERAS}* (it replaces Keras's "
            "train function for the steps already trained; see "
            f"keras_ar/upstream/backup_and_restore.py). Received: "
            f"keras=={version}. Back up with save_freq='epoch', or resume "
            "with the Keras version that wrote the backup."
        )


class SkipTrainSteps:
    """Stands in for `model.train_function` for the first calls of a
    resumed epoch: each call takes its batches from the data iterator and
    trains on nothing; then the original function is put back.

    Args:
        model: the `keras.Model` being fitted (its `train_function` made).
        calls: how many train-function calls to skip (`steps //
            steps_per_execution`).
        logs: the logs a skipped call returns (what the progress bar and
            the batch callbacks see), e.g. the restored running metrics.

    Example:

    ```python
    # In a callback's `on_epoch_begin`, when resuming at step 6:
    SkipTrainSteps(self.model, calls=6, logs={"loss": 1.5}).install()
    ```
    """

    def __init__(self, model, calls, logs=None):
        self.model = model
        self.original = model.train_function
        self.remaining = int(calls)
        self.skipped = 0
        self.logs = dict(logs or {})
        if self.original is None:
            raise ValueError(
                "SkipTrainSteps needs the model's train function; Keras makes "
                "it before `on_train_begin`. Received: a model whose "
                "`train_function` is None."
            )

    def install(self):
        """Replaces `model.train_function` (nothing to skip: no change)."""
        if self.remaining > 0:
            self.model.train_function = self
        return self

    def uninstall(self):
        """Puts the original train function back (idempotent)."""
        if self.model.train_function is self:
            self.model.train_function = self.original

    def __call__(self, *args):
        if self.remaining <= 0:
            self.uninstall()
            return self.original(*args)
        # TensorFlow: (iterator,) -> logs; JAX: (state, iterator) ->
        # (logs, state), the state left as it came (nothing trained).
        self._drop_batches(args[-1])
        self.remaining -= 1
        self.skipped += 1
        if self.remaining <= 0:
            self.uninstall()
        if len(args) == 2:
            return dict(self.logs), args[0]
        return dict(self.logs)

    def _drop_batches(self, data):
        if isinstance(data, (list, tuple)):
            return  # batches the epoch iterator already fetched
        for _ in range(max(int(self.model.steps_per_execution), 1)):
            try:
                next(data)
            except StopIteration:
                self.uninstall()
                raise ValueError(
                    "The backup to resume from was written after more "
                    "batches of this epoch than the data now has: "
                    f"{self.skipped} skipped calls of "
                    f"{self.skipped + self.remaining} expected. Resume with "
                    "the data (and batch size) of the interrupted run, or "
                    "delete the backup folder."
                ) from None
