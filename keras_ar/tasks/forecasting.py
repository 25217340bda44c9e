"""Probabilistic forecasting with any autoregressive model."""

import numpy as np

from keras_ar.conditioning import ConditionSpec
from keras_ar.utils import validation


def forecast(
    model,
    context,
    steps,
    num_samples=100,
    quantiles=(0.1, 0.5, 0.9),
    condition=None,
    seed=None,
    temperature=1.0,
    use_cache=True,
    progress=False,
):
    """Sample paths continuing `context`, with quantiles and means.

    Works with any model whose event is a sequence: `(length, channels)`
    events (WaveNet) or flat `(length,)` events (MADE, NADE; the values in
    their order). The context is written as the known start of each
    event and the next `steps` values are sampled with `model.complete`,
    `num_samples` times per series. A model with `variable_length`
    (WaveNet) generates `len(context) + steps` values and, without a local
    condition, only sees the last `receptive_field` values, so the context
    is cropped to them first (the result is the same); other models need
    `len(context) + steps <= event_shape[0]`.

    Args:
        model: an `AutoregressiveModel`.
        context: the observed series in the head's value space: `(time,)`
            (one channel, or a flat model), `(time, channels)` or
            `(batch, time, channels)` (`(batch, time)` for flat models).
        steps: number of future steps.
        num_samples: sample paths per series.
        quantiles: quantile levels to report.
        condition: one condition per series (local features must cover
            `time + steps` steps).
        seed: int or `None`.
        temperature: positive float.
        use_cache: the model's cached step (same samples as naive).
        progress: show a progress bar.

    Returns:
        A dict of NumPy arrays: `"samples"` `(batch, num_samples, steps,
        channels)`, `"quantiles"` `(levels, batch, steps, channels)`,
        `"mean"` and `"median"` `(batch, steps, channels)`, and
        `"quantile_levels"`. A context without a batch axis drops it from
        the results; a `(time,)` context drops the channel axis too.

    Example:

    >>> import numpy as np
    >>> from keras_ar.models import NADE
    >>> model = NADE((6,), hidden_units=4)
    >>> out = forecast(model, np.array([1, 0, 1]), steps=2, num_samples=5,
    ...                seed=0)
    >>> out["samples"].shape, out["quantiles"].shape
    ((5, 2), (3, 2))
    """
    steps = validation.check_positive_int(steps, "steps")
    num_samples = validation.check_positive_int(num_samples, "num_samples")
    levels = validation.check_quantile_levels(quantiles)
    flat = len(model.event_shape) == 1
    _check_natural_order(model)
    channels = 1 if flat else model.channels
    context, axes = _as_batch(np.asarray(context), channels, flat)
    spec = model.condition_spec
    local = spec.part("local_condition") is not None
    field = getattr(model, "receptive_field", None)
    if model.variable_length and not local and field is not None:
        context = context[:, -field:]
    batch, known_steps = context.shape[:2]
    total = known_steps + steps
    if not model.variable_length and total > model.event_shape[0]:
        raise ValueError(
            f"{model.__class__.__name__} models sequences of "
            f"{model.event_shape[0]} values: a context of {known_steps} "
            f"leaves at most {model.event_shape[0] - known_steps} steps. "
            f"Received: steps={steps}"
        )
    length = total if model.variable_length else model.event_shape[0]
    condition = spec.check(condition, batch, length, broadcast=not axes[0])
    condition = ConditionSpec.repeat(condition, num_samples)
    x = np.zeros((batch * num_samples, length, channels), "float32")
    x[:, :known_steps] = np.repeat(context, num_samples, axis=0)
    known = np.zeros(x.shape, bool)
    known[:, :known_steps] = True
    if flat:
        x, known = x[..., 0], known[..., 0]
    paths = model.complete(
        x,
        known,
        condition=condition,
        seed=seed,
        temperature=temperature,
        use_cache=use_cache,
        progress=progress,
    )
    paths = paths.reshape((batch, num_samples, length, channels))
    paths = paths[:, :, known_steps:total]
    return _summary(paths, levels, axes)


def _check_natural_order(model):
    """A forecast continues a context: the model must generate the values
    after it from it, i.e. in their natural order."""
    natural = np.arange(model.num_dims)
    for order in model.generation_orders():
        if order is not None and not np.array_equal(order, natural):
            raise ValueError(
                f"{model.__class__.__name__} generates its values in another "
                "order than their natural one (e.g. MADE with "
                "order='random' or order-agnostic masks), so its samples "
                "are not conditioned on a context at the start. Forecast "
                "with a model in natural order. Received an order starting "
                f"{np.asarray(order)[:5].tolist()}."
            )


def _as_batch(context, channels, flat):
    """`(batch, time, channels)` context, and whether the caller's context
    had a batch axis and a channel axis."""
    rank = context.ndim
    if flat:
        if rank not in (1, 2) or context.shape[-1] < 1:
            raise ValueError(
                "`context` must have shape (time,) or (batch, time) for a "
                f"model of flat events. Received shape {context.shape}."
            )
        return (context[None] if rank == 1 else context)[..., None], (
            rank == 2,
            False,
        )
    if rank == 1 and channels == 1:
        context = context[None, :, None]
    elif rank == 2:
        context = context[None]
    elif rank != 3:
        raise ValueError(
            "`context` must have shape (time,) (one channel), (time, "
            f"{channels}) or (batch, time, {channels}). Received shape "
            f"{context.shape}."
        )
    if context.shape[-1] != channels or context.shape[1] < 1:
        raise ValueError(
            f"`context` must have shape (batch, time >= 1, {channels}). "
            f"Received shape {context.shape}."
        )
    return context, (rank == 3, rank > 1)


def _summary(paths, levels, axes):
    has_batch, has_channel = axes
    out = {
        "samples": paths,
        "quantiles": np.quantile(paths, levels, axis=1),
        "mean": paths.mean(axis=1),
        "median": np.median(paths, axis=1),
    }
    if not has_batch:
        out["samples"] = out["samples"][0]
        out["quantiles"] = out["quantiles"][:, 0]
        out["mean"] = out["mean"][0]
        out["median"] = out["median"][0]
    if not has_channel:
        out = {key: value[..., 0] for key, value in out.items()}
    out["quantile_levels"] = levels
    return out
