"""keras_ar PixelCNN versus TFP's PixelCNN on 28x28 MNIST (256 grey levels).

Both models see the same data: MNIST train images (uint8, 0..255), a fixed
seeded subset in a fixed batch order, and a fixed test subset (the first
`--test-size` test images). keras_ar's `PixelCNN` uses its 256-way
`Categorical` head; `tfp.distributions.PixelCNN` (PixelCNN++ network) uses its
discretized logistic mixture with `low=0, high=255`. Both are proper discrete
distributions over {0..255} per pixel, so their NLLs compare directly.

Every configuration runs in its own subprocess (TFP with
`TF_USE_LEGACY_KERAS=1`, trained as TFP's docs do: a `tf_keras.Model` whose
loss is `-dist.log_prob(x)`); the parent collects one JSON per configuration
and prints the tables. Per configuration it measures:

- training images/s in steady state (after `--warmup-steps` batches);
- test NLL (bits/dim) after `--budget` seconds of wall-clock training, the
  budget counted from the call to `fit` (tracing/compilation included);
- the time to draw `--num-samples` images, first call (incl. tracing and
  compilation) and second call;
- peak resident memory of the subprocess (`ru_maxrss`).

Width and depth are matched (see README.md): keras_ar `filters=F`,
`num_residual_blocks=B`; TFP `num_filters=F`, `num_hierarchies=1`,
`num_resnet=B/2`. A fourth configuration, keras_ar with about as many
parameters as the TFP model, shows what the parameter gap is worth.

Run:
    python benchmarks/pixelcnn_vs_tfp.py            # ~16 min on 2 CPU cores
    python benchmarks/pixelcnn_vs_tfp.py --quick    # smoke test, ~2 min

Writes benchmarks/results/pixelcnn_vs_tfp.json (…_quick.json with --quick)
and a PNG of the training curves next to it.
"""

import argparse
import json
import math
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time

import numpy as np
from common import provenance
from common import uptime
from common import versions

HERE = os.path.dirname(os.path.abspath(__file__))
NAME = "pixelcnn_vs_tfp"
LN2 = math.log(2.0)
NUM_DIMS = 28 * 28

# Values used when a flag is not given: the real run and the smoke test.
FULL = {
    "budget": 120.0,
    "batch_size": 32,
    "train_size": 20000,
    "test_size": 1000,
    "num_samples": 16,
    "filters": 32,
    "blocks": 4,
    "output_filters": 64,
    "wide_filters": 64,
    "wide_blocks": 8,
    "wide_output_filters": 128,
    "warmup_steps": 5,
    "chunk_steps": 10,
}
QUICK = {
    "budget": 6.0,
    "batch_size": 8,
    "train_size": 256,
    "test_size": 32,
    "num_samples": 2,
    "filters": 8,
    "blocks": 2,
    "output_filters": 16,
    "wide_filters": 16,
    "wide_blocks": 2,
    "wide_output_filters": 32,
    "warmup_steps": 2,
    "chunk_steps": 5,
}
REFERENCE = "tfp"


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    add = parser.add_argument
    add("--quick", action="store_true", help="tiny smoke-test settings")
    add("--budget", type=float, help="training seconds per config (120)")
    add("--batch-size", type=int, help="training batch size (32)")
    add("--train-size", type=int, help="MNIST train subset size (20000)")
    add("--test-size", type=int, help="first N MNIST test images (1000)")
    add("--num-samples", type=int, help="images drawn per sampling call (16)")
    add("--filters", type=int, help="F for keras_ar and TFP (32)")
    add("--blocks", type=int, help="keras_ar residual blocks B, even (4)")
    add("--output-filters", type=int, help="keras_ar 1x1 output width (64)")
    add("--wide-filters", type=int, help="params-matched keras_ar F (64)")
    add("--wide-blocks", type=int, help="params-matched keras_ar B (8)")
    add("--wide-output-filters", type=int, help="its output width (128)")
    add("--no-wide", action="store_true", help="skip the params-matched run")
    add("--tfp-num-logistic-mix", type=int, default=5)
    add(
        "--tfp-dropout",
        type=float,
        default=0.0,
        help="TFP dropout_p (TFP's default 0.5 only slows a short run)",
    )
    add("--lr", type=float, default=1e-3, help="Adam learning rate (both)")
    add("--seed", type=int, default=0)
    add("--warmup-steps", type=int, help="batches excluded from images/s")
    add("--chunk-steps", type=int, help="batches per point of the curve")
    add("--only", nargs="+", help="run only these configs")
    add("--out", help="JSON path (default benchmarks/results/<name>.json)")
    add("--worker", help=argparse.SUPPRESS)
    add("--worker-out", help=argparse.SUPPRESS)
    add("--data", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    for key, value in (QUICK if args.quick else FULL).items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    if args.blocks % 2:
        parser.error("--blocks must be even (TFP gets num_resnet=blocks/2)")
    if args.out is None:
        suffix = "_quick" if args.quick else ""
        args.out = os.path.join(HERE, "results", f"{NAME}{suffix}.json")
    return args


def configs(args):
    """The configurations, in run order."""
    narrow = {
        "filters": args.filters,
        "blocks": args.blocks,
        "output_filters": args.output_filters,
    }
    result = {
        "keras_ar_xla": {"library": "keras_ar", "jit": True, **narrow},
        "keras_ar": {"library": "keras_ar", "jit": False, **narrow},
        "tfp": {
            "library": "tfp",
            "num_filters": args.filters,
            "num_resnet": args.blocks // 2,
            "num_hierarchies": 1,
            "num_logistic_mix": args.tfp_num_logistic_mix,
            "dropout_p": args.tfp_dropout,
        },
    }
    if not args.no_wide:
        result["keras_ar_wide_xla"] = {
            "library": "keras_ar",
            "jit": True,
            "filters": args.wide_filters,
            "blocks": args.wide_blocks,
            "output_filters": args.wide_output_filters,
        }
    if args.only:
        unknown = set(args.only) - set(result)
        if unknown:
            raise SystemExit(f"unknown configs {sorted(unknown)}")
        result = {k: v for k, v in result.items() if k in args.only}
    return result


# ----------------------------------------------------------------------
# Worker (one configuration, in its own process)
# ----------------------------------------------------------------------
def _budget_callback(base, budget, name, t0):
    """A `Callback` subclass of `base` (Keras 3 or tf_keras) that records
    batch end times and chunk losses and stops training after `budget` s."""

    class Budget(base):
        def __init__(self):
            super().__init__()
            self.times = []
            self.curve = []
            self.last_print = 0.0

        def on_train_batch_end(self, batch, logs=None):
            now = time.perf_counter() - t0[0]
            self.times.append(now)
            if now >= budget:
                self.model.stop_training = True

        def on_epoch_end(self, epoch, logs=None):
            if not self.times:
                return
            bpd = float(logs["loss"]) / (NUM_DIMS * LN2)
            now, steps = self.times[-1], len(self.times)
            self.curve.append([now, steps, bpd])
            if now - self.last_print >= 15 or self.model.stop_training:
                self.last_print = now
                print(
                    f"  [{name}] {now:6.1f} s  step {steps:5d}  "
                    f"train {bpd:.3f} bits/dim",
                    flush=True,
                )

    return Budget()


def _steady_rate(times, batch_size, warmup):
    """Images/s between the end of batch `warmup` and the last batch."""
    if len(times) < 2:
        return float("nan")
    warmup = min(warmup, len(times) - 2)
    steps = len(times) - 1 - warmup
    return steps * batch_size / (times[-1] - times[warmup])


def _build_keras_ar(cfg, args):
    import keras

    from keras_ar.models import PixelCNN

    keras.utils.set_random_seed(args.seed)
    model = PixelCNN(
        (28, 28, 1),
        head="categorical",
        filters=cfg["filters"],
        num_residual_blocks=cfg["blocks"],
        output_filters=cfg["output_filters"],
    )
    model.compile(
        optimizer=keras.optimizers.Adam(args.lr), jit_compile=cfg["jit"]
    )
    params = sum(int(np.prod(w.shape)) for w in model.trainable_weights)

    def log_prob(x):
        return model.log_prob(x)

    def sample():
        return model.sample(args.num_samples, seed=args.seed)

    return model, keras.callbacks.Callback, params, log_prob, sample


def _build_tfp(cfg, args):
    import tensorflow as tf
    import tensorflow_probability as tfp
    import tf_keras as tfk

    tfk.utils.set_random_seed(args.seed)
    dist = tfp.distributions.PixelCNN(
        image_shape=(28, 28, 1),
        num_resnet=cfg["num_resnet"],
        num_hierarchies=cfg["num_hierarchies"],
        num_filters=cfg["num_filters"],
        num_logistic_mix=cfg["num_logistic_mix"],
        dropout_p=cfg["dropout_p"],
        high=255,
        low=0,
    )
    image = tfk.layers.Input(shape=(28, 28, 1))
    log_prob = dist.log_prob(image)
    model = tfk.Model(inputs=image, outputs=log_prob)
    model.add_loss(-tf.reduce_mean(log_prob))
    model.compile(optimizer=tfk.optimizers.Adam(args.lr))
    params = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
    log_prob_fn = tf.function(lambda x: dist.log_prob(x, training=False))
    # tf.function: about twice as fast as the eager `dist.sample` call.
    sample_fn = tf.function(
        lambda: dist.sample(args.num_samples, seed=args.seed)
    )

    def score(x):
        return log_prob_fn(tf.constant(x)).numpy()

    def sample():
        return sample_fn().numpy()

    return model, tfk.callbacks.Callback, params, score, sample


def run_worker(args):
    import tensorflow as tf

    name = args.worker
    cfg = configs(args)[name]
    load_start = os.getloadavg()
    data = np.load(args.data)
    x_train = data["x_train"].astype("float32")
    x_test = data["x_test"].astype("float32")
    builder = _build_keras_ar if cfg["library"] == "keras_ar" else _build_tfp
    model, callback_base, params, log_prob, sample = builder(cfg, args)
    print(f"  [{name}] {params:,} trainable parameters", flush=True)

    dataset = (
        tf.data.Dataset.from_tensor_slices(x_train)
        .batch(args.batch_size, drop_remainder=True)
        .repeat()
        .prefetch(2)
    )
    t0 = [0.0]
    budget = _budget_callback(callback_base, args.budget, name, t0)
    t0[0] = time.perf_counter()
    model.fit(
        dataset,
        epochs=10**9,
        steps_per_epoch=args.chunk_steps,
        callbacks=[budget],
        shuffle=False,
        verbose=0,
    )
    train_s = time.perf_counter() - t0[0]
    steps = len(budget.times)

    start = time.perf_counter()
    chunk = 100
    nll = np.concatenate(
        [
            -np.asarray(log_prob(x_test[i : i + chunk]))
            for i in range(0, len(x_test), chunk)
        ]
    )
    eval_s = time.perf_counter() - start

    timings = []
    for _ in range(2):
        start = time.perf_counter()
        samples = sample()
        timings.append(time.perf_counter() - start)
    samples = np.asarray(samples)
    result = {
        "name": name,
        "config": cfg,
        "trainable_params": params,
        "train_wall_s": train_s,
        "fit_return_after_last_batch_s": train_s - budget.times[-1],
        "steps": steps,
        "images_seen": steps * args.batch_size,
        "first_step_s": budget.times[0] if steps else None,
        "images_per_s": _steady_rate(
            budget.times, args.batch_size, args.warmup_steps
        ),
        "curve": budget.curve,
        "test_nll_nats": float(nll.mean()),
        "test_nll_nats_sem": float(nll.std() / math.sqrt(len(nll))),
        "test_bits_per_dim": float(nll.mean() / (NUM_DIMS * LN2)),
        "eval_s": eval_s,
        "sample_first_s": timings[0],
        "sample_second_s": timings[1],
        "sample_shape": list(samples.shape),
        "sample_range": [float(samples.min()), float(samples.max())],
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        / 1024,
        "loadavg_start": list(load_start),
        "loadavg_end": list(os.getloadavg()),
    }
    if cfg["library"] == "keras_ar":
        import keras

        result["keras_backend"] = keras.backend.backend()
    with open(args.worker_out, "w") as f:
        json.dump(result, f, indent=1)


# ----------------------------------------------------------------------
# Parent
# ----------------------------------------------------------------------


def prepare_data(args, path):
    from keras_ar.data import load

    x_train, _ = load("mnist", split="train")
    x_test, _ = load("mnist", split="test")
    rng = np.random.default_rng(args.seed)
    order = rng.permutation(len(x_train))[: args.train_size]
    np.savez(path, x_train=x_train[order], x_test=x_test[: args.test_size])


def run_config(name, cfg, argv, data, workdir):
    out = os.path.join(workdir, f"{name}.json")
    env = dict(os.environ)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if cfg["library"] == "tfp":
        env["TF_USE_LEGACY_KERAS"] = "1"
    else:
        env.pop("TF_USE_LEGACY_KERAS", None)
        env.setdefault("KERAS_BACKEND", "tensorflow")
    command = [sys.executable, os.path.abspath(__file__), *argv]
    command += ["--worker", name, "--worker-out", out, "--data", data]
    print(f"--- {name}: {json.dumps(cfg)}", flush=True)
    start = time.perf_counter()
    proc = subprocess.run(command, env=env, check=False)
    wall = time.perf_counter() - start
    if proc.returncode != 0 or not os.path.exists(out):
        print(f"--- {name} FAILED (exit {proc.returncode})", flush=True)
        return {"name": name, "config": cfg, "error": proc.returncode}
    with open(out) as f:
        result = json.load(f)
    result["process_wall_s"] = wall
    print(f"--- {name} done in {wall:.0f} s", flush=True)
    return result


def _fmt(value, spec):
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return format(value, spec)


def describe(cfg):
    if cfg["library"] == "tfp":
        return (
            f"TFP F={cfg['num_filters']}, num_resnet={cfg['num_resnet']}, "
            f"num_hierarchies={cfg['num_hierarchies']}, "
            f"{cfg['num_logistic_mix']} logistics"
        )
    return (
        f"keras_ar F={cfg['filters']}, B={cfg['blocks']}, "
        f"out={cfg['output_filters']}, jit={cfg['jit']}"
    )


def conv_layers(cfg):
    """Weight layers on the input-to-output path (see README.md)."""
    if cfg["library"] == "tfp":
        # horizontal stack: 1 level of 2 parallel init convs, per gated
        # resnet layer two 3x3 convs + one 1x1 from the vertical stack,
        # 2 * num_resnet such layers (down + up pass), a final 1x1.
        return 2 + 3 * 2 * cfg["num_resnet"] + 1
    return 1 + 3 * cfg["blocks"] + 2


def tables(results):
    ok = {k: r for k, r in results.items() if "error" not in r}
    ref = ok.get(REFERENCE)
    lines = [
        "| config | model | layers | params | params / TFP |",
        "|---|---|---:|---:|---:|",
    ]
    for name, r in results.items():
        params = r.get("trainable_params")
        ratio = params / ref["trainable_params"] if ref and params else None
        lines.append(
            f"| {name} | {describe(r['config'])} | "
            f"{conv_layers(r['config'])} | {_fmt(params, ',')} | "
            f"{_fmt(ratio, '.2f')} |"
        )
    lines += [
        "",
        "| config | train img/s | img/s / TFP | first step s | "
        "images in budget | test bits/dim | minus TFP | "
        "sample 1st s | sample 2nd s | TFP / 2nd | peak RSS MB |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, r in results.items():
        if "error" in r:
            lines.append(f"| {name} | failed (exit {r['error']}) |" + " |" * 9)
            continue
        speed = r["images_per_s"] / ref["images_per_s"] if ref else None
        dnll = (
            r["test_bits_per_dim"] - ref["test_bits_per_dim"] if ref else None
        )
        sample = ref["sample_second_s"] / r["sample_second_s"] if ref else None
        lines.append(
            f"| {name} | {_fmt(r['images_per_s'], '.1f')} | "
            f"{_fmt(speed, '.2f')} | {_fmt(r['first_step_s'], '.1f')} | "
            f"{r['images_seen']} | {_fmt(r['test_bits_per_dim'], '.3f')} | "
            f"{_fmt(dnll, '+.3f')} | {_fmt(r['sample_first_s'], '.1f')} | "
            f"{_fmt(r['sample_second_s'], '.1f')} | {_fmt(sample, '.1f')} | "
            f"{_fmt(r['peak_rss_mb'], '.0f')} |"
        )
    return "\n".join(lines)


def plot(results, path, budget):
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    fig, ax = plt.subplots(figsize=(6.5, 4))
    for name, r in results.items():
        if "error" in r or not r["curve"]:
            continue
        curve = np.asarray(r["curve"])
        (line,) = ax.plot(curve[:, 0], curve[:, 2], label=f"{name} (train)")
        ax.plot(
            [curve[-1, 0]],
            [r["test_bits_per_dim"]],
            marker="*",
            markersize=12,
            color=line.get_color(),
            linestyle="none",
        )
    ax.axvline(budget, color="grey", linestyle=":", linewidth=1)
    ax.set_xlabel("wall-clock training time (s), incl. compilation")
    ax.set_ylabel("bits/dim (train chunks; star = test)")
    ax.set_ylim(bottom=1.0, top=min(ax.get_ylim()[1], 4.0))
    ax.set_title("MNIST 256 levels, same data, same batch order")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def run_parent(args, argv):
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    run = configs(args)
    report = {
        "benchmark": NAME,
        "args": {k: v for k, v in vars(args).items() if k != "worker"},
        "machine": {
            "platform": platform.platform(),
            "processor": platform.processor(),
            "cpu_count": os.cpu_count(),
        },
        "versions": versions(),
        "provenance": provenance(),
        "uptime_before": uptime(),
    }
    print(f"uptime before: {report['uptime_before']}", flush=True)
    start = time.perf_counter()
    results = {}
    with tempfile.TemporaryDirectory() as workdir:
        data = os.path.join(workdir, "data.npz")
        prepare_data(args, data)
        for name, cfg in run.items():
            results[name] = run_config(name, cfg, argv, data, workdir)
    report["uptime_after"] = uptime()
    report["total_wall_s"] = time.perf_counter() - start
    report["results"] = results
    print(f"uptime after: {report['uptime_after']}", flush=True)
    table = tables(results)
    report["table"] = table
    png = plot(results, os.path.splitext(args.out)[0] + ".png", args.budget)
    report["plot"] = png and os.path.relpath(png, HERE)
    with open(args.out, "w") as f:
        json.dump(report, f, indent=1)
    print()
    print(
        f"MNIST 28x28, 256 levels; train subset {args.train_size} (seed "
        f"{args.seed}), batch {args.batch_size}, Adam {args.lr}, budget "
        f"{args.budget:g} s per config; test = first {args.test_size} test "
        f"images; {args.num_samples} samples per call; "
        f"{os.cpu_count()} CPU cores, load before: "
        f"{report['uptime_before'].split('load average:')[-1].strip()}"
    )
    print()
    print(table)
    print(f"\nwrote {args.out}" + (f" and {png}" if png else ""))


def main():
    argv = sys.argv[1:]
    args = parse_args(argv)
    if args.worker:
        run_worker(args)
    else:
        run_parent(args, argv)


if __name__ == "__main__":
    main()
