"""Private helpers shared by the loaders: argument checks and hashing."""

import hashlib

import numpy as np

from keras_ar.data.errors import DataSourceError

SPLITS = ("train", "test")


def check_split(split):
    """Returns `split` if it is "train" or "test", else raises ValueError."""
    if not isinstance(split, str) or split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}; received {split!r}.")
    return split


def check_batch_size(as_dataset, batch_size):
    """Validates `batch_size` (only meaningful with `as_dataset=True`)."""
    if batch_size is None:
        return
    if not as_dataset:
        raise ValueError(
            "batch_size is only used with as_dataset=True; received "
            f"batch_size={batch_size!r} with as_dataset={as_dataset!r}."
        )
    if (
        isinstance(batch_size, bool)
        or not isinstance(batch_size, (int, np.integer))
        or batch_size < 1
    ):
        raise ValueError(
            f"batch_size must be a positive integer; received {batch_size!r}."
        )


def sha256_hex(array):
    """SHA-256 of an array's C-order bytes (multi-byte types little-endian)."""
    array = np.ascontiguousarray(array)
    array = array.astype(array.dtype.newbyteorder("<"), copy=False)
    return hashlib.sha256(array.tobytes()).hexdigest()


def verify_sha256(array, expected, what, install):
    """Raises DataSourceError if `array`'s SHA-256 is not `expected`."""
    actual = sha256_hex(array)
    if actual != expected:
        raise DataSourceError(
            f"{what} failed verification: SHA-256 {actual} does not match "
            f"the expected {expected}; the source is corrupt or a different "
            "version.",
            install=install,
        )


def verify_shape(array, expected, what, install):
    """Raises DataSourceError if `array.shape` is not `expected`."""
    if tuple(array.shape) != tuple(expected):
        raise DataSourceError(
            f"{what} failed verification: expected shape {tuple(expected)}, "
            f"received {tuple(array.shape)}.",
            install=install,
        )


def read_only(array):
    """Marks `array` read-only (it lives in a per-process cache)."""
    array.flags.writeable = False
    return array
