"""Perturbation tests of the autoregressive property."""

import itertools

import numpy as np
from keras import ops


def dependency_matrix(
    fn, x, input_positions, output_positions, perturb, tolerance=1e-6
):
    """Measures which outputs change when each input value is perturbed.

    Args:
        fn: maps a batch `(1,) + input_shape` to outputs `(1,) +
            output_shape` (tensors or arrays).
        x: one input, `(1,) + input_shape`, NumPy.
        input_positions: int array `input_shape`: the autoregressive
            position of every input value.
        output_positions: int array `output_shape`: the position whose
            distribution every output value describes.
        perturb: `(value) -> new value` applied to one input value.
        tolerance: an output "changed" if it moved by more than this.

    Returns:
        A bool matrix `(num_positions, num_positions)`: `m[a, b]` is True
        if perturbing an input at position `a` changed an output at
        position `b`.
    """
    x = np.array(x, dtype="float32")
    base = ops.convert_to_numpy(fn(x))[0]
    size = int(max(np.max(input_positions), np.max(output_positions))) + 1
    matrix = np.zeros((size, size), bool)
    out_flat = np.asarray(output_positions).ravel()
    for index in np.ndindex(*x.shape[1:]):
        x2 = x.copy()
        x2[(0,) + index] = perturb(x2[(0,) + index])
        out = ops.convert_to_numpy(fn(x2))[0]
        changed = (np.abs(out - base) > tolerance).ravel()
        a = int(np.asarray(input_positions)[index])
        matrix[a, np.unique(out_flat[changed])] = True
    return matrix


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
