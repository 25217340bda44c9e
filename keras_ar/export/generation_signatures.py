"""The generating signatures of an exported model: `sample`, `complete`
and `forecast`, as graph functions of checked requests.

Sampling runs the model's generation loop (`Sampler`, one
`tf.while_loop`) on uniform noise from `tf.random.stateless_uniform` with
the request's `seed`: `seed=[s, 0]` draws the noise of
`model.sample(n, seed=s)` (and of `complete` and `forecast`). A sequence
model (`variable_length`, WaveNet) generates in a buffer of the export's
`max_length` steps and runs only the requested steps: being causal, its
first steps do not depend on the buffer's tail, and the noise of the
requested steps is drawn with the requested shape, so the values equal
those of the same request in Python.
"""

import keras

from keras_ar.backend import graph_checks
from keras_ar.export import request_checks
from keras_ar.generation.sampler import Sampler
from keras_ar.utils.validation import MIN_TEMPERATURE


def sample(model, tf, limits, num_samples, seed, temperature, length, parts):
    """`num_samples` new events (`length` steps for sequence models).

    Args:
        model: the exported model.
        tf: the `tensorflow` module.
        limits: the export's `ServingLimits`.
        num_samples: int32 scalar request input.
        seed: int32 `(2,)` request input.
        temperature: float32 scalar request input.
        length: int32 scalar request input, or `None` (fixed-size events).
        parts: the condition inputs.

    Returns:
        `{"samples": (num_samples,) + event}`.
    """
    num_samples = request_checks.checked_scalar(
        tf, num_samples, "num_samples", 0, limits.max_num_samples,
        " (max_num_samples, chosen at export)",
    )  # fmt: skip
    shape = tuple(int(d) for d in model.event_shape)
    if length is not None:
        length = request_checks.checked_scalar(
            tf, length, "length", 1, limits.max_length,
            " (max_length, chosen at export)",
        )  # fmt: skip
        shape = (length,) + shape[1:]
    x = tf.zeros((num_samples,) + shape, tf.float32)
    known = tf.zeros_like(x, tf.bool)
    values = _generate(model, tf, limits, x, known, seed, temperature, parts)
    return {"samples": values}


def complete(model, tf, limits, x, known_mask, seed, temperature, parts):
    """`x` with its unknown values (`known_mask` false) sampled."""
    batch = (limits.max_num_samples, "max_num_samples")
    known_mask = request_checks.checked_shape(
        tf, known_mask, "known_mask", request_checks.event_shape_pattern(model)
    )
    same = tf.debugging.assert_equal(
        tf.shape(known_mask),
        tf.shape(x),
        message="`known_mask` must have the shape of `x`",
    )
    (known_mask,) = graph_checks.after(tf, [same], known_mask)
    x = request_checks.checked_events(
        tf, model, x, limits, batch=batch, check_values=False
    )
    for axis in range(2 if model.variable_length else 1):
        size = tf.shape(x)[axis]
        known_mask = request_checks.fit_axis(tf, known_mask, axis, size)
    values = graph_checks.value_checks(tf, model.head, x, "x", where=known_mask)
    x, known_mask = graph_checks.after(tf, values, x, known_mask)
    # Values at unknown positions are never read before they are sampled,
    # but a NaN there would still leak through the zero weights of masked
    # kernels: clear them.
    x = tf.where(known_mask, x, tf.zeros_like(x))
    values = _generate(
        model, tf, limits, x, known_mask, seed, temperature, parts
    )
    return {"samples": values}


def forecast(
    model, tf, limits, context, steps, num_paths, levels, seed, temp, parts
):
    """Sample paths continuing `context` and their summary: the graph
    version of `keras_ar.tasks.forecast` for a batch of series."""
    flat = len(model.event_shape) == 1
    channels = 1 if flat else int(model.event_shape[-1])
    pattern = (None, None) if flat else (None, None, channels)
    context = request_checks.checked_shape(tf, context, "context", pattern)
    checks = graph_checks.value_checks(tf, model.head, context, "context")
    received = tf.shape(context)
    checks.append(
        tf.debugging.Assert(
            received[1] >= 1,
            ["`context` needs at least 1 step. Received shape:", received],
        )
    )
    (context,) = graph_checks.after(tf, checks, context)
    if flat:
        context = context[..., None]
    levels = _checked_levels(tf, levels)
    num_paths = request_checks.checked_scalar(
        tf, num_paths, "num_paths", 1, limits.max_num_samples,
        " (max_num_samples, chosen at export)",
    )  # fmt: skip
    batch = request_checks.checked_at_most(
        tf, tf.shape(context)[0], limits.max_num_samples,
        "The series in `context` (max_num_samples, chosen at export)",
    )  # fmt: skip
    rows = request_checks.checked_at_most(
        tf, batch * num_paths, limits.max_num_samples,
        "Series x `num_paths` (max_num_samples, chosen at export)",
    )  # fmt: skip
    num_paths = tf.where(batch > 0, rows // tf.maximum(batch, 1), num_paths)
    local = model.condition_spec.part("local_condition") is not None
    field = getattr(model, "receptive_field", None)
    if model.variable_length and not local and field is not None:
        context = context[:, -field:]
    known_steps = tf.shape(context)[1]
    if model.variable_length:
        room, why = limits.max_length, "max_length, chosen at export"
    else:
        room, why = int(model.event_shape[0]), "the event length of the model"
    steps = request_checks.checked_scalar(
        tf, steps, "steps", 1, room, f" ({why})"
    )
    total = request_checks.checked_at_most(
        tf, known_steps + steps, room, f"Context + `steps` ({why})"
    )
    length = total if model.variable_length else int(model.event_shape[0])
    condition = request_checks.checked_condition(
        tf, model, parts, batch, length
    )
    if condition is not None:
        condition = {
            k: tf.repeat(v, num_paths, axis=0) for k, v in condition.items()
        }
    known_part = tf.repeat(context, num_paths, axis=0)
    pad = [[0, 0], [0, length - known_steps], [0, 0]]
    x = tf.pad(known_part, pad)
    known = tf.pad(tf.ones_like(known_part, tf.bool), pad)
    if not model.variable_length:
        x = tf.ensure_shape(x, (None, length, channels))
        known = tf.ensure_shape(known, (None, length, channels))
    if flat:
        x, known = x[..., 0], known[..., 0]
    values = _generate(
        model, tf, limits, x, known, seed, temp, None, condition=condition
    )
    values = tf.reshape(values, (batch, num_paths, length, channels))
    paths = values[:, :, known_steps:total]
    return _summary(tf, paths, levels, flat)


def _checked_levels(tf, levels):
    levels = request_checks.checked_shape(tf, levels, "quantiles", (None,))
    ok = tf.reduce_all((levels >= 0.0) & (levels <= 1.0))
    ok = tf.logical_and(ok, tf.size(levels) > 0)
    check = tf.debugging.Assert(
        ok, ["`quantiles` must be levels in [0, 1]. Received:", levels]
    )
    (levels,) = graph_checks.after(tf, [check], levels)
    return levels


def _summary(tf, paths, levels, flat):
    """Quantiles (NumPy's default linear method), mean and median over the
    paths axis, computed in float64 like `np.quantile`."""
    values = tf.cast(paths, tf.float64)
    ordered = tf.sort(values, axis=1)
    out = {
        "samples": paths,
        "quantiles": _quantiles(tf, ordered, tf.cast(levels, tf.float64)),
        "mean": tf.reduce_mean(values, axis=1),
        "median": _quantiles(tf, ordered, tf.constant([0.5], tf.float64))[0],
    }
    out = {
        k: v if k == "samples" else tf.cast(v, tf.float32)
        for k, v in out.items()
    }
    if flat:
        out = {k: v[..., 0] for k, v in out.items()}
    return out


def _quantiles(tf, ordered, levels):
    """`np.quantile(values, levels, axis=1)` of values sorted on axis 1:
    `(levels, batch, ...)`."""
    n = tf.shape(ordered)[1]
    virtual = levels * tf.cast(n - 1, tf.float64)
    low = tf.cast(tf.floor(virtual), tf.int32)
    high = tf.minimum(low + 1, n - 1)
    gamma = virtual - tf.floor(virtual)
    below = tf.gather(ordered, low, axis=1)
    above = tf.gather(ordered, high, axis=1)
    # (batch, levels, ...) -> (levels, batch, ...)
    rank = len(ordered.shape)
    perm = [1, 0] + list(range(2, rank))
    below, above = tf.transpose(below, perm), tf.transpose(above, perm)
    gamma = tf.reshape(gamma, [-1] + [1] * (rank - 1))
    diff = above - below
    # NumPy's `_lerp`: exact at both ends.
    return tf.where(
        gamma >= 0.5, above - diff * (1 - gamma), below + diff * gamma
    )


def _generate(
    model, tf, limits, x, known, seed, temperature, parts, condition=None
):
    """Checks the seed, temperature and condition, then generates."""
    seed = request_checks.checked_shape(tf, seed, "seed", (2,))
    temperature = request_checks.checked_scalar(
        tf, temperature, "temperature", MIN_TEMPERATURE, None
    )
    batch = tf.shape(x)[0]
    length = request_checks.events_length(tf, model, x)
    if parts is not None:
        condition = request_checks.checked_condition(
            tf, model, parts, batch, length
        )
    # Exactly what `keras.random.uniform(shape, seed=s)` draws on the
    # TensorFlow backend for the seed [s, 0] (`model.sample(seed=s)`).
    shape = (batch, length) + tuple(int(d) for d in model.event_shape[1:])
    noise = tf.random.stateless_uniform(
        model.generation_noise_shape(shape),
        seed=seed,
        minval=0.0,
        maxval=1.0,
        dtype=keras.config.floatx(),
    )
    if model.variable_length:
        values = _generate_in_buffer(
            model, tf, limits, x, known, noise, temperature, condition
        )
    else:
        values = model.generate(x, known, noise, temperature, condition)
    if model.head.is_discrete:
        values = tf.cast(tf.round(values), tf.int32)
    return values


def _generate_in_buffer(
    model, tf, limits, x, known, noise, temperature, condition
):
    """Generation of `length <= max_length` steps in a static buffer."""
    length = tf.shape(x)[1]
    size = limits.max_length
    tail = tuple(int(d) for d in model.event_shape[1:])

    def in_buffer(value, axis_size, shape):
        value = request_checks.fit_axis(tf, value, 1, axis_size)
        return tf.ensure_shape(value, shape)

    buffer_x = in_buffer(x, size, (None, size) + tail)
    buffer_known = in_buffer(known, size, (None, size) + tail)
    noise_rows = model.generation_noise_shape((1, size) + tail)[1]
    noise = in_buffer(noise, noise_rows, (None, noise_rows, noise.shape[-1]))
    if condition is not None and "local_condition" in condition:
        part = model.condition_spec.part("local_condition")
        local = request_checks.fit_axis(
            tf, condition["local_condition"], 1, part.frames(size)
        )
        condition = dict(condition, local_condition=local)
    sampler = Sampler(model)
    cache = sampler.build_cache(
        buffer_x, buffer_known, noise, condition, True, False
    )
    steps = model.generation_steps((length,) + tail)
    values, _ = sampler.run(
        buffer_x, buffer_known, noise, temperature, cache, 0, steps, True
    )
    return values[:, :length]
