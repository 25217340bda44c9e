"""Distributed training throughput: 1 vs 2 replicas, workers, processes.

The same model, data (scikit-learn's 8x8 digits, 1,500 training images),
global batch, optimizer (Adam 1e-3) and epochs, trained with Keras's own
engines through `keras_ar.distribute`:

- TensorFlow, one process: no strategy vs `MirroredStrategy` over two
  logical CPU devices (`--cpu-devices 2`);
- TensorFlow, `MultiWorkerMirroredStrategy`: 1 worker vs 2 worker
  processes (TF_CONFIG on 127.0.0.1, keras_ar's workaround for
  keras-team/keras#20585);
- JAX, `keras.distribution.DataParallel`: 1 process vs 2 processes
  (`KERAS_DISTRIBUTION_*`, Gloo collectives on CPU).

Models: PixelCNN on the 17 grey levels (8x8, 32 filters, 3 residual
blocks) and MADE on the binarized digits (64 values, 500 hidden units).
Reported: training examples/s (global examples, whole epochs, median of
epochs 2..E: epoch 1 traces and compiles) and the ratio to the
one-replica row of its pair, plus the final training loss (the same
within float noise whatever the strategy: one step on N replicas equals
one step on one device, tests/distribute).

On this machine the 2 replicas, workers or processes share the same
CPU cores: each process gets `cores / processes` threads (`--threads`),
so 2 workers do not add compute, they split it and add communication.
The ratios measure that overhead, not the speed-up of 2 machines.
"""

import argparse
import contextlib
import json
import os
import statistics
import sys
import time

from common import results_header
from common import write_results

MODELS = ("pixelcnn", "made")
#: (backend, label, strategy, processes, cpu_devices, baseline label)
CONFIGURATIONS = (
    ("tensorflow", "1 device", None, 1, None, None),
    ("tensorflow", "mirrored, 2 logical CPUs", "mirrored", 1, 2, "1 device"),
    ("tensorflow", "multi-worker, 1 worker", "multi-worker", 1, None, None),
    (
        "tensorflow",
        "multi-worker, 2 workers",
        "multi-worker",
        2,
        None,
        "multi-worker, 1 worker",
    ),
    ("jax", "data parallel, 1 process", "jax-data-parallel", 1, None, None),
    (
        "jax",
        "data parallel, 2 processes",
        "jax-data-parallel",
        2,
        None,
        "data parallel, 1 process",
    ),
)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="smoke test")
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument(
        "--threads",
        type=int,
        default=None,
        help="threads per process (default: cores / processes; 0: the "
        "libraries' defaults)",
    )
    parser.add_argument("--timeout", type=int, default=900)
    parser.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.quick:
        args.epochs = 2
    return args


# ---------------------------------------------------------------- worker


def load_data(model):
    from keras_ar.data.digits import load_digits

    images, _ = load_digits("train")
    if model == "made":
        return (images.reshape(len(images), -1) >= 8).astype("float32")
    return images.astype("float32")


def build_model(model, quick):
    from keras_ar.models import MADE
    from keras_ar.models import PixelCNN

    if model == "made":
        return MADE((64,), hidden_units=(64 if quick else 500,))
    return PixelCNN(
        (8, 8, 1),
        head=17,
        filters=8 if quick else 32,
        num_residual_blocks=1 if quick else 3,
        output_filters=16 if quick else 64,
        first_kernel_size=5,
    )


def run_worker(settings):
    """One process of one configuration; prints `RESULT {json}`."""
    threads = settings["threads"]
    backend = os.environ.get("KERAS_BACKEND", "tensorflow")
    if backend == "tensorflow" and threads:
        import tensorflow as tf

        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(threads)
    import keras

    from keras_ar.distribute import get_strategy
    from keras_ar.distribute import worker_index

    strategy = get_strategy(
        settings["strategy"], cpu_devices=settings["cpu_devices"]
    )
    keras.utils.set_random_seed(0)
    x = load_data(settings["model"])
    times = []

    class EpochTimes(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            times.append(time.perf_counter() - self.start)

    scope = strategy.scope() if strategy else contextlib.nullcontext()
    with scope:
        model = build_model(settings["model"], settings["quick"])
        model.compile(keras.optimizers.Adam(1e-3))
        history = model.fit(
            x,
            batch_size=settings["batch_size"],
            epochs=settings["epochs"],
            verbose=0,
            callbacks=[EpochTimes()],
        )
    steady = times[1:] or times
    replicas = getattr(strategy, "num_replicas_in_sync", None)
    if replicas is None:
        replicas = 1 if strategy is None else len(strategy.device_mesh.devices)
    result = {
        "worker": worker_index(strategy),
        "replicas": int(replicas),
        "examples": len(x),
        "epoch_seconds": times,
        "examples_per_second": len(x) / statistics.median(steady),
        "final_loss": float(history.history["loss"][-1]),
        "parameters": model.count_params(),
    }
    print("RESULT " + json.dumps(result), flush=True)


# ---------------------------------------------------------------- parent


def run_configuration(args, model, configuration):
    from keras_ar.distribute import LocalCluster

    backend, label, strategy, processes, cpu_devices, _ = configuration
    cores = os.cpu_count() or 1
    threads = args.threads
    if threads is None:
        threads = max(cores // processes, 1)
    settings = {
        "model": model,
        "strategy": strategy,
        "cpu_devices": cpu_devices,
        "threads": threads,
        "epochs": args.epochs,
        "batch_size": args.batch_size,
        "quick": args.quick,
    }
    # The workers import the keras_ar this process imported.
    import keras_ar

    root = os.path.dirname(os.path.dirname(os.path.abspath(keras_ar.__file__)))
    env = {"KERAS_BACKEND": backend, "PYTHONPATH": root}
    if backend == "jax" and threads == 1:
        # One thread for XLA's CPU kernels (JAX has no thread-count knob).
        env["XLA_FLAGS"] = (
            "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
        )
    command = [sys.executable, os.path.abspath(__file__)]
    command += ["--worker", json.dumps(settings)]
    start = time.time()
    with LocalCluster(processes, kind=backend, env=env) as cluster:
        outputs = cluster.run(command, timeout=args.timeout)
    results = []
    for output in outputs:
        line = [
            x for x in output.output.splitlines() if x.startswith("RESULT ")
        ]
        results.append(json.loads(line[-1][len("RESULT ") :]))
    chief = results[0]
    row = {
        "model": model,
        "backend": backend,
        "configuration": label,
        "processes": processes,
        "threads_per_process": threads,
        "wall_seconds": time.time() - start,
        **chief,
        "worker_losses": [r["final_loss"] for r in results],
    }
    print(
        f"  {model:8s} {backend:10s} {label:28s} "
        f"{row['examples_per_second']:8.0f} ex/s  loss {row['final_loss']:.4f}",
        flush=True,
    )
    return row


def add_ratios(rows):
    by_key = {(r["model"], r["configuration"]): r for r in rows}
    for row in rows:
        baseline = next(
            c[5] for c in CONFIGURATIONS if c[1] == row["configuration"]
        )
        if baseline is None:
            row["ratio"] = 1.0
            continue
        base = by_key.get((row["model"], baseline))
        row["ratio"] = (
            row["examples_per_second"] / base["examples_per_second"]
            if base
            else None
        )


def print_table(rows):
    print()
    print(
        "| model | backend | configuration | replicas | threads/process "
        "| examples/s | ratio | final loss |"
    )
    print("|---|---|---|---:|---:|---:|---:|---:|")
    for r in rows:
        ratio = "-" if r["ratio"] is None else f"{r['ratio']:.2f}x"
        print(
            f"| {r['model']} | {r['backend']} | {r['configuration']} | "
            f"{r['replicas']} | {r['threads_per_process']} | "
            f"{r['examples_per_second']:,.0f} | {ratio} | "
            f"{r['final_loss']:.4f} |"
        )


def main(argv=None):
    args = parse_args(argv)
    if args.worker:
        run_worker(json.loads(args.worker))
        return 0
    results = results_header(
        {
            k: getattr(args, k)
            for k in ("quick", "epochs", "batch_size", "models", "threads")
        }
    )
    results["note"] = (
        "2 replicas/workers/processes share this machine's cores: the "
        "ratios measure the overhead of splitting, not a speed-up"
    )
    rows = []
    for model in args.models.split(","):
        for configuration in CONFIGURATIONS:
            rows.append(run_configuration(args, model, configuration))
    add_ratios(rows)
    results["rows"] = rows
    print_table(rows)
    name = "distributed_quick" if args.quick else "distributed"
    write_results(results, name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
