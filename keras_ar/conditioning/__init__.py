"""Conditioning: the declared inputs a model is conditioned on.

A model's `condition_spec` (a `ConditionSpec` of `ClassCondition`,
`VectorCondition` and `LocalCondition` parts) is read by `fit`'s dict
unpacking, input validation, generation and the exported signatures.
"""

from keras_ar.conditioning.class_condition import ClassCondition
from keras_ar.conditioning.condition_part import ConditionPart
from keras_ar.conditioning.condition_spec import EVENT_KEYS
from keras_ar.conditioning.condition_spec import ConditionSpec
from keras_ar.conditioning.local_condition import LocalCondition
from keras_ar.conditioning.vector_condition import VectorCondition

__all__ = [
    "EVENT_KEYS",
    "ClassCondition",
    "ConditionPart",
    "ConditionSpec",
    "LocalCondition",
    "VectorCondition",
]
