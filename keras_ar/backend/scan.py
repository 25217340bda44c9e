"""`scan` over a static number of steps that XLA can differentiate.

Keras is imported on use: `keras_ar.data` imports this package and must
stay free of Keras and TensorFlow.
"""


def scan(fn, init, xs, reverse=False):
    """`keras.ops.scan` that trains under `jit_compile=True` on TensorFlow.

    Keras 3.15's TensorFlow `scan` builds its `tf.while_loop` without
    `maximum_iterations`, so the gradient's accumulators have no fixed size
    and XLA refuses the training step ("XLA compilation requires a fixed
    tensor list size"): every recurrent layer built on it fails in
    `fit` with Keras's default `jit_compile="auto"`. Here the TensorFlow
    loop is bounded by the (static) number of steps; JAX uses
    `keras.ops.scan` (`jax.lax.scan`).

    Args:
        fn: `(carry, x) -> (carry, y)`; carry and `y` nested structures of
            tensors.
        init: the initial carry.
        xs: a tensor or nested structure of tensors, scanned along their
            first axis (of a static length).
        reverse: scan from the last element to the first (`ys` are still
            stored in the order of `xs`).

    Returns:
        `(final carry, ys)`, `ys` stacked along a new first axis.

    Example:

    >>> import numpy as np
    >>> step = lambda c, x: (c + x, c + x)
    >>> carry, ys = scan(step, np.float32(0), np.arange(4, dtype="float32"))
    >>> [float(v) for v in ys]
    [0.0, 1.0, 3.0, 6.0]
    """
    import keras
    from keras import tree

    if keras.backend.backend() != "tensorflow":
        return keras.ops.scan(fn, init, xs, reverse=reverse)
    import tensorflow as tf

    xs_flat = [tf.convert_to_tensor(x) for x in tree.flatten(xs)]
    length = xs_flat[0].shape[0]
    if length is None:
        raise ValueError(
            "`scan` needs a static number of steps (the first axis of "
            f"`xs`). Received xs with shape {xs_flat[0].shape}."
        )
    # One step outside the loop gives the outputs' structure and dtypes.
    probe = tree.pack_sequence_as(xs, [x[0] for x in xs_flat])
    _, y_probe = fn(init, probe)
    y_spec = [(y.shape, y.dtype) for y in tree.flatten(y_probe)]

    def body(i, carry, arrays):
        index = length - 1 - i if reverse else i
        x = tree.pack_sequence_as(xs, [x[index] for x in xs_flat])
        carry, y = fn(carry, x)
        arrays = [a.write(index, v) for a, v in zip(arrays, tree.flatten(y))]
        return i + 1, carry, arrays

    arrays = [
        tf.TensorArray(dtype, size=length, element_shape=shape)
        for shape, dtype in y_spec
    ]
    _, carry, arrays = tf.while_loop(
        lambda i, *_: i < length,
        body,
        (tf.constant(0), init, arrays),
        maximum_iterations=length,
    )
    ys = tree.pack_sequence_as(y_probe, [a.stack() for a in arrays])
    return carry, ys
