"""AutoregressiveModel: the task every keras_ar model shares."""

import math

import keras
import numpy as np
from keras import ops

from keras_ar.backend.tensors import is_numpy_like
from keras_ar.conditioning import ConditionSpec
from keras_ar.generation import FunctionCache
from keras_ar.generation import run_generation
from keras_ar.models import model_inputs
from keras_ar.models.generation_protocol import GenerationProtocol
from keras_ar.models.likelihood_training import LikelihoodTraining
from keras_ar.utils import validation


@keras.saving.register_keras_serializable(package="keras_ar")
class AutoregressiveModel(LikelihoodTraining, GenerationProtocol, keras.Model):
    """A model of `p(x) = prod_i p(x_i | x_<i)`: a backbone plus a head.

    As KerasHub separates a `Backbone` from its task, a keras_ar model is a
    `backbone` (a layer mapping the event, scaled by the head, and the
    condition to features; autoregressive: features at position `i` never
    depend on values at positions `>= i` in the model's order) and a
    distribution `head` (features -> parameters -> likelihood, samples).
    This class is the task, the same for every model:

    - `fit(x)` trains without targets: the loss is the mean negative
      log-likelihood per example (nats), `bits_per_dim` is a metric. `x`
      is an array, a `tf.data.Dataset`, or TFDS-style dicts
      (`{"image": x, "label": y}`); data is value-checked on every path.
    - `log_prob(x)` -> `(batch,)` nats; `bits_per_dim(x)`.
    - `sample(num_samples)` and `complete(x, known_mask)`: one compiled
      loop (`keras_ar.generation`) over the model's step protocol
      (`GenerationProtocol`), reproducible for a seed.
    - `forecast`, `anomaly_score`, `fit_anomaly_threshold`, `is_anomaly`
      (the tasks of `keras_ar.tasks`, over any model) and `export`.

    What a model is conditioned on is declared once, in `condition_spec`.
    Inputs are validated at the boundary: a wrong rank, shape or dtype,
    NaNs, values outside the head's range, or a condition a model does not
    take raise `ValueError` naming what was expected and received.

    Args:
        event_shape: shape of one example, e.g. `(28, 28, 1)`.
        head: a `keras_ar.heads.DistributionHead` (or its config).
        condition_spec: a `keras_ar.conditioning.ConditionSpec`.
        condition_classes: shorthand for a class-condition spec.
        **kwargs: `keras.Model` arguments (`name`, `dtype`...).
    """

    #: Whether the model can use a head that `couples_channels` (models
    #: whose features at a position see only earlier positions and that
    #: write one channel per generation step).
    accepts_coupled_heads = False

    def __init__(
        self,
        event_shape,
        head,
        condition_spec=None,
        condition_classes=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.event_shape = validation.check_event_shape(event_shape)
        if isinstance(head, dict):
            head = keras.saving.deserialize_keras_object(head)
        self.head = head
        if head.couples_channels and not self.accepts_coupled_heads:
            raise ValueError(
                f"{self.__class__.__name__} cannot use a head that couples "
                f"the channels of a position ({head.__class__.__name__}"
                "(coupled=True)): its network emits features per channel "
                "group or writes a whole position per step. Use "
                "`PixelCNNPlusPlus` or `PixelSNAIL`, or `coupled=False`. "
                f"Received: head={head!r}"
            )
        if condition_spec is None:
            condition_spec = ConditionSpec.from_args(condition_classes)
        self.condition_spec = condition_spec
        part = condition_spec.part("condition")
        self.condition_classes = getattr(part, "num_classes", None)
        self.nll_tracker = keras.metrics.Mean(name="loss")
        self.bits_per_dim_tracker = keras.metrics.Mean(name="bits_per_dim")
        self.generation_functions = FunctionCache(self)
        self.anomaly_threshold = None
        self.anomaly_quantile = None

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
        return self.condition_spec.is_conditional

    def compute_features(self, inputs, condition=None, training=None):
        """Backbone: scaled event `(batch,) + event_shape` -> features."""
        return self.backbone(inputs, condition=condition, training=training)

    def build(self, input_shape=None):
        x = np.zeros((1,) + self.event_shape, "float32")
        length = self.event_shape[0]
        self._params(x, self.condition_spec.dummy(1, length))
        self.built = True

    def encode_inputs(self, x):
        """The network's input for events `x`: the head's scaling to
        `[-1, 1]` (`DistributionHead.encode_inputs`); models with another
        input encoding override this."""
        return self.head.encode_inputs(x)

    def _params(self, x, condition=None, training=None):
        features = self.compute_features(
            self.encode_inputs(x), condition, training=training
        )
        return self.head_params(features, x)

    def head_params(self, features, x):
        """The head's parameters from `features`; a head that
        `couples_channels` also reads the values `x` of the same
        positions."""
        if self.head.couples_channels:
            return self.head(features, values=x)
        return self.head(features)

    def call(self, inputs, condition=None, training=None):
        """The head's parameters for every position, in one pass (teacher
        forcing): `inputs` are events or a dict of features; `condition`
        as declared by `condition_spec`."""
        x, condition = self.condition_spec.split_inputs(inputs, condition)
        return self._params(
            x, self.condition_spec.normalize(condition), training
        )

    def _log_prob_from_params(self, params, x):
        values = self.head.log_prob(params, x)
        return ops.sum(values, axis=tuple(range(1, len(self.event_shape) + 1)))

    def log_prob(self, x, condition=None, batch_size=None):
        """Exact log-likelihood of each example, in nats.

        Args:
            x: events `(batch,) + event_shape` (array, tensor, DataFrame)
                or a dict of features.
            condition: as declared by `condition_spec` (class ids...).
            batch_size: score NumPy inputs in chunks of this size with a
                progress bar (for whole test sets).

        Returns:
            `(batch,)` log-probabilities: NumPy for NumPy input, a backend
            tensor (differentiable) for tensor input.
        """
        x, condition = self.condition_spec.split_inputs(
            model_inputs.as_array(x), condition
        )
        values = model_inputs.check_events(self, x)
        batch = None if values is None else len(values)
        length = None if values is None or values.ndim < 2 else values.shape[1]
        if batch is not None:
            condition = self.condition_spec.check(condition, batch, length)
        else:
            condition = self.condition_spec.normalize(condition)
        if not is_numpy_like(x):
            return self._log_prob_fn(x, condition)
        fn = self.generation_functions.get("log_prob", self._log_prob_fn)
        return model_inputs.score_in_chunks(
            fn, values, condition, batch_size, self.condition_spec.take
        )

    def _log_prob_fn(self, x, condition=None):
        return self._log_prob_from_params(self._params(x, condition), x)

    def bits_per_dim(self, x, condition=None, batch_size=None):
        """Negative log-likelihood per value in bits, `(batch,)`."""
        log_prob = self.log_prob(x, condition, batch_size=batch_size)
        return -log_prob / (self.num_dims * math.log(2.0))

    def sample(
        self,
        num_samples,
        condition=None,
        seed=None,
        temperature=1.0,
        use_cache=True,
        progress=False,
        length=None,
    ):
        """Draws `num_samples` events in one compiled loop.

        Args:
            num_samples: positive int.
            condition: as declared by `condition_spec`; one example's value
                (e.g. `condition=3`) is used for every sample.
            seed: int in `[0, 2**31 - 2]` for reproducible samples, or
                `None`.
            temperature: positive float; `< 1` gives more likely samples.
            use_cache: the model's fast cached step (same samples as the
                naive full pass, `use_cache=False`).
            progress: show a progress bar (the loop then runs as about 50
                compiled chunks; same samples).
            length: steps per sequence for models with `variable_length`
                (WaveNet); default `event_shape[0]`.

        Returns:
            NumPy `(num_samples,) + event_shape` (int32 for discrete heads).
        """
        num_samples = validation.check_positive_int(num_samples, "num_samples")
        shape = self.generation_shape(length)
        x = np.zeros((num_samples,) + shape, "float32")
        return self._generate(
            x, np.zeros(x.shape, bool), condition, seed, temperature,
            use_cache, progress,
        )  # fmt: skip

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
        every value before it (known or sampled); known values after an
        unknown one are kept but cannot influence it.

        Args:
            x: events `(batch,) + event_shape` (or a dict of features);
                values at unknown positions are ignored but must be valid.
            known_mask: bool, `x.shape` or `x.shape[:-1]`; `True` = keep.
            condition, seed, temperature, use_cache, progress: as in
                `sample`.

        Returns:
            NumPy array like `x` with the unknown values sampled.
        """
        x, condition = self.condition_spec.split_inputs(x, condition)
        x = model_inputs.check_events(self, np.asarray(x))
        known = validation.check_known_mask(known_mask, x.shape)
        return self._generate(
            x.astype("float32"), known, condition, seed, temperature,
            use_cache, progress,
        )  # fmt: skip

    def _generate(
        self, x, known, condition, seed, temperature, use_cache, progress
    ):
        temperature = validation.check_temperature(temperature)
        seed = validation.check_seed(seed)
        length = x.shape[1] if x.ndim > 2 else None
        condition = self.condition_spec.check(
            condition, len(x), length, broadcast=True
        )
        return run_generation(
            self, x, known, condition, seed, temperature, use_cache, progress
        )

    def forecast(self, context, steps, num_samples=100, **kwargs):
        """Sample paths continuing `context`: `keras_ar.tasks.forecast`
        (quantiles, condition, seed, temperature, use_cache, progress).
        Models with a `receptive_field` and no local condition crop the
        context to it (the result is the same)."""
        from keras_ar.tasks import forecast

        return forecast(self, context, steps, num_samples, **kwargs)

    def anomaly_score(self, x, condition=None, batch_size=None):
        """Negative log-likelihood (nats) per example, `(batch,)`."""
        return -self.log_prob(x, condition=condition, batch_size=batch_size)

    def fit_anomaly_threshold(self, x, quantile=0.99, **kwargs):
        """`keras_ar.tasks.fit_anomaly_threshold` (saved in the config)."""
        from keras_ar.tasks import fit_anomaly_threshold

        return fit_anomaly_threshold(self, x, quantile, **kwargs)

    def is_anomaly(self, x, threshold=None, **kwargs):
        """`keras_ar.tasks.is_anomaly`: scores above the threshold."""
        from keras_ar.tasks import is_anomaly

        return is_anomaly(self, x, threshold, **kwargs)

    def export(self, filepath, format="tf_saved_model", verbose=True, **kwargs):
        """Writes a SavedModel with a signature per task (`log_prob` as
        the serving default, `sample`, `complete`, `anomaly_score`, ...:
        `keras_ar.export.export_saved_model`, whose limits such as
        `max_num_samples` pass through `**kwargs`); other formats go to
        `keras.Model.export`."""
        if format != "tf_saved_model":
            return super().export(filepath, format=format, verbose=verbose)
        from keras_ar.export import export_saved_model

        return export_saved_model(self, filepath, verbose=verbose, **kwargs)

    def get_config(self):
        return {
            "name": self.name,
            "trainable": self.trainable,
            "dtype": keras.dtype_policies.serialize(self.dtype_policy),
            "event_shape": list(self.event_shape),
            "head": keras.saving.serialize_keras_object(self.head),
            "anomaly_threshold": self.anomaly_threshold,
            "anomaly_quantile": self.anomaly_quantile,
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        threshold = config.pop("anomaly_threshold", None)
        quantile = config.pop("anomaly_quantile", None)
        config["head"] = keras.saving.deserialize_keras_object(config["head"])
        model = cls(**config)
        model.anomaly_threshold, model.anomaly_quantile = threshold, quantile
        return model
