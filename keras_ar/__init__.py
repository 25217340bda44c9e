"""keras_ar: autoregressive generative models for Keras 3.

Importing keras_ar imports Keras but not TensorFlow's optional parts:
`keras_ar.data` and `keras_ar.export` import TensorFlow / TFDS only inside
the functions that need them, so the package works on the JAX backend with
no TensorFlow installed.
"""

from keras_ar import conditioning
from keras_ar import data
from keras_ar import export
from keras_ar import generation
from keras_ar import heads
from keras_ar import layers
from keras_ar import models
from keras_ar import tasks
from keras_ar import testing
from keras_ar import utils
from keras_ar.version import __version__

__all__ = [
    "__version__",
    "conditioning",
    "data",
    "export",
    "generation",
    "heads",
    "layers",
    "models",
    "tasks",
    "testing",
    "utils",
]
