"""PixelCNN, Gated PixelCNN, Row LSTM, Diagonal BiLSTM, PixelCNN++ and
PixelSNAIL side by side.

Every model trains with `model.fit` on the same data, in the same order,
for the same wall-clock budget on this machine (`--budget` seconds each),
then reports its test NLL (nats per image and bits/dim on the first
`--test-size` test images), training images/s (steady, compilation
excluded), parameters, and the time to sample 16 images with the model's
cached step (first call with compilation, then compiled) and with the
naive full pass at every step (its measured cost per step x 784 steps,
as in `benchmarks/sampling.py`).

Data: keras_ar's binarized MNIST (one fixed seeded Bernoulli draw per
pixel; NOT the Larochelle & Murray file the papers use, which is not
available offline) with a Bernoulli head, and Fashion-MNIST at 256 grey
levels with a 256-way categorical head (PixelCNN++: its own head, a
discretized logistic mixture of 5 components, as in the paper). Beside the
binarized MNIST rows: the published test NLLs (PixelRNN paper, van den
Oord et al. 2016, table 4: PixelCNN 81.30, Row LSTM 80.54, Diagonal BiLSTM
79.20 nats; PixelSNAIL 78.61 nats from the pytorch-generative README;
PixelCNN++ has no published binarized-MNIST value), from models trained
for days on GPUs; here each model trains for minutes on 2 CPU cores, so
the numbers show the ordering and speed at equal cost, not the published
values.

Run:
    python benchmarks/image_models.py                  # ~30 min, 2 cores
    python benchmarks/image_models.py --quick          # smoke test, ~3 min
    python benchmarks/image_models.py --budget 3600 --test-size 10000
    python benchmarks/image_models.py --models pixelcnnpp pixelsnail \
        --out image_models_issue12               # only the new rows

Writes benchmarks/results/image_models.json and image_models_<data>.png
(16 samples of each model) (…_quick.* with --quick; `--out NAME` writes
NAME.json and NAME_<data>.png instead).
"""

import argparse
import gc
import importlib
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
from pixelcnn_quality import make_recorder
from pixelcnn_quality import steady_rate
from sampling import time_cached
from sampling import time_naive

HERE = os.path.dirname(os.path.abspath(__file__))
LN2 = math.log(2.0)

#: Published binarized MNIST test NLLs (nats): PixelRNN paper, table 4
#: (PixelCNN, Row LSTM, Diagonal BiLSTM); PixelSNAIL: the pytorch-generative
#: README (F=64, 8 blocks, 457 epochs, dynamic binarization). PixelCNN++
#: has no published binarized-MNIST value.
PAPER_NATS = {
    "pixelcnn": 81.30,
    "row_lstm": 80.54,
    "diagonal_bilstm": 79.20,
    "pixelsnail": 78.61,
}

#: name -> (class name in keras_ar.models, or the class's full path
#: "module.Class", constructor arguments).
MODELS = {
    "pixelcnn": (
        "PixelCNN",
        dict(filters=32, num_residual_blocks=6, output_filters=64),
    ),
    "gated_pixelcnn": (
        "GatedPixelCNN",
        dict(filters=32, num_layers=6, output_filters=64),
    ),
    "row_lstm": (
        "PixelRNN",
        dict(cell="row", hidden_units=32, num_layers=2, output_filters=64),
    ),
    "diagonal_bilstm": (
        "PixelRNN",
        dict(cell="diagonal", hidden_units=32, num_layers=2, output_filters=64),
    ),
    "pixelcnnpp": (
        "keras_ar.models.pixelcnnpp.PixelCNNPlusPlus",
        dict(
            filters=32,
            num_resnet=1,
            num_hierarchies=3,
            num_logistic_mix=5,
            dropout=0.0,
        ),
    ),
    "pixelsnail": (
        "keras_ar.models.pixelsnail.PixelSNAIL",
        dict(filters=32, num_blocks=2, num_resnet=2, key_dim=4, value_dim=16),
    ),
}
#: Models that keep their own default head (not a 256-way categorical) on
#: 256-level data: PixelCNN++'s discretized logistic mixture.
OWN_HEAD_256 = ("pixelcnnpp",)
QUICK_MODELS = {
    "pixelcnn": dict(filters=8, num_residual_blocks=1, output_filters=16),
    "gated_pixelcnn": dict(filters=8, num_layers=2, output_filters=16),
    "row_lstm": dict(hidden_units=8, num_layers=1, output_filters=16),
    "diagonal_bilstm": dict(hidden_units=8, num_layers=1, output_filters=16),
    "pixelcnnpp": dict(filters=8, num_resnet=1, num_hierarchies=2),
    "pixelsnail": dict(filters=8, num_blocks=1, num_resnet=1, value_dim=8),
}
DATASETS = ("binarized_mnist", "fashion_mnist")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    add = parser.add_argument
    add("--quick", action="store_true", help="tiny models, short budgets")
    add("--budget", type=float, help="training seconds per model (150)")
    add("--data", nargs="*", default=list(DATASETS), choices=DATASETS)
    add("--models", nargs="*", default=list(MODELS), choices=list(MODELS))
    add("--train-size", type=int, help="training images (60000)")
    add("--test-size", type=int, help="test images scored (2000)")
    add("--batch-size", type=int, default=32)
    add("--naive-steps", type=int, default=8, help="naive steps timed")
    add("--seed", type=int, default=0)
    add(
        "--out",
        help="results name: writes results/NAME.json and NAME_<data>.png "
        "(default image_models, + _quick with --quick)",
    )
    args = parser.parse_args(argv)
    defaults = (
        dict(budget=30.0, train_size=2048, test_size=256)
        if args.quick
        else dict(budget=150.0, train_size=60000, test_size=2000)
    )
    for key, value in defaults.items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    return args


def model_class(class_name):
    """The class: a name in `keras_ar.models` or a full "module.Class"."""
    if "." in class_name:
        module, name = class_name.rsplit(".", 1)
        return getattr(importlib.import_module(module), name)
    import keras_ar.models

    return getattr(keras_ar.models, class_name)


def build(name, info, quick):
    class_name, kwargs = MODELS[name]
    if quick:
        kwargs = {**kwargs, **QUICK_MODELS[name]}
    cls = model_class(class_name)
    values = info.num_pixel_values
    if values == 2:
        head = "bernoulli"
    elif name in OWN_HEAD_256:
        head = None
    else:
        head = values
    return cls(info.image_shape, head=head, **kwargs)


def run_model(name, info, data, args):
    import keras

    x_train, x_test = data
    # Each model starts from a fresh Keras state: in one process, after
    # PixelCNN++ (trained, sampled), PixelSNAIL's first batch once took
    # 38 s instead of 4 s (--quick, Fashion-MNIST).
    keras.backend.clear_session()
    gc.collect()
    keras.utils.set_random_seed(args.seed)
    model = build(name, info, args.quick)
    model.compile(optimizer=keras.optimizers.Adam(1e-3))
    recorder = make_recorder(args.budget)
    start = time.perf_counter()
    model.fit(
        x_train,
        batch_size=args.batch_size,
        epochs=10_000,
        callbacks=[recorder],
        verbose=0,
    )
    train_seconds = time.perf_counter() - start
    images = len(recorder.batches) * args.batch_size
    log_prob = model.log_prob(x_test, batch_size=256)
    nats = float(-np.mean(log_prob))
    samples, first, cached = time_cached(model, 16, args.seed)
    _, naive, _, _ = time_naive(model, 16, args.seed, args.naive_steps, False)
    row = {
        "model": name,
        "data": info.name,
        "head": repr(model.head),
        "parameters": int(model.count_params()),
        "train_seconds": train_seconds,
        "train_images": images,
        "epochs": images / len(x_train),
        "images_per_second": steady_rate(recorder.batches, args.batch_size),
        "test_nll_nats": nats,
        "test_bits_per_dim": nats / (math.prod(info.image_shape) * LN2),
        "sample16_cached_first_call_s": first,
        "sample16_cached_s": cached,
        "sample16_naive_s": naive,
        "sampling_speedup": naive / cached,
        "paper_nats": (
            PAPER_NATS.get(name) if info.name == "binarized_mnist" else None
        ),
    }
    print(format_row(row), flush=True)
    return row, samples


HEADER = (
    f"{'data':<16} {'model':<16} {'params':>8} {'img/s':>7} {'epochs':>6} "
    f"{'NLL nats':>9} {'bits/dim':>8} {'paper':>6} {'cached 1st':>10} "
    f"{'cached':>7} {'naive*':>7} {'ratio':>6}"
)


def format_row(row):
    paper = f"{row['paper_nats']:.2f}" if row["paper_nats"] else "-"
    return (
        f"{row['data']:<16} {row['model']:<16} {row['parameters']:>8,} "
        f"{row['images_per_second']:>7.1f} {row['epochs']:>6.2f} "
        f"{row['test_nll_nats']:>9.2f} {row['test_bits_per_dim']:>8.4f} "
        f"{paper:>6} {row['sample16_cached_first_call_s']:>9.2f}s "
        f"{row['sample16_cached_s']:>6.2f}s {row['sample16_naive_s']:>6.1f}s "
        f"{row['sampling_speedup']:>5.0f}x"
    )


def save_samples(path, samples, rows, max_value):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from keras_ar.utils import image_grid

    fig, axes = plt.subplots(
        1, len(samples), figsize=(3 * len(samples), 3.4), squeeze=False
    )
    for ax, (name, images), row in zip(axes[0], samples.items(), rows):
        grid = image_grid(images, max_value, columns=4)
        ax.imshow(grid[..., 0], cmap="gray", vmin=0, vmax=255)
        ax.set_title(f"{name}\n{row['test_nll_nats']:.1f} nats", fontsize=9)
        ax.axis("off")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main(argv=None):
    args = parse_args(argv)
    import keras

    from keras_ar import data

    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        tf.get_logger().setLevel("ERROR")
    print(f"keras {keras.__version__}, backend {keras.backend.backend()}")
    print(
        f"budget {args.budget:.0f} s per model, batch {args.batch_size}, "
        f"{args.test_size} test images; * naive = cost per step x steps"
    )
    print(HEADER, flush=True)
    out = args.out or "image_models" + ("_quick" if args.quick else "")
    rows = []
    for name in args.data:
        info = data.dataset_info(name)
        x_train, _ = data.load(name, split="train")
        x_test, _ = data.load(name, split="test")
        rng = np.random.default_rng(args.seed)
        x_train = x_train[rng.permutation(len(x_train))[: args.train_size]]
        pair = (x_train, x_test[: args.test_size])
        samples, data_rows = {}, []
        for model_name in args.models:
            row, images = run_model(model_name, info, pair, args)
            data_rows.append(row)
            samples[model_name] = images
        rows += data_rows
        path = os.path.join(HERE, "results", f"{out}_{name}.png")
        save_samples(path, samples, data_rows, info.num_pixel_values - 1)
        print(f"wrote {path}", flush=True)
    result = {
        "rows": rows,
        "settings": {k: v for k, v in vars(args).items()},
        "models": {k: MODELS[k] for k in args.models},
        "heads": {r["model"] + "/" + r["data"]: r["head"] for r in rows},
        "backend": keras.backend.backend(),
        "machine": platform.platform(),
        "cpus": os.cpu_count(),
        "uptime": uptime(),
        "versions": versions(),
        **provenance(),
    }
    path = os.path.join(HERE, "results", f"{out}.json")
    with open(path, "w") as f:
        json.dump(result, f, indent=2)
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
