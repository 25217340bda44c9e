"""Sampler: the one compiled generation loop of keras_ar."""

import math

from keras import ops


def gather_positions(array, positions):
    """`array[b, positions[b, g], ...]`: `(batch, N, ...)` -> `(batch, G,
    ...)`; `positions` is `(batch, G)` or `(1, G)` (shared)."""
    if positions.shape[0] == 1:
        return ops.take(array, positions[0], axis=1)
    extra = tuple(array.shape[2:])
    index = positions
    for _ in extra:
        index = ops.expand_dims(index, -1)
    batch, count = ops.shape(positions)[0], positions.shape[1]
    index = ops.broadcast_to(index, (batch, count) + extra)
    return ops.take_along_axis(array, index, axis=1)


def scatter_positions(array, positions, values):
    """`array` `(batch, N)` with `values` `(batch, G)` written at
    `positions` (`(batch, G)` or `(1, G)`)."""
    batch = ops.shape(array)[0]
    count = positions.shape[1]
    positions = ops.broadcast_to(positions, (batch, count))
    rows = ops.broadcast_to(
        ops.expand_dims(ops.arange(batch, dtype="int32"), 1), (batch, count)
    )
    indices = ops.stack(
        [ops.reshape(rows, (-1,)), ops.reshape(positions, (-1,))], axis=1
    )
    return ops.scatter_update(
        array, indices, ops.reshape(ops.cast(values, array.dtype), (-1,))
    )


class Sampler:
    """Fills the unknown values of events one generation step at a time.

    After KerasHub's samplers: the loop is written once, here, and a model
    supplies only its step protocol (see `AutoregressiveModel`):

    - `build_generation_cache(x, known, condition, noise, use_cache, xla)`:
      the
      state the steps carry (activations, queues, running sums; the
      condition), a dict of tensors;
    - `call_with_cache(x, cache, index)` (or `call_without_cache`, the
      naive full pass): the parameters of the values written at step
      `index`, `(batch, G) + param_shape`, and the updated cache;
    - `generation_positions(index, cache, shape)`: their flat (row-major)
      positions in the event, `(1, G)` or per example `(batch, G)`;
    - `generation_steps(shape)`: the number of steps.

    At every step the head turns the parameters and the uniform noise at
    those positions into values (`head.sample_positions`), which are
    written where the position is not `known`. The steps run in one
    `keras.ops.fori_loop`, so the whole generation compiles to a single
    graph; running `[0, k)` then `[k, T)` with the cache carried gives the
    same values as `[0, T)` (how progress is reported between compiled
    chunks). All randomness is the `noise` argument, so equal noise gives
    equal samples: the cached and the naive paths draw the same samples.

    Args:
        model: an `AutoregressiveModel`.

    Example:

    >>> import numpy as np
    >>> from keras_ar.models import NADE
    >>> model = NADE((3,), hidden_units=4)
    >>> x = np.zeros((2, 3), "float32")
    >>> noise = np.random.default_rng(0).random((2, 3, 1)).astype("float32")
    >>> out = Sampler(model).generate(x, x > 0, noise, 1.0)
    >>> tuple(out.shape)
    (2, 3)
    """

    def __init__(self, model):
        self.model = model

    def build_cache(
        self, x, known, noise, condition=None, use_cache=True, xla=False
    ):
        """The model's generation cache for these inputs (`xla`: the steps
        will run compiled by XLA)."""
        return self.model.build_generation_cache(
            x, known, condition, noise, use_cache=use_cache, xla=xla
        )

    def run(
        self, x, known, noise, temperature, cache, start, stop, use_cache=True
    ):
        """Runs steps `[start, stop)`.

        Args:
            x: float tensor `(batch,) + shape`; known values in place.
            known: bool tensor like `x`; `True` keeps the value of `x`.
            noise: uniform noise `model.generation_noise_shape(x.shape)`.
            temperature: positive scalar.
            cache: from `build_cache` or the previous `run`.
            start: first step (int or scalar int tensor).
            stop: one past the last step.
            use_cache: the model's cached step (`call_with_cache`) or the
                naive full pass (`call_without_cache`).

        Returns:
            `(x, cache)` after the steps.
        """
        model = self.model
        shape = tuple(int(d) for d in x.shape[1:])
        size = math.prod(shape)
        batch = ops.shape(x)[0]
        step = model.call_with_cache if use_cache else model.call_without_cache
        head = model.head
        flat_known = ops.reshape(known, (batch, size))
        temperature = ops.cast(temperature, "float32")

        def body(index, state):
            flat_x, cache = state
            params, cache = step(
                ops.reshape(flat_x, (batch,) + shape), cache, index
            )
            positions = model.generation_positions(index, cache, shape)
            values = head.sample_positions(
                params,
                gather_positions(noise, positions),
                temperature,
                positions,
                shape,
            )
            keep = gather_positions(flat_known, positions)
            old = gather_positions(flat_x, positions)
            values = ops.where(keep, old, ops.cast(values, flat_x.dtype))
            return scatter_positions(flat_x, positions, values), cache

        flat_x = ops.reshape(x, (batch, size))
        flat_x, cache = ops.fori_loop(start, stop, body, (flat_x, cache))
        return ops.reshape(flat_x, (batch,) + shape), cache

    def generate(
        self,
        x,
        known,
        noise,
        temperature,
        condition=None,
        use_cache=True,
        xla=False,
    ):
        """Builds the cache and runs every step: `x` with every unknown
        value sampled (used by `sample`, `complete` and the exported
        signatures; `xla`: the whole is compiled by XLA)."""
        shape = tuple(int(d) for d in x.shape[1:])
        cache = self.build_cache(x, known, noise, condition, use_cache, xla)
        steps = self.model.generation_steps(shape)
        x, _ = self.run(
            x, known, noise, temperature, cache, 0, steps, use_cache
        )
        return x
