"""Pixel and audio value transforms: quantize, binarize, dequantize, mu-law.

The mu-law maths lives with its head (`keras_ar.heads.mu_law_categorical`);
`mu_law_encode` and `mu_law_decode` here call it (importing it on first
use, so that importing `keras_ar.data` does not import Keras).

Each transform accepts NumPy arrays (and Python scalars/lists), returning
NumPy arrays computed in float64 with NumPy's random generators, or backend
tensors (TensorFlow, JAX, ...), returning tensors computed with `keras.ops`
and `keras.random`. Keras is imported only for tensor inputs, so these work
on NumPy data without any backend installed.

Inputs are validated: values outside the documented range raise ValueError
naming the expected and received range. For tensors the check runs when the
values are concrete (eager execution); inside traced functions (`tf.function`,
`tf.data` maps, `jax.jit`) the values are unknown and the check is skipped.
"""

import numbers

import numpy as np

from keras_ar.backend.tensors import check_value_range
from keras_ar.backend.tensors import is_numpy_like

__all__ = [
    "binarize",
    "dequantize",
    "mu_law_decode",
    "mu_law_encode",
    "quantize",
]

# Largest float32 below 1: keeps dequantized values in [0, 1) after rounding.
_BELOW_ONE = float(np.nextafter(np.float32(1.0), np.float32(0.0)))


def quantize(x, num_levels, max_value=255):
    """Maps values in [0, max_value] to integer levels 0..num_levels-1.

    Uses equal-width bins: `level = min(floor(x * num_levels / max_value),
    num_levels - 1)`. For 8-bit data and a power-of-two `num_levels` this is
    the usual bit-depth reduction `x // (256 // num_levels)` (e.g. 3-bit
    images with `num_levels=8`).

    Args:
        x: Values in [0, max_value]; NumPy array, scalar, list or tensor.
        num_levels: Number of output levels, an integer >= 2.
        max_value: Largest possible input value (255 for uint8 images).

    Returns:
        int32 levels in [0, num_levels - 1], a NumPy array for NumPy input,
        else a tensor.

    Raises:
        ValueError: If `num_levels` < 2, `max_value` <= 0, or values lie
            outside [0, max_value].

    Example:

    >>> import numpy as np
    >>> quantize(np.array([0, 63, 64, 191, 192, 255], np.uint8), 4)
    array([0, 0, 1, 2, 3, 3], dtype=int32)
    """
    _check_levels(num_levels, "num_levels")
    _check_positive(max_value, "max_value")
    check_value_range(x, 0, max_value, "quantize")
    if is_numpy_like(x):
        levels = np.floor(np.asarray(x, np.float64) * num_levels / max_value)
        return np.minimum(levels, num_levels - 1).astype(np.int32)
    ops = _keras_ops()
    # x * n is exact in float32, so exact bin edges divide exactly.
    levels = ops.floor(ops.cast(x, "float32") * num_levels / max_value)
    return ops.cast(ops.minimum(levels, num_levels - 1), "int32")


def binarize(x, seed=None, threshold=None, max_value=255):
    """Binarizes values in [0, max_value] to {0, 1}.

    Two modes:

    - stochastic (default): pixel = 1 with probability `x / max_value`, one
      independent Bernoulli draw per value. For NumPy integer input with an
      integer `max_value` the draw is exact: `u < x` with `u` uniform on the
      integers 0..max_value-1 (`numpy.random.default_rng(seed).integers`);
      for float NumPy input `u < x / max_value` with `u` uniform in [0, 1);
      for tensors `keras.random.uniform(seed=seed)`.
    - deterministic: pixel = 1 where `x > threshold`.

    Args:
        x: Values in [0, max_value]; NumPy array, scalar, list or tensor.
        seed: Stochastic mode seed: an int, None (fresh randomness), a
            `numpy.random.Generator` (NumPy input) or a
            `keras.random.SeedGenerator` (tensor input).
        threshold: If given, binarize deterministically at this value
            (in the units of `x`); cannot be combined with `seed`.
        max_value: Largest possible input value (255 for uint8 images).

    Returns:
        uint8 values in {0, 1} with the shape of `x`: a NumPy array for NumPy
        input, else a tensor.

    Raises:
        ValueError: If both `seed` and `threshold` are given, `max_value` <=
            0, `threshold` is outside [0, max_value], or values lie outside
            [0, max_value].

    Example:

    >>> import numpy as np
    >>> x = np.array([0, 100, 200, 255], np.uint8)
    >>> binarize(x, threshold=127)
    array([0, 0, 1, 1], dtype=uint8)
    >>> b = binarize(x, seed=0)
    >>> int(b[0]), int(b[3])  # probability 0 and 1
    (0, 1)
    """
    if seed is not None and threshold is not None:
        raise ValueError(
            "binarize takes either seed (stochastic) or threshold "
            f"(deterministic), not both; received seed={seed!r} and "
            f"threshold={threshold!r}."
        )
    _check_positive(max_value, "max_value")
    if threshold is not None and not (
        isinstance(threshold, numbers.Real) and 0 <= threshold <= max_value
    ):
        raise ValueError(
            f"threshold must be a number in [0, {max_value}]; received "
            f"{threshold!r}."
        )
    check_value_range(x, 0, max_value, "binarize")
    if is_numpy_like(x):
        x = np.asarray(x)
        if threshold is not None:
            return (x > threshold).astype(np.uint8)
        rng = np.random.default_rng(seed)
        exact = np.issubdtype(x.dtype, np.integer) and (
            float(max_value).is_integer()
            and max_value <= np.iinfo(np.int64).max
        )
        if exact:
            high = int(max_value)
            uniform = rng.integers(
                0, high, size=x.shape, dtype=np.min_scalar_type(high - 1)
            )
            return (uniform < x).astype(np.uint8)
        uniform = rng.random(size=x.shape)
        return (uniform < x / max_value).astype(np.uint8)
    import keras

    ops = keras.ops
    if threshold is not None:
        return ops.cast(ops.greater(x, threshold), "uint8")
    probs = ops.cast(x, "float32") / max_value
    uniform = keras.random.uniform(ops.shape(probs), seed=seed)
    return ops.cast(ops.less(uniform, probs), "uint8")


def dequantize(x, num_levels, seed=None):
    """Adds uniform noise to integer levels: continuous values in [0, 1).

    `y = (x + u) / num_levels` with `u ~ Uniform[0, 1)`, the standard
    dequantization that turns a discrete likelihood into a density (e.g.
    Theis et al., 2016). For NumPy input each value is kept inside its own
    bin after rounding to float32, so `floor(y * num_levels) == x` exactly
    (and `quantize(y, num_levels, max_value=1.0)` recovers `x`); for tensors
    the arithmetic is float32 and values are only clipped below 1.0, so a
    value within one float32 ulp of a bin edge may fall across it.

    Args:
        x: Integer levels in [0, num_levels - 1]; NumPy array, scalar, list
            or tensor.
        num_levels: Number of levels, an integer >= 2 (256 for uint8).
        seed: An int, None (fresh randomness), a `numpy.random.Generator`
            (NumPy input) or a `keras.random.SeedGenerator` (tensor input).

    Returns:
        float32 values in [0, 1), a NumPy array for NumPy input, else a
        tensor.

    Raises:
        ValueError: If `num_levels` < 2 or values are not integers in
            [0, num_levels - 1].

    Example:

    >>> import numpy as np
    >>> y = dequantize(np.array([0, 128, 255], np.uint8), 256, seed=0)
    >>> y.dtype, bool(np.all(np.floor(y * 256) == [0, 128, 255]))
    (dtype('float32'), True)
    """
    _check_levels(num_levels, "num_levels")
    check_value_range(x, 0, num_levels - 1, "dequantize", integers=True)
    if is_numpy_like(x):
        x = np.asarray(x, np.float64)
        uniform = np.random.default_rng(seed).random(size=x.shape)
        y = ((x + uniform) / num_levels).astype(np.float32)
        # Rounding to float32 may cross a bin edge: clamp each value into
        # its own bin, [x / n, (x + 1) / n), so floor(y * n) == x exactly.
        low = (x / num_levels).astype(np.float32)
        low = np.where(
            low.astype(np.float64) * num_levels < x,
            np.nextafter(low, np.float32(np.inf)),
            low,
        )
        high = ((x + 1) / num_levels).astype(np.float32)
        high = np.where(
            high.astype(np.float64) * num_levels >= x + 1,
            np.nextafter(high, np.float32(0)),
            high,
        )
        return np.clip(y, low, high)
    import keras

    ops = keras.ops
    x = ops.cast(x, "float32")
    uniform = keras.random.uniform(ops.shape(x), seed=seed)
    return ops.minimum((x + uniform) / num_levels, _BELOW_ONE)


def _keras_ops():
    import keras

    return keras.ops


def _is_integer(value):
    return isinstance(value, (numbers.Integral, np.integer)) and not (
        isinstance(value, bool)
    )


def _check_levels(value, name):
    if not _is_integer(value) or value < 2:
        raise ValueError(f"{name} must be an integer >= 2; received {value!r}.")


def _check_positive(value, name):
    if isinstance(value, bool) or not (
        isinstance(value, numbers.Real) and value > 0
    ):
        raise ValueError(f"{name} must be a number > 0; received {value!r}.")


def mu_law_encode(x, mu=255):
    """Audio in [-1, 1] -> mu-law codes 0..mu: see
    `keras_ar.heads.mu_law_encode` (the maths lives with the head).

    Example:

    >>> import numpy as np
    >>> mu_law_encode(np.array([-1.0, 0.0, 1.0]))
    array([  0, 128, 255], dtype=int32)
    """
    from keras_ar.heads.mu_law_categorical import mu_law_encode as encode

    return encode(x, mu=mu)


def mu_law_decode(codes, mu=255):
    """Mu-law codes 0..mu -> audio in [-1, 1]: see
    `keras_ar.heads.mu_law_decode` (the maths lives with the head).

    Example:

    >>> import numpy as np
    >>> mu_law_decode(np.array([0, 255])).tolist()
    [-1.0, 1.0]
    """
    from keras_ar.heads.mu_law_categorical import mu_law_decode as decode

    return decode(codes, mu=mu)
