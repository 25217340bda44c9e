"""Learned biases from a condition: what conditional image layers add."""

import keras
from keras import ops


def condition_bias_layer(width, classes, size, name, dtype=None):
    """The layer that maps a condition to a bias of `width` features, or
    `None` without a condition: a per-class embedding (`classes`) or a
    linear projection of a vector (`size`), both starting at zero
    (conditional PixelCNN, van den Oord et al. 2016b, eq. 4).

    Args:
        width: features of the bias.
        classes: number of classes of a class condition, or `None`.
        size: length of a vector condition, or `None`.
        name: the layer's name (`"condition_embedding..."` or
            `"condition_projection..."` after its kind, plus `name`).
        dtype: the layer's dtype policy.

    Returns:
        A `keras.layers.Embedding` or `keras.layers.Dense`, or `None`.

    Example:

    >>> import numpy as np
    >>> layer = condition_bias_layer(4, classes=3, size=None, name="_0")
    >>> tuple(condition_bias(layer, np.array([0, 2]), classes=3).shape)
    (2, 4)
    """
    if classes is not None:
        layer = keras.layers.Embedding(
            classes,
            width,
            embeddings_initializer="zeros",
            name=f"condition_embedding{name}",
            dtype=dtype,
        )
        return layer
    if size is not None:
        layer = keras.layers.Dense(
            width,
            use_bias=False,
            kernel_initializer="zeros",
            name=f"condition_projection{name}",
            dtype=dtype,
        )
        return layer
    return None


def condition_bias(layer, value, classes, dtype="float32"):
    """`layer`'s bias `(batch, width)` for a condition `value`: class ids
    `(batch,)` or `(batch, 1)` when `classes` is set, else vectors
    `(batch, size)` (cast to `dtype`)."""
    if classes is not None:
        value = ops.reshape(ops.cast(value, "int32"), (-1,))
    else:
        value = ops.cast(value, dtype)
    return layer(value)
