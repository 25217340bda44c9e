"""`TabularTrainer`: `keras-ar train made|nade --csv data.csv`.

A CSV in, a density model and anomaly scores out, without Python: the
chosen numeric columns (default: all) are split into training and held-out
rows, the model is trained and scored in bits per value, the anomaly
threshold is fitted on the held-out rows, and the run writes model.keras
with its column names beside it (model.columns.json, read by
`keras-ar score --anomaly`), metrics.json, training.png, samples.csv and
anomaly_scores.png.
"""

import os

from keras_ar.cli.common import echo
from keras_ar.cli.pipeline import Trainer
from keras_ar.cli.training_data import TrainingData

#: `--head` choices; "auto" picks a discrete head for columns of small
#: non-negative integers and a mixture of Gaussians otherwise.
HEADS = ("auto", "bernoulli", "categorical", "gaussian", "mixture_of_gaussians")


def choose_head(name, values, components=5):
    """The head for `values` `(rows, columns)`.

    Args:
        name: one of `HEADS`.
        values: all rows of the table (training and held-out).
        components: mixture components of `"mixture_of_gaussians"`.

    Returns:
        A `DistributionHead` (continuous heads are standardised by the
        model).
    """
    from keras_ar.data.csv_table import discrete_classes
    from keras_ar.heads import Categorical
    from keras_ar.heads import Gaussian
    from keras_ar.heads import MixtureOfGaussians
    from keras_ar.heads import get_head

    classes = discrete_classes(values)
    if name == "auto":
        if classes is None:
            return MixtureOfGaussians(components)
        return get_head(classes)
    if name in ("bernoulli", "categorical"):
        if classes is None or (name == "bernoulli" and classes > 2):
            kind = "0/1" if name == "bernoulli" else "integers in [0, 256)"
            raise ValueError(
                f"--head {name} needs columns of {kind}. Received values in "
                f"[{values.min():g}, {values.max():g}]"
                + ("" if classes else " that are not all such integers")
            )
        return get_head(2) if name == "bernoulli" else Categorical(classes)
    if name == "gaussian":
        return Gaussian()
    return MixtureOfGaussians(components)


def _split(values, fraction, seed):
    import numpy as np

    if not 0 < fraction < 1:
        raise ValueError(
            f"--val-fraction must be in (0, 1). Received: {fraction}"
        )
    order = np.random.default_rng(seed).permutation(len(values))
    count = int(round(len(values) * fraction))
    if count < 1 or count >= len(values):
        raise ValueError(
            f"Expected at least one training and one held-out row: "
            f"{len(values)} rows with --val-fraction {fraction} give "
            f"{len(values) - count} and {count}."
        )
    return values[order[count:]], values[order[:count]]


def head_name(model):
    """`"MixtureOfGaussians (standardised)"`, `"Categorical(5)"`, ..."""
    head = model.head
    inner = getattr(head, "head", head)
    name = inner.__class__.__name__
    if getattr(inner, "num_values", None) and name == "Categorical":
        name += f"({inner.num_values})"
    return name + (" (standardised)" if inner is not head else "")


class TabularTrainer(Trainer):
    """MADE or NADE on the numeric columns of a CSV. Subclasses set
    `name`, `model_class` and `default_out` and add their network's flags
    in `add_network_arguments` and `network_kwargs`."""

    model_class = None
    default_out = None
    defaults = {"batch_size": 64, "num_samples": 16}

    def add_model_arguments(self, parser):
        parser.add_argument(
            "--csv", required=True, help="a CSV file, with or without header"
        )
        parser.add_argument(
            "--columns",
            default=None,
            help=(
                "comma-separated names or 0-based indices (default: every "
                "numeric column; text columns are skipped with a note)"
            ),
        )
        parser.add_argument("--out", default=self.default_out)
        parser.add_argument(
            "--val-fraction",
            type=float,
            default=0.2,
            help="share of the rows held out (random, --seed) and scored",
        )
        parser.add_argument(
            "--head",
            choices=HEADS,
            default="auto",
            help=(
                "auto: bernoulli/categorical for columns of small "
                "non-negative integers, else a mixture of Gaussians"
            ),
        )
        parser.add_argument(
            "--components",
            type=int,
            default=5,
            help="components of the mixture of Gaussians head",
        )
        parser.add_argument(
            "--anomaly-quantile",
            type=float,
            default=0.99,
            help=(
                "fit the anomaly threshold to this quantile of the held-out "
                "rows' scores (saved in the model; 0 = no threshold)"
            ),
        )
        self.add_network_arguments(parser)

    def add_network_arguments(self, parser):
        """The network's own flags."""
        raise NotImplementedError

    def network_kwargs(self, args):
        """The model's constructor arguments from those flags."""
        raise NotImplementedError

    def load_data(self, args):
        from keras_ar.data.csv_table import read_csv_table

        quantile = args.anomaly_quantile
        if quantile and not 0 < quantile < 1:
            raise ValueError(
                "--anomaly-quantile must be in (0, 1), or 0 for no "
                f"threshold. Received: {quantile}"
            )
        if args.components < 1:
            raise ValueError(
                f"--components must be >= 1. Received: {args.components}"
            )

        table = read_csv_table(args.csv, args.columns)
        if table.skipped:
            echo(f"skipped non-numeric columns: {', '.join(table.skipped)}")
        x_train, x_test = _split(table.values, args.val_fraction, args.seed)
        head = choose_head(args.head, table.values, args.components)
        name = os.path.basename(args.csv)
        return TrainingData(
            name=name,
            x_train=x_train,
            x_test=x_test,
            example="row",
            value="dim",
            summary=(
                f"data: {name}, {len(table.columns)} columns "
                f"({', '.join(table.columns)}), {len(x_train)} train / "
                f"{len(x_test)} held-out rows"
            ),
            extra={"columns": table.columns, "head": head},
        )

    def build_model(self, args, data):
        import keras_ar.models

        cls = getattr(keras_ar.models, self.model_class)
        return cls(
            (len(data.extra["columns"]),),
            head=data.extra["head"],
            **self.network_kwargs(args),
        )

    def describe(self, model, args, data):
        return (
            f"model: {model.__class__.__name__}, "
            f"{model.count_params():,} parameters, head {head_name(model)}"
        )

    def extra_metrics(self, model, args, data):
        """Fits the anomaly threshold (before the pipeline saves the
        model) and keeps the held-out scores for anomaly_scores.png."""
        import numpy as np

        scores = np.asarray(model.anomaly_score(data.x_test, batch_size=256))
        data.extra["scores"] = scores
        metrics = {
            "columns": list(data.extra["columns"]),
            "head": head_name(model),
        }
        if args.anomaly_quantile:
            threshold = model.fit_anomaly_threshold(
                data.x_test, args.anomaly_quantile, batch_size=256
            )
            echo(
                f"anomaly threshold {threshold:.3f} nats (quantile "
                f"{args.anomaly_quantile:g} of the held-out rows' scores)"
            )
            metrics.update(
                anomaly_threshold=threshold,
                anomaly_quantile=args.anomaly_quantile,
            )
        return metrics

    def write_samples(self, model, args, data, out):
        import numpy as np

        from keras_ar.cli.tabular_plot import save_score_histogram
        from keras_ar.data.csv_table import write_columns

        columns = data.extra["columns"]
        sidecar = write_columns(
            os.path.join(out, "model.keras"),
            columns,
            source=os.path.abspath(args.csv),
        )
        echo(f"wrote {sidecar}")
        plot = save_score_histogram(
            data.extra["scores"],
            os.path.join(out, "anomaly_scores.png"),
            threshold=model.anomaly_threshold,
            title=f"{model.__class__.__name__} on {data.name}: held-out rows",
        )
        if plot:
            echo(f"wrote {plot}")
        samples = model.sample(args.num_samples, seed=args.seed)
        path = os.path.join(out, "samples.csv")
        fmt = "%d" if model.head.is_discrete else "%.6g"
        np.savetxt(
            path,
            np.asarray(samples).reshape(len(samples), -1),
            delimiter=",",
            header=",".join(columns),
            comments="",
            fmt=fmt,
        )
        echo(f"wrote {path} ({args.num_samples} sampled rows)")
        return {"columns_file": sidecar}
