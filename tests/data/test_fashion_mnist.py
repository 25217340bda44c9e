"""Tests for keras_ar.data.load_fashion_mnist (Debian IDX files)."""

import gzip
import hashlib
import os

import numpy as np
import pytest

from keras_ar.data import DataSourceError
from keras_ar.data import load_fashion_mnist
from keras_ar.data import write_idx
from keras_ar.data.fashion_mnist import CLASS_NAMES
from keras_ar.data.fashion_mnist import DEFAULT_DATA_DIR

TEST_SHA256 = (
    "c867c93ff95360594e8ec3287995350b824dd110b11595c0e13d5423f621867a",
    "d51d859896c55775b9e9e219b77ff03bcec1b6ac322f313544dc3f9e7bc94fae",
)


def _sha256(array):
    return hashlib.sha256(array.tobytes()).hexdigest()


def test_test_split():
    images, labels = load_fashion_mnist("test")
    assert images.shape == (10000, 28, 28, 1)
    assert images.dtype == np.uint8
    assert labels.shape == (10000,) and labels.dtype == np.int64
    assert (_sha256(images), _sha256(labels)) == TEST_SHA256
    assert np.bincount(labels).tolist() == [1000] * 10
    assert CLASS_NAMES[labels[0]] == "Ankle boot"
    assert not images.flags.writeable


def test_train_split():
    images, labels = load_fashion_mnist("train")
    assert images.shape == (60000, 28, 28, 1)
    assert np.bincount(labels).tolist() == [6000] * 10
    assert _sha256(images) == (
        "2e487a6c89124f78f2d7521542223cafe96f7123c3ca13d447772ac6ecbb3012"
    )


def test_uncompressed_copy_in_other_dir(tmp_path):
    images, labels = load_fashion_mnist("test")
    write_idx(tmp_path / "t10k-images-idx3-ubyte", images[..., 0])
    write_idx(tmp_path / "t10k-labels-idx1-ubyte", labels.astype(np.uint8))
    copy_images, copy_labels = load_fashion_mnist("test", data_dir=tmp_path)
    np.testing.assert_array_equal(copy_images, images)
    np.testing.assert_array_equal(copy_labels, labels)


def test_missing_dir_names_package(tmp_path):
    with pytest.raises(DataSourceError) as info:
        load_fashion_mnist("test", data_dir=tmp_path / "nope")
    assert "apt-get install dataset-fashion-mnist" in str(info.value)
    assert "t10k-images-idx3-ubyte.gz" in str(info.value)


def test_corrupt_content_fails_verification(tmp_path):
    images, labels = load_fashion_mnist("test")
    changed = images[..., 0].copy()
    changed[0, 0, 0] ^= 1
    write_idx(tmp_path / "t10k-images-idx3-ubyte", changed)
    write_idx(tmp_path / "t10k-labels-idx1-ubyte", labels.astype(np.uint8))
    with pytest.raises(DataSourceError, match="failed verification"):
        load_fashion_mnist("test", data_dir=tmp_path)


def test_malformed_file_is_reported(tmp_path):
    with gzip.open(tmp_path / "t10k-images-idx3-ubyte.gz", "wb") as file:
        file.write(b"\x12\x34\x08\x03garbage")
    source = os.path.join(DEFAULT_DATA_DIR, "t10k-labels-idx1-ubyte.gz")
    (tmp_path / "t10k-labels-idx1-ubyte.gz").write_bytes(
        open(source, "rb").read()
    )
    with pytest.raises(DataSourceError, match="magic number 0x12340803"):
        load_fashion_mnist("test", data_dir=tmp_path)


def test_bad_split():
    with pytest.raises(ValueError, match="received 'dev'"):
        load_fashion_mnist("dev")
