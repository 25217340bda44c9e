"""Checks that an exported SavedModel answers like the model."""

import numpy as np


def _condition_inputs(model, condition):
    if condition is None:
        return {}
    condition = model.condition_spec.normalize(condition)
    return {
        part.name: np.asarray(condition[part.name], part.dtype)
        for part in model.condition_spec.parts
    }


def assert_export_matches(model, x, path, condition=None, seed=0):
    """Exports `model` and checks every signature against the model.

    Writes the SavedModel to `path` (TensorFlow backend), loads it with
    `tf.saved_model.load` and checks: the four signatures exist;
    `log_prob` and `serving_default` return `model.log_prob(x)` and the
    matching `bits_per_dim` (`1e-5`); `sample` with `seed=[s, 0]` returns
    `model.sample(n, seed=s)` and `complete` returns `model.complete(x,
    known, seed=s)` (equal for discrete heads, `1e-4` for continuous).

    Args:
        model: a built `AutoregressiveModel`.
        x: events `(batch,) + event_shape` (NumPy).
        path: directory to write the SavedModel to.
        condition: the condition of `x`, if any.
        seed: the sampling seed.

    Example:

    >>> import tempfile
    >>> from keras_ar.models import NADE
    >>> model = NADE((3,), hidden_units=2)
    >>> x = np.array([[0, 1, 1], [1, 0, 0]])
    >>> assert_export_matches(model, x, tempfile.mkdtemp())
    """
    import tensorflow as tf

    x = np.asarray(x, "float32")
    cond = _condition_inputs(model, condition)
    model.export(str(path), verbose=False)
    loaded = tf.saved_model.load(str(path))
    assert {"serving_default", "log_prob", "sample", "complete"} <= set(
        loaded.signatures
    )
    expected = model.log_prob(x, condition=condition)
    for name in ("log_prob", "serving_default"):
        out = loaded.signatures[name](x=tf.constant(x), **cond)
        np.testing.assert_allclose(
            out["log_prob"].numpy(), expected, rtol=1e-5, atol=1e-5
        )
        np.testing.assert_allclose(
            out["bits_per_dim"].numpy(),
            -expected / (model.num_dims * np.log(2.0)),
            rtol=1e-5,
            atol=1e-6,
        )
    same = (
        np.testing.assert_array_equal
        if model.head.is_discrete
        else lambda a, b: np.testing.assert_allclose(a, b, 1e-4, 1e-5)
    )
    # Sequence models (WaveNet) take the length as a request input.
    length = {"length": x.shape[1]} if model.variable_length else {}
    out = loaded.signatures["sample"](
        num_samples=tf.constant(len(x)),
        seed=tf.constant([seed, 0]),
        temperature=tf.constant(1.0),
        **{k: tf.constant(v) for k, v in length.items()},
        **cond,
    )
    same(
        out["samples"].numpy(),
        model.sample(len(x), condition=condition, seed=seed, **length),
    )
    known = np.random.default_rng(seed).random(x.shape) < 0.5
    out = loaded.signatures["complete"](
        x=tf.constant(x),
        known_mask=tf.constant(known),
        seed=tf.constant([seed, 0]),
        temperature=tf.constant(1.0),
        **cond,
    )
    same(
        out["samples"].numpy(),
        model.complete(x, known, condition=condition, seed=seed),
    )


def assert_export_matches_log_prob(model, x, path, condition=None):
    """`assert_export_matches` (kept for existing callers)."""
    assert_export_matches(model, x, path, condition)
