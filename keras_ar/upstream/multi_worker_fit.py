"""UPSTREAM WORKAROUND: `fit` under `MultiWorkerMirroredStrategy`.

Upstream issue: https://github.com/keras-team/keras/issues/20585
Applies to: keras==3.15.* (TensorFlow backend); pinned, see `apply`.

With `tf.distribute.MultiWorkerMirroredStrategy` in multi-worker mode
(two or more workers in `TF_CONFIG`), Keras 3.15's TensorFlow trainer
fails in `fit` and `evaluate` for every model, a stock
`keras.Sequential` included:

1. `TensorFlowTrainer._maybe_symbolic_build` builds the model from the
   first batch, which it reduces with `strategy.reduce("MEAN", batch,
   axis=None)`; the collective cross-device ops convert the `PerReplica`
   batch to a Tensor: "Attempt to convert a value (PerReplica:...) with
   an unsupported type".
2. `reduce_per_replica(..., reduction="auto")` (the train and test
   steps' metric results) calls `strategy.reduce("MEAN", v, axis=0)` on
   scalar metric values in multi-worker mode, which fails on rank 0.

The workaround, for multi-worker strategies only (everything else runs
Keras's own code unchanged):

1. builds from this worker's first local batch (the build needs only
   shapes and dtypes, which every replica shares);
2. reduces the step results with `strategy.reduce("MEAN", v,
   axis=None)`: the mean over replicas, which is what Keras returns for
   `MirroredStrategy` (`tf.reduce_mean` over the local results, axis 0
   being the replica axis there).

This module is the one place in keras_ar that patches Keras internals
(`keras.src.backend.tensorflow.trainer`); `apply()` does it, once, and
only on the pinned Keras version: on any other version it changes
nothing and warns, so that a Keras release that fixes (or moves) the
code is never patched blindly. `keras_ar.distribute.get_strategy(
"multi-worker")` calls it.

Example:

```python
from keras_ar.upstream import multi_worker_fit

multi_worker_fit.apply()  # True on keras 3.15, else False (a warning)
```
"""

import importlib
import warnings

import keras

ISSUE_URL = "https://github.com/keras-team/keras/issues/20585"
#: The Keras versions this workaround was written and tested for.
PINNED_KERAS = "3.15."

_TRAINER_MODULE = "keras.src.backend.tensorflow.trainer"
_state = {"applied": False}


def is_needed(version=None):
    """True when `version` (default: the installed Keras) is the pinned
    Keras, whose `fit` fails under `MultiWorkerMirroredStrategy`."""
    version = keras.__version__ if version is None else version
    return str(version).startswith(PINNED_KERAS)


def is_applied():
    """True once `apply()` has patched Keras in this process."""
    return _state["applied"]


def apply():
    """Patches Keras's TensorFlow trainer for multi-worker `fit`.

    Idempotent. A no-op (with a `UserWarning`) on a Keras other than
    3.15.* and on a backend other than TensorFlow.

    Returns:
        True when the workaround is active, False when it was not applied.
    """
    if _state["applied"]:
        return True
    if keras.backend.backend() != "tensorflow":
        return False
    if not is_needed():
        warnings.warn(
            "keras_ar.upstream.multi_worker_fit is pinned to keras=="
            f"{PINNED_KERAS}* and was not applied to keras=="
            f"{keras.__version__}. If `fit` under MultiWorkerMirroredStrategy"
            f" fails, see {ISSUE_URL}.",
            stacklevel=2,
        )
        return False
    trainer = importlib.import_module(_TRAINER_MODULE)
    _patch(trainer)
    _state["applied"] = True
    return True


def _patch(trainer):
    import tensorflow as tf

    keras_reduce = trainer.reduce_per_replica
    keras_build = trainer.TensorFlowTrainer._maybe_symbolic_build
    is_multi_worker = trainer._collective_all_reduce_multi_worker

    def reduce_per_replica(values, strategy, reduction):
        if reduction in ("auto", "mean") and is_multi_worker(strategy):
            return keras.tree.map_structure(
                lambda v: strategy.reduce("MEAN", v, axis=None), values
            )
        return keras_reduce(values, strategy, reduction)

    def _maybe_symbolic_build(self, iterator=None, data_batch=None):
        strategy = self._distribute_strategy
        if (
            iterator is not None
            and strategy is not None
            and is_multi_worker(strategy)
        ):
            for _, _, batches in iterator:
                data_batch = keras.tree.map_structure(
                    lambda v: _first_local(v, strategy, tf), next(batches)
                )
                break
            iterator = None
        return keras_build(self, iterator=iterator, data_batch=data_batch)

    reduce_per_replica.__doc__ = (
        f"keras_ar workaround for {ISSUE_URL}:\n{keras_reduce.__doc__}"
    )
    _maybe_symbolic_build.__doc__ = f"keras_ar workaround for {ISSUE_URL}."
    trainer.reduce_per_replica = reduce_per_replica
    trainer.TensorFlowTrainer._maybe_symbolic_build = _maybe_symbolic_build


def _first_local(value, strategy, tf):
    if isinstance(value, tf.distribute.DistributedValues):
        return strategy.experimental_local_results(value)[0]
    return value
