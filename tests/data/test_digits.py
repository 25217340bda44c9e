"""Tests for keras_ar.data.load_digits (scikit-learn 8x8 digits)."""

import hashlib
import sys

import numpy as np
import pytest

from keras_ar.data import DataSourceError
from keras_ar.data import digits as digits_module
from keras_ar.data import load_digits

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


@pytest.mark.parametrize("split,n", [("train", 1500), ("test", 297)])
def test_shapes_dtypes_hashes(split, n):
    images, labels = load_digits(split)
    assert images.shape == (n, 8, 8, 1) and images.dtype == np.uint8
    assert labels.shape == (n,) and labels.dtype == np.int64
    assert images.min() == 0 and images.max() == 16
    assert labels.min() == 0 and labels.max() == 9
    sha = (
        hashlib.sha256(images.tobytes()).hexdigest(),
        hashlib.sha256(labels.tobytes()).hexdigest(),
    )
    assert sha == SHA256[split]
    assert not images.flags.writeable


def test_all_17_levels_used():
    images, _ = load_digits("train")
    assert np.unique(images).tolist() == list(range(17))


def test_split_is_a_partition_of_sklearn_data():
    from sklearn.datasets import load_digits as sklearn_load_digits

    bunch = sklearn_load_digits()
    train, train_labels = load_digits("train")
    test, test_labels = load_digits("test")
    ours = np.concatenate([train, test])[..., 0].reshape(1797, 64)
    our_labels = np.concatenate([train_labels, test_labels])
    order = np.random.RandomState(0).permutation(1797)
    np.testing.assert_array_equal(ours, bunch.data[order].astype(np.uint8))
    np.testing.assert_array_equal(our_labels, bunch.target[order])


def test_missing_sklearn_names_package(monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    with pytest.raises(DataSourceError, match="pip install scikit-learn"):
        digits_module._read_digits.__wrapped__("train")


def test_hash_mismatch_is_reported(monkeypatch):
    monkeypatch.setattr(digits_module, "SHA256", {"test": ("0" * 64, "")})
    with pytest.raises(DataSourceError, match="failed verification"):
        digits_module._read_digits.__wrapped__("test")


def test_bad_split():
    with pytest.raises(ValueError, match="received 'all'"):
        load_digits("all")
