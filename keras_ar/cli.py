"""The `keras-ar` command: train, sample and score models.

Examples:

    keras-ar train pixelcnn --data mnist --epochs 1 --out runs/mnist
    keras-ar sample runs/mnist/model.keras --num 16 --out samples.png
    keras-ar score runs/mnist/model.keras --data mnist --split test
"""

import argparse
import json
import math
import os
import sys
import time

MODELS = ("pixelcnn",)


def _parser():
    parser = argparse.ArgumentParser(
        prog="keras-ar",
        description="Autoregressive generative models for Keras 3.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    train = sub.add_parser(
        "train",
        help="train a model on an offline dataset",
        description=(
            "Train a model, report test bits/dim, write a PNG of samples, "
            "the .keras model and a SavedModel for TF Serving."
        ),
    )
    train.add_argument("model", choices=MODELS)
    train.add_argument(
        "--data",
        default="mnist",
        help="mnist, binarized_mnist, fashion_mnist or digits",
    )
    train.add_argument("--epochs", type=int, default=1)
    train.add_argument("--out", default="runs/pixelcnn")
    train.add_argument("--batch-size", type=int, default=64)
    train.add_argument(
        "--train-size",
        type=int,
        default=10000,
        help="train on the first N training images (0 = all)",
    )
    train.add_argument(
        "--test-size",
        type=int,
        default=0,
        help="score the first N test images (0 = all)",
    )
    train.add_argument("--filters", type=int, default=32)
    train.add_argument("--blocks", type=int, default=3)
    train.add_argument("--output-filters", type=int, default=64)
    train.add_argument("--learning-rate", type=float, default=1e-3)
    train.add_argument(
        "--conditional",
        action="store_true",
        help="condition on the class label",
    )
    train.add_argument("--num-samples", type=int, default=16)
    train.add_argument("--seed", type=int, default=0)
    train.add_argument(
        "--no-jit", action="store_true", help="train without XLA"
    )
    train.add_argument(
        "--export-dir",
        default="saved_models",
        help="TF Serving base path (NAME/VERSION/saved_model.pb)",
    )
    train.add_argument("--name", default=None, help="served model name")
    train.add_argument(
        "--no-export", action="store_true", help="skip the SavedModel"
    )

    sample = sub.add_parser("sample", help="sample from a saved model")
    sample.add_argument("model_path", help="a .keras file")
    sample.add_argument("--num", type=int, default=16)
    sample.add_argument("--out", default="samples.png")
    sample.add_argument("--seed", type=int, default=None)
    sample.add_argument("--temperature", type=float, default=1.0)
    sample.add_argument("--condition", type=int, default=None, help="class id")
    sample.add_argument(
        "--npy", default=None, help="also save the samples as .npy"
    )

    score = sub.add_parser(
        "score", help="log-likelihood and bits/dim of data under a model"
    )
    score.add_argument("model_path", help="a .keras file")
    source = score.add_mutually_exclusive_group(required=True)
    source.add_argument("--data", help="a dataset name")
    source.add_argument(
        "--input", help="a .npy file of events (.csv with --anomaly)"
    )
    score.add_argument("--split", default="test")
    score.add_argument("--limit", type=int, default=0)
    score.add_argument("--batch-size", type=int, default=256)
    score.add_argument(
        "--output", default=None, help="write per-example scores (.csv)"
    )
    score.add_argument(
        "--anomaly",
        action="store_true",
        help=(
            "write anomaly scores (negative log-likelihood, nats) of the rows "
            "of a CSV (--input) and, if the model has a fitted threshold or "
            "--threshold is given, an is_anomaly column"
        ),
    )
    score.add_argument(
        "--threshold",
        type=float,
        default=None,
        help="anomaly threshold (default: the model's fitted threshold)",
    )
    return parser


def _print(*args):
    print(*args, flush=True)


def _load_data(name, split, limit):
    from keras_ar import data

    info = data.dataset_info(name)
    images, labels = data.load(name, split=split)
    if limit:
        images, labels = images[:limit], labels[:limit]
    return info, images, labels


def _train(args):
    import keras

    from keras_ar.models import PixelCNN
    from keras_ar.utils import save_history_plot
    from keras_ar.utils import save_image_grid

    keras.utils.set_random_seed(args.seed)
    os.makedirs(args.out, exist_ok=True)
    info, x_train, y_train = _load_data(args.data, "train", args.train_size)
    _, x_test, y_test = _load_data(args.data, "test", args.test_size)
    _print(
        f"data: {info.name} {info.image_shape}, {info.num_pixel_values} "
        f"values, {len(x_train)} train / {len(x_test)} test images"
    )
    model = PixelCNN(
        info.image_shape,
        head=info.num_pixel_values,
        filters=args.filters,
        num_residual_blocks=args.blocks,
        output_filters=args.output_filters,
        condition_classes=info.num_labels if args.conditional else None,
    )
    model.compile(
        optimizer=keras.optimizers.Adam(args.learning_rate),
        jit_compile=not args.no_jit,
    )
    _print(
        f"model: PixelCNN, {model.count_params():,} parameters, "
        f"head {model.head.__class__.__name__}"
    )

    def inputs(x, y):
        return {"image": x, "label": y} if args.conditional else x

    start = time.time()
    history = model.fit(
        inputs(x_train, y_train),
        epochs=args.epochs,
        batch_size=args.batch_size,
        verbose=1 if sys.stdout.isatty() else 2,
    )
    train_seconds = time.time() - start
    _print(f"scoring {len(x_test)} test images")
    log_prob = model.log_prob(
        x_test,
        condition=y_test if args.conditional else None,
        batch_size=256,
    )
    nll = float(-log_prob.mean())
    bpd = nll / (model.num_dims * math.log(2.0))
    _print(f"test NLL: {nll:.2f} nats, test bits/dim: {bpd:.4f}")

    start = time.time()
    condition = None
    if args.conditional:
        condition = [i % info.num_labels for i in range(args.num_samples)]
    samples = model.sample(args.num_samples, condition=condition, seed=0)
    sample_seconds = time.time() - start
    grid = os.path.join(args.out, "samples.png")
    save_image_grid(samples, grid, info.max_value)
    _print(f"wrote {grid} ({args.num_samples} samples, {sample_seconds:.1f}s)")
    plot = save_history_plot(history, os.path.join(args.out, "training.png"))
    if plot:
        _print(f"wrote {plot}")
    model_path = os.path.join(args.out, "model.keras")
    model.save(model_path)
    _print(f"wrote {model_path}")
    export_path = None
    if not args.no_export:
        from keras_ar.export import export_for_serving

        export_path = export_for_serving(
            model,
            base_path=args.export_dir,
            name=args.name or f"pixelcnn_{info.name}",
        )
        _print(f"wrote SavedModel {export_path}")
    metrics = {
        "model": "pixelcnn",
        "data": info.name,
        "epochs": args.epochs,
        "train_images": len(x_train),
        "test_images": len(x_test),
        "parameters": model.count_params(),
        "test_nll_nats": nll,
        "test_bits_per_dim": bpd,
        "train_seconds": train_seconds,
        "train_images_per_second": len(x_train) * args.epochs / train_seconds,
        "sample_seconds": sample_seconds,
        "history": history.history,
        "saved_model": export_path,
    }
    with open(os.path.join(args.out, "metrics.json"), "w") as f:
        json.dump(metrics, f, indent=2, default=float)
    return 0


def _load_model(path):
    import keras

    import keras_ar  # noqa: F401  (registers the serializable classes)

    if not os.path.exists(path):
        raise SystemExit(f"keras-ar: no such model file: {path}")
    return keras.saving.load_model(path)


def _sample(args):
    import numpy as np

    from keras_ar.utils import save_image_grid

    model = _load_model(args.model_path)
    condition = None
    if model.is_conditional:
        label = 0 if args.condition is None else args.condition
        condition = np.full((args.num,), label)
    start = time.time()
    samples = model.sample(
        args.num,
        condition=condition,
        seed=args.seed,
        temperature=args.temperature,
    )
    _print(f"sampled {args.num} in {time.time() - start:.1f}s")
    if len(model.event_shape) == 3 and model.event_shape[-1] in (1, 3):
        save_image_grid(samples, args.out, model.head.value_range[1])
        _print(f"wrote {args.out}")
    if args.npy:
        np.save(args.npy, samples)
        _print(f"wrote {args.npy}")
    return 0


def _score(args):
    import numpy as np

    if args.anomaly:
        return _score_anomaly(args)
    model = _load_model(args.model_path)
    labels = None
    if args.data:
        _, x, labels = _load_data(args.data, args.split, args.limit)
    else:
        x = np.load(args.input)
        if args.limit:
            x = x[: args.limit]
    condition = labels if model.is_conditional else None
    log_prob = model.log_prob(
        x, condition=condition, batch_size=args.batch_size
    )
    bpd = -log_prob / (model.num_dims * math.log(2.0))
    _print(
        f"{len(x)} examples: NLL {-log_prob.mean():.3f} nats, "
        f"{bpd.mean():.4f} bits/dim"
    )
    if args.output:
        with open(args.output, "w") as f:
            f.write("index,log_prob,bits_per_dim\n")
            for i, (lp, b) in enumerate(zip(log_prob, bpd)):
                f.write(f"{i},{lp:.6f},{b:.6f}\n")
        _print(f"wrote {args.output}")
    return 0


def _read_csv(path):
    """Reads a numeric CSV (an optional header row is skipped)."""
    import numpy as np

    if not os.path.exists(path):
        raise SystemExit(f"keras-ar: no such file: {path}")
    with open(path) as f:
        first = f.readline().strip().split(",")
    try:
        [float(v) for v in first]
        skip = 0
    except ValueError:
        skip = 1
    return np.loadtxt(
        path, delimiter=",", skiprows=skip, ndmin=2, dtype="float32"
    )


def _score_anomaly(args):
    """`keras-ar score MODEL --anomaly --input rows.csv --output out.csv`."""
    import numpy as np

    model = _load_model(args.model_path)
    if args.data:
        _, x, _ = _load_data(args.data, args.split, args.limit)
    elif args.input.endswith(".npy"):
        x = np.load(args.input)
    else:
        x = _read_csv(args.input)
        if x.shape[1:] != model.event_shape:
            if x.shape[1] != model.num_dims:
                raise ValueError(
                    f"The CSV has {x.shape[1]} columns; the model expects "
                    f"{model.num_dims} values per row (event_shape "
                    f"{model.event_shape})."
                )
            x = x.reshape((-1,) + model.event_shape)
    if args.limit:
        x = x[: args.limit]
    if model.is_conditional:
        raise ValueError(
            "--anomaly scores unconditional models only. Received a model "
            f"with condition_classes={model.condition_classes}."
        )
    scores = model.anomaly_score(x, batch_size=args.batch_size)
    threshold = args.threshold
    if threshold is None:
        threshold = model.anomaly_threshold
    flags = None if threshold is None else scores > threshold
    summary = f"{len(x)} examples: mean anomaly score {scores.mean():.3f}"
    if flags is not None:
        summary += f", {int(flags.sum())} above threshold {threshold:.3f}"
    _print(summary)
    if args.output:
        with open(args.output, "w") as f:
            header = "index,anomaly_score"
            f.write(header + (",is_anomaly\n" if flags is not None else "\n"))
            for i, score in enumerate(scores):
                row = f"{i},{score:.6f}"
                if flags is not None:
                    row += f",{int(flags[i])}"
                f.write(row + "\n")
        _print(f"wrote {args.output}")
    return 0


def main(argv=None):
    """Entry point of the `keras-ar` console script."""
    args = _parser().parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    commands = {"train": _train, "sample": _sample, "score": _score}
    try:
        return commands[args.command](args)
    except ValueError as error:
        print(f"keras-ar: error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
