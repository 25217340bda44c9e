"""LikelihoodTraining: `model.fit` on the data alone, loss = mean NLL."""

import math

import keras
from keras import ops

from keras_ar.models import model_inputs


class LikelihoodTraining:
    """Keras training for `AutoregressiveModel`s: no targets, the loss is
    the mean negative log-likelihood of the data (nats per example) and
    `bits_per_dim` is tracked next to it.

    Data is value-checked on every path before training (NumPy in Python,
    `tf.data` in the graph), conditional models read their condition from
    a dict input, and heads that need data statistics (`Standardized`)
    record them on the first `fit`, from arrays or a dataset.
    """

    def compile(self, optimizer="adam", loss=None, **kwargs):
        """Configures training; the loss is always the mean NLL, so `loss`
        must be `None`. Other arguments go to `keras.Model.compile`."""
        if loss is not None:
            raise ValueError(
                "Autoregressive models compute their own loss (the mean "
                "negative log-likelihood of the data); `loss` must be None. "
                f"Received: loss={loss!r}"
            )
        self.generation_functions.clear()
        super().compile(optimizer=optimizer, **kwargs)

    def compile_from_config(self, config):
        """Restores `compile()` (and the optimizer) when a model is loaded."""
        self.compile(**keras.saving.deserialize_keras_object(config))
        if self.built and getattr(self, "optimizer", None) is not None:
            self.optimizer.build(self.trainable_variables)

    def compute_loss(
        self, x=None, y=None, y_pred=None, sample_weight=None, training=True
    ):
        events, _ = self.condition_spec.split_inputs(x)
        nll = -self._log_prob_from_params(y_pred, events)
        # Updated here, not in `compute_metrics`: on JAX that runs with only
        # the metric variables mapped, so it cannot read head statistics.
        self.bits_per_dim_tracker.update_state(
            nll / (self.num_dims * math.log(2.0)), sample_weight=sample_weight
        )
        if sample_weight is not None:
            weight = ops.cast(ops.reshape(sample_weight, (-1,)), nll.dtype)
            loss = ops.sum(nll * weight) / ops.maximum(ops.sum(weight), 1e-12)
        else:
            loss = ops.mean(nll)
        if self.losses:
            loss = loss + ops.cast(ops.sum(self.losses), loss.dtype)
        return loss

    def fit(self, x=None, y=None, validation_data=None, **kwargs):
        """Trains on `x` (no targets; see `keras.Model.fit`). A conditional
        model takes its condition from a dict input (`{"image": x,
        "label": labels}`), not from `y`."""
        if y is not None:
            raise ValueError(
                "Autoregressive models are trained on `x` alone (the data is "
                "its own target). For a conditional model pass "
                "x={'image': images, 'label': labels}. Received a `y` of "
                f"type {type(y).__name__}."
            )
        if model_inputs.is_dataset(x):
            # A dataset shuffles itself; Keras warns about its default
            # `shuffle=True` on every dataset otherwise.
            kwargs.setdefault("shuffle", False)
        x = model_inputs.check_fit_data(self, model_inputs.as_array(x))
        if validation_data is not None:
            validation_data = model_inputs.check_fit_data(
                self, model_inputs.as_array(validation_data)
            )
        return super().fit(x, validation_data=validation_data, **kwargs)

    def evaluate(self, x=None, y=None, **kwargs):
        """Evaluates `loss` (mean NLL, nats) and `bits_per_dim` on `x`."""
        x = model_inputs.check_fit_data(self, model_inputs.as_array(x))
        return super().evaluate(x, y, **kwargs)
