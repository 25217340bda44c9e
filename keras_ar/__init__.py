"""keras_ar: autoregressive generative models for Keras 3."""

from keras_ar import heads
from keras_ar import layers
from keras_ar import models
from keras_ar.version import __version__

__all__ = ["__version__", "heads", "layers", "models"]
