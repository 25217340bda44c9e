"""Input perturbation for the background model of the likelihood ratio."""

import numpy as np


def mutate(x, rate, num_values, seed=None):
    """Replaces each value, with probability `rate`, by a uniform random one.

    The perturbation of Ren et al. (2019), section 3: every position is
    chosen independently with probability `rate` and its value is replaced
    by one drawn uniformly from `0..num_values-1` (so it may by chance keep
    its value). A model trained on such inputs learns the population-level
    background statistics but less of the semantic structure.

    Reference: Ren, Liu, Fertig, Snoek, Poplin, DePristo, Dillon &
    Lakshminarayanan, "Likelihood Ratios for Out-of-Distribution
    Detection", NeurIPS 2019.

    Args:
        x: integer array of values in `0..num_values-1`, any shape.
        rate: the mutation rate, in `[0, 1]`.
        num_values: number of discrete values (2 for binary, 256 for
            8-bit images).
        seed: an int or a `numpy.random.Generator`, for reproducibility.

    Returns:
        A new array of `x`'s shape and dtype.

    Example:

    >>> import numpy as np
    >>> from keras_ar.ood import mutate
    >>> x = np.zeros((2, 4, 4, 1), "int32")
    >>> mutate(x, 0.5, num_values=256, seed=0).shape
    (2, 4, 4, 1)
    """
    x, rate, num_values = check_mutation(x, rate, num_values)
    rng = np.random.default_rng(seed)
    chosen = rng.random(x.shape) < rate
    replacement = rng.integers(0, num_values, size=x.shape)
    return np.where(chosen, replacement, x).astype(x.dtype)


def check_mutation(x, rate, num_values):
    """Checks `mutate`'s arguments without drawing anything.

    Returns:
        `(x, rate, num_values)` as `mutate` uses them: an array, a float
        and an int.
    """
    rate = float(rate)
    if not 0.0 <= rate <= 1.0:
        raise ValueError(
            f"Expected a mutation `rate` in [0, 1]. Received: rate={rate}"
        )
    if int(num_values) != num_values or num_values < 2:
        raise ValueError(
            "Expected `num_values` an integer >= 2 (the number of discrete "
            f"values). Received: num_values={num_values!r}"
        )
    num_values = int(num_values)
    x = np.asarray(x)
    if x.size and not np.issubdtype(x.dtype, np.integer):
        if not np.all(np.mod(x, 1) == 0):
            raise ValueError(
                "Expected integer values in 0..num_values-1 "
                f"({num_values} values). Received non-integer values of "
                f"dtype {x.dtype}."
            )
    if x.size and (x.min() < 0 or x.max() >= num_values):
        raise ValueError(
            f"Expected values in 0..{num_values - 1}. Received values in "
            f"{x.min()}..{x.max()}."
        )
    return x, rate, num_values


def mutate_entry(x, key, rate, num_values, seed=None):
    """`mutate` of `x`, or of its entry `key` when `key` is not `None`
    (a dict input with a condition, returned as a new dict)."""
    if key is None:
        return mutate(x, rate, num_values, seed)
    x = dict(x)
    x[key] = mutate(x[key], rate, num_values, seed)
    return x
