"""Backend adapters: the one place that knows which Keras backend runs.

`compile_function` (tf.function / jax.jit), `concrete_numpy` (concrete or
traced values), `scan` (a scan XLA can differentiate on TensorFlow), and
the TensorFlow-only in-graph checks of `keras_ar.backend.graph_checks`
(imported on use).
"""

from keras_ar.backend.jit import compile_function
from keras_ar.backend.scan import scan
from keras_ar.backend.tensors import check_value_range
from keras_ar.backend.tensors import concrete_numpy
from keras_ar.backend.tensors import is_numpy_like

__all__ = [
    "check_value_range",
    "compile_function",
    "concrete_numpy",
    "is_numpy_like",
    "scan",
]
