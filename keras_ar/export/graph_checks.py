"""In-graph input checks of the exported signatures.

The checks are `tf.debugging` assertions: they run in the C++ runtime of
TF Serving and turn a bad request into an `InvalidArgumentError` (HTTP 400)
that names the problem, instead of a silently wrong answer.
"""


def check_events(model, tf, x, name, where=None):
    """Asserts that `x` holds valid events of `model`.

    Args:
        model: an `AutoregressiveModel`.
        tf: the `tensorflow` module.
        x: float32 tensor `(batch,) + event_shape`.
        name: the input's name, for the messages.
        where: optional bool tensor like `x`; only these values are checked.

    Returns:
        A list of assertion ops.

    Example:

    >>> checks = check_events(model, tf, x, "x")
    >>> with tf.control_dependencies(checks):
    ...     x = tf.identity(x)
    """
    if where is not None:
        x = tf.where(where, x, tf.zeros_like(x))
    checks = [
        tf.debugging.assert_all_finite(x, f"`{name}` has NaN or inf values")
    ]
    head = model.head
    if head.num_values is None:
        return checks
    low, high = head.value_range
    if where is not None:
        x = tf.where(where, x, tf.fill(tf.shape(x), float(low)))
    checks += [
        tf.debugging.assert_greater_equal(
            x, float(low), message=f"`{name}` values must be >= {low}"
        ),
        tf.debugging.assert_less_equal(
            x, float(high), message=f"`{name}` values must be <= {high}"
        ),
        tf.debugging.assert_equal(
            x,
            tf.round(x),
            message=f"`{name}` must hold whole numbers in [{low}, {high}]",
        ),
    ]
    return checks


def check_condition(model, tf, condition, x):
    """Asserts `condition` holds one valid class id per example of `x`.

    Args:
        model: an `AutoregressiveModel`.
        tf: the `tensorflow` module.
        condition: int32 tensor `(batch,)` or `None`.
        x: the events the condition goes with.

    Returns:
        A list of assertion ops (empty when `condition` is `None`).

    Example:

    >>> checks = check_condition(model, tf, condition, x)
    """
    if condition is None:
        return []
    classes = model.condition_classes
    return [
        tf.debugging.assert_equal(
            tf.size(condition),
            tf.shape(x)[0],
            message="`condition` needs one class id per example",
        ),
        tf.debugging.assert_non_negative(
            condition, message="`condition` class ids must be >= 0"
        ),
        tf.debugging.assert_less(
            condition,
            tf.constant(classes, condition.dtype),
            message=f"`condition` class ids must be < {classes}",
        ),
    ]


def check_local_condition(model, tf, local, x):
    """Asserts a WaveNet local condition fits the events `x`.

    Args:
        model: a `WaveNet` with `local_condition_channels`.
        tf: the `tensorflow` module.
        local: float32 tensor `(batch, frames, channels)`.
        x: the events `(batch, length, channels)` it conditions.

    Returns:
        A list of assertion ops: same batch as `x`, enough frames to cover
        `length` steps, finite values.

    Example:

    >>> checks = check_local_condition(model, tf, local, x)
    """
    frames = model.local_frames(int(x.shape[1]))
    return [
        tf.debugging.assert_equal(
            tf.shape(local)[0],
            tf.shape(x)[0],
            message="`local_condition` needs one sequence per example",
        ),
        tf.debugging.assert_greater_equal(
            tf.shape(local)[1],
            frames,
            message=f"`local_condition` needs at least {frames} frames",
        ),
        tf.debugging.assert_all_finite(
            local, "`local_condition` has NaN or inf values"
        ),
    ]


def check_temperature(tf, temperature):
    """Asserts a positive finite temperature.

    Args:
        tf: the `tensorflow` module.
        temperature: float32 scalar tensor.

    Returns:
        A list of assertion ops.

    Example:

    >>> checks = check_temperature(tf, temperature)
    """
    return [
        tf.debugging.assert_all_finite(
            temperature, "`temperature` must be finite"
        ),
        tf.debugging.assert_positive(
            temperature, message="`temperature` must be positive"
        ),
    ]
