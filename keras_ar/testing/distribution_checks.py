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
    """A grid of cells over the bulk of a continuous model's samples (1 or
    2 values per event), for midpoint-rule integration.

    Returns:
        `(edges, centres, events, cell)`: per value the cell edges and
        centres, the events at the cell centres `(cells,) + event_shape`,
        and the volume of one cell.
    """
    if model.num_dims > 2 or model.head.is_discrete:
        raise ValueError(
            "Grid integration needs a continuous head and at most 2 values "
            f"per event. Received event_shape {model.event_shape} with "
            f"{model.head.__class__.__name__}."
        )
    points = points or (4001 if model.num_dims == 1 else 801)
    draws = model.sample(
        2000, condition=_first(model, condition), seed=seed + 1
    ).reshape(2000, -1)
    low, high = draws.min(0), draws.max(0)
    span = np.maximum(high - low, 1e-3)
    edges = [
        np.linspace(lo - 0.5 * s, hi + 0.5 * s, points + 1)
        for lo, hi, s in zip(low, high, span)
    ]
    centres = [(e[1:] + e[:-1]) / 2 for e in edges]
    mesh = np.meshgrid(*centres, indexing="ij")
    events = np.stack([m.ravel() for m in mesh], -1).astype("float32")
    cell = math.prod(e[1] - e[0] for e in edges)
    return edges, centres, events.reshape((-1,) + model.event_shape), cell


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
        _, _, events, cell = continuous_grid(model, condition)
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

    Discrete heads: every event is a bin. Continuous heads (1 or 2 values):
    the density is integrated on a fine grid of cells (midpoint rule); the
    bins are unions of whole cells of about equal marginal mass, plus one
    bin for samples outside the grid. Bins with fewer than 5 expected
    samples are merged.

    Returns:
        `(p_value, total_variation)`.
    """
    from scipy import stats

    draws = model.sample(
        num_samples,
        condition=_broadcast_condition(model, condition, num_samples),
        seed=seed,
    ).reshape(num_samples, -1)
    if model.head.is_discrete:
        events, probs = probabilities(model, condition)
        base = model.head.num_values ** np.arange(model.num_dims)[::-1]
        index = (draws.astype("int64") * base).sum(-1)
        bins = (events.reshape(len(events), -1).astype("int64") * base).sum(-1)
        order = np.argsort(bins)
        counts = np.bincount(index, minlength=len(bins))[bins[order]]
        expected = probs[order] / probs.sum() * num_samples
    else:
        counts, expected = _continuous_bins(model, condition, draws, seed)
    counts, expected = _merge_small(counts, expected)
    total_variation = 0.5 * np.abs(counts - expected).sum() / num_samples
    _, p_value = stats.chisquare(
        counts, expected * counts.sum() / expected.sum()
    )
    return float(p_value), float(total_variation)


def _continuous_bins(model, condition, draws, seed, bins=6):
    """Counts and expected counts in bins made of whole grid cells."""
    edges, centres, events, cell = continuous_grid(model, condition, seed=seed)
    log_prob = model.log_prob(
        events, condition=_broadcast_condition(model, condition, len(events))
    )
    dims = len(edges)
    mass = (np.exp(log_prob.astype("float64")) * cell).reshape(
        tuple(len(c) for c in centres)
    )
    cuts = []
    for axis in range(dims):
        marginal = mass.sum(tuple(a for a in range(dims) if a != axis))
        cdf = np.cumsum(marginal) / marginal.sum()
        index = np.searchsorted(cdf, np.arange(1, bins) / bins) + 1
        cuts.append(edges[axis][np.minimum(index, len(edges[axis]) - 1)])
    cell_bins = np.zeros(mass.shape, "int64")
    draw_bins = np.zeros(len(draws), "int64")
    for axis in range(dims):
        shape = [1] * dims
        shape[axis] = len(centres[axis])
        own = np.searchsorted(cuts[axis], centres[axis]).reshape(shape)
        cell_bins = cell_bins * bins + own
        draw_bins = draw_bins * bins + np.searchsorted(
            cuts[axis], draws[:, axis]
        )
    low = np.array([e[0] for e in edges])
    high = np.array([e[-1] for e in edges])
    outside = np.any((draws < low) | (draws > high), axis=1)
    draw_bins[outside] = bins**dims
    expected = np.bincount(cell_bins.ravel(), mass.ravel(), bins**dims + 1)
    expected[-1] = max(1.0 - mass.sum(), 1e-9)
    counts = np.bincount(draw_bins, minlength=bins**dims + 1)
    return counts, expected / expected.sum() * len(draws)


def _merge_small(counts, expected, minimum=5.0):
    keep = expected >= minimum
    if keep.all():
        return counts.astype("float64"), expected
    counts = np.append(counts[keep], counts[~keep].sum())
    expected = np.append(expected[keep], expected[~keep].sum())
    return counts.astype("float64"), expected
