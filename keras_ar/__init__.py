"""keras_ar: autoregressive generative models for Keras 3.

Importing keras_ar imports Keras but not TensorFlow's optional parts:
`keras_ar.data` and `keras_ar.export` import TensorFlow / TFDS only inside
the functions that need them, so the package works on the JAX backend with
no TensorFlow installed.

`import keras_ar` imports every subpackage, which registers keras_ar's
serializable classes with Keras: after it, `keras.saving.load_model(path)`
loads keras_ar models. The one exception is the start of the `keras-ar`
console script: `keras-ar --help` must not import Keras and TensorFlow
(seconds), but importing anything under `keras_ar` (the command lives in
`keras_ar.cli`) runs this file first. So the console script's entry point
is a module outside this package (`keras_ar_launcher`), which sets
`_KERAS_AR_LAZY_IMPORT=1` only while it imports `keras_ar.cli`; in that
lazy mode the subpackages are imported on first attribute access (PEP 562
`__getattr__` below), and the command imports them all (with
`_import_subpackages`) before it runs, once argument parsing is done. A
guard set by the launcher, rather than lazy imports for everyone, keeps the
registration guarantee of `import keras_ar` for users; the launcher keeps
the entry point outside `keras_ar` because nothing inside can run before
this file.
"""

import os

from keras_ar.version import __version__

__all__ = [
    "__version__",
    "augment",
    "callbacks",
    "compression",
    "conditioning",
    "data",
    "export",
    "generation",
    "heads",
    "layers",
    "models",
    "ood",
    "tasks",
    "testing",
    "utils",
]

_SUBPACKAGES = tuple(name for name in __all__ if name != "__version__")

#: Set (to "1") by `keras_ar_launcher` while it imports `keras_ar.cli`.
_LAZY_IMPORT_VARIABLE = "_KERAS_AR_LAZY_IMPORT"


def _import_subpackages():
    """Imports every subpackage (registers the serializable classes)."""
    import importlib

    for name in _SUBPACKAGES:
        importlib.import_module(f"{__name__}.{name}")


def __getattr__(name):
    # Reached only in the lazy mode: otherwise every subpackage is bound.
    if name in _SUBPACKAGES:
        import importlib

        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


if os.environ.get(_LAZY_IMPORT_VARIABLE) != "1":
    _import_subpackages()
