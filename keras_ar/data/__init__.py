"""Offline datasets, a TFDS bridge and value transforms for keras_ar.

Every dataset is read from an installed package (nothing is downloaded) and
verified by shape and SHA-256; a missing source raises `DataSourceError`
naming what to install. Importing this package imports neither TensorFlow
nor TFDS: `as_dataset=True` and `register_tfds_builders()` import them when
called.
"""

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
from keras_ar.data.tf_dataset import to_tf_dataset
from keras_ar.data.transforms import binarize
from keras_ar.data.transforms import dequantize
from keras_ar.data.transforms import mu_law_decode
from keras_ar.data.transforms import mu_law_encode
from keras_ar.data.transforms import quantize


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
    "available_datasets",
    "binarize",
    "dataset_info",
    "dequantize",
    "load",
    "load_binarized_mnist",
    "load_digits",
    "load_fashion_mnist",
    "load_mnist",
    "mu_law_decode",
    "mu_law_encode",
    "quantize",
    "read_idx",
    "register_tfds_builders",
    "to_tf_dataset",
    "write_idx",
]
