"""Choosing a distribution strategy by name: `get_strategy` and
`strategy_scope`, the one way keras_ar builds, compiles and fits on
several devices, workers or processes."""

import contextlib

from keras_ar.distribute.devices import split_cpu
from keras_ar.distribute.jax_processes import initialize_jax_processes
from keras_ar.distribute.tf_config import read_tf_config

#: The names `get_strategy` (and `keras-ar train --strategy`) accept.
STRATEGIES = ("mirrored", "multi-worker", "jax-data-parallel")

_BACKENDS = {
    "mirrored": "tensorflow",
    "multi-worker": "tensorflow",
    "jax-data-parallel": "jax",
}


def get_strategy(name=None, cpu_devices=None):
    """The strategy (TensorFlow) or distribution (JAX) named `name`.

    - `"mirrored"`: `tf.distribute.MirroredStrategy` over this machine's
      GPUs, or over `cpu_devices` logical CPU devices (see `split_cpu`)
      when there is no GPU.
    - `"multi-worker"`: `tf.distribute.MultiWorkerMirroredStrategy`; the
      cluster comes from `TF_CONFIG` (checked here). Applies keras_ar's
      workaround for keras-team/keras#20585 (see
      `keras_ar.upstream.multi_worker_fit`) without which Keras 3.15's
      `fit` fails under it.
    - `"jax-data-parallel"`: `keras.distribution.DataParallel` over every
      device of every process; processes are joined first from the
      `KERAS_DISTRIBUTION_*` variables (see `initialize_jax_processes`).
      Across processes, give every process the same NumPy arrays and the
      global `batch_size`: keras_ar models feed each process its slice of
      every global batch. A stock Keras model needs each process's rows
      and batch size from `process_shard`.
    - `None`: no strategy (`None`).

    Compile with the default `jit_compile="auto"` (or `False`) under the
    TensorFlow strategies: Keras then turns XLA off, as it must: with
    `jit_compile=True`, `MirroredStrategy` over two CPU devices fails for
    a stock model ("Trying to access resource ... located in device
    CPU:1") and hung for MADE here.

    Args:
        name: one of `STRATEGIES`, or `None`.
        cpu_devices: for `"mirrored"` on a machine without GPUs: split the
            CPU into this many logical devices (before TensorFlow starts).

    Returns:
        A `tf.distribute.Strategy`, a `keras.distribution.DataParallel` or
        `None`; use `strategy_scope` to build, compile and fit in it.

    Example:

    ```python
    strategy = get_strategy("mirrored", cpu_devices=2)
    strategy.num_replicas_in_sync  # 2 on a machine without GPUs
    ```
    """
    if name is None:
        return None
    import keras

    if name not in STRATEGIES:
        raise ValueError(
            f"`strategy` must be one of {STRATEGIES} or None. Received: "
            f"strategy={name!r}"
        )
    backend = keras.backend.backend()
    if backend != _BACKENDS[name]:
        raise ValueError(
            f"The {name!r} strategy needs the {_BACKENDS[name]} backend "
            f"(KERAS_BACKEND={_BACKENDS[name]}). Received: backend="
            f"{backend!r}"
        )
    if name == "jax-data-parallel":
        count, _ = initialize_jax_processes()
        return keras.distribution.DataParallel(auto_shard_dataset=count == 1)
    import tensorflow as tf

    if name == "multi-worker":
        from keras_ar.upstream import multi_worker_fit

        read_tf_config()
        multi_worker_fit.apply()
        return tf.distribute.MultiWorkerMirroredStrategy()
    devices = None
    if not tf.config.list_physical_devices("GPU"):
        devices = split_cpu(cpu_devices) if cpu_devices else ["/cpu:0"]
    return tf.distribute.MirroredStrategy(devices)


@contextlib.contextmanager
def strategy_scope(name=None, cpu_devices=None):
    """A context in which to build, compile and fit under `name`.

    Args:
        name: one of `STRATEGIES`, or `None` (no strategy).
        cpu_devices: see `get_strategy`.

    Yields:
        The strategy or distribution (`None` for no strategy).

    Example:

    ```python
    import numpy as np
    from keras_ar.distribute import strategy_scope
    from keras_ar.models import MADE

    with strategy_scope("mirrored", cpu_devices=2):
        model = MADE((6,), hidden_units=(16,))
        model.compile("adam")
        model.fit(np.ones((8, 6)), batch_size=8)
    ```
    """
    strategy = get_strategy(name, cpu_devices=cpu_devices)
    if strategy is None:
        yield None
        return
    with strategy.scope():
        yield strategy


def worker_index(strategy=None):
    """This worker's or process's index: 0 for the chief, and for every
    run without several workers or processes.

    Args:
        strategy: the strategy from `get_strategy`. `None`: read from
            `TF_CONFIG` on TensorFlow (0 when unset).

    Returns:
        An int; only index 0 should write shared outputs.

    Example:

    ```python
    if worker_index(strategy) == 0:
        model.save("model.keras")
    ```
    """
    import keras

    if keras.backend.backend() == "jax":
        import jax

        return jax.process_index()
    if strategy is not None:
        import tensorflow as tf

        if not isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy):
            return 0
    try:
        return read_tf_config()[1]
    except ValueError:
        return 0


def is_chief(strategy=None):
    """True where shared outputs (models, plots, metrics) are written:
    `worker_index(strategy) == 0`."""
    return worker_index(strategy) == 0
