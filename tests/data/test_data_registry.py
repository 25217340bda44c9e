"""Tests for keras_ar.data.registry (load, dataset_info)."""

import os
import shutil

import numpy as np
import pytest

from keras_ar.data import DatasetInfo
from keras_ar.data import DataSourceError
from keras_ar.data import available_datasets
from keras_ar.data import dataset_info
from keras_ar.data import load
from keras_ar.data import load_digits


def test_available_datasets():
    assert available_datasets() == (
        "mnist",
        "binarized_mnist",
        "fashion_mnist",
        "digits",
    )


@pytest.mark.parametrize(
    "name,levels,shape",
    [
        ("mnist", 256, (28, 28, 1)),
        ("binarized_mnist", 2, (28, 28, 1)),
        ("fashion_mnist", 256, (28, 28, 1)),
        ("digits", 17, (8, 8, 1)),
    ],
)
def test_dataset_info(name, levels, shape):
    info = dataset_info(name)
    assert isinstance(info, DatasetInfo)
    assert info.name == name
    assert info.num_pixel_values == levels
    assert info.max_value == levels - 1
    assert info.image_shape == shape
    assert info.num_labels == 10 and len(info.label_names) == 10


@pytest.mark.parametrize("name", ["mnist", "binarized_mnist", "digits"])
def test_info_matches_loaded_data(name):
    info = dataset_info(name)
    images, labels = load(name, "test")
    assert images.shape == (info.num_test, *info.image_shape)
    assert images.max() == info.max_value
    assert labels.max() == info.num_labels - 1


def test_load_dispatches_with_kwargs(tf):
    images, labels = load("digits", split="test")
    expected_images, expected_labels = load_digits("test")
    np.testing.assert_array_equal(images, expected_images)
    np.testing.assert_array_equal(labels, expected_labels)
    ds = load("digits", split="test", as_dataset=True, batch_size=297)
    assert next(iter(ds))["image"].shape[0] == 297


def test_load_passes_data_dir(tmp_path):
    # The loader must look in the given folder: the error names it (a
    # loader ignoring `data_dir` would read the installed files or name
    # the default folder).
    with pytest.raises(DataSourceError, match="dataset-fashion-mnist") as info:
        load("fashion_mnist", "test", data_dir=tmp_path)
    assert str(tmp_path) in str(info.value)
    # And it reads the files it finds there.
    default = "/usr/share/datasets/fashion-mnist"
    names = ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")
    if all(os.path.exists(os.path.join(default, n)) for n in names):
        for name in names:
            shutil.copy(os.path.join(default, name), tmp_path / name)
        images, labels = load("fashion_mnist", "test", data_dir=tmp_path)
        expected = load("fashion_mnist", "test")
        np.testing.assert_array_equal(images, expected[0])
        np.testing.assert_array_equal(labels, expected[1])


@pytest.mark.parametrize("name", ["cifar10", "MNIST", None])
def test_unknown_name(name):
    with pytest.raises(ValueError) as info:
        dataset_info(name)
    message = str(info.value)
    assert repr(name) in message
    for known in available_datasets():
        assert known in message
    with pytest.raises(ValueError, match="known datasets"):
        load(name)


def test_info_is_frozen():
    with pytest.raises(AttributeError):
        dataset_info("mnist").num_pixel_values = 3
