"""`keras-ar score`: log-likelihood, bits/dim, anomaly and OOD scores.

    keras-ar score MODEL.keras --data mnist
    keras-ar score MODEL.keras --anomaly --input rows.csv --output out.csv
    keras-ar score MODEL.keras --ood --data fashion_mnist --ood-data mnist \\
        --background BG.keras [--train-background --mutation-rate 0.1 \\
        --epochs 5] [--limit N] [--out DIR]
"""

import math

from keras_ar.cli.common import echo
from keras_ar.cli.common import load_model
from keras_ar.cli.common import verbosity


def add_arguments(parser):
    parser.add_argument("model_path", help="a .keras file")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--data", help="a dataset name")
    source.add_argument(
        "--input", help="a .npy file of events (.csv with --anomaly)"
    )
    parser.add_argument("--split", default="test")
    parser.add_argument("--limit", type=int, default=0)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument(
        "--output", default=None, help="write per-example scores (.csv)"
    )
    parser.add_argument(
        "--anomaly",
        action="store_true",
        help=(
            "write anomaly scores (negative log-likelihood, nats) of the rows "
            "of a CSV (--input) and, if the model has a fitted threshold or "
            "--threshold is given, an is_anomaly column"
        ),
    )
    parser.add_argument(
        "--threshold",
        type=float,
        default=None,
        help="anomaly threshold (default: the model's fitted threshold)",
    )
    add_ood_arguments(parser)


def add_ood_arguments(parser):
    """The flags of `keras-ar score --ood`."""
    group = parser.add_argument_group(
        "out-of-distribution detection (--ood)",
        "AUROC of the raw likelihood, the likelihood ratio (Ren et al. "
        "2019; needs --background) and the input complexity (Serra et al. "
        "2020) between --data/--input (in) and --ood-data/--ood-input "
        "(out); writes ood_scores.csv, ood_auroc.json and "
        "ood_histograms.png to --out",
    )
    group.add_argument("--ood", action="store_true", help="score OOD detection")
    group.add_argument("--ood-data", help="the OOD dataset name")
    group.add_argument("--ood-input", help="a .npy file of OOD events")
    group.add_argument(
        "--background",
        default=None,
        help="the background model (.keras) of the likelihood ratio",
    )
    group.add_argument(
        "--train-background",
        action="store_true",
        help=(
            "first train the background model on mutated training data "
            "(the train split of --data, or --train-input) and save it to "
            "--background (default OUT/background.keras)"
        ),
    )
    group.add_argument(
        "--train-input",
        help="a .npy of training events for --train-background (with --input)",
    )
    group.add_argument(
        "--train-size",
        type=int,
        default=10000,
        help="train the background on the first N training images (0 = all)",
    )
    group.add_argument(
        "--mutation-rate",
        type=float,
        default=0.1,
        help="probability of replacing each value (paper: 0.1-0.2)",
    )
    group.add_argument(
        "--l2",
        type=float,
        default=0.0,
        help="L2 weight on the background's kernels, on the scale of the "
        "NLL in nats per example (the paper's code searches 0, 10, 100; "
        "100 was best for Fashion-MNIST vs MNIST)",
    )
    group.add_argument(
        "--epochs", type=int, default=1, help="background training epochs"
    )
    group.add_argument("--train-batch-size", type=int, default=64)
    group.add_argument("--seed", type=int, default=0, help="mutation seed")
    group.add_argument(
        "--fresh-mutations",
        action="store_true",
        help="draw new mutations every background epoch (the paper's "
        "pipeline) instead of mutating the training data once",
    )
    group.add_argument(
        "--compressor",
        default=None,
        choices=("png", "webp", "zlib", "bz2", "lzma"),
        help="for the input complexity (default: png for images, else "
        "zlib; webp, lossless, is the stronger image coder)",
    )
    group.add_argument("--out", default="ood", help="output directory")


def _load_data(name, split, limit):
    from keras_ar.cli.image_trainer import load_images

    return load_images(name, split, limit)


def run(args):
    import numpy as np

    if args.ood:
        return _score_ood(args)
    if args.anomaly:
        return _score_anomaly(args)
    model = load_model(args.model_path)
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
    echo(
        f"{len(x)} examples: NLL {-log_prob.mean():.3f} nats, "
        f"{bpd.mean():.4f} bits/dim"
    )
    if args.output:
        with open(args.output, "w") as f:
            f.write("index,log_prob,bits_per_dim\n")
            for i, (lp, b) in enumerate(zip(log_prob, bpd)):
                f.write(f"{i},{lp:.6f},{b:.6f}\n")
        echo(f"wrote {args.output}")
    return 0


def _score_anomaly(args):
    """`keras-ar score MODEL --anomaly --input rows.csv --output out.csv`."""
    import numpy as np

    model = load_model(args.model_path)
    if args.data:
        _, x, _ = _load_data(args.data, args.split, args.limit)
    elif args.input.endswith(".npy"):
        x = np.load(args.input)
    else:
        from keras_ar.data.csv_table import read_model_rows

        # The model's columns (its `model.columns.json` from `keras-ar
        # train made|nade --csv`), in training order; others are ignored.
        x = read_model_rows(args.input, args.model_path, model.num_dims)
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
    echo(summary)
    if args.output:
        with open(args.output, "w") as f:
            header = "index,anomaly_score"
            f.write(header + (",is_anomaly\n" if flags is not None else "\n"))
            for i, score in enumerate(scores):
                row = f"{i},{score:.6f}"
                if flags is not None:
                    row += f",{int(flags[i])}"
                f.write(row + "\n")
        echo(f"wrote {args.output}")
    return 0


def _events(name, path, split, limit):
    import numpy as np

    if name:
        return _load_data(name, split, limit)[1]
    if not path.endswith(".npy"):
        raise ValueError(f"Expected a .npy file of events. Received: {path}")
    x = np.load(path)
    return x[:limit] if limit else x


def _background(args, model):
    import os

    from keras_ar.ood import train_background

    if not args.train_background:
        if args.background is None:
            return None
        return load_model(args.background)
    path = args.background or os.path.join(args.out, "background.keras")
    if not args.data and not args.train_input:
        raise ValueError(
            "--train-background trains on the train split of --data or on "
            "--train-input. Received neither."
        )
    x = _events(args.data, args.train_input, "train", args.train_size)
    echo(
        f"training the background model on {len(x)} examples mutated at "
        f"rate {args.mutation_rate} ({args.epochs} epochs, l2 {args.l2})"
    )
    background = train_background(
        model,
        x,
        mutation_rate=args.mutation_rate,
        epochs=args.epochs,
        l2=args.l2,
        seed=args.seed,
        fresh_mutations=args.fresh_mutations,
        batch_size=args.train_batch_size,
        verbose=verbosity(),
    )
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    background.save(path)
    echo(f"wrote {path}")
    return background


def _score_ood(args):
    """`keras-ar score MODEL --ood --data IN --ood-data OUT [...]`."""
    from keras_ar.ood import evaluate_ood
    from keras_ar.ood import write_ood_report

    if args.anomaly:
        raise ValueError("Use either --ood or --anomaly. Received both.")
    if bool(args.ood_data) == bool(args.ood_input):
        raise ValueError(
            "--ood needs one OOD source: --ood-data NAME or --ood-input "
            f"X.npy. Received: --ood-data={args.ood_data!r}, "
            f"--ood-input={args.ood_input!r}"
        )
    model = load_model(args.model_path)
    if model.is_conditional:
        raise ValueError(
            "--ood scores unconditional models only. Received a model "
            f"with condition_classes={model.condition_classes}."
        )
    background = _background(args, model)
    x_in = _events(args.data, args.input, args.split, args.limit)
    x_out = _events(args.ood_data, args.ood_input, args.split, args.limit)
    labels = (
        args.data or "in",
        args.ood_data or "out",
    )
    result = evaluate_ood(
        model,
        x_in,
        x_out,
        background=background,
        compressor=args.compressor,
        batch_size=args.batch_size,
    )
    echo(
        f"in: {labels[0]} ({len(x_in)}), out: {labels[1]} ({len(x_out)}), "
        "higher score = more OOD"
    )
    echo(f"{'score':<18} {'AUROC':>6}")
    for name, value in result["auroc"].items():
        echo(f"{name:<18} {value:>6.3f}")
    paths = write_ood_report(result, args.out, labels=labels)
    for path in paths.values():
        if path:
            echo(f"wrote {path}")
    return 0
