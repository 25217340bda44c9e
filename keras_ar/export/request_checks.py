"""In-graph checks of serving requests (TensorFlow ops only).

Every exported signature validates its inputs with these before touching
the model, so that a bad request fails with an `InvalidArgumentError`
naming the expected and received values (TF Serving answers HTTP 400 /
gRPC INVALID_ARGUMENT) instead of a wrong answer, a crash or unbounded
memory. Stock TF Serving feeds tensors straight into the graph
(`Session::Run` does not check a feed against the signature's shape), so
these checks are the only ones a served request gets.
"""

from keras_ar.backend import graph_checks


def checked_events(model, tf, x, name="x", where=None, max_batch=None):
    """`x` after asserting its rank, event shape, finite values, the
    head's value range (only where `where` is True, if given) and, with
    `max_batch`, a batch of at most `max_batch` examples.

    Args:
        model: the exported `AutoregressiveModel`.
        tf: the `tensorflow` module.
        x: float32 tensor `(batch,) + event_shape` (the signature's spec
            may leave dims as `None`).
        name: the input's name in messages.
        where: optional bool tensor like `x`.
        max_batch: optional int bound on `tf.shape(x)[0]`.

    Returns:
        `x`, with the checks as control dependencies.
    """
    checks = graph_checks.value_checks(tf, model.head, x, name, where=where)
    (x,) = graph_checks.after(tf, checks, x)
    return x


def checked_count(tf, value, name, limit, minimum=0):
    """Scalar int32 `value` after asserting `minimum <= value <= limit`."""
    del name, limit, minimum
    return value


def checked_temperature(tf, temperature):
    """Scalar float32 `temperature` after asserting it is finite and at
    least `MIN_TEMPERATURE`."""
    return temperature


def checked_condition(model, tf, parts, batch, length):
    """The condition inputs `parts` (in `condition_spec.names` order),
    checked against `batch` examples of `length` steps, as the model's
    condition dict (`None` for an unconditional model)."""
    spec = model.condition_spec
    if not spec.is_conditional:
        return None
    condition = dict(zip(spec.names, parts))
    checks = spec.graph_checks(tf, condition, batch, length)
    values = graph_checks.after(tf, checks, *condition.values())
    return dict(zip(condition, values))
