"""Trains a tiny MADE with `keras_ar.callbacks.BackupAndRestore`; the
kill-and-resume tests run it in subprocesses.

    python kill_and_resume_script.py OUT.npz [--backup DIR] [--save-freq N]
        [--shuffle] [--kill-after-batches K] [--kill-in-save S]
        [--reference OUT2.npz] [--mirrored]

`--kill-after-batches K` SIGKILLs the process at the end of its K-th
batch (after the backup callback ran); `--kill-in-save S` SIGKILLs it in
the middle of its S-th backup (see `kill_in_save`). At the
end the weights go to OUT.npz (`resume_point` is printed first); with
`--reference`, the same process then trains a new model from the same
seeds without backups or kills and writes its weights to OUT2.npz (one
process fewer per test). `--mirrored` trains under a TensorFlow
`MirroredStrategy` over two logical CPU devices.
"""

import argparse
import contextlib
import os
import signal
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
if "--mirrored" in sys.argv:  # before TensorFlow makes its devices
    import tensorflow as tf

    tf.config.set_logical_device_configuration(
        tf.config.list_physical_devices("CPU")[0],
        [tf.config.LogicalDeviceConfiguration()] * 2,
    )

import keras  # noqa: E402
import numpy as np  # noqa: E402

import keras_ar  # noqa: E402
from keras_ar.callbacks import backup_files  # noqa: E402

EPOCHS = 3
BATCH_SIZE = 8
NUM_EXAMPLES = 40  # 5 batches an epoch


class KillAfterBatches(keras.callbacks.Callback):
    def __init__(self, batches):
        super().__init__()
        self.batches = batches
        self.seen = 0

    def on_train_batch_end(self, batch, logs=None):
        self.seen += 1
        if self.seen == self.batches:
            os.kill(os.getpid(), signal.SIGKILL)


def kill_in_save(count):
    """SIGKILL inside the `count`-th backup: its checkpoint files are
    written, its metadata half written to the temporary file, not yet
    moved over the previous metadata."""
    write = backup_files.write_atomically
    calls = []

    def dying_write(path, text):
        calls.append(path)
        if len(calls) == count:
            with open(f"{path}.tmp", "w") as f:
                f.write(text[: len(text) // 2])
            os.kill(os.getpid(), signal.SIGKILL)
        write(path, text)

    backup_files.write_atomically = dying_write


def train(callbacks, shuffle, scope):
    keras.utils.set_random_seed(7)
    x = np.random.default_rng(0).random((NUM_EXAMPLES, 6)) > 0.5
    with scope():
        # Two masks: every step draws one with the model's SeedGenerator,
        # so the resumed run must restore that state too.
        model = keras_ar.models.MADE((6,), hidden_units=[8], num_masks=2)
        model.compile(optimizer=keras.optimizers.Adam(1e-2))
    model.fit(
        x.astype("float32"),
        batch_size=BATCH_SIZE,
        epochs=EPOCHS,
        shuffle=shuffle,
        callbacks=callbacks,
        verbose=0,
    )
    return model.get_weights()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--backup")
    parser.add_argument("--save-freq", default="epoch")
    parser.add_argument("--shuffle", action="store_true")
    parser.add_argument("--kill-after-batches", type=int, default=0)
    parser.add_argument("--kill-in-save", type=int, default=0)
    parser.add_argument("--reference")
    parser.add_argument("--mirrored", action="store_true")
    args = parser.parse_args()
    scope = contextlib.nullcontext
    if args.mirrored:
        strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
        scope = strategy.scope

    callbacks = []
    if args.backup:
        freq = args.save_freq
        freq = freq if freq == "epoch" else int(freq)
        backup = keras_ar.callbacks.BackupAndRestore(args.backup, freq)
        print(f"resume_point={backup.resume_point()}", flush=True)
        callbacks.append(backup)
    if args.kill_after_batches:
        callbacks.append(KillAfterBatches(args.kill_after_batches))
    if args.kill_in_save:
        kill_in_save(args.kill_in_save)
    np.savez(args.out, *train(callbacks, args.shuffle, scope))
    if args.reference:
        np.savez(args.reference, *train([], args.shuffle, scope))
    print("done", flush=True)


if __name__ == "__main__":
    main()
