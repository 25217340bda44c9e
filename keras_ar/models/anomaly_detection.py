"""AnomalyDetection: anomaly scores and thresholds for every model."""

import numpy as np


class AnomalyDetection:
    """Mixin giving every `AutoregressiveModel` an anomaly-detection API.

    The anomaly score of an example is its negative log-likelihood under the
    model (nats): unlikely examples are anomalous. A threshold is fitted as
    a quantile of the scores of normal data, so that about
    `1 - quantile` of normal examples are flagged. The threshold and its
    quantile are part of the model's config, so they survive
    `model.save` / `keras.saving.load_model`.

    Reference: density-based novelty detection, e.g. Bishop, "Novelty
    detection and neural network validation", IEE Proceedings 1994; MADE
    and NADE as tabular density models: Germain et al., ICML 2015.

    Example:

    >>> import numpy as np
    >>> from keras_ar.models import MADE
    >>> x = np.random.default_rng(0).normal(size=(256, 3))
    >>> model = MADE((3,), head="gaussian", hidden_units=(16,))
    >>> model.compile(optimizer="adam")
    >>> _ = model.fit(x, epochs=2, verbose=0)
    >>> threshold = model.fit_anomaly_threshold(x, quantile=0.99)
    >>> bool(model.is_anomaly(np.full((1, 3), 50.0))[0])
    True
    """

    anomaly_threshold = None
    anomaly_quantile = None

    def anomaly_score(self, x, condition=None, batch_size=None):
        """Negative log-likelihood (nats) of each example, `(batch,)`.

        Args:
            x: events (array or DataFrame for tabular models).
            condition: class ids for conditional models.
            batch_size: score in chunks of this size.
        """
        return -self.log_prob(x, condition=condition, batch_size=batch_size)

    def fit_anomaly_threshold(
        self, x, quantile=0.99, condition=None, batch_size=None
    ):
        """Sets `anomaly_threshold` to a quantile of the scores of `x`.

        Args:
            x: normal (non-anomalous) data.
            quantile: float in `(0, 1)`; the fraction of normal data that
                should score at or below the threshold.
            condition: class ids for conditional models.
            batch_size: score in chunks of this size.

        Returns:
            The threshold (float, nats).
        """
        try:
            q = float(quantile)
        except (TypeError, ValueError):
            q = float("nan")
        if not 0.0 < q < 1.0:
            raise ValueError(
                "`quantile` must be a float in (0, 1). Received: "
                f"quantile={quantile!r}"
            )
        scores = np.asarray(self.anomaly_score(x, condition, batch_size))
        if scores.size == 0:
            raise ValueError(
                "`fit_anomaly_threshold` needs at least one example. "
                "Received 0."
            )
        self.anomaly_threshold = float(np.quantile(scores, q))
        self.anomaly_quantile = q
        return self.anomaly_threshold

    def is_anomaly(self, x, threshold=None, condition=None, batch_size=None):
        """`True` where the anomaly score exceeds the threshold.

        Args:
            x: events.
            threshold: overrides the fitted `anomaly_threshold`.
            condition: class ids for conditional models.
            batch_size: score in chunks of this size.

        Returns:
            bool NumPy array `(batch,)`.
        """
        if threshold is None:
            threshold = self.anomaly_threshold
        if threshold is None:
            raise ValueError(
                "No anomaly threshold: call `fit_anomaly_threshold(x_normal)` "
                "first or pass `threshold=`. Received: threshold=None"
            )
        scores = np.asarray(self.anomaly_score(x, condition, batch_size))
        return scores > float(threshold)

    def _anomaly_config(self):
        return {
            "anomaly_threshold": self.anomaly_threshold,
            "anomaly_quantile": self.anomaly_quantile,
        }

    @staticmethod
    def _restore_anomaly_config(config):
        """Pops the anomaly entries from `config` and returns a setter."""
        threshold = config.pop("anomaly_threshold", None)
        quantile = config.pop("anomaly_quantile", None)

        def restore(model):
            model.anomaly_threshold = threshold
            model.anomaly_quantile = quantile
            return model

        return restore
