"""Training on several devices, workers or processes.

Keras's own engines, chosen by name (`get_strategy`, `strategy_scope`):

- `"mirrored"`: `tf.distribute.MirroredStrategy` (one machine, several
  GPUs or logical CPU devices);
- `"multi-worker"`: `tf.distribute.MultiWorkerMirroredStrategy` (several
  processes or machines, from `TF_CONFIG`), with the workaround of
  `keras_ar.upstream.multi_worker_fit` for keras-team/keras#20585;
- `"jax-data-parallel"`: `keras.distribution.DataParallel` on JAX, across
  processes joined with `initialize_jax_processes` (`KERAS_DISTRIBUTION_*`
  variables).

Every model's `compute_loss` divides by the global example count, so one
step on N replicas equals one step on one device (tests/distribute).
`LocalCluster` starts such workers as local processes (127.0.0.1), for
tests, benchmarks and trying multi-worker training on one machine.
"""

from keras_ar.distribute.devices import split_cpu
from keras_ar.distribute.jax_processes import ENVIRONMENT
from keras_ar.distribute.jax_processes import initialize_jax_processes
from keras_ar.distribute.jax_processes import process_shard
from keras_ar.distribute.jax_processes import read_process_settings
from keras_ar.distribute.local_cluster import LocalCluster
from keras_ar.distribute.strategies import STRATEGIES
from keras_ar.distribute.strategies import get_strategy
from keras_ar.distribute.strategies import is_chief
from keras_ar.distribute.strategies import strategy_scope
from keras_ar.distribute.strategies import worker_index
from keras_ar.distribute.tf_config import make_tf_config
from keras_ar.distribute.tf_config import read_tf_config

__all__ = [
    "ENVIRONMENT",
    "LocalCluster",
    "STRATEGIES",
    "get_strategy",
    "initialize_jax_processes",
    "is_chief",
    "make_tf_config",
    "process_shard",
    "read_process_settings",
    "read_tf_config",
    "split_cpu",
    "strategy_scope",
    "worker_index",
]
