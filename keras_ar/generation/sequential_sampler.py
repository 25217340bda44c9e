"""The generic autoregressive sampling loop."""

import math

import numpy as np
from keras import ops


def sequential_sample(
    step_fn, x, known, event_shape, order=None, start=0, stop=None
):
    """Fills the unknown values of `x` one position at a time.

    Positions are visited in row-major order of `event_shape` (for images:
    row by row, left to right, channel by channel), the order of most
    keras_ar models, or in a given `order` (MADE with a custom ordering).
    At step `i`, `step_fn(x, i)` returns values for the whole event that are
    correct at position `i` given the values before it; only position `i`
    (`order[i]` with an order) is written, and only where it is not
    `known`. The loop is one `keras.ops.fori_loop`, so it compiles to a
    single graph.

    Args:
        step_fn: `(x, i) -> values`, with `values.shape == x.shape`.
        x: float tensor `(batch,) + event_shape`; known values in place.
        known: bool tensor of the same shape; `True` keeps the value of `x`.
        event_shape: the event shape (without batch).
        order: optional permutation of `range(prod(event_shape))`: the flat
            (row-major) positions in the order they are sampled; step `i`
            then writes position `order[i]`. `None` = row-major.
        start: first step to run (int or scalar int tensor).
        stop: one past the last step to run (default: all steps). Running
            `[0, k)` then `[k, size)` gives the same result as `[0, size)`,
            which is how progress is reported between compiled chunks.

    Returns:
        `x` with every unknown position sampled.
    """
    size = math.prod(event_shape)
    if order is None:
        steps = np.arange(size, dtype="int32")
    else:
        order = np.asarray(order)
        if order.shape != (size,) or not np.array_equal(
            np.sort(order), np.arange(size)
        ):
            raise ValueError(
                f"`order` must be a permutation of range({size}). Received "
                f"an array of shape {order.shape}."
            )
        steps = np.empty(size, "int32")
        steps[order] = np.arange(size, dtype="int32")
    # positions[p] = the step at which flat position p is written.
    positions = ops.reshape(ops.convert_to_tensor(steps), event_shape)
    unknown = ops.logical_not(known)

    def body(i, x):
        values = step_fn(x, i)
        write = ops.logical_and(ops.equal(positions, i), unknown)
        return ops.where(write, ops.cast(values, x.dtype), x)

    return ops.fori_loop(start, size if stop is None else stop, body, x)
