"""Statically binarized MNIST: one fixed, seeded Bernoulli draw per pixel."""

import functools
import os

import numpy as np

from keras_ar.data import _validation
from keras_ar.data.mnist import load_mnist
from keras_ar.data.tf_dataset import to_tf_dataset
from keras_ar.data.transforms import binarize

# SHA-256 of the seed-0 images (uint8 {0, 1}, C order), recorded with
# NumPy 2.4. Labels are MNIST's and verified by `load_mnist`.
SHA256_SEED_0 = {
    "train": "34fbf92295b42387983a42cad81b78ad68c474d9266b8607c6d1895a488233b9",
    "test": "fe215020629a422eaf6c77eb1cc5c14db526fefc76440033fb719986912d865c",
}


def load_binarized_mnist(
    split="train", seed=0, as_dataset=False, batch_size=None, data_dir=None
):
    """Loads MNIST with a fixed (static) Bernoulli binarization.

    Each pixel is set to 1 with probability `intensity / 255`, drawn once for
    the whole split in a single call to `numpy.random.default_rng(seed)`
    (exactly: `rng.integers(0, 255, dtype=uint8) < intensity`, see
    `keras_ar.data.binarize`). The same seed always gives the same images,
    so the data set is static, as in the binarized MNIST benchmark.

    Note: this is NOT the fixed binarization file of Larochelle & Murray
    (2011) used by most papers (NADE, MADE, PixelCNN, ...): that file is not
    available offline. Likelihoods measured on this data are close to but
    not exactly comparable with published binarized-MNIST numbers; say so
    when comparing. The seed-0 images are hash-verified, so results are
    reproducible across machines.

    Args:
        split: "train" (60,000 images) or "test" (10,000 images).
        seed: Seed of the binarization (default 0, the verified one).
        as_dataset: If True, return a `tf.data.Dataset` instead of arrays.
        batch_size: With `as_dataset=True`, batch the dataset.
        data_dir: Passed to `load_mnist` (directory of the MNIST archive).

    Returns:
        `(images, labels)`: read-only NumPy arrays, images uint8 of shape
        (N, 28, 28, 1) with values in {0, 1} and labels int64 of shape (N,).
        With `as_dataset=True`, a `tf.data.Dataset` of
        `{"image": uint8 (28, 28, 1), "label": int64}` dicts.

    Raises:
        ValueError: If `split` is not "train" or "test", or `seed` is not a
            non-negative integer.
        DataSourceError: If MNIST is missing, or the seed-0 images fail
            verification (e.g. a NumPy release changed its random stream).

    Example:

    >>> images, labels = load_binarized_mnist("test")
    >>> images.shape, sorted(np.unique(images).tolist())
    ((10000, 28, 28, 1), [0, 1])
    """
    _validation.check_split(split)
    _validation.check_batch_size(as_dataset, batch_size)
    if (
        isinstance(seed, bool)
        or not isinstance(seed, (int, np.integer))
        or seed < 0
    ):
        raise ValueError(
            f"seed must be a non-negative integer; received {seed!r}."
        )
    if data_dir is not None:
        data_dir = os.path.abspath(os.fspath(data_dir))
    images, labels = _load_binarized(split, int(seed), data_dir)
    if as_dataset:
        return to_tf_dataset(images, labels, batch_size)
    return images, labels


@functools.lru_cache(maxsize=4)
def _load_binarized(split, seed, data_dir):
    """Binarizes one split; cached, returns read-only arrays."""
    grey, labels = load_mnist(split, data_dir=data_dir)
    images = binarize(grey, seed=seed)
    if seed == 0:
        _validation.verify_sha256(
            images,
            SHA256_SEED_0[split],
            f"Binarized MNIST {split} split with seed 0 (NumPy "
            f"{np.__version__}; the hash was recorded with NumPy 2.4, so a "
            "changed NumPy random stream is the likely cause)",
            install=None,
        )
    return _validation.read_only(images), labels
