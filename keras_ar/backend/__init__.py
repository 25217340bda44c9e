"""Backend adapters: the one place that knows which Keras backend runs."""

from keras_ar.backend.jit import compile_function

__all__ = ["compile_function"]
