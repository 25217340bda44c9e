"""Tests for the offline TFDS builders (keras_ar_digits only: fast)."""

import contextlib
import io

import numpy as np

from keras_ar.data import load_digits
from keras_ar.data import register_tfds_builders

NAMES = (
    "keras_ar_mnist",
    "keras_ar_binarized_mnist",
    "keras_ar_fashion_mnist",
    "keras_ar_digits",
)


def test_register_returns_names(tfds):
    assert register_tfds_builders() == NAMES
    registered = set(tfds.list_builders(with_community_datasets=False))
    assert set(NAMES) <= registered


def test_builder_info_without_building(tmp_path, tfds):
    register_tfds_builders()
    builder = tfds.builder("keras_ar_mnist", data_dir=tmp_path)
    features = builder.info.features
    assert features["image"].shape == (28, 28, 1)
    assert features["label"].num_classes == 10
    fashion = tfds.builder("keras_ar_fashion_mnist", data_dir=tmp_path)
    assert fashion.info.features["label"].names[9] == "Ankle boot"
    assert not builder.is_prepared()


def test_tfds_load_digits_offline_matches_loader(tmp_path, tfds):
    register_tfds_builders()
    with contextlib.redirect_stdout(io.StringIO()):
        splits, info = tfds.load(
            "keras_ar_digits",
            split=["train", "test"],
            data_dir=tmp_path,
            with_info=True,
            download=True,
        )
    assert info.features["image"].shape == (8, 8, 1)
    assert info.features["label"].num_classes == 10
    assert info.splits["train"].num_examples == 1500
    assert info.splits["test"].num_examples == 297
    assert (tmp_path / "keras_ar_digits" / "1.0.0").is_dir()
    for split, ds in zip(("train", "test"), splits, strict=True):
        examples = list(tfds.as_numpy(ds))
        images = np.stack([e["image"] for e in examples])
        labels = np.array([e["label"] for e in examples])
        expected_images, expected_labels = load_digits(split)
        assert images.dtype == np.uint8 and labels.dtype == np.int64
        np.testing.assert_array_equal(images, expected_images)
        np.testing.assert_array_equal(labels, expected_labels)


def test_as_supervised(tmp_path, tfds):
    register_tfds_builders()
    with contextlib.redirect_stdout(io.StringIO()):
        ds = tfds.load(
            "keras_ar_digits",
            split="test",
            data_dir=tmp_path,
            as_supervised=True,
            batch_size=297,
        )
    images, labels = next(iter(tfds.as_numpy(ds)))
    expected_images, expected_labels = load_digits("test")
    np.testing.assert_array_equal(images, expected_images)
    np.testing.assert_array_equal(labels, expected_labels)


def test_fit_consumes_a_tfds_dataset_directly(tmp_path, tfds):
    from keras_ar.models import PixelCNN

    register_tfds_builders()
    with contextlib.redirect_stdout(io.StringIO()):
        ds = tfds.load("keras_ar_digits", split="train", data_dir=tmp_path)
    model = PixelCNN(
        (8, 8, 1),
        head=17,
        filters=4,
        num_residual_blocks=1,
        output_filters=8,
        condition_classes=10,
    )
    model.compile(optimizer="adam")
    history = model.fit(ds.take(256).batch(64), epochs=2, verbose=0)
    assert history.history["loss"][1] < history.history["loss"][0]
    images, labels = load_digits("test")
    score = model.evaluate(
        tfds.load("keras_ar_digits", split="test", data_dir=tmp_path).batch(
            100
        ),
        verbose=0,
        return_dict=True,
    )
    expected = -model.log_prob(images, condition=labels).mean()
    np.testing.assert_allclose(score["loss"], expected, rtol=1e-4)
