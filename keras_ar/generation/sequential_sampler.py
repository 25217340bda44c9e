"""The generic autoregressive sampling loop."""

import math

from keras import ops


def sequential_sample(step_fn, x, known, event_shape):
    """Fills the unknown values of `x` one position at a time.

    Positions are visited in row-major order of `event_shape` (for images:
    row by row, left to right, channel by channel), which is the order of
    every keras_ar model. At step `i`, `step_fn(x, i)` returns values for the
    whole event that are correct at position `i` given the values before it;
    only position `i` is written, and only where it is not `known`. The loop
    is one `keras.ops.fori_loop`, so it compiles to a single graph.

    Args:
        step_fn: `(x, i) -> values`, with `values.shape == x.shape`.
        x: float tensor `(batch,) + event_shape`; known values in place.
        known: bool tensor of the same shape; `True` keeps the value of `x`.
        event_shape: the event shape (without batch).

    Returns:
        `x` with every unknown position sampled.
    """
    size = math.prod(event_shape)
    positions = ops.reshape(ops.arange(size, dtype="int32"), event_shape)
    unknown = ops.logical_not(known)

    def body(i, x):
        values = step_fn(x, i)
        write = ops.logical_and(ops.equal(positions, i), unknown)
        return ops.where(write, ops.cast(values, x.dtype), x)

    return ops.fori_loop(0, size, body, x)
