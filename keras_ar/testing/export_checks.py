"""Checks that an exported SavedModel scores like the model."""

import numpy as np


def assert_export_matches_log_prob(model, x, path, condition=None):
    """Exports `model` and checks its `log_prob` signatures against it.

    Writes the SavedModel to `path` (TensorFlow backend), loads it with
    `tf.saved_model.load`, checks that the four signatures exist, and that
    `log_prob` and `serving_default` return the model's `log_prob(x)` and
    the matching `bits_per_dim`.

    Args:
        model: a built `AutoregressiveModel`.
        x: events `(batch,) + event_shape` (NumPy).
        path: directory to write the SavedModel to.
        condition: int class ids `(batch,)` for conditional models.

    Example:

    >>> import tempfile
    >>> from keras_ar.models import NADE
    >>> model = NADE((3,), hidden_units=2)
    >>> x = np.array([[0, 1, 1], [1, 0, 0]])
    >>> assert_export_matches_log_prob(model, x, tempfile.mkdtemp())
    """
    import tensorflow as tf

    inputs = {"x": tf.constant(np.asarray(x, "float32"))}
    if condition is not None:
        condition = np.asarray(condition, "int32")
        inputs["condition"] = tf.constant(condition)
    path = str(path)
    model.export(path, verbose=False)
    loaded = tf.saved_model.load(path)
    assert {"serving_default", "log_prob", "sample", "complete"} <= set(
        loaded.signatures
    )
    expected = model.log_prob(x, condition=condition)
    for name in ("log_prob", "serving_default"):
        out = loaded.signatures[name](**inputs)
        np.testing.assert_allclose(
            out["log_prob"].numpy(), expected, rtol=1e-5, atol=1e-5
        )
        np.testing.assert_allclose(
            out["bits_per_dim"].numpy(),
            -expected / (model.num_dims * np.log(2.0)),
            rtol=1e-5,
        )
