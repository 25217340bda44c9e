"""Augmentation: a small CNN on 100 / 1,000 labelled images, with and
without keras_ar's class-conditional samples.

For each dataset (MNIST; Fashion-MNIST with `--datasets`) and each number
of labelled images N (a class-balanced subset, drawn once with seed 0):

1. A class-conditional PixelCNN is trained on the N labelled images only
   (the generator sees no more labels than the classifier), on the images
   binarized at 128 (a Bernoulli head: fast to train and sample on CPU).
2. `keras_ar.augment.class_conditional_samples` draws `--ratio` x N / 10
   samples of every class.
3. A small Keras CNN (conv 32, pool, conv 64, pool, dense 128, dropout) is
   trained, per seed, on the N real images alone and on real + samples,
   with the same budget (the same number of gradient steps and batch
   size), and scored on the whole binarized test set (10,000 images).

Reported honestly, whether or not the samples help: test accuracy per
seed and the mean, both ways. CPU budgets are small (see the settings in
the JSON), so absolute accuracies are those of a quick run.

Run:
    python benchmarks/augmentation.py                 # ~10 min, 2 CPU cores
    python benchmarks/augmentation.py --quick         # smoke test
    python benchmarks/augmentation.py --datasets mnist,fashion_mnist

Writes benchmarks/results/augmentation.json (`--quick`:
augmentation_quick.json), the printed table in augmentation.log when run
with `| tee`, and a grid of the samples per dataset and N
(augmentation_<data>_<N>.png, one row per class).
"""

import argparse
import os
import sys
import time

import common
import numpy as np


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--datasets", default="mnist")
    parser.add_argument("--labelled", default="100,1000")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument(
        "--name", default=None, help="results name (default: augmentation)"
    )
    parser.add_argument(
        "--ratio", type=float, default=2.0, help="samples per real image"
    )
    parser.add_argument(
        "--generator-images",
        type=int,
        default=12000,
        help="images seen by the generator in training (epochs = this / N)",
    )
    parser.add_argument(
        "--classifier-steps",
        type=int,
        default=300,
        help="gradient steps of every classifier run (batch 64)",
    )
    return parser.parse_args(argv)


def load(name, quick):
    from keras_ar import data

    x_train, y_train = data.load(name, split="train")
    x_test, y_test = data.load(name, split="test")
    if quick:
        x_test, y_test = x_test[:500], y_test[:500]
    binary = [(x >= 128).astype("int32") for x in (x_train, x_test)]
    return binary[0], y_train.astype("int32"), binary[1], y_test.astype("int32")


def balanced_subset(labels, count, seed=0):
    rng = np.random.default_rng(seed)
    per_class = count // 10
    picks = [
        rng.choice(np.flatnonzero(labels == c), per_class, replace=False)
        for c in range(10)
    ]
    return np.concatenate(picks)


def train_generator(x, y, args):
    import keras

    from keras_ar.models import PixelCNN

    filters, blocks = (8, 1) if args.quick else (32, 3)
    model = PixelCNN(
        x.shape[1:],
        head="bernoulli",
        filters=filters,
        num_residual_blocks=blocks,
        output_filters=2 * filters,
        condition_classes=10,
    )
    model.compile(optimizer=keras.optimizers.Adam(1e-3), jit_compile=True)
    epochs = max(1, round(args.generator_images / len(x)))
    start = time.time()
    history = model.fit(
        {"x": x, "condition": y}, epochs=epochs, batch_size=32, verbose=0
    )
    seconds = time.time() - start
    return model, {
        "filters": filters,
        "blocks": blocks,
        "epochs": epochs,
        "train_seconds": seconds,
        "final_train_bits_per_dim": float(history.history["bits_per_dim"][-1]),
    }


def classifier(seed):
    import keras

    keras.utils.set_random_seed(seed)
    return keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            keras.layers.Conv2D(32, 3, activation="relu"),
            keras.layers.MaxPooling2D(),
            keras.layers.Conv2D(64, 3, activation="relu"),
            keras.layers.MaxPooling2D(),
            keras.layers.Flatten(),
            keras.layers.Dense(128, activation="relu"),
            keras.layers.Dropout(0.5),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )


def train_classifier(x, y, x_test, y_test, seed, steps):
    """Trains for exactly `steps` batches of 64 (whatever len(x)) and
    returns the test accuracy."""
    import keras

    model = classifier(seed)
    model.compile(
        optimizer=keras.optimizers.Adam(1e-3),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    rng = np.random.default_rng(seed)
    batch = 64
    needed = steps * batch
    order = np.concatenate(
        [rng.permutation(len(x)) for _ in range(needed // len(x) + 1)]
    )[:needed]
    xs, ys = x[order].astype("float32"), y[order]
    model.fit(xs, ys, batch_size=batch, epochs=1, shuffle=False, verbose=0)
    _, accuracy = model.evaluate(
        x_test.astype("float32"), y_test, batch_size=500, verbose=0
    )
    return float(accuracy)


def run_case(name, count, data, args, out):
    from keras_ar.augment import class_conditional_samples
    from keras_ar.utils import save_image_grid

    x_train, y_train, x_test, y_test = data
    subset = balanced_subset(y_train, count)
    x, y = x_train[subset], y_train[subset]
    print(f"\n{name}, {count} labelled: training the generator", flush=True)
    model, generator = train_generator(x, y, args)
    per_class = max(1, int(round(args.ratio * count / 10)))
    start = time.time()
    samples, labels = class_conditional_samples(
        model, per_class, seed=0, batch_size=500, progress=True
    )
    generator["sample_seconds"] = time.time() - start
    generator["samples"] = int(len(samples))
    shown = min(per_class, 10)
    grid = np.concatenate(
        [samples[labels == c][:shown] for c in range(10)]
    ).astype("float32")
    png = os.path.join(common.HERE, "results", f"{out}_{name}_{count}.png")
    save_image_grid(grid, png, 1, columns=shown, scale=2)
    print(f"generator: {generator}; wrote {png}", flush=True)
    x_aug = np.concatenate([x, samples])
    y_aug = np.concatenate([y, labels])
    rows = []
    for seed in range(args.seeds):
        real = train_classifier(
            x, y, x_test, y_test, seed, args.classifier_steps
        )
        aug = train_classifier(
            x_aug, y_aug, x_test, y_test, seed, args.classifier_steps
        )
        print(
            f"seed {seed}: real only {real:.4f}, real + samples {aug:.4f}",
            flush=True,
        )
        rows.append({"seed": seed, "real": real, "augmented": aug})
    return {
        "dataset": name,
        "labelled": count,
        "generator": generator,
        "runs": rows,
        "mean_real": float(np.mean([r["real"] for r in rows])),
        "mean_augmented": float(np.mean([r["augmented"] for r in rows])),
    }


def table(cases):
    lines = [
        "| data | labelled | samples | real only (mean) | real + samples "
        "(mean) | per seed (real / +samples) |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for c in cases:
        seeds = ", ".join(
            f"{r['real']:.3f} / {r['augmented']:.3f}" for r in c["runs"]
        )
        lines.append(
            f"| {c['dataset']} | {c['labelled']} | "
            f"{c['generator']['samples']} | {c['mean_real']:.4f} | "
            f"{c['mean_augmented']:.4f} | {seeds} |"
        )
    return "\n".join(lines)


def main(argv=None):
    args = parse_args(argv)
    if args.quick:
        args.seeds, args.generator_images = 1, 200
        args.classifier_steps = 20
    out = args.name or ("augmentation_quick" if args.quick else "augmentation")
    results = common.results_header(vars(args))
    import keras

    results["backend"] = keras.backend.backend()
    start = time.time()
    cases = []
    for name in args.datasets.split(","):
        data = load(name, args.quick)
        for count in (int(n) for n in args.labelled.split(",")):
            cases.append(run_case(name, count, data, args, out))
    results["cases"] = cases
    results["seconds"] = time.time() - start
    print("\n" + table(cases))
    results["table"] = table(cases)
    common.write_results(results, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
