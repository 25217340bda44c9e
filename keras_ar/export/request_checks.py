"""In-graph validation of serving requests.

Every input of an exported signature is declared with an unknown shape
and checked here, in the graph, so that TF Serving's C++ runtime (which
never compares a fed tensor with its placeholder), a TF1 session and
`tf.saved_model.load` all refuse a bad request with the same
`InvalidArgumentError`, whose message names the expected and the received
values. The checks run before any work, so a refused request costs
nothing.
"""

from keras_ar.backend import graph_checks


def describe_shape(shape):
    """`(batch, 4, 4, 1)`-style text; `None` sizes are named by position.

    Example:

    >>> describe_shape((None, None, 2))
    '(batch, time, 2)'
    """
    names = ["batch", "time"]
    parts = []
    for i, size in enumerate(shape):
        if size is None:
            parts.append(names[i] if i < len(names) else "any")
        else:
            parts.append(str(size))
    return "(" + ", ".join(parts) + (",)" if len(parts) == 1 else ")")


def checked_shape(tf, value, name, expected):
    """`value` after checking its rank and sizes, with a static shape.

    TensorFlow specializes a loaded signature on the fed shapes when it
    first runs it, and a shape conflict found then (e.g. a `(3,)` seed
    reaching an op that wants `(2,)`) fails before any assertion runs,
    with an internal message. So the checked value is also coerced to the
    expected rank and sizes by ops that accept any input (flatten, pad,
    cut, reshape): no later op can meet a conflicting shape, and the
    assertion, on which the coerced value depends, is what a bad request
    meets.

    Args:
        tf: the `tensorflow` module.
        value: a tensor of unknown shape.
        name: the input's name, for the message.
        expected: tuple of ints and `None` (any size).

    Returns:
        `value`, checked, with static shape `expected`.

    Example:

    >>> import tensorflow as tf
    >>> checked_shape(tf, tf.zeros((2, 3)), "x", (None, 3)).shape
    TensorShape([2, 3])
    >>> try:
    ...     checked_shape(tf, tf.zeros((2, 4)), "x", (None, 3))
    ... except tf.errors.InvalidArgumentError as error:
    ...     print("refused")
    refused
    """
    rank = len(expected)
    shape = tf.shape(value)
    # Padded so that the slice exists whatever the received rank is.
    padded = tf.concat([shape, tf.ones([rank], tf.int32)], 0)[:rank]
    ok = tf.equal(tf.rank(value), rank)
    for i, size in enumerate(expected):
        if size is not None:
            ok = tf.logical_and(ok, tf.equal(padded[i], size))
    check = tf.debugging.Assert(
        ok,
        [
            f"`{name}` must have shape {describe_shape(expected)}. Received "
            "shape:",
            shape,
        ],
        summarize=16,
    )
    with tf.control_dependencies([check]):
        flat = tf.reshape(value, [-1])
    dims = [
        padded[i] if size is None else size for i, size in enumerate(expected)
    ]
    if rank == 0:
        return tf.concat([flat, tf.zeros([1], flat.dtype)], 0)[0]
    inner = 1
    for size in dims[1:]:
        inner = inner * size
    if expected[0] is None:
        dims[0] = tf.size(flat) // tf.maximum(inner, 1)
    total = dims[0] * inner
    flat = tf.concat([flat, tf.zeros([total], flat.dtype)], 0)[:total]
    return tf.reshape(flat, tf.stack(dims))


def fit_axis(tf, value, axis, size):
    """`value` padded with zeros or cut to `size` along `axis`: a checked
    input made to agree with another one's size (see `checked_shape`)."""
    rank = len(value.shape)
    extra = tf.maximum(size - tf.shape(value)[axis], 0)
    pad = [[0, 0]] * rank
    pad[axis] = [0, extra]
    value = tf.pad(value, pad)
    index = [slice(None)] * rank
    index[axis] = slice(0, size)
    return value[tuple(index)]


def checked_scalar(tf, value, name, low, high, note=""):
    """A scalar input, checked to lie in `[low, high]` (ints or floats;
    `high=None` for no upper bound).

    Args:
        tf: the `tensorflow` module.
        value: a tensor of unknown shape.
        name: the input's name.
        low: smallest allowed value.
        high: largest allowed value or `None`.
        note: text after the rule, e.g. where the bound comes from.

    Returns:
        The checked scalar tensor.
    """
    value = checked_shape(tf, value, name, ())
    ok = tf.logical_not(tf.math.is_nan(tf.cast(value, tf.float32)))
    ok = tf.logical_and(ok, value >= tf.cast(low, value.dtype))
    rule = f">= {_number(low)}"
    if high is not None:
        ok = tf.logical_and(ok, value <= tf.cast(high, value.dtype))
        rule = f"in [{_number(low)}, {_number(high)}]"
    check = tf.debugging.Assert(
        ok, [f"`{name}` must be {rule}{note}. Received:", value]
    )
    (value,) = graph_checks.after(tf, [check], value)
    return value


def _number(value):
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def checked_at_most(tf, value, limit, message):
    """`value` (a scalar int tensor), checked to be `<= limit`."""
    check = tf.debugging.Assert(
        value <= limit, [f"{message} must be <= {limit}. Received:", value]
    )
    (value,) = graph_checks.after(tf, [check], value)
    return value


def event_shape_pattern(model):
    """The events' shape with `None` for the batch (and for the length of
    a `variable_length` model)."""
    event = tuple(int(d) for d in model.event_shape)
    if model.variable_length:
        event = (None,) + event[1:]
    return (None,) + event


def checked_events(
    tf, model, x, limits, name="x", batch=None, check_values=True
):
    """Events checked for shape, batch bound, length bound and values.

    Args:
        tf: the `tensorflow` module.
        model: the exported model.
        x: float tensor of unknown shape.
        limits: the export's `ServingLimits`.
        name: the input's name.
        batch: `(bound, what)`: the bound on the batch and the limit's
            name; default `max_batch_size`.
        check_values: also check the values (`complete` checks only the
            known ones itself).

    Returns:
        `x` with a static event shape.
    """
    x = checked_shape(tf, x, name, event_shape_pattern(model))
    bound, what = batch or (limits.max_batch_size, "max_batch_size")
    size = checked_at_most(
        tf, tf.shape(x)[0], bound, f"The batch of `{name}` ({what})"
    )
    checks = [size]
    if model.variable_length:
        length = tf.shape(x)[1]
        checks.append(
            checked_at_most(
                tf, length, limits.max_length, f"The length of `{name}` "
                "(max_length, chosen at export)",
            )
        )  # fmt: skip
        checks.append(
            tf.debugging.Assert(
                length >= 1,
                [f"`{name}` needs at least 1 time step. Received:", length],
            )
        )
    if check_values:
        checks += graph_checks.value_checks(tf, model.head, x, name)
    (x,) = graph_checks.after(tf, checks, x)
    return x


def events_length(tf, model, x):
    """Time steps of checked events `x` (the condition must cover them):
    a tensor for `variable_length` models, else `event_shape[0]`."""
    if model.variable_length:
        return tf.shape(x)[1]
    return int(model.event_shape[0])


def checked_condition(tf, model, parts, batch_size, length):
    """The condition inputs as the model's dict, each checked for rank,
    sizes, batch, values (`condition_spec.graph_checks`).

    Args:
        tf: the `tensorflow` module.
        model: the exported model.
        parts: the condition tensors, in `condition_spec.names` order.
        batch_size: scalar int tensor: examples in the request.
        length: time steps the condition must cover (int or tensor).

    Returns:
        A dict, or `None` for an unconditional model.
    """
    spec = model.condition_spec
    if not spec.is_conditional:
        return None
    condition = {}
    for part, value in zip(spec.parts, parts):
        pattern = tuple(part.tensor_spec(tf).shape.as_list())
        condition[part.name] = checked_shape(tf, value, part.name, pattern)
    checks = spec.graph_checks(tf, condition, batch_size, length)
    values = graph_checks.after(tf, checks, *condition.values())
    condition = {}
    for part, value in zip(spec.parts, values):
        value = fit_axis(tf, value, 0, batch_size)
        if part.name == "local_condition":
            factor = part.upsample_factor
            frames = (length + factor - 1) // factor
            value = fit_axis(
                tf, value, 1, tf.maximum(tf.shape(value)[1], frames)
            )
        condition[part.name] = value
    return condition
