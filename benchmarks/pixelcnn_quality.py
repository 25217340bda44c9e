"""Quality of keras_ar's PixelCNN on binarized MNIST (Bernoulli head).

Trains `keras_ar.models.PixelCNN(head="bernoulli")` with `model.fit` on
keras_ar's binarized MNIST (`keras_ar.data.load("binarized_mnist")`: MNIST
with one fixed, seeded Bernoulli draw per pixel, seed 0). This is NOT the
Larochelle & Murray (2011) binarization file used by the papers, which is
not available offline; numbers are close to, not exactly comparable with,
published ones. Reports the test NLL in nats on the full 10,000-image test
set next to the 81.30 nats of PixelCNN in the PixelRNN paper (van den Oord
et al. 2016, table 4), bits/dim, training images/s, a PNG grid of 16
samples and the training curve.

Run:
    python benchmarks/pixelcnn_quality.py                 # ~20 min, 2 cores
    python benchmarks/pixelcnn_quality.py --quick         # smoke test
    python benchmarks/pixelcnn_quality.py --epochs 30 --filters 64 \\
        --blocks 12 --output-filters 256                  # closer to paper

Writes benchmarks/results/pixelcnn_quality.json, …_samples.png and
…_curve.png (…_quick.* with --quick).
"""

import argparse
import json
import math
import os
import platform
import resource
import time

import numpy as np
from common import provenance
from common import uptime
from common import versions

HERE = os.path.dirname(os.path.abspath(__file__))
NAME = "pixelcnn_quality"
LN2 = math.log(2.0)
NUM_DIMS = 28 * 28
PAPER_NATS = 81.30  # PixelCNN, van den Oord et al. 2016, table 4

FULL = {
    "epochs": 4,
    "train_size": 59000,
    "val_size": 1000,
    "test_size": 10000,
    "batch_size": 64,
    "filters": 32,
    "blocks": 6,
    "output_filters": 64,
    "time_budget": 1020.0,
}
QUICK = {
    "epochs": 2,
    "train_size": 256,
    "val_size": 64,
    "test_size": 128,
    "batch_size": 32,
    "filters": 8,
    "blocks": 1,
    "output_filters": 16,
    "time_budget": 60.0,
}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    add = parser.add_argument
    add("--quick", action="store_true", help="tiny smoke-test settings")
    add("--epochs", type=int, help="training epochs (4)")
    add("--train-size", type=int, help="training images (59000)")
    add("--val-size", type=int, help="held-out train images (1000)")
    add("--test-size", type=int, help="test images scored (10000 = all)")
    add("--batch-size", type=int, help="batch size (64)")
    add("--filters", type=int, help="PixelCNN filters h (32)")
    add("--blocks", type=int, help="residual blocks (6)")
    add("--output-filters", type=int, help="1x1 output width (64)")
    add(
        "--time-budget",
        type=float,
        help="stop training after this many seconds, at the end of a batch "
        "(1020); 0 = no limit",
    )
    add("--lr", type=float, default=1e-3, help="Adam learning rate")
    add("--no-jit", action="store_true", help="compile without XLA")
    add("--seed", type=int, default=0)
    add("--out", help="JSON path (default benchmarks/results/<name>.json)")
    args = parser.parse_args(argv)
    for key, value in (QUICK if args.quick else FULL).items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    if args.out is None:
        suffix = "_quick" if args.quick else ""
        args.out = os.path.join(HERE, "results", f"{NAME}{suffix}.json")
    return args


def make_recorder(budget):
    """A callback recording per-batch times and running means, stopping
    after `budget` seconds (0 = never)."""
    import keras

    class Recorder(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.batches = []  # (epoch, batch, seconds, running mean nats)
            self.epoch_start = []
            self.stopped_early = False

        def on_train_begin(self, logs=None):
            self.t0 = time.perf_counter()

        def on_epoch_begin(self, epoch, logs=None):
            self.epoch = epoch
            self.epoch_start.append(time.perf_counter() - self.t0)

        def on_train_batch_end(self, batch, logs=None):
            now = time.perf_counter() - self.t0
            self.batches.append((self.epoch, batch, now, float(logs["loss"])))
            if budget and now >= budget:
                self.stopped_early = True
                self.model.stop_training = True

    return Recorder()


def steady_rate(batches, batch_size, warmup=5):
    """Images/s from batch-end times within epochs (no validation gaps),
    skipping the first `warmup` batches of training (compilation)."""
    images, seconds = 0, 0.0
    for prev, cur in zip(batches, batches[1:]):
        if cur[0] != prev[0] or (cur[0] == 0 and cur[1] <= warmup):
            continue
        images += batch_size
        seconds += cur[2] - prev[2]
    return images / seconds if seconds else float("nan")


def windowed_curve(batches, steps_per_epoch, window=50):
    """Mean training NLL over windows of batches, from the running means
    Keras reports (sum of the first k = k * mean_k)."""
    points = []
    by_epoch = {}
    for epoch, batch, _, mean in batches:
        by_epoch.setdefault(epoch, []).append((batch + 1, mean))
    for epoch, rows in sorted(by_epoch.items()):
        prev_k, prev_sum = 0, 0.0
        for k, mean in rows:
            if k - prev_k >= window or k == rows[-1][0]:
                total = k * mean
                if k > prev_k:
                    x = epoch + k / steps_per_epoch
                    points.append((x, (total - prev_sum) / (k - prev_k)))
                prev_k, prev_sum = k, total
    return points


def epoch_ends(batches, steps_per_epoch):
    """Position (in epochs) of the end of each epoch trained, fractional
    for an epoch cut short by the time budget."""
    last = {}
    for epoch, batch, _, _ in batches:
        last[epoch] = batch + 1
    return [e + k / steps_per_epoch for e, k in sorted(last.items())]


def plot_curve(points, history, path, val_x):
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    fig, ax = plt.subplots(figsize=(6, 4))
    if points:
        xs, ys = zip(*points)
        ax.plot(xs, ys, label="train (50-batch means)")
    val = history.get("val_loss", [])
    if val:
        ax.plot(val_x[: len(val)], val, marker="o", label="validation (1k)")
    ax.axhline(
        PAPER_NATS,
        color="grey",
        linestyle="--",
        label="PixelCNN, PixelRNN paper (81.30)",
    )
    top = max([v for _, v in points[len(points) // 10 :]] + list(val) + [90])
    ax.set_ylim(PAPER_NATS - 5, top + 5)
    ax.set_xlabel("epoch")
    ax.set_ylabel("NLL (nats / image)")
    ax.set_title("keras_ar PixelCNN, binarized MNIST (keras_ar seed 0)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def main():
    args = parse_args()
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    before = uptime()
    print(f"uptime before: {before}", flush=True)

    import keras

    from keras_ar.data import load
    from keras_ar.models import PixelCNN
    from keras_ar.utils import save_image_grid

    keras.utils.set_random_seed(args.seed)
    x_all, _ = load("binarized_mnist", split="train")
    x_test, _ = load("binarized_mnist", split="test")
    x_val = x_all[len(x_all) - args.val_size :]
    x_train = x_all[: min(args.train_size, len(x_all) - args.val_size)]
    x_test = x_test[: args.test_size]

    model = PixelCNN(
        (28, 28, 1),
        head="bernoulli",
        filters=args.filters,
        num_residual_blocks=args.blocks,
        output_filters=args.output_filters,
    )
    model.compile(
        optimizer=keras.optimizers.Adam(args.lr), jit_compile=not args.no_jit
    )
    params = model.count_params()
    print(
        f"PixelCNN h={args.filters}, {args.blocks} blocks, output "
        f"{args.output_filters}: {params:,} parameters; "
        f"{len(x_train)} train / {len(x_val)} val / {len(x_test)} test "
        f"images, {args.epochs} epochs, batch {args.batch_size}, "
        f"time budget {args.time_budget:g} s",
        flush=True,
    )
    recorder = make_recorder(args.time_budget)
    start = time.perf_counter()
    history = model.fit(
        x_train,
        epochs=args.epochs,
        batch_size=args.batch_size,
        validation_data=x_val,
        callbacks=[recorder],
        verbose=2,
    )
    train_s = time.perf_counter() - start
    steps_per_epoch = math.ceil(len(x_train) / args.batch_size)
    images_seen = sum(
        min(args.batch_size, len(x_train) - b * args.batch_size)
        for _, b, _, _ in recorder.batches
    )
    rate = steady_rate(recorder.batches, args.batch_size)

    start = time.perf_counter()
    nll = np.concatenate(
        [
            -model.log_prob(x_test[i : i + 500])
            for i in range(0, len(x_test), 500)
        ]
    )
    eval_s = time.perf_counter() - start
    nats = float(nll.mean())
    sem = float(nll.std() / math.sqrt(len(nll)))
    bits = nats / (NUM_DIMS * LN2)

    sample_s = []
    for _ in range(2):
        start = time.perf_counter()
        samples = model.sample(16, seed=args.seed)
        sample_s.append(time.perf_counter() - start)
    stem = os.path.splitext(args.out)[0]
    samples_png = save_image_grid(
        samples, f"{stem}_samples.png", max_value=1, columns=4
    )
    hist = {k: [float(v) for v in vals] for k, vals in history.history.items()}
    points = windowed_curve(recorder.batches, steps_per_epoch)
    val_x = epoch_ends(recorder.batches, steps_per_epoch)
    curve_png = plot_curve(points, hist, f"{stem}_curve.png", val_x)
    after = uptime()

    epochs_done = images_seen / len(x_train)
    paper_bits = PAPER_NATS / (NUM_DIMS * LN2)
    rows = [
        "| model | data | epochs | params | test NLL (nats) | bits/dim | "
        "/ paper |",
        "|---|---|---:|---:|---:|---:|---:|",
        f"| keras_ar PixelCNN h={args.filters}, {args.blocks} blocks, "
        f"out {args.output_filters} (this run) | keras_ar binarized MNIST "
        f"(seed 0), {len(x_test)} test images | {epochs_done:.2f} | "
        f"{params:,} | {nats:.2f} ± {sem:.2f} | {bits:.4f} | "
        f"{nats / PAPER_NATS:.3f} |",
        "| PixelCNN, van den Oord et al. 2016, table 4 | binarized MNIST "
        "(Larochelle & Murray file) | n/a | n/a | "
        f"{PAPER_NATS:.2f} | {paper_bits:.4f} | 1.000 |",
        "",
        "| training images/s | training wall s | test eval s | "
        "16 samples 1st s | 16 samples 2nd s | peak RSS MB |",
        "|---:|---:|---:|---:|---:|---:|",
        f"| {rate:.1f} | {train_s:.0f} | {eval_s:.1f} | {sample_s[0]:.1f} | "
        f"{sample_s[1]:.1f} | "
        f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} |",
    ]
    table = "\n".join(rows)
    report = {
        "benchmark": NAME,
        "args": vars(args),
        "data": "keras_ar binarized_mnist seed 0 (not Larochelle & Murray)",
        "machine": {
            "platform": platform.platform(),
            "cpu_count": os.cpu_count(),
        },
        "versions": versions(),
        "provenance": provenance(),
        "keras_backend": keras.backend.backend(),
        "uptime_before": before,
        "uptime_after": after,
        "params": params,
        "epochs_completed": epochs_done,
        "stopped_by_time_budget": recorder.stopped_early,
        "images_seen": images_seen,
        "train_wall_s": train_s,
        "images_per_s": rate,
        "test_images": len(x_test),
        "test_nll_nats": nats,
        "test_nll_nats_sem": sem,
        "test_bits_per_dim": bits,
        "paper_nll_nats": PAPER_NATS,
        "eval_s": eval_s,
        "sample_s": sample_s,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        / 1024,
        "history": hist,
        "train_curve": points,
        "epoch_ends": val_x,
        "samples_png": os.path.relpath(samples_png, HERE),
        "curve_png": curve_png and os.path.relpath(curve_png, HERE),
        "table": table,
    }
    with open(args.out, "w") as f:
        json.dump(report, f, indent=1)
    print(f"uptime after: {after}")
    print()
    print(table)
    written = [args.out, samples_png] + ([curve_png] if curve_png else [])
    print("\nwrote " + ", ".join(written))


if __name__ == "__main__":
    main()
