"""`keras-ar score`: log-likelihood, bits/dim and anomaly scores."""

import math

from keras_ar.cli.common import echo
from keras_ar.cli.common import load_model
from keras_ar.cli.common import read_csv


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


def _load_data(name, split, limit):
    from keras_ar.cli.image_trainer import load_images

    return load_images(name, split, limit)


def run(args):
    import numpy as np

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
        x = read_csv(args.input)
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
