"""Telling concrete values from symbolic ones, on any backend.

A NumPy array, a Python number or an eager tensor has values that can be
checked in Python; a tensor being traced (`tf.function`, a `tf.data` map,
`jax.jit`, a KerasTensor) has none. Checks of concrete values raise
`ValueError` before any work is done; traced values are checked in the
graph where that is possible (exported signatures) and otherwise pass.

Example:

>>> import numpy as np
>>> concrete_numpy(np.array([1, 2])).tolist()
[1, 2]
>>> check_value_range(np.array([0.5]), 0, 1, "scale")
"""

import numbers

import numpy as np


def is_numpy_like(x):
    """True for NumPy arrays and scalars, Python numbers, lists, tuples."""
    return isinstance(x, (np.ndarray, np.generic, numbers.Number, list, tuple))


def concrete_numpy(x):
    """`x` as a NumPy array if its values are known now, else `None`.

    NumPy input is returned as an array; eager TensorFlow tensors and
    concrete JAX arrays are copied to NumPy; traced or symbolic tensors give
    `None`.
    """
    if is_numpy_like(x):
        return np.asarray(x)
    if (
        type(x).__name__ in ("KerasTensor", "Tracer")
        or "Tracer" in type(x).__name__
    ):
        return None
    numpy = getattr(x, "numpy", None)
    if numpy is not None:  # TF eager tensor (graph tensors raise)
        try:
            return np.asarray(numpy())
        except Exception:
            return None
    try:  # JAX arrays and others understood by keras
        import keras

        return np.asarray(keras.ops.convert_to_numpy(x))
    except Exception:
        return None


def check_value_range(x, low, high, what, integers=False):
    """Raises ValueError unless all values lie in `[low, high]` (and are
    whole numbers with `integers=True`); traced values pass.

    Args:
        x: NumPy data or a tensor.
        low: smallest valid value.
        high: largest valid value.
        what: who checks (named in the message).
        integers: also require whole numbers.
    """
    array = concrete_numpy(x)
    if array is None:
        return
    if not (np.issubdtype(array.dtype, np.number) or array.dtype == np.bool_):
        raise ValueError(
            f"{what} expects numeric values; received dtype {array.dtype}."
        )
    if array.size == 0:
        return
    lo, hi = array.min(), array.max()
    # Written so that NaN (all comparisons False) fails the check.
    if not (lo >= low and hi <= high):
        raise ValueError(
            f"{what} expects values in [{low}, {high}]; received values in "
            f"[{lo}, {hi}]."
        )
    if integers and np.issubdtype(array.dtype, np.inexact):
        if not np.all(array == np.floor(array)):
            raise ValueError(
                f"{what} expects integer values in [{low}, {high}]; "
                "received non-integer values."
            )
