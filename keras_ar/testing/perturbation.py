"""Perturbation tests of the autoregressive property."""

import itertools

import numpy as np
from keras import ops

#: Rows per forward pass of `dependency_matrix` (the unperturbed input,
#: then perturbed copies; the last pass is padded to the same size so that
#: a compiled `fn` traces one batch shape).
BATCH_SIZE = 256


def dependency_matrix(
    fn,
    x,
    input_positions,
    output_positions,
    perturb,
    tolerance=1e-6,
    batch_size=None,
):
    """Measures which outputs change when each input value is perturbed.

    Every input value is perturbed in its own copy of `x`, and the copies
    go through `fn` in batches of about `batch_size` rows, each led by the
    unperturbed `x` (its reference output, computed in the same pass) and
    ended by one or more copies of `x` that must reproduce the reference;
    if they do not, or `fn` takes only batches of one (its
    output's batch size is not the input's), every perturbation runs on its
    own, one pass each, with the same result.

    Example:

    >>> import numpy as np
    >>> m = dependency_matrix(
    ...     lambda v: np.cumsum(v, axis=1), np.zeros((1, 3)),
    ...     np.arange(3), np.arange(3), perturb=lambda v: v + 1.0)
    >>> m.astype(int).tolist()
    [[1, 1, 1], [0, 1, 1], [0, 0, 1]]

    Args:
        fn: maps a batch `(n,) + input_shape` to outputs `(n,) +
            output_shape` (tensors or arrays); an `fn` that takes `n = 1`
            only is run one perturbation at a time.
        x: one input, `(1,) + input_shape`, NumPy.
        input_positions: int array `input_shape`: the autoregressive
            position of every input value.
        output_positions: int array `output_shape`: the position whose
            distribution every output value describes.
        perturb: `(value) -> new value` applied to one input value.
        tolerance: an output "changed" if it moved by more than this.
        batch_size: rows per forward pass (default `BATCH_SIZE`; 1: one
            pass per perturbation).

    Returns:
        A bool matrix `(num_positions, num_positions)`: `m[a, b]` is True
        if perturbing an input at position `a` changed an output at
        position `b`.
    """
    x = np.array(x, dtype="float32")
    if x.ndim < 1 or x.shape[0] != 1:
        raise ValueError(
            f"Expected x of shape (1,) + input_shape, received {x.shape}."
        )
    input_positions = np.asarray(input_positions)
    output_positions = np.asarray(output_positions)
    size = int(max(np.max(input_positions), np.max(output_positions))) + 1
    matrix = np.zeros((size, size), bool)
    indices = list(np.ndindex(*x.shape[1:]))
    changed = None
    batch_size = BATCH_SIZE if batch_size is None else batch_size
    if batch_size > 1 and indices:
        changed = _batched_changes(
            fn, x, indices, perturb, tolerance, batch_size
        )
    if changed is None:
        changed = _serial_changes(fn, x, indices, perturb, tolerance)
    out_flat = output_positions.ravel()
    for index, moved in zip(indices, changed):
        a = int(input_positions[index])
        matrix[a, np.unique(out_flat[moved])] = True
    return matrix


def _perturbed(x, index, perturb):
    x2 = x.copy()
    x2[(0,) + index] = perturb(x2[(0,) + index])
    return x2


def _serial_changes(fn, x, indices, perturb, tolerance):
    """One pass per perturbation (batches of one): the reference way."""
    base = ops.convert_to_numpy(fn(x))[0]
    changed = []
    for index in indices:
        out = ops.convert_to_numpy(fn(_perturbed(x, index, perturb)))[0]
        changed.append((np.abs(out - base) > tolerance).ravel())
    return changed


def _batched_changes(fn, x, indices, perturb, tolerance, batch_size):
    """`batch_size` rows per pass; None where `fn` or its numerics do not
    allow batching (then the caller runs `_serial_changes`)."""
    per_pass = max(min(batch_size - 2, len(indices)), 1)
    rows = per_pass + 2  # the reference first, at least one copy last
    changed = []
    for start in range(0, len(indices), per_pass):
        chunk = indices[start : start + per_pass]
        batch = np.repeat(x, rows, axis=0)
        for row, index in enumerate(chunk, start=1):
            batch[row : row + 1] = _perturbed(x, index, perturb)
        try:
            out = ops.convert_to_numpy(fn(batch))
        except Exception:  # noqa: BLE001 - an fn built for batches of one
            if start == 0:
                return None
            raise
        if out.ndim < 1 or out.shape[0] != rows:
            return None  # e.g. an fn that reshapes to a batch of one
        out = out.reshape(rows, -1)
        base = out[0]
        padding = out[len(chunk) + 1 :]
        if np.any(np.abs(padding - base) > tolerance):
            return None  # rows of one pass differ by more than rounding
        changed.extend(np.abs(out[1 : len(chunk) + 1] - base) > tolerance)
    return changed


def assert_autoregressive(matrix, strict=True):
    """Asserts that output position `b` depends only on inputs `a < b`.

    Args:
        matrix: from `dependency_matrix`.
        strict: `True` for `a < b` (a model, or a mask-A layer); `False`
            allows `a <= b` (a mask-B layer).

    Raises:
        AssertionError: listing the offending (input, output) pairs.
    """
    a, b = np.nonzero(matrix)
    bad = a >= b if strict else a > b
    if np.any(bad):
        pairs = list(zip(a[bad].tolist(), b[bad].tolist()))[:10]
        raise AssertionError(
            "Autoregressive property violated: (input position, output "
            f"position) pairs {pairs}"
        )


def enumerate_events(event_shape, num_values):
    """All `num_values ** prod(event_shape)` events, as a float32 array."""
    size = int(np.prod(event_shape))
    values = itertools.product(range(num_values), repeat=size)
    return np.array(list(values), "float32").reshape((-1,) + event_shape)
