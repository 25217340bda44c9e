"""Checks that a model is a normalized distribution and samples from it."""

import math

import numpy as np

from keras_ar.testing.perturbation import enumerate_events

#: Largest event space enumerated exactly.
MAX_ENUMERATED = 4096


def _broadcast_condition(model, condition, batch):
    """One example's condition, repeated for `batch` events."""
    if condition is None:
        return None
    condition = model.condition_spec.normalize(condition)
    return {
        k: np.repeat(np.asarray(v)[:1], batch, 0) for k, v in condition.items()
    }


def event_space(model):
    """Every event of a discrete model with a tiny event space.

    Raises:
        ValueError: if the head is continuous or the space is too large.
    """
    head = model.head
    size = head.num_values**model.num_dims if head.is_discrete else math.inf
    if size > MAX_ENUMERATED:
        raise ValueError(
            f"The event space of {model.__class__.__name__} "
            f"{model.event_shape} has {size} events; the exact checks need "
            f"at most {MAX_ENUMERATED} (a discrete head and a tiny event "
            "shape)."
        )
    return enumerate_events(model.event_shape, head.num_values)


def continuous_grid(model, condition=None, points=None, seed=0):
    """A grid over the bulk of a continuous model's samples (1 or 2 values).

    Returns:
        `(axes, events, cell)`: the per-value grid points, the grid's events
        `(points ** D,) + event_shape` and the volume of one cell.
    """
    if model.num_dims > 2 or model.head.is_discrete:
        raise ValueError(
            "Grid integration needs a continuous head and at most 2 values "
            f"per event. Received event_shape {model.event_shape} with "
            f"{model.head.__class__.__name__}."
        )
    points = points or (4001 if model.num_dims == 1 else 401)
    draws = model.sample(
        2000, condition=_first(model, condition), seed=seed
    ).reshape(2000, -1)
    low, high = draws.min(0), draws.max(0)
    span = np.maximum(high - low, 1e-3)
    axes = [
        np.linspace(lo - 2 * s, hi + 2 * s, points)
        for lo, hi, s in zip(low, high, span)
    ]
    mesh = np.meshgrid(*axes, indexing="ij")
    events = np.stack([m.ravel() for m in mesh], -1).astype("float32")
    cell = math.prod(a[1] - a[0] for a in axes)
    return axes, events.reshape((-1,) + model.event_shape), cell


def _first(model, condition):
    if condition is None:
        return None
    condition = model.condition_spec.normalize(condition)
    return {k: np.asarray(v)[0] for k, v in condition.items()}


def probabilities(model, condition=None):
    """`(events, probabilities)` of a tiny model under one condition.

    Discrete heads: every event and its probability; continuous heads
    (1 or 2 values): grid points and the probability mass of their cells.
    """
    if model.head.is_discrete:
        events = event_space(model)
        cell = 1.0
    else:
        _, events, cell = continuous_grid(model, condition)
    log_prob = model.log_prob(
        events,
        condition=_broadcast_condition(model, condition, len(events)),
    )
    return events, np.exp(log_prob.astype("float64")) * cell


def assert_normalized(model, condition=None):
    """Asserts the probabilities of all events sum to 1 (`1e-4`; `1e-2`
    for grid integration of continuous heads) and are not all equal."""
    _, probs = probabilities(model, condition)
    tolerance = 1e-4 if model.head.is_discrete else 1e-2
    total = probs.sum()
    if not abs(total - 1.0) < tolerance:
        raise AssertionError(
            f"{model.__class__.__name__}: probabilities sum to {total:.6f}, "
            f"not 1 (tolerance {tolerance})."
        )
    if model.head.is_discrete and probs.std() < 1e-6:
        raise AssertionError(
            "The distribution is uniform: perturb or train the weights "
            "before checking normalization."
        )


def chi_square_p_value(model, condition=None, num_samples=4000, seed=0):
    """p-value of the model's samples against its own `log_prob`.

    Discrete heads: every event is a bin. Continuous heads: a grid of bins
    of about equal mass under the grid-integrated density. Bins with fewer
    than 5 expected samples are merged.

    Returns:
        `(p_value, total_variation)`.
    """
    from scipy import stats

    events, probs = probabilities(model, condition)
    probs = probs / probs.sum()
    draws = model.sample(
        num_samples,
        condition=_broadcast_condition(model, condition, num_samples),
        seed=seed,
    )
    flat_events = events.reshape(len(events), -1)
    flat_draws = draws.reshape(num_samples, -1)
    if model.head.is_discrete:
        base = model.head.num_values ** np.arange(model.num_dims)[::-1]
        index = (flat_draws.astype("int64") * base).sum(-1)
        bins = (flat_events.astype("int64") * base).sum(-1)
        order = np.argsort(bins)
        counts = np.bincount(index, minlength=len(bins))[bins[order]]
        expected = probs[order] * num_samples
    else:
        counts, expected = _continuous_bins(flat_events, probs, flat_draws)
    counts, expected = _merge_small(counts, expected)
    total_variation = (
        0.5 * np.abs(counts / num_samples - expected / num_samples).sum()
    )
    _, p_value = stats.chisquare(
        counts, expected * counts.sum() / expected.sum()
    )
    return float(p_value), float(total_variation)


def _continuous_bins(points, probs, draws, per_axis=6):
    """Counts and expected counts in bins of about equal marginal mass."""
    edges = []
    for axis in range(points.shape[1]):
        values = np.unique(points[:, axis])
        mass = np.array([probs[points[:, axis] == v].sum() for v in values])
        cdf = np.cumsum(mass)
        cuts = np.searchsorted(cdf, np.arange(1, per_axis) / per_axis)
        edges.append(values[np.minimum(cuts, len(values) - 1)])
    point_bins = _bin_index(points, edges, per_axis)
    draw_bins = _bin_index(draws, edges, per_axis)
    size = per_axis ** points.shape[1]
    expected = np.bincount(point_bins, probs, size) * len(draws)
    counts = np.bincount(draw_bins, minlength=size)
    return counts, expected


def _bin_index(values, edges, per_axis):
    index = np.zeros(len(values), "int64")
    for axis, cut in enumerate(edges):
        index = index * per_axis + np.searchsorted(cut, values[:, axis])
    return index


def _merge_small(counts, expected, minimum=5.0):
    keep = expected >= minimum
    if keep.all():
        return counts.astype("float64"), expected
    counts = np.append(counts[keep], counts[~keep].sum())
    expected = np.append(expected[keep], expected[~keep].sum())
    return counts.astype("float64"), expected
