"""`keras-ar train --strategy`: one run on several devices, workers or
processes, with Keras's own engines (see `keras_ar.distribute`).

- `--strategy mirrored`: this machine's GPUs (`MirroredStrategy`); on a
  machine without GPUs, `--cpu-devices N` splits the CPU into N logical
  devices (one replica each: a way to try it, not more compute).
- `--strategy multi-worker`: start the same command on every worker with
  `TF_CONFIG` set (`MultiWorkerMirroredStrategy`).
- `--strategy jax-data-parallel` (KERAS_BACKEND=jax): start the same
  command in every process with `KERAS_DISTRIBUTION_JOB_ADDRESSES` (the
  coordinator's host:port), `KERAS_DISTRIBUTION_NUM_PROCESSES` and
  `KERAS_DISTRIBUTION_PROCESS_ID`; with none of them it runs one process
  over all its local devices.

`--batch-size` is the global batch, summed over replicas. The chief
(worker or process 0) writes OUT; every other one writes OUT/worker-I and
exports no SavedModel.
"""

import contextlib
import os

from keras_ar.cli.common import echo


def add_strategy_arguments(parser):
    """`--strategy` and `--cpu-devices`."""
    from keras_ar.distribute.strategies import STRATEGIES

    parser.add_argument(
        "--strategy",
        choices=STRATEGIES,
        default=None,
        help=(
            "train on several devices or workers: mirrored (this machine's "
            "GPUs, or --cpu-devices), multi-worker (reads TF_CONFIG), "
            "jax-data-parallel (KERAS_BACKEND=jax; reads "
            "KERAS_DISTRIBUTION_JOB_ADDRESSES, _NUM_PROCESSES, "
            "_PROCESS_ID); --batch-size is the global batch"
        ),
    )
    parser.add_argument(
        "--cpu-devices",
        type=int,
        default=None,
        help=(
            "with --strategy mirrored on a machine without GPUs: split the "
            "CPU into N logical devices, one replica each"
        ),
    )


def start_strategy(args):
    """The strategy of `--strategy` (`None` without it). Call it before
    anything starts TensorFlow or JAX."""
    name = getattr(args, "strategy", None)
    cpu_devices = getattr(args, "cpu_devices", None)
    if cpu_devices is not None:
        from keras_ar.utils.validation import check_positive_int

        check_positive_int(cpu_devices, "--cpu-devices")
        if name != "mirrored":
            raise ValueError(
                "`--cpu-devices` applies to --strategy mirrored. Received: "
                f"--strategy {name}"
            )
    if name is None:
        return None
    from keras_ar.distribute import get_strategy
    from keras_ar.distribute import worker_index

    strategy = get_strategy(name, cpu_devices=cpu_devices)
    echo(
        f"strategy: {name}, {replicas(strategy)} replicas "
        f"(this is worker {worker_index(strategy)})"
    )
    return strategy


def replicas(strategy):
    """The number of replicas (devices over every worker) of `strategy`."""
    if strategy is None:
        return 1
    if hasattr(strategy, "num_replicas_in_sync"):
        return strategy.num_replicas_in_sync
    return int(strategy.device_mesh.devices.size)


def strategy_scope(strategy):
    """The context to build, compile and fit in."""
    return contextlib.nullcontext() if strategy is None else strategy.scope()


def output_dir(out, strategy, args):
    """`out` for the chief; `out/worker-I` (and no SavedModel) for the
    other workers."""
    from keras_ar.distribute import worker_index

    index = worker_index(strategy) if strategy is not None else 0
    if index == 0:
        return out
    args.no_export = True
    return os.path.join(out, f"worker-{index}")


def jit_compile(args, strategy):
    """XLA unless `--no-jit`, and never under a TensorFlow strategy (Keras
    and XLA do not run `MirroredStrategy` on several devices)."""
    if args.no_jit:
        return False
    return strategy is None or not hasattr(strategy, "num_replicas_in_sync")


def local_model(model, strategy, path):
    """The trained model, ready to score, sample and save in this process
    alone. Across JAX processes every weight spans all processes' devices
    (each computation on it would need every process); the model is saved
    to `path` and loaded back outside the distribution."""
    if strategy is None or hasattr(strategy, "num_replicas_in_sync"):
        return model
    if getattr(strategy, "num_processes", 1) == 1:
        return model
    from keras_ar.cli.common import load_model

    model.save(path)
    return load_model(path)
