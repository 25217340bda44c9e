"""In-graph value checks (TensorFlow): exported signatures and `tf.data`.

The checks are `tf.debugging` assertions built from a head's value rules
(`head.value_range`, `head.is_discrete`, the same rules `head.check_values`
applies to NumPy data): they run in TF Serving's C++ runtime and in
`tf.data` pipelines and turn bad values into an `InvalidArgumentError`
naming the rule, instead of a silently wrong answer.
"""


def value_checks(tf, head, x, name, where=None):
    """Assertions that `x` holds values `head` models.

    Args:
        tf: the `tensorflow` module.
        head: a `DistributionHead`.
        x: float tensor of values.
        name: the input's name, for the messages.
        where: optional bool tensor like `x`; only these values are
            checked.

    Returns:
        A list of assertion ops.

    Example:

    >>> import tensorflow as tf
    >>> from keras_ar.heads import Bernoulli
    >>> ok = value_checks(tf, Bernoulli(), tf.constant([0.0, 1.0]), "x")
    >>> try:  # eagerly, a failing assertion raises at once
    ...     value_checks(tf, Bernoulli(), tf.constant([0.0, 2.0]), "x")
    ... except tf.errors.InvalidArgumentError:
    ...     print("refused")
    refused
    """
    x = tf.cast(x, tf.float32)
    if where is not None:
        x = tf.where(where, x, tf.zeros_like(x))
    checks = [
        tf.debugging.assert_all_finite(x, f"`{name}` has NaN or inf values")
    ]
    if not head.is_discrete:
        return checks
    low, high = head.value_range
    if where is not None:
        x = tf.where(where, x, tf.fill(tf.shape(x), float(low)))
    head_name = head.__class__.__name__
    return checks + [
        tf.debugging.assert_greater_equal(
            x,
            float(low),
            message=f"`{name}` values must be >= {low} ({head_name})",
        ),
        tf.debugging.assert_less_equal(
            x,
            float(high),
            message=f"`{name}` values must be <= {high} ({head_name})",
        ),
        tf.debugging.assert_equal(
            x,
            tf.round(x),
            message=f"`{name}` must hold whole numbers in [{low}, {high}]",
        ),
    ]


def weight_checks(tf, weight):
    """Assertions that per-example weights are finite and `>= 0`."""
    if weight is None:
        return []
    weight = tf.cast(weight, tf.float32)
    return [
        tf.debugging.assert_all_finite(
            weight, "`sample_weight` has NaN or inf values"
        ),
        tf.debugging.assert_greater_equal(
            weight, 0.0, message="`sample_weight` values must be >= 0"
        ),
    ]


def after(tf, checks, *tensors):
    """`tensors`, made to depend on the assertions `checks`."""
    with tf.control_dependencies(checks):
        return tuple(None if t is None else tf.identity(t) for t in tensors)


def checked_dataset(dataset, split_inputs, head, event_shape):
    """A `tf.data.Dataset` whose elements are value-checked on the fly.

    Args:
        dataset: a `tf.data.Dataset` of events, `(events, condition)`
            tuples or dicts of features.
        split_inputs: `element -> (events, condition)`.
        head: the model's head (its value rules).
        event_shape: the model's event shape (the static part is checked).

    Returns:
        The same elements, each passing through the assertions.
    """
    import tensorflow as tf

    spec = dataset.element_spec
    events_spec = split_inputs(spec)[0]
    shape = tuple(events_spec.shape)
    if len(shape) != len(event_shape) + 1 or any(
        got is not None and int(got) != want
        for got, want in zip(shape[1:], event_shape)
    ):
        raise ValueError(
            "The dataset's events must have shape (batch, "
            f"{', '.join(map(str, event_shape))}). Received element shape "
            f"{shape} (batch the dataset, e.g. dataset.batch(64))."
        )

    def check(*parts):
        # `Dataset.map` passes a tuple element's parts as arguments.
        element = parts[0] if len(parts) == 1 else parts
        events = split_inputs(element)[0]
        checks = value_checks(tf, head, events, "x")
        if isinstance(element, tuple) and len(element) == 3:
            # `(x, None, weights)` -> `(x, weights, weights)`: the target
            # is ignored, and `tf.distribute` cannot place a `None`.
            checks += weight_checks(tf, element[2])
            element = (element[0], element[2], element[2])
        return tf.nest.map_structure(lambda t: after(tf, checks, t)[0], element)

    return dataset.map(check)
