"""SavedModel export with `log_prob`, `sample` and `complete` signatures."""

import math

import keras

from keras_ar.backend import graph_checks
from keras_ar.utils.validation import MIN_TEMPERATURE

#: Signature names, in export order: the first is TF Serving's default.
SIGNATURES = ("log_prob", "sample", "complete")


def export_saved_model(model, filepath, verbose=True):
    """Writes `model` as a SavedModel that TF Serving can load as is.

    The SavedModel holds three signatures, built with the public
    `keras.export.ExportArchive` (TensorFlow backend only) and loadable
    with TensorFlow alone (no keras, no keras_ar):

    - `log_prob` (also `serving_default`): inputs `x` (float32,
      `(None,) + event_shape`) and the model's condition inputs, one per
      part of its `condition_spec`: `condition` (int32 class ids
      `(None,)`, or float32 vectors `(None, size)`) and/or
      `local_condition` (float32 `(None, frames, channels)`); outputs
      `log_prob` (nats) and `bits_per_dim`, both float32 `(None,)`.
    - `sample`: inputs `num_samples` (int32 scalar), `seed` (int32 `(2,)`),
      `temperature` (float32 scalar) and `condition` (conditional models);
      output `samples`, `(num_samples,) + event_shape` (int32 for discrete
      heads, float32 otherwise).
    - `complete`: inputs `x`, `known_mask` (bool, like `x`), `seed`,
      `temperature` (and `condition`); output `samples`: `x` with the
      unknown values sampled (values at unknown positions are ignored).

    Sampling runs the model's compiled loop (`model.generate`, one
    `tf.while_loop`) on uniform noise from `tf.random.stateless_uniform`
    with the `seed` input, so a request is reproducible: `seed=[s, 0]`
    gives exactly `model.sample(n, seed=s)` (and `model.complete`) for
    `0 <= s <= 2**31 - 2`. The graph uses no `tf.py_function` and no XLA
    (`jit_compile`), both of which stock TF Serving cannot run. Invalid
    requests (values out of range, `num_samples < 1`, `temperature <= 0`,
    mismatched batch sizes) fail with `InvalidArgumentError`, which TF
    Serving returns as an HTTP 400 error.

    Args:
        model: a built `keras_ar.models.AutoregressiveModel`.
        filepath: directory to write (created; must not hold a SavedModel
            TF Serving is reading).
        verbose: print the endpoints written.

    Returns:
        `filepath` as a string.

    Example:

    >>> from keras_ar.models import PixelCNN
    >>> from keras_ar.export import export_saved_model
    >>> model = PixelCNN((4, 4, 1), head="bernoulli", filters=4,
    ...                  num_residual_blocks=1, output_filters=8)
    >>> path = export_saved_model(model, "/tmp/pixelcnn", verbose=False)
    >>> import tensorflow as tf
    >>> serve = tf.saved_model.load(path).signatures["sample"]
    >>> out = serve(num_samples=tf.constant(2), seed=tf.constant([1, 0]),
    ...             temperature=tf.constant(1.0))
    >>> tuple(out["samples"].shape)
    (2, 4, 4, 1)
    """
    tf = _require_tensorflow()
    if not getattr(model, "built", False):
        model.build()
    archive = keras.export.ExportArchive()
    archive.track(model)
    endpoints = build_endpoints(model, tf)
    for name in SIGNATURES:
        fn, input_signature = endpoints[name]
        archive.add_endpoint(name, fn, input_signature=input_signature)
    filepath = str(filepath)
    archive.write_out(filepath, verbose=verbose)
    return filepath


def build_endpoints(model, tf):
    """The signature functions of `export_saved_model`.

    Args:
        model: an `AutoregressiveModel`.
        tf: the `tensorflow` module.

    Returns:
        A dict `name -> (fn, input_signature)`: `fn` takes the inputs
        positionally, in the order of the named `tf.TensorSpec`s, and
        returns a dict of tensors.
    """
    event = tuple(model.event_shape)
    x_spec = tf.TensorSpec((None,) + event, tf.float32, name="x")
    seed_spec = tf.TensorSpec((2,), tf.int32, name="seed")
    temp_spec = tf.TensorSpec((), tf.float32, name="temperature")
    condition = model.condition_spec.tensor_specs(tf)
    specs = {
        "log_prob": [x_spec, *condition],
        "sample": [
            tf.TensorSpec((), tf.int32, name="num_samples"),
            seed_spec,
            temp_spec,
            *condition,
        ],
        "complete": [
            x_spec,
            tf.TensorSpec((None,) + event, tf.bool, name="known_mask"),
            seed_spec,
            temp_spec,
            *condition,
        ],
    }

    def log_prob(x, *condition):
        return _log_prob(model, tf, x, condition)

    def sample(num_samples, seed, temperature, *condition):
        return _sample(model, tf, num_samples, seed, temperature, condition)

    def complete(x, known_mask, seed, temperature, *condition):
        return _complete(model, tf, x, known_mask, seed, temperature, condition)

    fns = {"log_prob": log_prob, "sample": sample, "complete": complete}
    return {name: (fns[name], specs[name]) for name in SIGNATURES}


def _checked_condition(model, tf, parts, x):
    """The condition inputs, checked in the graph, as the model's dict."""
    spec = model.condition_spec
    if not spec.is_conditional:
        return None
    condition = dict(zip(spec.names, parts))
    checks = spec.graph_checks(
        tf, condition, tf.shape(x)[0], int(model.event_shape[0])
    )
    values = graph_checks.after(tf, checks, *condition.values())
    return dict(zip(condition, values))


def _log_prob(model, tf, x, condition):
    checks = graph_checks.value_checks(tf, model.head, x, "x")
    (x,) = graph_checks.after(tf, checks, x)
    condition = _checked_condition(model, tf, condition, x)
    log_prob = model._log_prob_fn(x, condition)
    bits = -log_prob / (model.num_dims * math.log(2.0))
    return {"log_prob": log_prob, "bits_per_dim": bits}


def _sample(model, tf, num_samples, seed, temperature, condition):
    checks = [
        tf.debugging.assert_positive(
            num_samples, message="`num_samples` must be a positive int"
        )
    ]
    with tf.control_dependencies(checks):
        shape = (tf.identity(num_samples),) + tuple(model.event_shape)
    x = tf.zeros(shape, tf.float32)
    known = tf.zeros(shape, tf.bool)
    return _generate(model, tf, x, known, seed, temperature, condition)


def _complete(model, tf, x, known_mask, seed, temperature, condition):
    same_batch = tf.debugging.assert_equal(
        tf.shape(known_mask)[0],
        tf.shape(x)[0],
        message="`known_mask` must have the shape of `x`",
    )
    (known_mask,) = graph_checks.after(tf, [same_batch], known_mask)
    checks = graph_checks.value_checks(tf, model.head, x, "x", where=known_mask)
    x, known_mask = graph_checks.after(tf, checks, x, known_mask)
    # Values at unknown positions are never read before they are sampled,
    # but a NaN there would still leak through the zero weights of masked
    # kernels: clear them.
    x = tf.where(known_mask, x, tf.zeros_like(x))
    return _generate(model, tf, x, known_mask, seed, temperature, condition)


def _generate(model, tf, x, known, seed, temperature, condition):
    checks = [
        tf.debugging.assert_all_finite(
            temperature, "`temperature` must be finite"
        ),
        tf.debugging.assert_greater_equal(
            temperature,
            MIN_TEMPERATURE,
            message=f"`temperature` must be >= {MIN_TEMPERATURE:.4g}",
        ),
    ]
    x, temperature = graph_checks.after(tf, checks, x, temperature)
    condition = _checked_condition(model, tf, condition, x)
    batch_shape = (tf.shape(x)[0],) + tuple(model.event_shape)
    # Exactly what `keras.random.uniform(shape, seed=s)` draws on the
    # TensorFlow backend for the seed [s, 0] (`model.sample(seed=s)`).
    noise = tf.random.stateless_uniform(
        model.generation_noise_shape(batch_shape),
        seed=seed,
        minval=0.0,
        maxval=1.0,
        dtype=keras.config.floatx(),
    )
    values = model.generate(x, known, noise, temperature, condition)
    if model.head.is_discrete:
        values = tf.cast(tf.round(values), tf.int32)
    return {"samples": values}


def _require_tensorflow():
    backend = keras.config.backend()
    if backend != "tensorflow":
        raise RuntimeError(
            "Exporting a SavedModel needs the TensorFlow backend (set "
            "KERAS_BACKEND=tensorflow before importing keras). Received: "
            f"backend={backend!r}. Train on any backend, save the model with "
            "`model.save('model.keras')`, then load and export it under "
            "TensorFlow."
        )
    try:
        import tensorflow as tf
    except ImportError as error:  # pragma: no cover - TF backend needs TF
        raise ImportError(
            "Exporting needs TensorFlow: pip install 'keras-ar[tf]'."
        ) from error
    return tf
