"""AutoregressiveModel: the base class of every keras_ar model."""

import math
import sys

import keras
import numpy as np
from keras import ops

from keras_ar.backend import compile_function
from keras_ar.generation import sequential_sample
from keras_ar.models import validation
from keras_ar.models.anomaly_detection import AnomalyDetection

#: Keys looked up, in order, when a model receives a dict of features
#: (TFDS-style datasets): the event, then the optional condition.
EVENT_KEYS = ("image", "x", "audio", "series", "features", "inputs")
CONDITION_KEYS = ("label", "condition", "y")


@keras.saving.register_keras_serializable(package="keras_ar")
class AutoregressiveModel(AnomalyDetection, keras.Model):
    """Base class of keras_ar's models of `p(x) = prod_i p(x_i | x_<i)`.

    A subclass defines the backbone in `compute_features(inputs, condition,
    training)`: it maps the event, scaled to `[-1, 1]` by the head, to raw
    features with `head.features_size(channels)` values per position, and
    must be autoregressive (features at position `i` never depend on values
    at positions `>= i` in row-major order of `event_shape`). The base class
    gives every model the same API:

    - `model.fit(x)` trains without targets: the loss is the mean negative
      log-likelihood per example (nats) and `bits_per_dim` is a metric.
      `x` may be an array, a `tf.data.Dataset` of arrays, or of TFDS-style
      dicts `{"image": ..., "label": ...}` (the label is the condition of
      conditional models).
    - `model.log_prob(x)` -> `(batch,)` log-likelihood in nats,
      `model.bits_per_dim(x)`.
    - `model.sample(num_samples)` and `model.complete(x, known_mask)` run
      one compiled loop over the positions, reproducible for a given seed.
    - `model.export(path)` writes a SavedModel for TF Serving.
    - `model.anomaly_score(x)`, `model.fit_anomaly_threshold(x_normal)`,
      `model.is_anomaly(x)` (see `AnomalyDetection`).

    Inputs are validated at these boundaries: a wrong rank, shape or dtype,
    NaNs, or values outside the head's range raise `ValueError` naming the
    expected and received values.

    Args:
        event_shape: shape of one example, e.g. `(28, 28, 1)`.
        head: a `keras_ar.heads.DistributionHead`.
        condition_classes: number of classes of an integer class condition,
            or `None` for an unconditional model.
        **kwargs: `keras.Model` arguments (`name`, `dtype`...).
    """

    def __init__(self, event_shape, head, condition_classes=None, **kwargs):
        super().__init__(**kwargs)
        self.event_shape = tuple(int(d) for d in event_shape)
        if not self.event_shape or min(self.event_shape) < 1:
            raise ValueError(
                "`event_shape` must be a non-empty tuple of positive sizes. "
                f"Received: event_shape={event_shape}"
            )
        if isinstance(head, dict):
            head = keras.saving.deserialize_keras_object(head)
        self.head = head
        self.condition_classes = (
            None if condition_classes is None else int(condition_classes)
        )
        self.bits_per_dim_tracker = keras.metrics.Mean(name="bits_per_dim")
        self._compiled = {}

    # ------------------------------------------------------------------
    # Properties
    # ------------------------------------------------------------------
    @property
    def channels(self):
        """Values per position (the last axis of `event_shape`)."""
        return self.event_shape[-1]

    @property
    def num_dims(self):
        """Number of values in one event (the `dim` of bits/dim)."""
        return math.prod(self.event_shape)

    @property
    def is_conditional(self):
        return self.condition_classes is not None

    # ------------------------------------------------------------------
    # Forward pass
    # ------------------------------------------------------------------
    def compute_features(self, inputs, condition=None, training=None):
        """Backbone: scaled event `(batch,) + event_shape` -> features."""
        raise NotImplementedError

    def build(self, input_shape=None):
        x = ops.zeros((1,) + self.event_shape)
        condition = None
        if self.is_conditional:
            condition = ops.zeros((1,), dtype="int32")
        self._params(x, condition)
        self.built = True

    def _split_inputs(self, inputs, condition=None):
        if isinstance(inputs, dict):
            x = next((inputs[k] for k in EVENT_KEYS if k in inputs), None)
            if x is None:
                raise ValueError(
                    f"A dict input needs one of the keys {EVENT_KEYS} for "
                    f"the event. Received keys: {sorted(inputs)}"
                )
            if condition is None:
                condition = next(
                    (inputs[k] for k in CONDITION_KEYS if k in inputs), None
                )
            inputs = x
        elif isinstance(inputs, (tuple, list)) and len(inputs) == 2:
            inputs, condition = inputs
        if not self.is_conditional:
            condition = None
        elif condition is None:
            raise ValueError(
                f"{self.__class__.__name__} is conditional "
                f"(condition_classes={self.condition_classes}): pass "
                "`condition=` (integer class ids, shape (batch,)) or a dict "
                "with a 'label' entry."
            )
        return inputs, condition

    def _params(self, x, condition=None, training=None):
        features = self.compute_features(
            self.head.encode_inputs(x), condition, training=training
        )
        return self.head(features)

    def call(self, inputs, condition=None, training=None):
        """Distribution parameters for every position, in one pass.

        Args:
            inputs: events `(batch,) + event_shape`, or a dict with an
                `"image"` (event) and optional `"label"` (condition) entry.
            condition: integer class ids `(batch,)` for conditional models.
            training: Keras training flag.

        Returns:
            The head's parameters (teacher forcing: position `i` is
            conditioned on the true values before it).
        """
        x, condition = self._split_inputs(inputs, condition)
        return self._params(x, condition, training=training)

    # ------------------------------------------------------------------
    # Training
    # ------------------------------------------------------------------
    def compile(self, optimizer="adam", loss=None, **kwargs):
        """Configures training; the loss is always the mean NLL.

        Args:
            optimizer: any Keras optimizer (default Adam).
            loss: must be `None`: the model computes its own likelihood.
            **kwargs: other `keras.Model.compile` arguments (`metrics`,
                `jit_compile`, `steps_per_execution`...).
        """
        if loss is not None:
            raise ValueError(
                "Autoregressive models compute their own loss (the mean "
                "negative log-likelihood of the data); `loss` must be None. "
                f"Received: loss={loss!r}"
            )
        super().compile(optimizer=optimizer, **kwargs)

    def compile_from_config(self, config):
        """Restores `compile()` (and the optimizer) when a model is loaded."""
        config = keras.saving.deserialize_keras_object(config)
        self.compile(**config)
        if self.built and getattr(self, "optimizer", None) is not None:
            self.optimizer.build(self.trainable_variables)

    def _sum_event(self, values):
        axes = tuple(range(1, 1 + len(self.event_shape)))
        return ops.sum(values, axis=axes)

    def _log_prob_from_params(self, params, x):
        return self._sum_event(self.head.log_prob(params, x))

    def compute_loss(
        self, x=None, y=None, y_pred=None, sample_weight=None, training=True
    ):
        events, _ = self._split_inputs(x, condition=0)
        nll = -self._log_prob_from_params(y_pred, events)
        if sample_weight is not None:
            weight = ops.cast(ops.reshape(sample_weight, (-1,)), nll.dtype)
            loss = ops.sum(nll * weight) / ops.maximum(ops.sum(weight), 1e-12)
        else:
            loss = ops.mean(nll)
        if self.losses:
            loss = loss + ops.cast(ops.sum(self.losses), loss.dtype)
        return loss

    def compute_metrics(self, x, y, y_pred, sample_weight=None):
        events, _ = self._split_inputs(x, condition=0)
        nll = -self._log_prob_from_params(y_pred, events)
        self.bits_per_dim_tracker.update_state(
            nll / (self.num_dims * math.log(2.0)), sample_weight=sample_weight
        )
        return super().compute_metrics(x, y, y_pred, sample_weight)

    def fit(self, x=None, y=None, **kwargs):
        """Trains on `x` (no targets). See `keras.Model.fit`.

        Arrays are validated first (shape, dtype, value range, NaN). A
        conditional model takes its condition from a dict input
        (`{"image": x, "label": labels}`), not from `y`.
        """
        if y is not None:
            raise ValueError(
                "Autoregressive models are trained on `x` alone (the data is "
                "its own target). For a conditional model pass "
                "x={'image': images, 'label': labels}. Received a `y` of "
                f"type {type(y).__name__}."
            )
        x = _as_array(x)
        self._validate_fit_input(x)
        self._adapt(x)
        return super().fit(x, **kwargs)

    def evaluate(self, x=None, y=None, **kwargs):
        """Evaluates `loss` (mean NLL, nats) and `bits_per_dim` on `x`."""
        x = _as_array(x)
        self._validate_fit_input(x)
        return super().evaluate(x, y, **kwargs)

    def _adapt(self, x):
        """Sets data statistics a head needs (e.g. `Standardized`) from the
        first array passed to `fit`."""
        adapt = getattr(self.head, "adapt", None)
        if adapt is None or self.head.is_adapted:
            return
        events = self._split_inputs(x)[0] if isinstance(x, dict) else x
        if isinstance(events, np.ndarray):
            adapt(events)

    def _validate_fit_input(self, x):
        if isinstance(x, dict):
            events, condition = self._split_inputs(x)
        else:
            events, condition = x, None
        if isinstance(events, np.ndarray):
            validation.check_events(self, events, "x")
        if isinstance(condition, np.ndarray):
            validation.check_condition(self, condition, len(events))

    # ------------------------------------------------------------------
    # Likelihood
    # ------------------------------------------------------------------
    def log_prob(self, x, condition=None, batch_size=None):
        """Exact log-likelihood of each example, in nats.

        Args:
            x: events `(batch,) + event_shape` (array or tensor), or a dict
                with `"image"` and optional `"label"` entries.
            condition: integer class ids `(batch,)` (conditional models).
            batch_size: if given, score NumPy inputs in chunks of this size
                with a progress bar (for whole test sets).

        Returns:
            `(batch,)` log-probabilities: a NumPy array for NumPy input, a
            backend tensor (differentiable) for tensor input.
        """
        x, condition = self._split_inputs(_as_array(x), condition)
        if not _is_concrete(x):
            validation.check_event_shape(self, x, "x")
            return self._log_prob_fn(x, condition)
        x = validation.check_events(self, np.asarray(x), "x")
        if condition is not None:
            condition = validation.check_condition(self, condition, len(x))
        fn = self._compiled_fn("log_prob", self._log_prob_fn)
        size = len(x) if batch_size is None else int(batch_size)
        results = []
        progbar = None
        if batch_size is not None and len(x) > size:
            progbar = keras.utils.Progbar(
                len(x),
                verbose=1 if sys.stdout.isatty() else 2,
                unit_name="example",
            )
        for start in range(0, len(x), max(size, 1)):
            chunk = x[start : start + size].astype("float32")
            args = (chunk,)
            if condition is not None:
                args += (condition[start : start + size],)
            results.append(ops.convert_to_numpy(fn(*args)))
            if progbar is not None:
                progbar.add(len(chunk))
        return np.concatenate(results) if results else np.zeros((0,))

    def _log_prob_fn(self, x, condition=None):
        return self._log_prob_from_params(self._params(x, condition), x)

    def bits_per_dim(self, x, condition=None, batch_size=None):
        """Negative log-likelihood per value in bits, `(batch,)`."""
        log_prob = self.log_prob(x, condition, batch_size=batch_size)
        return -log_prob / (self.num_dims * math.log(2.0))

    # ------------------------------------------------------------------
    # Generation
    # ------------------------------------------------------------------
    def sample(
        self,
        num_samples,
        condition=None,
        seed=None,
        temperature=1.0,
        use_cache=True,
        progress=False,
    ):
        """Draws `num_samples` events in one compiled loop.

        Args:
            num_samples: positive int.
            condition: class ids `(num_samples,)`, or one int for all,
                for conditional models.
            seed: int for reproducible samples (same seed, same samples),
                or `None`.
            temperature: positive float; `< 1` gives more likely samples.
            use_cache: use the model's fast sampling path where it has one
                (it gives the same samples as the naive path).
            progress: show a progress bar (the loop then runs as about 50
                compiled chunks; the samples are the same).

        Returns:
            A NumPy array `(num_samples,) + event_shape` (int32 values for
            discrete heads).
        """
        num_samples = validation.check_positive_int(num_samples, "num_samples")
        x = np.zeros((num_samples,) + self.event_shape, "float32")
        known = np.zeros(x.shape, bool)
        return self._generate_eager(
            x, known, condition, seed, temperature, use_cache, progress
        )

    def complete(
        self,
        x,
        known_mask,
        condition=None,
        seed=None,
        temperature=1.0,
        use_cache=True,
        progress=False,
    ):
        """Samples the unknown values of `x` given the known ones.

        Positions are filled in the model's order, each conditioned on
        every value before it (known or sampled). Known values after an
        unknown one are kept but, as in any autoregressive model, do not
        influence the values sampled before them.

        Args:
            x: events `(batch,) + event_shape`; values at unknown positions
                are ignored (they must still be in range).
            known_mask: bool array, `x.shape` or `x.shape[:-1]` (then the same
                for every channel of a position); `True` = keep.
            condition: class ids for conditional models.
            seed: int or `None`.
            temperature: positive float.
            use_cache: as in `sample`.
            progress: show a progress bar, as in `sample`.

        Returns:
            A NumPy array like `x` with the unknown values sampled.
        """
        if isinstance(x, dict):
            x, condition = self._split_inputs(x, condition)
        x = validation.check_events(self, np.asarray(x), "x")
        known = validation.check_known_mask(self, known_mask, x.shape)
        return self._generate_eager(
            x.astype("float32"),
            known,
            condition,
            seed,
            temperature,
            use_cache,
            progress,
        )

    def _generate_eager(
        self, x, known, condition, seed, temperature, cache, progress=False
    ):
        validation.check_temperature(temperature)
        if self.is_conditional:
            if condition is None:
                raise ValueError(
                    f"{self.__class__.__name__} is conditional: pass "
                    "`condition=` (class ids)."
                )
            if np.ndim(condition) == 0:
                condition = np.full((len(x),), condition)
            condition = validation.check_condition(self, condition, len(x))
        else:
            condition = None
        return self._run_generation(
            x, known, condition, seed, temperature, cache, progress=progress
        )

    def _run_generation(
        self,
        x,
        known,
        condition,
        seed,
        temperature,
        cache,
        name_suffix="",
        jit_compile=False,
        progress=False,
    ):
        """Draws the noise for checked inputs and runs the compiled loop.

        Args:
            x, known, condition: checked NumPy inputs of `generate`.
            seed: int or `None`; the noise is `keras.random.uniform` of
                `head.noise_shape(x.shape)` with this seed.
            temperature: checked positive float.
            cache: `use_cache` of `generate`.
            name_suffix: distinguishes compiled loops (e.g. per length).
            jit_compile: compile the loop with XLA on TensorFlow.
            progress: run the loop in about 50 compiled chunks
                (`generate_steps`) with a `keras.utils.Progbar` between
                them; same values as one loop.

        Returns:
            NumPy values (int32 for discrete heads).
        """
        noise = keras.random.uniform(self.head.noise_shape(x.shape), seed=seed)
        temperature = np.asarray(temperature, "float32")
        name = ("generate_cached" if cache else "generate_naive") + name_suffix
        extra = () if condition is None else (condition,)
        if progress:
            values = self._run_generation_chunks(
                name, x, known, noise, temperature, extra, cache, jit_compile
            )
        else:
            fn = self._compiled_fn(
                name,
                lambda *a: self.generate(*a, use_cache=cache),
                jit_compile=jit_compile,
            )
            values = fn(x, known, noise, temperature, *extra)
        values = ops.convert_to_numpy(values)
        if self.head.num_values is not None:
            values = np.rint(values).astype("int32")
        return values

    def _run_generation_chunks(
        self, name, x, known, noise, temperature, extra, cache, jit_compile
    ):
        """The generation loop in compiled chunks, with a progress bar."""
        fn = self._compiled_fn(
            name + "_steps",
            lambda *a: self.generate_steps(*a, use_cache=cache),
            jit_compile=jit_compile,
        )
        total = self.generation_steps(x.shape, cache)
        chunk = max(1, -(-total // 50))
        condition = extra[0] if extra else None
        carry = self.initial_generation_carry(x, known, condition, cache)
        progbar = keras.utils.Progbar(
            total, verbose=1 if sys.stdout.isatty() else 2, unit_name="step"
        )
        for start in range(0, total, chunk):
            stop = min(start + chunk, total)
            bounds = (np.int32(start), np.int32(stop))
            x, carry = fn(x, known, noise, temperature, *bounds, carry, *extra)
            progbar.update(stop)
        return x

    def generation_steps(self, shape, use_cache=True):
        """Number of sequential steps to generate a batch of `shape`."""
        return math.prod(shape[1:])

    def initial_generation_carry(self, x, known, condition, use_cache):
        """State carried between `generate_steps` chunks (none here)."""
        return ()

    def generate_steps(
        self,
        x,
        known,
        noise,
        temperature,
        start,
        stop,
        carry,
        condition=None,
        use_cache=True,
    ):
        """Steps `[start, stop)` of `generate`; returns `(x, carry)`.

        Running every step in consecutive chunks, starting from
        `initial_generation_carry`, gives the same values as `generate`.
        """

        def step(x, i):
            if use_cache:
                return self.sample_step(x, i, noise, temperature, condition)
            params = self._params(x, condition)
            return self.head.sample_from_noise(params, noise, temperature)

        x = sequential_sample(
            step,
            x,
            known,
            self.event_shape,
            order=self.sampling_order(),
            start=start,
            stop=stop,
        )
        return x, carry

    def generate(
        self, x, known, noise, temperature, condition=None, use_cache=True
    ):
        """The sampling loop on tensors (used by `sample`, `complete` and
        the exported signatures).

        Args:
            x: float tensor `(batch,) + event_shape`.
            known: bool tensor like `x`.
            noise: uniform noise, `head.noise_shape(x.shape)`; all the
                randomness of the loop (so equal noise gives equal samples).
            temperature: scalar float tensor.
            condition: class ids or `None`.
            use_cache: use the model's fast path (`sample_step`) if any.

        Returns:
            `x` with every unknown value sampled.
        """
        steps = self.generation_steps(tuple(x.shape), use_cache)
        carry = self.initial_generation_carry(x, known, condition, use_cache)
        x, _ = self.generate_steps(
            x, known, noise, temperature, 0, steps, carry, condition, use_cache
        )
        return x

    def sampling_order(self):
        """The order in which `sample`/`complete` fill the flat positions.

        Returns `None` for row-major order (the default); a model with its
        own ordering (MADE) returns a permutation of
        `range(prod(event_shape))` listing positions in sampling order.
        """
        return None

    def sample_step(self, x, i, noise, temperature, condition=None):
        """Values correct at flat position `i` (override for a fast path).

        The default recomputes the whole network on the whole event.
        """
        params = self._params(x, condition)
        return self.head.sample_from_noise(params, noise, temperature)

    def _compiled_fn(self, name, fn, jit_compile=False):
        if name not in self._compiled:
            self._compiled[name] = compile_function(
                self, fn, jit_compile=jit_compile
            )
        return self._compiled[name]

    # ------------------------------------------------------------------
    # Export and config
    # ------------------------------------------------------------------
    def export(self, filepath, verbose=True, **kwargs):
        """Writes a SavedModel with `log_prob` (serving default), `sample`
        and `complete` signatures (TensorFlow backend only).

        See `keras_ar.export.export_saved_model` for the signatures.
        """
        from keras_ar.export import export_saved_model

        return export_saved_model(self, filepath, verbose=verbose, **kwargs)

    def get_config(self):
        return {
            **self._anomaly_config(),
            "name": self.name,
            "trainable": self.trainable,
            "dtype": keras.dtype_policies.serialize(self.dtype_policy),
            "event_shape": list(self.event_shape),
            "head": keras.saving.serialize_keras_object(self.head),
            "condition_classes": self.condition_classes,
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        restore = cls._restore_anomaly_config(config)
        config["head"] = keras.saving.deserialize_keras_object(config["head"])
        return restore(cls(**config))


def _as_array(x):
    """A pandas DataFrame (or Series) as a float32 NumPy array."""
    if hasattr(x, "to_numpy") and hasattr(x, "columns"):
        return x.to_numpy(dtype="float32")
    return x


def _is_concrete(x):
    """True for NumPy arrays and lists (validated, answered in NumPy)."""
    return isinstance(x, (np.ndarray, list))
