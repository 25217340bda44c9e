"""ArrayStream: NumPy training data as one endless stream of batches.

Keras 3.15's TensorFlow trainer, given NumPy arrays, builds a `tf.data`
iterator for the next epoch at the end of each epoch, discards it and
builds another; destroying it waits on a tf.data autotuning thread and
stalls the epoch's first step (0.4-9 s measured here). keras_ar instead
feeds `fit` one endless stream with `steps_per_epoch`, so one iterator
serves every epoch. The order of each epoch is a pure function of
`(seed, epoch)`, so a run resumed at epoch `e` sees exactly the batches an
uninterrupted run saw.
"""

import math

import keras
import numpy as np


class ArrayStream:
    """Endless, epoch-ordered batches of NumPy arrays for `fit`.

    Args:
        arrays: a structure (array, tuple or dict, `None` leaves allowed)
            of NumPy arrays sharing their first dimension.
        batch_size: examples per batch (the last batch of an epoch may be
            smaller).
        shuffle: permute the examples of each epoch.
        seed: int; epoch `e` is permuted with the seed `(seed, e)`.
        start_epoch: the first epoch the stream yields.

    Example:

    >>> import numpy as np
    >>> stream = ArrayStream(np.arange(10.0), batch_size=4, seed=1)
    >>> stream.steps_per_epoch
    3
    """

    def __init__(self, arrays, batch_size, shuffle=True, seed=0, start_epoch=0):
        self.arrays = arrays
        leaves = [a for a in _leaves(arrays) if a is not None]
        self.num_examples = len(leaves[0])
        self.batch_size = int(batch_size)
        self.shuffle = bool(shuffle)
        self.seed = int(seed)
        self.start_epoch = int(start_epoch)

    @property
    def steps_per_epoch(self):
        return max(math.ceil(self.num_examples / self.batch_size), 1)

    def epoch_order(self, epoch):
        """The example indices of `epoch`, in the order they are fed
        (a stateless permutation of `(seed, epoch)`: TensorFlow's on the
        TensorFlow backend, NumPy's elsewhere)."""
        if not self.shuffle:
            return np.arange(self.num_examples)
        if keras.backend.backend() == "tensorflow":
            return np.asarray(self._tf_order(epoch))
        rng = np.random.default_rng([self.seed, int(epoch)])
        return rng.permutation(self.num_examples)

    def _tf_order(self, epoch):
        import tensorflow as tf

        indices = tf.range(self.num_examples, dtype=tf.int64)
        if not self.shuffle:
            return indices
        seed = tf.stack(
            [tf.constant(self.seed, tf.int64), tf.cast(epoch, tf.int64)]
        )
        return tf.random.experimental.stateless_shuffle(indices, seed=seed)

    def data(self):
        """What to pass to `fit`: a `tf.data.Dataset` on TensorFlow, a
        Python generator of NumPy batches elsewhere (each process of a
        multi-process JAX run takes its slice of every global batch)."""
        if keras.backend.backend() == "tensorflow":
            return self._dataset()
        return self._generator()

    def _batches(self):
        epoch = self.start_epoch
        while True:
            order = self.epoch_order(epoch)
            for start in range(0, self.num_examples, self.batch_size):
                yield order[start : start + self.batch_size]
            epoch += 1

    def _generator(self):
        index, count = _process_slice()
        for batch in self._batches():
            if count > 1:
                size = len(batch) // count
                batch = batch[index * size : (index + 1) * size]
            yield _map(lambda a, b=batch: a[b], self.arrays)

    def _dataset(self):
        import tensorflow as tf

        tensors = _map(tf.convert_to_tensor, self.arrays)

        def epoch_batches(epoch):
            order = self._tf_order(epoch)
            return tf.data.Dataset.from_tensor_slices(order).batch(
                self.batch_size
            )

        # All in TensorFlow ops: a Python generator or a parallel map here
        # costs up to a third more CPU per example (measured on MADE).
        epochs = tf.data.Dataset.range(self.start_epoch, 2**62)
        dataset = (
            epochs.flat_map(epoch_batches)
            .map(lambda i: _map(lambda t: tf.gather(t, i), tensors))
            .prefetch(tf.data.AUTOTUNE)
        )
        options = tf.data.Options()
        # Every worker builds the same stream; each takes its share of
        # every batch (multi-worker training).
        options.experimental_distribute.auto_shard_policy = (
            tf.data.experimental.AutoShardPolicy.DATA
        )
        return dataset.with_options(options)


def _process_slice():
    if keras.backend.backend() != "jax":
        return 0, 1
    if keras.distribution.distribution() is None:
        return 0, 1
    import jax

    return jax.process_index(), jax.process_count()


def _leaves(structure):
    if isinstance(structure, dict):
        return [x for v in structure.values() for x in _leaves(v)]
    if isinstance(structure, (tuple, list)):
        return [x for v in structure for x in _leaves(v)]
    return [structure]


def _map(fn, structure):
    if structure is None:
        return None
    if isinstance(structure, dict):
        return {k: _map(fn, v) for k, v in structure.items()}
    if isinstance(structure, (tuple, list)):
        return tuple(_map(fn, v) for v in structure)
    return fn(structure)
