"""Argument checks, written once for the whole package.

Every check raises `ValueError` naming the argument, what was expected and
what was received, and returns the value in its normalized form, so that
callers write `n = check_positive_int(n, "num_samples")`. NumPy only: this
module sits below everything else (layers, heads, models, data, cli).

Example:

>>> check_positive_int(3, "steps")
3
>>> check_choice("test", "split", ("train", "test"))
'test'
>>> check_seed(None) is None
True
"""

import math
import numbers

import numpy as np

#: Seeds are int32 pairs `[seed, 0]` in exported signatures; every backend
#: accepts `[0, MAX_SEED]`.
MAX_SEED = 2**31 - 2

#: The smallest temperature that is a normal float32 number: below it the
#: logits divided by the temperature overflow or flush to zero.
MIN_TEMPERATURE = float(np.finfo(np.float32).tiny)


def _is_int(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def check_positive_int(value, name):
    """An int `>= 1` (NumPy ints accepted, bools and floats refused)."""
    if not _is_int(value) or value < 1:
        raise ValueError(
            f"`{name}` must be a positive int. Received: {name}={value!r}"
        )
    return int(value)


def check_non_negative_int(value, name):
    """An int `>= 0`."""
    if not _is_int(value) or value < 0:
        raise ValueError(
            f"`{name}` must be an int >= 0. Received: {name}={value!r}"
        )
    return int(value)


def check_optional_positive_int(value, name):
    """`None` or an int `>= 1`."""
    return None if value is None else check_positive_int(value, name)


def check_condition_args(condition_classes, condition_size):
    """`(condition_classes, condition_size)`: each `None` or an int
    `>= 1`, not both given."""
    classes = check_optional_positive_int(
        condition_classes, "condition_classes"
    )
    size = check_optional_positive_int(condition_size, "condition_size")
    if classes is not None and size is not None:
        raise ValueError(
            "Pass `condition_classes` or `condition_size`, not both. "
            f"Received: condition_classes={condition_classes}, "
            f"condition_size={condition_size}"
        )
    return classes, size


def check_channel_groups(channels, at_least=None, multiple=None):
    """Widths shared out among `channels` channel groups (R, G, B): each
    of `at_least` (a dict `name -> value`) needs one feature per group,
    each of `multiple` the same number of features per group."""
    for name, value in (at_least or {}).items():
        if value < channels:
            raise ValueError(
                f"`{name}` must be at least the number of channels "
                f"({channels}), one channel group each. Received: "
                f"{name}={value}"
            )
    for name, value in (multiple or {}).items():
        if value % channels:
            raise ValueError(
                f"`{name}` must be a multiple of the number of channels "
                f"({channels}), as many features per channel group. "
                f"Received: {name}={value}"
            )


def check_choice(value, name, choices):
    """One of `choices` (compared with `==`)."""
    if not any(value == choice for choice in choices) or isinstance(
        value, (list, dict, np.ndarray)
    ):
        raise ValueError(
            f"`{name}` must be one of {tuple(choices)}. Received: "
            f"{name}={value!r}"
        )
    return value


def check_split(split):
    """`"train"` or `"test"`."""
    return check_choice(split, "split", ("train", "test"))


def check_temperature(temperature):
    """A finite float `>= MIN_TEMPERATURE` (about 1.2e-38)."""
    try:
        value = float(temperature)
    except (TypeError, ValueError):
        value = math.nan
    if isinstance(temperature, bool) or not (
        math.isfinite(value) and value >= MIN_TEMPERATURE
    ):
        raise ValueError(
            "`temperature` must be a finite number >= "
            f"{MIN_TEMPERATURE:.4g} (the smallest normal float32). "
            f"Received: temperature={temperature!r}"
        )
    return value


def check_seed(seed):
    """`None` or an int in `[0, MAX_SEED]` (the same range on every
    backend and in exported signatures)."""
    if seed is None:
        return None
    if not _is_int(seed) or not 0 <= seed <= MAX_SEED:
        raise ValueError(
            f"`seed` must be None or an int in [0, {MAX_SEED}]. Received: "
            f"seed={seed!r}"
        )
    return int(seed)


def check_probability(value, name, open_interval=True):
    """A float in `(0, 1)` (or `[0, 1]` with `open_interval=False`)."""
    try:
        q = float(value)
    except (TypeError, ValueError):
        q = math.nan
    ok = 0.0 < q < 1.0 if open_interval else 0.0 <= q <= 1.0
    if isinstance(value, bool) or not ok:
        interval = "(0, 1)" if open_interval else "[0, 1]"
        raise ValueError(
            f"`{name}` must be a float in {interval}. Received: "
            f"{name}={value!r}"
        )
    return q


def check_quantile_levels(levels, name="quantiles"):
    """A non-empty 1-D float64 array of levels in `[0, 1]`."""
    try:
        array = np.asarray(levels, "float64").reshape(-1)
    except (TypeError, ValueError):
        array = np.zeros((0,))
    if array.size == 0 or not np.all((array >= 0) & (array <= 1)):
        raise ValueError(
            f"`{name}` must be levels in [0, 1]. Received: {name}={levels!r}"
        )
    return array


def check_permutation(order, size, name="order"):
    """A permutation of `range(size)`, as an int32 array."""
    array = np.asarray(order)
    if (
        array.shape != (size,)
        or array.dtype.kind not in "iu"
        or not np.array_equal(np.sort(array), np.arange(size))
    ):
        shown = array.tolist() if array.size <= 20 else f"shape {array.shape}"
        raise ValueError(
            f"`{name}` must be a permutation of range({size}). Received: "
            f"{shown}"
        )
    return array.astype("int32")


def check_event_shape(event_shape, name="event_shape"):
    """A non-empty tuple of positive ints."""
    try:
        shape = tuple(event_shape)
    except TypeError:
        shape = ()
    if not shape or not all(_is_int(d) and d >= 1 for d in shape):
        raise ValueError(
            f"`{name}` must be a non-empty tuple of positive ints. "
            f"Received: {name}={event_shape!r}"
        )
    return tuple(int(d) for d in shape)


def check_array_shape(x, event_shape, name, owner, any_length=False):
    """Checks that `x` has shape `(batch,) + event_shape`.

    Args:
        x: an array or tensor (only `.shape` is read; `None` sizes pass).
        event_shape: the expected shape without the batch axis.
        name: the argument's name, for the message.
        owner: who expects it (e.g. the model's class name).
        any_length: accept any size on the first event axis (sequences).
    """
    shape = tuple(x.shape)
    expected = (None,) + tuple(event_shape)
    text = ", ".join(
        ["batch"]
        + [
            "length" if any_length and i == 0 else str(d)
            for i, d in enumerate(event_shape)
        ]
    )
    if len(shape) != len(expected):
        hint = ""
        if len(shape) == len(expected) - 1 and event_shape[-1] == 1:
            hint = " (add a channel axis: x[..., None])"
        raise ValueError(
            f"{owner} expects `{name}` of rank {len(expected)} with shape "
            f"({text}). Received shape {shape}{hint}."
        )
    for axis, (got, want) in enumerate(zip(shape[1:], expected[1:])):
        if got is None or (any_length and axis == 0):
            continue
        if int(got) != want:
            raise ValueError(
                f"{owner} expects `{name}` with shape ({text}). Received "
                f"shape {shape}."
            )


def check_numeric(x, name):
    """A numeric (bool, int or float) NumPy array with finite values."""
    x = np.asarray(x)
    if x.dtype.kind not in "biuf":
        raise ValueError(f"`{name}` must be numeric. Received dtype {x.dtype}.")
    if x.dtype.kind == "f" and x.size and not np.all(np.isfinite(x)):
        bad = int(np.sum(~np.isfinite(x)))
        raise ValueError(
            f"`{name}` contains NaN or infinite values ({bad} of {x.size})."
        )
    return x


def check_known_mask(known_mask, shape):
    """A bool mask of `shape`, or of `shape[:-1]` (broadcast over the last
    axis); 0/1 numbers are accepted."""
    known = np.asarray(known_mask)
    shape = tuple(shape)
    if known.shape == shape[:-1]:
        known = np.broadcast_to(known[..., None], shape)
    if known.shape != shape:
        raise ValueError(
            f"`known_mask` must have shape {shape} or {shape[:-1]}. "
            f"Received shape {known.shape}."
        )
    if known.dtype != bool:
        if known.dtype.kind not in "biuf" or not np.all(np.isin(known, (0, 1))):
            raise ValueError(
                "`known_mask` must be boolean (or 0/1). Received values "
                f"{np.unique(known)[:5]}."
            )
        known = known.astype(bool)
    return np.ascontiguousarray(known)
