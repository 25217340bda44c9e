"""A callback that records the training loss of every step."""

import math
import time

import keras


class TrainingHistory(keras.callbacks.Callback):
    """Records the training value of every step and the held-out value of
    every epoch, in bits per value, for `save_training_plot`.

    Keras logs running means at the end of each batch (the mean since the
    epoch began), so a plot of them is flat by construction and hides how
    the loss moves. This callback recovers each step's own value from
    consecutive running means: with `S_k` the running mean after `k`
    examples, the batch of examples `k_prev + 1 ... k` has the mean
    `(k S_k - k_prev S_prev) / (k - k_prev)` (exact for Keras's
    example-weighted means, also with `steps_per_execution > 1`).

    Args:
        num_dims: values per example; the loss (mean NLL in nats per
            example) is divided by `num_dims * ln 2` when the model logs
            no `key` metric.
        key: the logged metric to record (already per value, in bits);
            `"bits_per_dim"` for every keras_ar model.
        num_examples: training examples per epoch, and
        batch_size: the batch size: with both, the last (smaller) batch of
            an epoch is weighted exactly; else batches count equally.

    Attributes:
        curve: dict with `"step"` and `"train"` (one value per step, steps
            counted over all epochs from 1), `"epoch_step"` (the last step
            of each epoch), `"epoch_train"` (the epoch's mean) and
            `"val"` (the epoch's held-out value, when `fit` was given
            `validation_data`).
        validation_seconds: time spent on the held-out evaluations.

    Example:

    >>> import numpy as np
    >>> from keras_ar.models import MADE
    >>> model = MADE(event_shape=(4,), hidden_units=(8,))
    >>> model.compile()
    >>> x = np.random.default_rng(0).integers(0, 2, (20, 4))
    >>> history = TrainingHistory(num_dims=4, num_examples=20, batch_size=8)
    >>> _ = model.fit(x, batch_size=8, epochs=2, verbose=0,
    ...               validation_data=x[:8], callbacks=[history])
    >>> len(history.curve["train"]), len(history.curve["val"])
    (6, 2)
    """

    def __init__(
        self, num_dims, key="bits_per_dim", num_examples=None, batch_size=None
    ):
        super().__init__()
        self.scale = 1.0 / (int(num_dims) * math.log(2.0))
        self.key = key
        self.num_examples = num_examples
        self.batch_size = batch_size
        self.curve = {
            "step": [],
            "train": [],
            "epoch_step": [],
            "epoch_train": [],
            "val": [],
        }
        self.validation_seconds = 0.0
        self._seen = 0
        self._sum = 0.0
        self._offset = 0
        self._test_start = None

    def _value(self, logs, prefix=""):
        logs = logs or {}
        if prefix + self.key in logs:
            return float(logs[prefix + self.key])
        if prefix + "loss" in logs:
            return float(logs[prefix + "loss"]) * self.scale
        return None

    def _examples(self, batch):
        if self.batch_size and self.num_examples:
            return min((batch + 1) * self.batch_size, self.num_examples)
        return batch + 1

    def on_epoch_begin(self, epoch, logs=None):
        self._seen = 0
        self._sum = 0.0
        self._offset = self.curve["step"][-1] if self.curve["step"] else 0

    def on_train_batch_end(self, batch, logs=None):
        mean = self._value(logs)
        if mean is None:
            return
        seen = self._examples(batch)
        if seen <= self._seen:
            return
        total = mean * seen
        self.curve["train"].append((total - self._sum) / (seen - self._seen))
        self.curve["step"].append(self._offset + batch + 1)
        self._seen, self._sum = seen, total

    def on_test_begin(self, logs=None):
        self._test_start = time.perf_counter()

    def on_test_end(self, logs=None):
        if self._test_start is not None:
            self.validation_seconds += time.perf_counter() - self._test_start
            self._test_start = None

    def on_epoch_end(self, epoch, logs=None):
        if not self.curve["step"]:
            return
        self.curve["epoch_step"].append(self.curve["step"][-1])
        self.curve["epoch_train"].append(self._value(logs))
        val = self._value(logs, prefix="val_")
        if val is not None:
            self.curve["val"].append(val)
