"""Cached vs naive sampling for every model, with the samples compared.

For each configuration the same model, seed and noise are sampled two
ways through keras_ar's one generation loop (`keras_ar.generation`):

- cached: the model's fast step (`call_with_cache`: Fast PixelCNN column
  updates, NADE's running pre-activation, MADE's incremental first layer,
  Fast WaveNet queues); timed in full, first call (tracing and
  compilation included) and second call (compiled);
- naive: the full network at every step (`use_cache=False`). Every naive
  step costs the same, so unless `--full-naive` is given the naive time is
  its measured cost per step (`--naive-steps` steps of the compiled loop
  after one warm-up chunk) times the number of steps.

"identical" compares the cached and naive values: on the whole event when
the naive path ran in full, else on the values written by the timed naive
steps (the same steps of the cached run, same noise).

Also reports the issue-8 targets: 16 MNIST samples from the CLI's default
PixelCNN in under 1 s (first call, compilation included) and a cached /
naive ratio of at least 183x at 32x32 (the Fast PixelCNN++ paper's best).

Run (CPU, about 10 minutes on 2 shared cores):
    python benchmarks/sampling.py
    python benchmarks/sampling.py --quick      # smaller, ~2 min
    python benchmarks/sampling.py --only pixelcnn_28  # other rows kept

Writes benchmarks/results/sampling.json (sampling_quick.json).
"""

import argparse
import json
import math
import os
import platform
import sys
import time

import numpy as np
from common import provenance
from common import uptime
from common import versions

HERE = os.path.dirname(os.path.abspath(__file__))


def configs(quick):
    """`name -> (builder, batch sizes, naive steps)`."""
    from keras_ar.models import MADE
    from keras_ar.models import NADE
    from keras_ar.models import GatedPixelCNN
    from keras_ar.models import PixelCNN
    from keras_ar.models import PixelRNN
    from keras_ar.models import WaveNet

    size = 16 if quick else 32
    return {
        "pixelcnn_28": (
            lambda: PixelCNN(
                (28, 28, 1),
                head=256,
                filters=32,
                num_residual_blocks=3,
                output_filters=64,
            ),
            (1, 16),
            16,
        ),
        f"pixelcnn_{size}_rgb": (
            lambda: PixelCNN((size, size, 3), head=256),
            (1, 16),
            8,
        ),
        f"pixelcnn_{size}_rgb_no_xla": (
            lambda: _without_xla(PixelCNN((size, size, 3), head=256)),
            (1, 16),
            8,
        ),
        "gated_pixelcnn_28": (
            lambda: GatedPixelCNN(
                (28, 28, 1),
                head=256,
                filters=32,
                num_layers=4,
                output_filters=64,
            ),
            (1, 16),
            16,
        ),
        f"gated_pixelcnn_{size}_rgb": (
            lambda: GatedPixelCNN((size, size, 3), head=256),
            (1, 16),
            8,
        ),
        **{
            f"pixelrnn_{cell}_28": (
                lambda cell=cell: PixelRNN(
                    (28, 28, 1),
                    head=256,
                    cell=cell,
                    hidden_units=32,
                    num_layers=3,
                    output_filters=64,
                ),
                (16,),
                8,
            )
            for cell in ("row", "diagonal")
        },
        "nade_784": (lambda: NADE((784,), hidden_units=500), (16,), 32),
        "made_784": (lambda: MADE((784,), hidden_units=(500,)), (16,), 32),
        "wavenet_2048": (
            lambda: WaveNet(
                (2048, 1),
                residual_channels=32,
                skip_channels=64,
                num_stacks=2,
                layers_per_stack=10,
            ),
            (1,),
            16,
        ),
    }


def _without_xla(model):
    """The same model with its sampling loop not compiled by XLA on
    TensorFlow (JAX always compiles with XLA)."""
    model.jit_generation = False
    return model


def randomize(model, seed=0):
    """Random weights (every value matters; as after training)."""
    import keras

    rng = np.random.default_rng(seed)
    for weight in model.trainable_weights:
        value = keras.ops.convert_to_numpy(weight)
        spread = 0.5 * (value.std() + 0.05)
        weight.assign(
            (value + rng.normal(0, spread, value.shape)).astype(value.dtype)
        )


def time_cached(model, batch, seed):
    start = time.perf_counter()
    first = model.sample(batch, seed=seed)
    first_seconds = time.perf_counter() - start
    start = time.perf_counter()
    again = model.sample(batch, seed=seed)
    seconds = time.perf_counter() - start
    assert np.array_equal(first, again)
    return first, first_seconds, seconds


def time_naive(model, batch, seed, steps, full):
    """Per-step naive cost (or a full naive run) on the same noise."""
    import keras

    from keras_ar.backend import compile_function
    from keras_ar.generation import Sampler
    from keras_ar.generation import draw_noise

    shape = model.generation_shape()
    total = model.generation_steps(shape)
    x = np.zeros((batch,) + shape, "float32")
    known = np.zeros(x.shape, bool)
    noise = draw_noise(model, x.shape, seed)
    sampler = Sampler(model)
    run = compile_function(
        model,
        lambda x, k, n, a, b, cache: sampler.run(
            x, k, n, np.float32(1.0), cache, a, b, use_cache=False
        ),
    )
    cache = sampler.build_cache(x, known, noise, None, use_cache=False)
    # Results are copied to NumPy inside the timed region: JAX dispatches
    # asynchronously, so a returned array may not be computed yet.
    if full:
        start = time.perf_counter()
        out, _ = run(x, known, noise, np.int32(0), np.int32(total), cache)
        out = keras.ops.convert_to_numpy(out)
        return out, time.perf_counter() - start, total, total
    warm = min(2, total)
    out, cache = run(x, known, noise, np.int32(0), np.int32(warm), cache)
    out = keras.ops.convert_to_numpy(out)
    stop = min(warm + steps, total)
    start = time.perf_counter()
    out, _ = run(out, known, noise, np.int32(warm), np.int32(stop), cache)
    out = keras.ops.convert_to_numpy(out)
    per_step = (time.perf_counter() - start) / (stop - warm)
    return out, per_step * total, stop, total


def compare(model, cached, naive, written, batch):
    """Are the values written by the naive run equal to the cached ones?"""
    flat_cached = cached.reshape(batch, -1)
    flat_naive = np.rint(naive.reshape(batch, -1)).astype(flat_cached.dtype)
    shape = model.generation_shape()
    per_step = math.prod(shape) // model.generation_steps(shape)
    order = getattr(model, "sampling_order", lambda: None)()
    positions = np.arange(written * per_step)
    if order is not None:
        positions = np.asarray(order)[positions]
    same = flat_cached[:, positions] == flat_naive[:, positions]
    return int(same.sum()), int(same.size)


def run_config(name, builder, batches, naive_steps, full_naive, seed=0):
    import keras

    rows = []
    for batch in batches:
        keras.utils.set_random_seed(seed)
        model = builder()
        randomize(model, seed)
        cached, first, steady = time_cached(model, batch, seed)
        naive, naive_seconds, written, total = time_naive(
            model, batch, seed, naive_steps, full_naive
        )
        equal, count = compare(model, cached, naive, written, batch)
        rows.append(
            {
                "config": name,
                "batch": batch,
                "steps": total,
                "cached_first_call_s": first,
                "cached_s": steady,
                "naive_s": naive_seconds,
                "naive_measured_steps": written if written < total else total,
                "naive_extrapolated": written < total,
                "speedup": naive_seconds / steady,
                "identical_values": equal,
                "compared_values": count,
            }
        )
        print(format_row(rows[-1]), flush=True)
    return rows


HEADER = (
    f"{'config':<16} {'batch':>5} {'steps':>6} {'cached 1st':>10} "
    f"{'cached':>8} {'naive':>10} {'speedup':>9} {'identical':>17}"
)


def format_row(row):
    naive = f"{row['naive_s']:.1f}s" + (
        "*" if row["naive_extrapolated"] else ""
    )
    return (
        f"{row['config']:<16} {row['batch']:>5} {row['steps']:>6} "
        f"{row['cached_first_call_s']:>9.2f}s {row['cached_s']:>7.2f}s "
        f"{naive:>10} {row['speedup']:>8.0f}x "
        f"{row['identical_values']:>8}/{row['compared_values']:<8}"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", nargs="*", default=None)
    parser.add_argument("--full-naive", action="store_true")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    import keras

    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        # Every configuration builds fresh models, so tf.function warns
        # about retracing; the timings count tracing in the first call.
        tf.get_logger().setLevel("ERROR")
    table = configs(args.quick)
    rows = []
    print(f"keras {keras.__version__}, backend {keras.backend.backend()}")
    print(HEADER)
    for name, (builder, batches, steps) in table.items():
        if args.only and name not in args.only:
            continue
        rows += run_config(name, builder, batches, steps, args.full_naive)
    print("* naive time = measured cost per step x steps")
    name = "sampling_quick.json" if args.quick else "sampling.json"
    if keras.backend.backend() != "tensorflow":
        name = name.replace(".json", f"_{keras.backend.backend()}.json")
    path = os.path.join(HERE, "results", name)
    if args.only and os.path.exists(path):
        # --only reruns some configurations: keep the other rows.
        with open(path) as f:
            kept = [
                r for r in json.load(f)["rows"] if r["config"] not in args.only
            ]
        rows = kept + rows
    targets = {}
    for row in rows:
        if row["config"] == "pixelcnn_28" and row["batch"] == 16:
            targets["mnist_16_samples_first_call_s"] = row[
                "cached_first_call_s"
            ]
            targets["mnist_16_samples_under_1s"] = (
                row["cached_first_call_s"] < 1.0
            )
        if "_rgb" in row["config"] and "32" in row["config"]:
            key = f"speedup_{row['config']}_batch_{row['batch']}"
            targets[key] = row["speedup"]
            targets[key + "_at_least_183x"] = row["speedup"] >= 183
    for key, value in targets.items():
        print(f"{key}: {value}")
    result = {
        "rows": rows,
        "targets": targets,
        "backend": keras.backend.backend(),
        "machine": platform.platform(),
        "cpus": os.cpu_count(),
        "uptime": uptime(),
        "versions": versions(),
        **provenance(),
    }
    with open(path, "w") as f:
        json.dump(result, f, indent=2)
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
