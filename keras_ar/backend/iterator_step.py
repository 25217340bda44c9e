"""One training or test step on a `tf.data` iterator, without Keras 3.15's
per-step `tf.experimental.Optional` round trip.

Keras 3.15's TensorFlow trainer, with `steps_per_execution=1`, wraps each
step's outputs in a `tf.experimental.Optional` inside one `tf.function`
that calls the (XLA-compiled) step in another, then asks the optional
`has_value()` and `get_value()` eagerly, two more op dispatches a step.
On MADE (MNIST, batch 100, 500 hidden units; 4.7 ms a compiled step on 2
CPU cores) that costs about 0.4 ms a step (`benchmarks/made_nade.py`).
Without a distribution strategy keras_ar calls the step on
`iterator.get_next()` in one `tf.function` instead; the end of the data
raises `tf.errors.OutOfRangeError`, which Keras's epoch iterator already
turns into the end of the epoch.
"""


def uses_iterator_step(model):
    """Whether `model`'s train and test functions can take the lean path:
    TensorFlow, compiled (not `run_eagerly`), one step per execution, no
    `tf.distribute` strategy."""
    import keras

    if keras.backend.backend() != "tensorflow":
        return False
    import tensorflow as tf

    return (
        not model.run_eagerly
        and model.steps_per_execution == 1
        and getattr(model, "_distribute_strategy", None) is None
        and not tf.distribute.has_strategy()
    )


def lean_function(model, step_function, keras_function):
    """The function to use as `model`'s train or test function.

    Args:
        model: the `keras.Model` (its `jit_compile` setting is used).
        step_function: the model's `train_step` or `test_step`.
        keras_function: the function Keras built; returned unchanged where
            the lean path does not apply (`uses_iterator_step`), and used
            for inputs that are not `tf.data` iterators (a list of
            batches).

    Returns:
        A function of the iterator returning the step's logs.
    """
    if not uses_iterator_step(model):
        return keras_function
    import tensorflow as tf
    from keras import tree

    step = tf.function(
        step_function,
        reduce_retracing=True,
        jit_compile=model.jit_compile,
        autograph=False,
    )

    def no_optionals(data):
        # Keras's data adapters hold `None` leaves (no `y`) as empty
        # optionals; the step expects `None`.
        return tree.map_structure(
            lambda t: None if isinstance(t, tf.experimental.Optional) else t,
            data,
        )

    @tf.function(reduce_retracing=True, autograph=False)
    def on_iterator(iterator):
        return step(no_optionals(iterator.get_next()))

    def function(iterator):
        if isinstance(iterator, tf.data.Iterator):
            return on_iterator(iterator)
        return keras_function(iterator)

    return function
