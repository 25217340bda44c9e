"""Anomaly detection with any autoregressive model: scores are negative
log-likelihoods, the threshold a quantile of normal data's scores."""

import numpy as np

from keras_ar.utils import validation


def anomaly_score(model, x, condition=None, batch_size=None):
    """Negative log-likelihood (nats) of each example, `(batch,)`: unlikely
    examples are anomalous.

    Reference: density-based novelty detection, e.g. Bishop, "Novelty
    detection and neural network validation", IEE Proceedings 1994.

    Args:
        model: an `AutoregressiveModel`.
        x: events (an array, or a DataFrame for tabular models).
        condition: the model's condition, if any.
        batch_size: score in chunks of this size.

    Example:

    >>> import numpy as np
    >>> from keras_ar.models import NADE
    >>> model = NADE((3,), hidden_units=2)
    >>> anomaly_score(model, np.zeros((2, 3))).shape
    (2,)
    """
    return -model.log_prob(x, condition=condition, batch_size=batch_size)


def fit_anomaly_threshold(
    model, x, quantile=0.99, condition=None, batch_size=None
):
    """Sets `model.anomaly_threshold` to a quantile of normal data's scores.

    About `1 - quantile` of normal examples then score above it. The
    threshold and its quantile are part of the model's config, so they
    survive `model.save` / `keras.saving.load_model` (and the CLI's
    `keras-ar score --anomaly` uses them).

    Args:
        model: an `AutoregressiveModel`.
        x: normal (non-anomalous) data.
        quantile: float in `(0, 1)`.
        condition: the model's condition, if any.
        batch_size: score in chunks of this size.

    Returns:
        The threshold (float, nats).

    Example:

    >>> import numpy as np
    >>> from keras_ar.models import MADE
    >>> x = np.random.default_rng(0).normal(size=(256, 3))
    >>> model = MADE((3,), head="gaussian", hidden_units=(16,))
    >>> model.compile(optimizer="adam")
    >>> _ = model.fit(x, epochs=2, verbose=0)
    >>> threshold = fit_anomaly_threshold(model, x, quantile=0.99)
    >>> bool(is_anomaly(model, np.full((1, 3), 50.0))[0])
    True
    """
    q = validation.check_probability(quantile, "quantile")
    scores = np.asarray(anomaly_score(model, x, condition, batch_size))
    if scores.size == 0:
        raise ValueError(
            "`fit_anomaly_threshold` needs at least one example. Received 0."
        )
    model.anomaly_threshold = float(np.quantile(scores, q))
    model.anomaly_quantile = q
    return model.anomaly_threshold


def is_anomaly(model, x, threshold=None, condition=None, batch_size=None):
    """`True` where the anomaly score exceeds the threshold.

    Args:
        model: an `AutoregressiveModel`.
        x: events.
        threshold: overrides the fitted `model.anomaly_threshold`.
        condition: the model's condition, if any.
        batch_size: score in chunks of this size.

    Returns:
        bool NumPy array `(batch,)`.
    """
    if threshold is None:
        threshold = model.anomaly_threshold
    if threshold is None:
        raise ValueError(
            "No anomaly threshold: call `fit_anomaly_threshold(x_normal)` "
            "first or pass `threshold=`. Received: threshold=None"
        )
    scores = np.asarray(anomaly_score(model, x, condition, batch_size))
    return scores > float(threshold)
