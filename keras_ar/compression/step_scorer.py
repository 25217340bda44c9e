"""StepScorer: the distributions of a model's generation steps."""

import keras
import numpy as np
from keras import ops

from keras_ar.generation import Sampler


class StepScorer:
    """Runs a model's generation protocol one step at a time and hands out
    the full distribution of the values each step writes.

    An entropy coder needs, for every value, the distribution the model
    gives it from the values before it; the decoder can only compute that
    step by step, writing each decoded value before the next step. The
    encoder runs the very same steps (writing the true values instead),
    so both compute their tables from identical inputs with identical
    operations: the model's cached step (`call_with_cache`), then
    `head.value_log_probs`. A coupled head (PixelCNN++'s R -> G -> B
    mixture) is handled by the model's step like any other.

    Args:
        model: an `AutoregressiveModel` with a discrete head.
        shape: the event shape (without batch).

    Example:

    >>> import numpy as np
    >>> from keras_ar.models import NADE
    >>> model = NADE((3,), hidden_units=2)
    >>> scorer = StepScorer(model, (3,))
    >>> x = np.array([[1, 0, 1]])
    >>> tables = []
    >>> def write(index, log_probs, positions):
    ...     tables.append(log_probs)
    ...     return np.take_along_axis(x, positions, axis=1)
    >>> scorer.run(1, None, write)
    array([[1, 0, 1]], dtype=int32)
    >>> [t.shape for t in tables]
    [(1, 1, 2), (1, 1, 2), (1, 1, 2)]
    """

    def __init__(self, model, shape):
        self.model = model
        self.shape = tuple(int(d) for d in shape)
        self.steps = model.generation_steps(self.shape)
        xla = keras.backend.backend() == "jax"
        sampler = Sampler(model)
        functions = model.generation_functions
        self._build = functions.get(
            ("compression_cache", self.shape),
            lambda x, k, n, c: sampler.build_cache(x, k, n, c, True, xla),
        )
        self._step = functions.get(("compression_step", self.shape), self._fn)

    def _fn(self, x, cache, index):
        params, cache = self.model.call_with_cache(x, cache, index)
        positions = self.model.generation_positions(index, cache, self.shape)
        positions = ops.broadcast_to(
            positions, (ops.shape(x)[0], positions.shape[1])
        )
        return self.model.head.value_log_probs(params), positions, cache

    def run(self, batch, condition, write, progress=None):
        """Runs every step for `batch` events.

        Args:
            batch: number of events.
            condition: the checked condition dict of those events, or
                `None`.
            write: `write(index, log_probs, positions) -> values`, called
                at every step with NumPy float32 log-probabilities
                `(batch, G, V)` and int positions `(batch, G)`; returns the
                `(batch, G)` integer values to write there.
            progress: a `keras.utils.Progbar` advanced by one per step, or
                `None`.

        Returns:
            The `(batch,) + shape` int32 events written.
        """
        size = int(np.prod(self.shape))
        flat = np.zeros((batch, size), "float32")
        known = np.zeros((batch,) + self.shape, bool)
        noise = np.zeros(
            self.model.generation_noise_shape((batch,) + self.shape), "float32"
        )
        cache = self._build(flat.reshape(known.shape), known, noise, condition)
        rows = np.arange(batch)[:, None]
        for index in range(self.steps):
            log_probs, positions, cache = self._step(
                flat.reshape(known.shape), cache, np.int32(index)
            )
            positions = ops.convert_to_numpy(positions)
            values = write(index, ops.convert_to_numpy(log_probs), positions)
            flat[rows, positions] = values
            if progress is not None:
                progress.add(1)
        return flat.reshape(known.shape).astype("int32")
