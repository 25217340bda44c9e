"""Offline datasets, a TFDS bridge and value transforms for keras_ar.

Images (MNIST family, 8x8 digits), audio (recorded speech and music, WAV
read/write), time series (statsmodels, pmdarima) and byte-level text
(Shakespeare, pydoc topics). Every dataset is read from an installed
package (nothing is downloaded) and verified by shape and SHA-256; a
missing source raises `DataSourceError` naming what to install. Importing
this package imports neither TensorFlow nor TFDS, nor scipy, statsmodels or
pmdarima: `as_dataset=True`, `register_tfds_builders()` and the audio and
time-series loaders import them when called.
"""

from keras_ar.data.audio import SPEECH_SAMPLE_RATE
from keras_ar.data.audio import audio_segments
from keras_ar.data.audio import load_music
from keras_ar.data.audio import load_speech
from keras_ar.data.binarized_mnist import load_binarized_mnist
from keras_ar.data.digits import load_digits
from keras_ar.data.errors import DataSourceError
from keras_ar.data.fashion_mnist import load_fashion_mnist
from keras_ar.data.idx import read_idx
from keras_ar.data.idx import write_idx
from keras_ar.data.mnist import load_mnist
from keras_ar.data.registry import DatasetInfo
from keras_ar.data.registry import available_datasets
from keras_ar.data.registry import dataset_info
from keras_ar.data.registry import load
from keras_ar.data.series import TimeSeries
from keras_ar.data.series import available_series
from keras_ar.data.series import load_series
from keras_ar.data.series import train_test_split_series
from keras_ar.data.text import TEXT_VOCAB_SIZE
from keras_ar.data.text import decode_text
from keras_ar.data.text import encode_text
from keras_ar.data.text import load_shakespeare
from keras_ar.data.text import load_text
from keras_ar.data.tf_dataset import to_tf_dataset
from keras_ar.data.transforms import binarize
from keras_ar.data.transforms import dequantize
from keras_ar.data.transforms import mu_law_decode
from keras_ar.data.transforms import mu_law_encode
from keras_ar.data.transforms import quantize
from keras_ar.data.wav import read_wav
from keras_ar.data.wav import write_wav


def register_tfds_builders():
    """Registers keras_ar's offline TFDS builders and returns their names.

    Imports `keras_ar.data.tfds_builders` (and with it TensorFlow Datasets)
    on first call; afterwards `tfds.load("keras_ar_mnist", ...)` and the
    other names work offline.

    Returns:
        The tuple `("keras_ar_mnist", "keras_ar_binarized_mnist",
        "keras_ar_fashion_mnist", "keras_ar_digits")`.

    Raises:
        ImportError: If tensorflow-datasets (or importlib_resources, which
            TFDS 4.9 needs) is not installed.

    Example:

    >>> register_tfds_builders()[-1]
    'keras_ar_digits'
    """
    try:
        from keras_ar.data import tfds_builders
    except ImportError as error:
        raise ImportError(
            "The keras_ar TFDS builders need TensorFlow Datasets: pip install "
            f"tensorflow-datasets importlib_resources ({error})"
        ) from error
    return tfds_builders.BUILDER_NAMES


__all__ = [
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
]
