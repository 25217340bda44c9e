"""LikelihoodTraining: `model.fit` on the data alone, loss = mean NLL."""

import math

import keras
import numpy as np
from keras import ops

from keras_ar.backend import distribution
from keras_ar.backend import iterator_step
from keras_ar.models import fit_inputs
from keras_ar.models import model_inputs
from keras_ar.models.zero_masked_weights import ZeroMaskedWeights


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
        """The weighted mean NLL of the batch (nats per example).

        Under a `tf.distribute` strategy each replica returns its share of
        the global mean (its summed NLL over the global weight sum), so
        the gradients Keras sums over replicas are one device's. The
        reported `loss` and `bits_per_dim` are the weighted means over all
        the data seen in the epoch, whatever the batch size.
        """
        events, _ = self.condition_spec.split_inputs(x)
        nll = -self._log_prob_from_params(y_pred, events)
        if sample_weight is None:
            weight = ops.ones_like(nll)
        else:
            weight = ops.cast(ops.reshape(sample_weight, (-1,)), nll.dtype)
        weighted = ops.sum(nll * weight)
        total_weight = distribution.replica_sum(ops.sum(weight))
        denominator = ops.maximum(total_weight, 1e-12)
        loss = weighted / denominator
        extra = ops.zeros((), nll.dtype)
        if self.losses:
            # A stack, not a list: JAX's tracer cannot convert a list.
            extra = ops.cast(ops.sum(ops.stack(self.losses)), nll.dtype)
            loss = loss + extra / distribution.num_replicas()
        # Metrics: every replica records the global batch mean with an
        # equal share of its weight, so each replica's tracker (and their
        # mean, which Keras reports) is the global weighted mean. Updated
        # here, not in `compute_metrics`: on JAX that runs with only the
        # metric variables mapped, so it cannot read head statistics.
        mean_nll = distribution.replica_sum(weighted) / denominator
        share = total_weight / distribution.num_replicas()
        self.nll_tracker.update_state(mean_nll + extra, sample_weight=share)
        self.bits_per_dim_tracker.update_state(
            mean_nll / (self.num_dims * math.log(2.0)), sample_weight=share
        )
        return loss

    def make_train_function(self, force=False):
        """Keras's train function; on TensorFlow without a strategy, one
        that calls the compiled step on `iterator.get_next()` directly
        (see `keras_ar.backend.iterator_step`)."""
        if self.train_function is None or force:
            super().make_train_function(force=True)
            self.train_function = iterator_step.lean_function(
                self, self.train_step, self.train_function
            )
        return self.train_function

    def make_test_function(self, force=False):
        """Keras's test function, lean on TensorFlow as the train one."""
        if self.test_function is None or force:
            super().make_test_function(force=True)
            self.test_function = iterator_step.lean_function(
                self, self.test_step, self.test_function
            )
        return self.test_function

    def get_metrics_result(self):
        """Keras's metrics, with `loss` the weighted mean NLL (plus any
        regularization) over the data seen, not a mean of batch means."""
        result = super().get_metrics_result()
        result["loss"] = self.nll_tracker.result()
        return result

    def fit(
        self,
        x=None,
        y=None,
        batch_size=None,
        epochs=1,
        callbacks=None,
        validation_split=0.0,
        validation_data=None,
        shuffle=True,
        sample_weight=None,
        initial_epoch=0,
        steps_per_epoch=None,
        **kwargs,
    ):
        """Trains on `x` (no targets; see `keras.Model.fit`).

        A conditional model takes its condition from a dict input
        (`{"image": x, "label": labels}`), not from `y`. Weighted data:
        `sample_weight=` with arrays, `(x, None, weights)` elements in a
        dataset or generator; the loss is the weighted mean NLL. NumPy
        data is fed as one endless stream (`steps_per_epoch` batches an
        epoch), each epoch's order fixed by a seed drawn from NumPy's
        global generator and the epoch number, so a run resumed by
        `keras_ar.callbacks.BackupAndRestore` sees the same batches.
        Callbacks monitoring `bits_per_dim` with `mode="auto"` minimise
        it.
        """
        if y is not None:
            raise ValueError(
                "Autoregressive models are trained on `x` alone (the data is "
                "its own target). For a conditional model pass "
                "x={'image': images, 'label': labels}. Received a `y` of "
                f"type {type(y).__name__}."
            )
        callbacks = list(callbacks or [])
        set_metric_directions(callbacks)
        callbacks.append(ZeroMaskedWeights())
        start_epoch = max(int(initial_epoch), _resume_epoch(callbacks))
        x, sample_weight, split = fit_inputs.split_validation(
            model_inputs.as_array(x), sample_weight, validation_split
        )
        if split is not None and validation_data is None:
            validation_data = split
        seed = int(np.random.randint(0, 2**31 - 1))
        feed = fit_inputs.training_input(
            self, x, sample_weight, batch_size, shuffle, seed, start_epoch,
            steps_per_epoch,
        )  # fmt: skip
        self._build_optimizer_before_tracing()
        return super().fit(
            epochs=epochs,
            callbacks=callbacks,
            validation_data=fit_inputs.validation_input(
                self, validation_data
            ),
            initial_epoch=initial_epoch,
            **feed,
            **kwargs,
        )

    def train_on_batch(self, x=None, y=None, sample_weight=None, **kwargs):
        """`keras.Model.train_on_batch`, with masked layers' kernels
        zeroed first as in `fit` (see `keras_ar.layers.MaskedDense`)."""
        callback = ZeroMaskedWeights()
        callback.set_model(self)
        callback.on_train_begin()
        try:
            return super().train_on_batch(
                x, y, sample_weight=sample_weight, **kwargs
            )
        finally:
            callback.on_train_end()

    def _build_optimizer_before_tracing(self):
        """Creates the optimizer's variables now, eagerly. Keras 3.15 on
        TensorFlow without a distribution strategy defers this to the
        first trace of the train step, and a `tf.function` that creates
        variables is traced twice: for a PixelCNN++ (hundreds of
        variables) the first step then takes twice as long (26 s instead
        of 13 s at 32 filters). Under a strategy Keras builds it first
        itself; on JAX it does too."""
        optimizer = getattr(self, "optimizer", None)
        if (
            keras.backend.backend() != "tensorflow"
            or optimizer is None
            or optimizer.built
            or self._distribute_strategy is not None
            or not all(layer.built for layer in self._flatten_layers())
        ):
            return
        optimizer.build(self.trainable_variables)

    def evaluate(self, x=None, y=None, sample_weight=None, **kwargs):
        """Evaluates `loss` (weighted mean NLL, nats) and `bits_per_dim`
        on `x` (arrays with `sample_weight=`, or a dataset or generator
        of `x` or `(x, None, weights)`)."""
        if kwargs.get("_use_cached_eval_dataset"):
            # `fit`'s validation pass: its data was prepared by `fit`.
            return super().evaluate(x, y, sample_weight=sample_weight, **kwargs)
        if y is not None:
            raise ValueError(
                "Autoregressive models are evaluated on `x` alone. Received "
                f"a `y` of type {type(y).__name__}."
            )
        x, y, sample_weight = fit_inputs.evaluation_input(
            self, x, sample_weight
        )
        return super().evaluate(x, y, sample_weight=sample_weight, **kwargs)


# The metrics keras_ar models report, all minimised.
MINIMIZED_METRICS = ("loss", "bits_per_dim")


def set_metric_directions(callbacks):
    """Sets `mode="min"` on monitor callbacks (`EarlyStopping`,
    `ReduceLROnPlateau`, `ModelCheckpoint`...) left at `mode="auto"` that
    watch a keras_ar metric: Keras 3.15 only infers the direction of
    metrics given to `compile()`."""
    for callback in callbacks:
        monitor = getattr(callback, "monitor", None)
        if not isinstance(monitor, str):
            continue
        if monitor.removeprefix("val_") not in MINIMIZED_METRICS:
            continue
        # Keras picks the comparison on first use (`monitor_op is None`).
        if getattr(callback, "mode", None) == "auto" and (
            getattr(callback, "monitor_op", None) is None
        ):
            callback.mode = "min"


def _resume_epoch(callbacks):
    for callback in callbacks:
        resume_point = getattr(callback, "resume_point", None)
        point = resume_point() if callable(resume_point) else None
        if point is not None:
            return int(point[0])
    return 0
