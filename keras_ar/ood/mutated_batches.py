"""Batches of training data with fresh mutations every epoch."""

import math

import keras
import numpy as np

from keras_ar.ood.mutation import check_mutation
from keras_ar.ood.mutation import mutate_entry


class MutatedBatches(keras.utils.PyDataset):
    """Shuffled batches of `x`, mutated anew each time they are drawn.

    The input pipeline of Ren et al. (2019) for the background model:
    each example is mutated (`mutate`) when it is read, so every epoch
    sees new mutations of the same data, and the model cannot learn the
    noise of one fixed mutated copy. The batch order is reshuffled each
    epoch. Draws are reproducible: batch `i` of epoch `e` is mutated with
    `numpy.random.default_rng([seed, e, i])`.

    Reference: Ren et al., "Likelihood Ratios for Out-of-Distribution
    Detection", NeurIPS 2019, section 3.

    Args:
        x: an integer array `(n,) + event_shape` of values in
            `0..num_values-1`, or a dict of arrays with `n` rows, one of
            them (`key`) the values to mutate and the others passed
            through (a condition).
        rate: the mutation rate, in `[0, 1]`.
        num_values: the number of discrete values (256 for 8-bit images).
        batch_size: examples per batch (the last batch may be smaller).
        key: the dict entry to mutate when `x` is a dict.
        shuffle: reshuffle the examples every epoch.
        seed: an int; `None` draws one.

    Example:

    >>> import numpy as np
    >>> from keras_ar.ood.mutated_batches import MutatedBatches
    >>> x = np.zeros((10, 4, 4, 1), "int32")
    >>> batches = MutatedBatches(x, 0.5, 256, batch_size=4, seed=0)
    >>> len(batches), batches[2].shape
    (3, (2, 4, 4, 1))
    """

    def __init__(
        self,
        x,
        rate,
        num_values,
        batch_size=32,
        key=None,
        shuffle=True,
        seed=None,
    ):
        super().__init__()
        if int(batch_size) != batch_size or batch_size < 1:
            raise ValueError(
                "Expected `batch_size` a positive integer. Received: "
                f"batch_size={batch_size!r}"
            )
        if isinstance(x, dict):
            if key not in x:
                raise ValueError(
                    f"Expected `key` to name the entry of `x` to mutate, "
                    f"one of {sorted(x)}. Received: key={key!r}"
                )
            x = {k: np.asarray(v) for k, v in x.items()}
            sizes = {k: len(v) for k, v in x.items()}
            if len(set(sizes.values())) != 1:
                raise ValueError(
                    "Expected every entry of `x` to have the same number "
                    f"of rows. Received: {sizes}"
                )
            values = x[key]
        else:
            x = np.asarray(x)
            values = x
        if len(values) == 0:
            raise ValueError("Expected at least one example. Received none.")
        _, self.rate, self.num_values = check_mutation(values, rate, num_values)
        self.x = x
        self.batch_size = int(batch_size)
        self.key = key
        self.shuffle = shuffle
        if seed is None:
            seed = int(np.random.SeedSequence().entropy % (2**63))
        self.seed = int(seed)
        self.num_examples = len(values)
        self.epoch = 0
        self._order = self._permutation()

    def _permutation(self):
        if not self.shuffle:
            return np.arange(self.num_examples)
        rng = np.random.default_rng([self.seed, self.epoch, 2**32])
        return rng.permutation(self.num_examples)

    def __len__(self):
        return math.ceil(self.num_examples / self.batch_size)

    def __getitem__(self, index):
        if not 0 <= index < len(self):
            raise IndexError(
                f"Expected a batch index in 0..{len(self) - 1}. Received: "
                f"{index}"
            )
        rows = self._order[
            index * self.batch_size : (index + 1) * self.batch_size
        ]
        if isinstance(self.x, dict):
            batch = {k: v[rows] for k, v in self.x.items()}
        else:
            batch = self.x[rows]
        rng = np.random.default_rng([self.seed, self.epoch, index])
        return mutate_entry(batch, self.key, self.rate, self.num_values, rng)

    def on_epoch_end(self):
        self.epoch += 1
        self._order = self._permutation()
