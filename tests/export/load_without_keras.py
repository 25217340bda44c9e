"""Runs SavedModel signatures with TensorFlow alone (used as a subprocess).

Usage: python load_without_keras.py SAVED_MODEL_DIR REQUESTS.pkl OUT.pkl

`keras`, `keras_ar` and `tf_keras` cannot be imported here: every meta
path finder is wrapped, before TensorFlow is imported, so that it cannot
find them. This is the
situation of a serving machine that has TensorFlow but not keras_ar.
REQUESTS.pkl holds a list of `(signature_key, {input name: np.ndarray})`;
OUT.pkl receives the signatures' specs, each request's outputs (or error),
the blocked import attempts and the keras-like modules that got loaded.
"""

import importlib.abc
import os
import pickle
import sys

BLOCKED = ("keras", "keras_ar", "tf_keras")
attempts = []


class HideKeras(importlib.abc.MetaPathFinder):
    """Wraps a meta path finder so that it cannot find keras and keras_ar.

    With every finder wrapped, `import keras` raises ModuleNotFoundError and
    `importlib.util.find_spec("keras")` is None: exactly what a machine
    without keras looks like (TensorFlow probes for keras that way).
    """

    def __init__(self, finder):
        self.finder = finder

    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            attempts.append(name)
            return None
        find_spec = getattr(self.finder, "find_spec", None)
        return None if find_spec is None else find_spec(name, path, target)

    def __getattr__(self, name):
        return getattr(self.finder, name)


def hide_keras():
    sys.meta_path[:] = [HideKeras(finder) for finder in sys.meta_path]


def keras_is_importable():
    try:
        import keras  # noqa: F401
    except ImportError:
        return False
    return True


def main(saved_model_dir, requests_path, out_path):
    hide_keras()
    assert not keras_is_importable()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow as tf

    loaded = tf.saved_model.load(saved_model_dir)
    signatures = {}
    for key, fn in loaded.signatures.items():
        inputs = fn.structured_input_signature[1]
        signatures[key] = {
            "inputs": {
                k: (tuple(s.shape.as_list()), s.dtype.name)
                for k, s in inputs.items()
            },
            "outputs": {
                k: (tuple(s.shape.as_list()), s.dtype.name)
                for k, s in fn.structured_outputs.items()
            },
        }
    with open(requests_path, "rb") as f:
        requests = pickle.load(f)
    results = []
    for key, inputs in requests:
        fn = loaded.signatures[key]
        try:
            outputs = fn(**{k: tf.constant(v) for k, v in inputs.items()})
            results.append({k: v.numpy() for k, v in outputs.items()})
        except Exception as error:  # noqa: BLE001 - reported to the test
            results.append({"error": f"{type(error).__name__}: {error}"})
    loaded_modules = sorted(
        m for m in sys.modules if m.split(".")[0] in BLOCKED
    )
    with open(out_path, "wb") as f:
        pickle.dump(
            {
                "signatures": signatures,
                "results": results,
                "blocked_attempts": attempts,
                "loaded_modules": loaded_modules,
                "keras_importable": keras_is_importable(),
            },
            f,
        )


if __name__ == "__main__":
    main(*sys.argv[1:4])
