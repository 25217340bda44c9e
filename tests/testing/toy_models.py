"""Tiny models for testing the harness: one correct, some broken."""

import math

import keras
import numpy as np
from keras import ops

from keras_ar.conditioning import ConditionSpec
from keras_ar.heads import get_head
from keras_ar.models import AutoregressiveModel


@keras.saving.register_keras_serializable(package="keras_ar_tests")
class ToyBackbone(keras.layers.Layer):
    """A strictly lower-triangular dense map over the flat event."""

    def __init__(self, size, features, leak=False, classes=None, **kwargs):
        super().__init__(**kwargs)
        self.size, self.features = size, features
        self.leak, self.classes = leak, classes

    def build(self, input_shape):
        d, f = self.size, self.features
        self.kernel = self.add_weight(shape=(d, d, f), name="kernel")
        self.bias = self.add_weight(shape=(d, f), name="bias")
        self.embedding = None
        if self.classes:
            self.embedding = self.add_weight(
                shape=(self.classes, d, f), name="embedding"
            )
        offset = 0 if self.leak else -1
        self.mask = np.tril(np.ones((d, d)), offset).T  # in -> out

    def call(self, inputs, condition=None, training=None):
        x = ops.reshape(inputs, (-1, self.size))
        kernel = self.kernel * ops.cast(self.mask[..., None], "float32")
        out = ops.einsum("bi,iof->bof", x, kernel) + self.bias
        if self.embedding is not None:
            ids = ops.cast(condition["condition"], "int32")
            out = out + ops.take(self.embedding, ids, axis=0)
        return ops.reshape(out, (-1, self.size * self.features))

    def get_config(self):
        return {
            **super().get_config(),
            "size": self.size,
            "features": self.features,
            "leak": self.leak,
            "classes": self.classes,
        }


@keras.saving.register_keras_serializable(package="keras_ar_tests")
class ToyModel(AutoregressiveModel):
    """`event_shape=(D,)`, a categorical or Bernoulli head."""

    def __init__(
        self, event_shape, head=3, leak=False, condition_classes=None, **kw
    ):
        head = get_head(head)
        spec = ConditionSpec.from_args(condition_classes)
        super().__init__(event_shape, head, condition_spec=spec, **kw)
        self.leak = leak
        size = math.prod(self.event_shape)
        self.backbone = ToyBackbone(
            size, head.params_size, leak, condition_classes
        )
        self.build()

    def get_config(self):
        return {
            **super().get_config(),
            "leak": self.leak,
            "condition_classes": self.condition_classes,
        }


@keras.saving.register_keras_serializable(package="keras_ar_tests")
class BiasedSamplerModel(ToyModel):
    """Its cached step samples from slightly wrong parameters."""

    def call_with_cache(self, x, cache, index):
        params, cache = self.call_without_cache(x, cache, index)
        return params * 1.5, cache
