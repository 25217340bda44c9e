"""Conversion of (images, labels) arrays into a TFDS-style tf.data pipeline."""

import numpy as np


def to_tf_dataset(images, labels, batch_size=None):
    """Builds a `tf.data.Dataset` of TFDS-style `{"image", "label"}` dicts.

    TensorFlow is imported only when this function is called, so
    `keras_ar.data` itself imports without it.

    Args:
        images: uint8 array of shape (N, H, W, C).
        labels: integer array of shape (N,); converted to int64.
        batch_size: If given, the dataset is batched with this size (the
            last batch may be smaller).

    Returns:
        A `tf.data.Dataset` whose elements are `{"image": uint8 (H, W, C),
        "label": int64 scalar}`, or batches of those when `batch_size` is
        given.

    Raises:
        ValueError: If the arrays have the wrong rank, dtype or lengths, or
            `batch_size` is not a positive integer.
        ImportError: If TensorFlow is not installed.

    Example:

    >>> import numpy as np
    >>> ds = to_tf_dataset(np.zeros((3, 2, 2, 1), np.uint8), np.arange(3))
    >>> sorted(ds.element_spec)
    ['image', 'label']
    >>> [int(e["label"]) for e in ds]
    [0, 1, 2]
    """
    images = np.asarray(images)
    labels = np.asarray(labels)
    if images.ndim != 4 or images.dtype != np.uint8:
        raise ValueError(
            "images must be a uint8 array of shape (N, H, W, C); received "
            f"dtype {images.dtype} and shape {images.shape}."
        )
    if labels.ndim != 1 or not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(
            "labels must be an integer array of shape (N,); received dtype "
            f"{labels.dtype} and shape {labels.shape}."
        )
    if len(images) != len(labels):
        raise ValueError(
            f"images and labels must have the same length; received "
            f"{len(images)} images and {len(labels)} labels."
        )
    if batch_size is not None and (
        isinstance(batch_size, bool)
        or not isinstance(batch_size, (int, np.integer))
        or batch_size < 1
    ):
        raise ValueError(
            f"batch_size must be a positive integer; received {batch_size!r}."
        )
    try:
        import tensorflow as tf
    except ImportError as error:
        raise ImportError(
            "as_dataset=True needs TensorFlow: pip install tensorflow-cpu"
        ) from error
    dataset = tf.data.Dataset.from_tensor_slices(
        {"image": images, "label": labels.astype(np.int64)}
    )
    if batch_size is not None:
        dataset = dataset.batch(int(batch_size))
    return dataset
