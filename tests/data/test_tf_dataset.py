"""Tests for keras_ar.data.to_tf_dataset and the loaders' as_dataset."""

import numpy as np
import pytest

from keras_ar.data import load_digits
from keras_ar.data import to_tf_dataset


def test_loader_as_dataset_unbatched(tf):
    images, labels = load_digits("test")
    ds = load_digits("test", as_dataset=True)
    spec = ds.element_spec
    assert set(spec) == {"image", "label"}
    assert tuple(spec["image"].shape) == (8, 8, 1)
    assert spec["image"].dtype.name == "uint8"
    assert tuple(spec["label"].shape) == ()
    assert spec["label"].dtype.name == "int64"
    elements = list(ds.as_numpy_iterator())
    assert len(elements) == 297
    np.testing.assert_array_equal(
        np.stack([e["image"] for e in elements]), images
    )
    np.testing.assert_array_equal([e["label"] for e in elements], labels)


def test_loader_as_dataset_batched(tf):
    ds = load_digits("test", as_dataset=True, batch_size=100)
    sizes = [int(b["image"].shape[0]) for b in ds]
    assert sizes == [100, 100, 97]
    assert tuple(ds.element_spec["image"].shape) == (None, 8, 8, 1)


@pytest.mark.parametrize("batch_size", [0, -2, 1.5, True])
def test_bad_batch_size(batch_size, tf):
    with pytest.raises(ValueError, match="batch_size must be a positive"):
        load_digits("test", as_dataset=True, batch_size=batch_size)


def test_to_tf_dataset_validates(tf):
    good = np.zeros((3, 2, 2, 1), np.uint8)
    with pytest.raises(ValueError, match="uint8 array of shape"):
        to_tf_dataset(good.astype(np.float32), np.arange(3))
    with pytest.raises(ValueError, match="uint8 array of shape"):
        to_tf_dataset(good[..., 0], np.arange(3))
    with pytest.raises(ValueError, match="integer array of shape"):
        to_tf_dataset(good, np.zeros(3, np.float32))
    with pytest.raises(ValueError, match="3 images and 2 labels"):
        to_tf_dataset(good, np.arange(2))
    ds = to_tf_dataset(good, np.arange(3, dtype=np.uint8), batch_size=2)
    assert ds.element_spec["label"].dtype.name == "int64"
