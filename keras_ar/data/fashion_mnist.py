"""Fashion-MNIST from the IDX files of Debian's dataset-fashion-mnist."""

import functools
import os

import numpy as np

from keras_ar.data import _validation
from keras_ar.data.errors import DataSourceError
from keras_ar.data.idx import read_idx
from keras_ar.data.tf_dataset import to_tf_dataset

INSTALL = "apt-get install dataset-fashion-mnist"
DEFAULT_DATA_DIR = "/usr/share/datasets/fashion-mnist"
CLASS_NAMES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)
_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
NUM_EXAMPLES = {"train": 60000, "test": 10000}

# SHA-256 of the decompressed arrays returned by `load_fashion_mnist`
# (images uint8 in C order, labels int64 little-endian). Debian rewrote the
# gzip headers, so the .gz files' own checksums differ from Zalando's (and
# TFDS's); the decompressed contents are what is verified.
SHA256 = {
    "train": (
        "2e487a6c89124f78f2d7521542223cafe96f7123c3ca13d447772ac6ecbb3012",
        "e3245b63f7c40d1c8b652835f19744d970c1613b40ddac6bcfc87b9c46e16a0b",
    ),
    "test": (
        "c867c93ff95360594e8ec3287995350b824dd110b11595c0e13d5423f621867a",
        "d51d859896c55775b9e9e219b77ff03bcec1b6ac322f313544dc3f9e7bc94fae",
    ),
}


def load_fashion_mnist(
    split="train", as_dataset=False, batch_size=None, data_dir=DEFAULT_DATA_DIR
):
    """Loads Fashion-MNIST (Xiao et al., 2017) offline, hash-verified.

    Reads the four IDX files (gzip-compressed `*-ubyte.gz`, or uncompressed
    `*-ubyte`) from `data_dir`, as installed by Debian's
    `dataset-fashion-mnist` package or downloaded from Zalando. The
    decompressed arrays are verified by shape and SHA-256 and cached in
    memory per process.

    Args:
        split: "train" (60,000 images) or "test" (10,000 images).
        as_dataset: If True, return a `tf.data.Dataset` instead of arrays.
        batch_size: With `as_dataset=True`, batch the dataset.
        data_dir: Directory holding the IDX files.

    Returns:
        `(images, labels)`: read-only NumPy arrays, images uint8 of shape
        (N, 28, 28, 1) with values 0..255 and labels int64 of shape (N,)
        with values 0..9 (names in `CLASS_NAMES`). With `as_dataset=True`,
        a `tf.data.Dataset` of `{"image": uint8 (28, 28, 1), "label": int64}`
        dicts.

    Raises:
        ValueError: If `split` is not "train" or "test", or `batch_size` is
            invalid.
        DataSourceError: If a file is missing, malformed or fails
            verification; the message says what to install.

    Example:

    >>> images, labels = load_fashion_mnist("test")
    >>> images.shape, images.dtype, labels.dtype
    ((10000, 28, 28, 1), dtype('uint8'), dtype('int64'))
    >>> CLASS_NAMES[int(labels[0])]
    'Ankle boot'
    """
    _validation.check_split(split)
    _validation.check_batch_size(as_dataset, batch_size)
    data_dir = os.path.abspath(os.fspath(data_dir))
    paths = tuple(_find(data_dir, name) for name in _FILES[split])
    images, labels = _read_fashion_mnist(paths, split)
    if as_dataset:
        return to_tf_dataset(images, labels, batch_size)
    return images, labels


def _find(data_dir, name):
    for candidate in (name + ".gz", name):
        path = os.path.join(data_dir, candidate)
        if os.path.isfile(path):
            return path
    raise DataSourceError(
        f"Fashion-MNIST file {name}.gz (or {name}) not found in {data_dir}.",
        install=INSTALL,
    )


@functools.cache
def _read_fashion_mnist(paths, split):
    """Reads and verifies one split; cached, returns read-only arrays."""
    n = NUM_EXAMPLES[split]
    images_path, labels_path = paths
    try:
        images = read_idx(images_path, expected_shape=(n, 28, 28))
        labels = read_idx(labels_path, expected_shape=(n,))
    except (OSError, ValueError, EOFError) as error:
        raise DataSourceError(
            f"Could not read Fashion-MNIST {split} split: {error}",
            install=INSTALL,
        ) from error
    what = f"Fashion-MNIST {split} split ({images_path}, {labels_path})"
    images = images.astype(np.uint8)[..., np.newaxis]
    labels = labels.astype(np.int64)
    images_sha, labels_sha = SHA256[split]
    _validation.verify_sha256(images, images_sha, what + " images", INSTALL)
    _validation.verify_sha256(labels, labels_sha, what + " labels", INSTALL)
    return _validation.read_only(images), _validation.read_only(labels)
