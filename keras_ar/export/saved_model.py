"""SavedModel export: a signature per task, every request checked."""

import math

import keras

from keras_ar.export import example_requests
from keras_ar.export import generation_signatures as generation
from keras_ar.export import request_checks
from keras_ar.export.serving_limits import DEFAULT_MAX_BATCH_SIZE
from keras_ar.export.serving_limits import DEFAULT_MAX_NUM_SAMPLES
from keras_ar.export.serving_limits import ServingLimits

#: Every signature name, in export order: the first is TF Serving's
#: default. A model gets those that apply to it (`signature_names`).
SIGNATURES = (
    "log_prob",
    "sample",
    "complete",
    "anomaly_score",
    "is_anomaly",
    "forecast",
)


def export_saved_model(
    model,
    filepath,
    verbose=True,
    max_num_samples=DEFAULT_MAX_NUM_SAMPLES,
    max_batch_size=DEFAULT_MAX_BATCH_SIZE,
    max_length=None,
):
    """Writes `model` as a SavedModel that TF Serving can load as is.

    Built with the public `keras.export.ExportArchive` and loadable with
    TensorFlow alone (no keras, no keras_ar). Signatures (those that apply
    to the model; `signature_names(model)`):

    - `log_prob` (also `serving_default`): `x` (float32, `(batch,) +
      event_shape`; any length up to `max_length` for sequence models)
      and the condition inputs -> `log_prob` (nats), `bits_per_dim`.
    - `anomaly_score`: `x` (+ condition) -> `anomaly_score` (negative
      log-likelihood, nats).
    - `is_anomaly` (models with a fitted `anomaly_threshold`): `x`
      (+ condition) -> `is_anomaly` (bool), `anomaly_score`.
    - `sample`: `num_samples` (int32 scalar, `0..max_num_samples`), `seed`
      (int32 `(2,)`), `temperature` (float32 scalar), condition inputs,
      and `length` (int32 scalar, `1..max_length`) for sequence models
      (WaveNet) -> `samples` (int32 for discrete heads, else float32).
    - `complete`: `x`, `known_mask` (bool like `x`), `seed`,
      `temperature` (+ condition) -> `samples`: `x` with the unknown
      values sampled (values at unknown positions are ignored).
    - `forecast` (sequence models and flat events in natural order):
      `context` (`(batch, time, channels)`, `(batch, time)` for flat
      events), `steps`, `num_paths` (int32 scalars), `quantiles` (float32
      levels), `seed`, `temperature` (+ condition) -> `samples` `(batch,
      num_paths, steps, channels)`, `quantiles` `(levels, batch, steps,
      channels)`, `mean`, `median` (as `keras_ar.tasks.forecast`).

    Condition inputs: `condition` (int32 class ids `(batch,)` or float32
    vectors `(batch, size)`) and/or `local_condition` (float32 `(batch,
    frames, channels)`).

    Every input is declared with an unknown shape and checked in the graph
    (rank, sizes, value range, NaN, condition, limits), so TF Serving's
    C++ runtime, a TF1 session and `tf.saved_model.load` all answer a bad
    request with the same `InvalidArgumentError` (HTTP 400 in TF Serving)
    naming the expected and the received values, before doing any work.
    Empty batches give empty results. Sampling is reproducible: `seed=[s,
    0]` draws the noise of `model.sample(n, seed=s)`. The graph uses no
    `tf.py_function` and no XLA, which stock TF Serving cannot run. One
    valid example request per signature is written to
    `assets.extra/keras_ar_examples.json` (`read_example_requests`).

    Args:
        model: a built `keras_ar.models.AutoregressiveModel`.
        filepath: directory to write (created; must not hold a SavedModel
            TF Serving is reading).
        verbose: print the endpoints written.
        max_num_samples: most events one generation request may produce
            (`num_samples`, the batch of `complete`, series x paths of
            `forecast`).
        max_batch_size: most events one scoring request may hold.
        max_length: sequence models only: most time steps per request
            (default 4 training lengths); generation allocates this many.

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
    if keras.config.backend() != "tensorflow":
        from keras_ar.export import cross_backend

        return cross_backend.export_in_tensorflow(
            model,
            filepath,
            verbose=verbose,
            max_num_samples=max_num_samples,
            max_batch_size=max_batch_size,
            max_length=max_length,
        )
    tf = _require_tensorflow()
    if not getattr(model, "built", False):
        model.build()
    limits = ServingLimits.for_model(
        model, max_num_samples, max_batch_size, max_length
    )
    archive = keras.export.ExportArchive()
    archive.track(model)
    endpoints = build_endpoints(model, tf, limits)
    for name in signature_names(model):
        fn, input_signature = endpoints[name]
        archive.add_endpoint(name, fn, input_signature=input_signature)
    filepath = str(filepath)
    archive.write_out(filepath, verbose=verbose)
    example_requests.write_examples(
        filepath,
        example_requests.make_example_requests(
            model, limits, signature_names(model)
        ),
        limits.get_config(),
    )
    return filepath


def signature_names(model):
    """The signatures `export_saved_model` writes for `model`, in order.

    Example:

    >>> from keras_ar.models import NADE
    >>> signature_names(NADE((4,), hidden_units=2))
    ('log_prob', 'sample', 'complete', 'anomaly_score', 'forecast')
    """
    names = ["log_prob", "sample", "complete", "anomaly_score"]
    if getattr(model, "anomaly_threshold", None) is not None:
        names.append("is_anomaly")
    if can_forecast(model):
        names.append("forecast")
    return tuple(names)


def can_forecast(model):
    """Sequence models, and flat events generated in their natural order
    (what `keras_ar.tasks.forecast` accepts)."""
    if model.variable_length:
        return True
    if len(model.event_shape) != 1:
        return False
    natural = list(range(model.num_dims))
    return all(
        order is None or [int(i) for i in order] == natural
        for order in model.generation_orders()
    )


def build_endpoints(model, tf, limits=None):
    """The signature functions of `export_saved_model`.

    Args:
        model: an `AutoregressiveModel`.
        tf: the `tensorflow` module.
        limits: `ServingLimits` (default: `ServingLimits.for_model`).

    Returns:
        A dict `name -> (fn, input_signature)` for `signature_names(model)`:
        `fn` takes the inputs positionally, in the order of the named
        `tf.TensorSpec`s (all of unknown shape), and returns a dict of
        tensors.
    """
    limits = limits or ServingLimits.for_model(model)

    def spec(name, dtype):
        return tf.TensorSpec(None, dtype, name=name)

    x = spec("x", tf.float32)
    seed = spec("seed", tf.int32)
    temperature = spec("temperature", tf.float32)
    condition = [
        spec(s.name, s.dtype) for s in model.condition_spec.tensor_specs(tf)
    ]
    count = spec("num_samples", tf.int32)
    length = [spec("length", tf.int32)] if model.variable_length else []
    specs = {
        "log_prob": [x, *condition],
        "anomaly_score": [x, *condition],
        "is_anomaly": [x, *condition],
        "sample": [count, seed, temperature, *length, *condition],
        "complete": [
            x, spec("known_mask", tf.bool), seed, temperature, *condition
        ],
        "forecast": [
            spec("context", tf.float32), spec("steps", tf.int32),
            spec("num_paths", tf.int32), spec("quantiles", tf.float32),
            seed, temperature, *condition,
        ],
    }  # fmt: skip

    def log_prob(x, *parts):
        log_prob = _log_prob(model, tf, limits, x, parts)
        bits = -log_prob / (model.num_dims * math.log(2.0))
        return {"log_prob": log_prob, "bits_per_dim": bits}

    def anomaly_score(x, *parts):
        return {"anomaly_score": -_log_prob(model, tf, limits, x, parts)}

    def is_anomaly(x, *parts):
        score = -_log_prob(model, tf, limits, x, parts)
        threshold = tf.constant(model.anomaly_threshold, score.dtype)
        return {"is_anomaly": score > threshold, "anomaly_score": score}

    def sample(num_samples, seed, temperature, *rest):
        size = rest[0] if model.variable_length else None
        parts = rest[1:] if model.variable_length else rest
        return generation.sample(
            model, tf, limits, num_samples, seed, temperature, size, parts
        )

    def complete(x, known_mask, seed, temperature, *parts):
        return generation.complete(
            model, tf, limits, x, known_mask, seed, temperature, parts
        )

    def forecast(context, steps, paths, levels, seed, temperature, *parts):
        return generation.forecast(
            model, tf, limits, context, steps, paths, levels, seed,
            temperature, parts,
        )  # fmt: skip

    fns = {
        "log_prob": log_prob,
        "anomaly_score": anomaly_score,
        "is_anomaly": is_anomaly,
        "sample": sample,
        "complete": complete,
        "forecast": forecast,
    }
    return {name: (fns[name], specs[name]) for name in signature_names(model)}


def _log_prob(model, tf, limits, x, parts):
    x = request_checks.checked_events(tf, model, x, limits)
    condition = request_checks.checked_condition(
        tf,
        model,
        parts,
        tf.shape(x)[0],
        request_checks.events_length(tf, model, x),
    )
    return model._log_prob_fn(x, condition)


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
