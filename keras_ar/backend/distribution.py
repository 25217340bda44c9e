"""Cross-replica sums for losses under `tf.distribute` strategies.

Keras's TensorFlow trainer runs `train_step` once per replica and *sums*
the replicas' gradients, so a loss must be each replica's share of the
global mean (stock Keras losses divide by `num_replicas_in_sync` in
`keras.losses.Loss`). keras_ar divides each replica's summed NLL by the
global sum of example weights instead, which is exact for uneven batches
and weighted data too. On JAX (`keras.distribution.DataParallel`) and
without a strategy the arrays are global and these are identities.
"""

import keras


def replica_context():
    """The active `tf.distribute` replica context with more than one
    replica, or `None` (JAX, no strategy, one replica, cross-replica
    context)."""
    if keras.backend.backend() != "tensorflow":
        return None
    import tensorflow as tf

    context = tf.distribute.get_replica_context()
    if context is None or context.num_replicas_in_sync == 1:
        return None
    return context


def num_replicas():
    """Replicas whose gradients Keras sums (1 off `tf.distribute`)."""
    context = replica_context()
    return 1 if context is None else context.num_replicas_in_sync


def replica_sum(value):
    """`value` summed over all replicas (identity with one replica); no
    gradient flows through the sum."""
    value = keras.ops.stop_gradient(value)
    context = replica_context()
    if context is None:
        return value
    return context.all_reduce("sum", value)
