"""Input checks at the public boundary of the models.

Every check raises `ValueError` naming what was expected and what was
received, before any work is done.
"""

import numpy as np


def check_event_shape(model, x, name="x"):
    """Checks the rank and the static non-batch shape of `x`."""
    shape = tuple(x.shape)
    expected = (None,) + model.event_shape
    if len(shape) != len(expected):
        hint = ""
        if len(shape) == len(expected) - 1 and model.event_shape[-1] == 1:
            hint = " (add a channel axis: x[..., None])"
        raise ValueError(
            f"{model.__class__.__name__} expects `{name}` of rank "
            f"{len(expected)} with shape (batch, "
            f"{', '.join(map(str, model.event_shape))}). Received shape "
            f"{shape}{hint}."
        )
    received = tuple(None if d is None else int(d) for d in shape[1:])
    if any(r is not None and r != e for r, e in zip(received, expected[1:])):
        raise ValueError(
            f"{model.__class__.__name__} expects `{name}` with shape "
            f"(batch, {', '.join(map(str, model.event_shape))}). Received "
            f"shape {shape}."
        )


def check_events(model, x, name="x"):
    """Checks shape, dtype, NaN and value range of concrete events.

    Returns:
        `x` as a NumPy array.
    """
    x = np.asarray(x)
    if x.dtype.kind not in "biuf":
        raise ValueError(f"`{name}` must be numeric. Received dtype {x.dtype}.")
    check_event_shape(model, x, name)
    if x.size == 0:
        return x
    if x.dtype.kind == "f" and not np.all(np.isfinite(x)):
        raise ValueError(
            f"`{name}` contains NaN or infinite values "
            f"({int(np.sum(~np.isfinite(x)))} of {x.size})."
        )
    head = model.head
    if head.num_values is not None:
        low, high = head.value_range
        lo, hi = x.min(), x.max()
        if lo < low or hi > high:
            raise ValueError(
                f"`{name}` values must lie in [{low}, {high}] for the "
                f"{head.__class__.__name__} head. Received values in "
                f"[{lo}, {hi}]."
            )
        if x.dtype.kind == "f" and not np.all(np.equal(np.mod(x, 1), 0)):
            raise ValueError(
                f"`{name}` must hold whole numbers in [{low}, {high}] for "
                f"the {head.__class__.__name__} head. Received non-integer "
                "values, e.g. "
                f"{x[np.not_equal(np.mod(x, 1), 0)].ravel()[0]}."
            )
    return x


def check_condition(model, condition, batch_size):
    """Checks integer class ids `(batch,)` for conditional models."""
    condition = np.asarray(condition)
    if condition.ndim == 2 and condition.shape[-1] == 1:
        condition = condition[:, 0]
    if condition.dtype.kind not in "biu" and not (
        condition.dtype.kind == "f"
        and np.all(np.equal(np.mod(condition, 1), 0))
    ):
        raise ValueError(
            "`condition` must hold integer class ids. Received dtype "
            f"{condition.dtype}."
        )
    if condition.shape != (batch_size,):
        raise ValueError(
            f"`condition` must have shape ({batch_size},), one class id per "
            f"example. Received shape {condition.shape}."
        )
    if condition.size and (
        condition.min() < 0 or condition.max() >= model.condition_classes
    ):
        raise ValueError(
            f"`condition` class ids must lie in [0, "
            f"{model.condition_classes - 1}]. Received values in "
            f"[{condition.min()}, {condition.max()}]."
        )
    return condition.astype("int32")


def check_known_mask(model, known_mask, shape):
    """Checks and broadcasts a known-value mask to `shape`."""
    known = np.asarray(known_mask)
    if known.shape == tuple(shape[:-1]):
        known = np.broadcast_to(known[..., None], shape)
    if known.shape != tuple(shape):
        raise ValueError(
            f"`known_mask` must have shape {tuple(shape)} or "
            f"{tuple(shape[:-1])}. Received shape {known.shape}."
        )
    if known.dtype != bool:
        if not np.all(np.isin(known, (0, 1))):
            raise ValueError(
                "`known_mask` must be boolean (or 0/1). Received values "
                f"{np.unique(known)[:5]}."
            )
        known = known.astype(bool)
    return np.ascontiguousarray(known)


def check_positive_int(value, name):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ValueError(
            f"`{name}` must be a positive int. Received: {name}={value!r}"
        )
    if value < 1:
        raise ValueError(
            f"`{name}` must be a positive int. Received: {name}={value}"
        )
    return int(value)


def check_temperature(temperature):
    try:
        value = float(temperature)
    except (TypeError, ValueError):
        value = float("nan")
    if not value > 0 or not np.isfinite(value):
        raise ValueError(
            "`temperature` must be a positive finite number. Received: "
            f"temperature={temperature!r}"
        )
