"""NADE: Neural Autoregressive Distribution Estimator."""

import keras
from keras import ops

from keras_ar.heads import standardized_head
from keras_ar.models.autoregressive_model import AutoregressiveModel
from keras_ar.models.nade_backbone import NADEBackbone
from keras_ar.utils import validation


@keras.saving.register_keras_serializable(package="keras_ar")
class NADE(AutoregressiveModel):
    """NADE: an autoregressive model with weights shared across positions.

    The network is a `keras_ar.models.NADEBackbone`: the event is
    flattened to `D` values in row-major order, the hidden state for value
    `d` is `h_d = act(c + sum_{j<d} W_j x_j)` with one input matrix `W`
    shared by all conditionals, and the head's parameters for value `d`
    are `b_d + V_d h_d`. Binary data uses the Bernoulli head (NADE);
    real-valued data a Gaussian or a mixture of Gaussians head (RNADE,
    without the activity rescaling of the paper), with the data
    standardised and the statistics recorded in the model.

    Sampling keeps the running pre-activation `c + sum_{j<d} W_j x_j`
    (`O(H)` per step instead of a full pass, Larochelle & Murray 2011); it
    gives the samples of the full pass (`use_cache=False`).

    References: Larochelle & Murray, "The Neural Autoregressive
    Distribution Estimator", AISTATS 2011; Uria, Murray & Larochelle,
    "RNADE", NIPS 2013; Uria et al., "Neural Autoregressive Distribution
    Estimation", JMLR 2016.

    Args:
        event_shape: shape of one example, e.g. `(784,)` or `(28, 28, 1)`.
        head: `"bernoulli"` (default), `"categorical"`, an int,
            `"gaussian"`, `"mixture_of_gaussians"` or a head.
        hidden_units: `H`.
        activation: hidden activation (`"sigmoid"` in the paper).
        condition_classes: classes of an integer condition (a learned
            per-class hidden bias).
        standardize: standardise data for continuous heads.
        **kwargs: `keras.Model` arguments.

    Example:

    >>> import numpy as np
    >>> from keras_ar.models import NADE
    >>> x = np.random.default_rng(0).integers(0, 2, (64, 8))
    >>> model = NADE((8,), hidden_units=16)
    >>> model.compile(optimizer="adam")
    >>> _ = model.fit(x, epochs=1, verbose=0)
    >>> model.log_prob(x[:2]).shape
    (2,)
    >>> model.sample(3, seed=0).shape
    (3, 8)
    """

    def __init__(
        self,
        event_shape,
        head="bernoulli",
        hidden_units=500,
        activation="sigmoid",
        condition_classes=None,
        standardize=True,
        **kwargs,
    ):
        event_shape = validation.check_event_shape(event_shape)
        head = standardized_head(head, event_shape, standardize)
        super().__init__(
            event_shape, head, condition_classes=condition_classes, **kwargs
        )
        self.backbone = NADEBackbone(
            event_shape,
            self.head.params_size,
            hidden_units=hidden_units,
            activation=activation,
            condition_classes=self.condition_classes,
            dtype=self.dtype_policy,
            name="backbone",
        )
        self.hidden_units = self.backbone.hidden_units
        self.activation = activation
        self.standardize = bool(standardize)
        self.build()

    def generation_jit_compile(self, use_cache):
        """The cached loop is many tiny ops per step: XLA runs it several
        times faster on TensorFlow (e.g. 784 binary values, batch 16)."""
        return bool(use_cache)

    def build_generation_cache(
        self, x, known, condition, noise, use_cache=True, xla=False
    ):
        cache = super().build_generation_cache(
            x, known, condition, noise, use_cache, xla
        )
        if use_cache:
            batch = ops.shape(x)[0]
            cache["hidden"] = self.backbone.build_cache(batch, condition)
        return cache

    def call_with_cache(self, x, cache, index):
        """Value `index`'s parameters `(batch, 1) + param_shape` from the
        running pre-activation (`O(H)`)."""
        features, hidden = self.backbone.step(
            self.head.encode_inputs(x), cache["hidden"], index
        )
        params = self.head(ops.expand_dims(features, 1))
        params = ops.reshape(params, (-1, 1) + tuple(params.shape[3:]))
        return params, dict(cache, hidden=hidden)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "hidden_units": self.hidden_units,
                "activation": self.activation,
                "condition_classes": self.condition_classes,
                "standardize": self.standardize,
            }
        )
        return config
