"""The 8x8 handwritten digits of scikit-learn, with a fixed train/test split."""

import functools

import numpy as np

from keras_ar.data import _validation
from keras_ar.data.errors import DataSourceError
from keras_ar.data.tf_dataset import to_tf_dataset

INSTALL = "pip install scikit-learn"
NUM_EXAMPLES = {"train": 1500, "test": 297}
NUM_LEVELS = 17

# SHA-256 of the arrays returned by `load_digits` (images uint8 in C order,
# labels int64 little-endian), recorded with scikit-learn 1.9.1. They cover
# both scikit-learn's data and the fixed split.
SHA256 = {
    "train": (
        "cca9c3c0c6f234e74498d7c02c3cb193d1d21b4e09e9e8d8a27a5e568942e4f6",
        "db31d52ba14be020c296eeeea237cd3f9cf3583b36dbd58fa9344ffe817f99c0",
    ),
    "test": (
        "160e2c14493b96e96653b208c7bfbe6d23f1530763cf06a8c678dfd58b8fc1dc",
        "9b2f562faff1bac0645ce3bb49e650f3d234cfc3d11a96c0419594a9a0622ba7",
    ),
}


def load_digits(split="train", as_dataset=False, batch_size=None):
    """Loads scikit-learn's 8x8 digits (1,797 images, 17 grey levels).

    The UCI optical handwritten digits bundled with scikit-learn
    (`sklearn.datasets.load_digits`): each pixel counts the set pixels in a
    4x4 block of a 32x32 bitmap, so values are integers 0..16. The images
    are split by one fixed permutation, `numpy.random.RandomState(0)`
    (whose stream NumPy keeps frozen), into 1,500 train and 297 test
    images; the result is hash-verified. Tiny: ideal for fast tests.

    Args:
        split: "train" (1,500 images) or "test" (297 images).
        as_dataset: If True, return a `tf.data.Dataset` instead of arrays.
        batch_size: With `as_dataset=True`, batch the dataset.

    Returns:
        `(images, labels)`: read-only NumPy arrays, images uint8 of shape
        (N, 8, 8, 1) with values 0..16 (17 levels) and labels int64 of shape
        (N,) with values 0..9. With `as_dataset=True`, a `tf.data.Dataset`
        of `{"image": uint8 (8, 8, 1), "label": int64}` dicts.

    Raises:
        ValueError: If `split` is not "train" or "test", or `batch_size` is
            invalid.
        DataSourceError: If scikit-learn is missing or its data fails
            verification; the message says what to install.

    Example:

    >>> images, labels = load_digits("train")
    >>> images.shape, images.dtype, int(images.max())
    ((1500, 8, 8, 1), dtype('uint8'), 16)
    """
    _validation.check_split(split)
    _validation.check_batch_size(as_dataset, batch_size)
    images, labels = _read_digits(split)
    if as_dataset:
        return to_tf_dataset(images, labels, batch_size)
    return images, labels


@functools.cache
def _read_digits(split):
    """Reads, splits and verifies; cached, returns read-only arrays."""
    try:
        from sklearn.datasets import load_digits as sklearn_load_digits
    except ImportError as error:
        raise DataSourceError(
            "The digits data set needs scikit-learn, which is not installed.",
            install=INSTALL,
        ) from error
    bunch = sklearn_load_digits()
    images, labels = np.asarray(bunch.images), np.asarray(bunch.target)
    what = "scikit-learn digits"
    _validation.verify_shape(images, (1797, 8, 8), what, INSTALL)
    _validation.verify_shape(labels, (1797,), what, INSTALL)
    order = np.random.RandomState(0).permutation(1797)
    n_train = NUM_EXAMPLES["train"]
    index = order[:n_train] if split == "train" else order[n_train:]
    images = images[index].astype(np.uint8)[..., np.newaxis]
    labels = labels[index].astype(np.int64)
    images_sha, labels_sha = SHA256[split]
    what = f"scikit-learn digits ({split} split)"
    _validation.verify_sha256(images, images_sha, what + " images", INSTALL)
    _validation.verify_sha256(labels, labels_sha, what + " labels", INSTALL)
    return _validation.read_only(images), _validation.read_only(labels)
