"""`keras-ar tune MODEL`: a KerasTuner search of a model's hyperparameters.

Loads the data as `keras-ar train` does, holds out `--val-size` training
examples to choose on (`val_bits_per_dim`, minimised), runs a random,
Bayesian or Hyperband search (`keras_ar.tuning`), then prints the best
trials as a table, plots the search (search.png), scores the best model
on the test examples, and writes best_model.keras and search.json into
`--output`.

Distributed tuning is KerasTuner's own, read from the environment: run
the same command in every process, with the same shared `--output`, and
`KERASTUNER_TUNER_ID=chief` (the oracle: it trains nothing and writes the
results), `tuner0`, `tuner1`, ... (the workers), `KERASTUNER_ORACLE_IP`
and `KERASTUNER_ORACLE_PORT` (the chief's address).
"""

import os
import time

from keras_ar.cli import train_pixelcnn
from keras_ar.cli import train_wavenet
from keras_ar.cli.common import echo
from keras_ar.cli.common import verbosity
from keras_ar.cli.common import write_json
from keras_ar.cli.training_data import fit_inputs

#: The models `keras-ar tune` searches: wavenet on `keras-ar train
#: wavenet`'s data, the others on `keras-ar train pixelcnn`'s images.
MODELS = ("pixelcnn", "gated_pixelcnn", "pixelrnn", "wavenet", "made", "nade")


def add_arguments(parser):
    parser.add_argument("model", choices=MODELS, help="the model to search")
    parser.add_argument(
        "--data",
        default=None,
        help=(
            "mnist, binarized_mnist, fashion_mnist or digits (images; "
            "default mnist); wavenet: speech, music, shakespeare or pydoc "
            "(default speech)"
        ),
    )
    parser.add_argument(
        "--tuner",
        choices=("random", "bayesian", "hyperband"),
        default="random",
    )
    parser.add_argument("--max-trials", type=int, default=10)
    parser.add_argument(
        "--epochs",
        type=int,
        default=1,
        help="epochs per trial (hyperband: the most epochs of one model)",
    )
    parser.add_argument(
        "--output",
        "--out",
        dest="output",
        default=None,
        help=(
            "results folder (default runs/tune_MODEL); it also holds "
            "KerasTuner's trials, so a rerun resumes the search (shared by "
            "all processes in distributed tuning)"
        ),
    )
    parser.add_argument(
        "--overwrite",
        action="store_true",
        help="start the search again instead of resuming it",
    )
    parser.add_argument(
        "--set",
        dest="space",
        action="append",
        default=[],
        metavar="NAME=V1,V2",
        help=(
            "search NAME among these values only (one value fixes it), "
            "e.g. --set filters=16,32 --set cell=row; repeatable"
        ),
    )
    parser.add_argument("--batch-size", type=int, default=None)
    parser.add_argument(
        "--train-size",
        type=int,
        default=None,
        help=(
            "training examples (as in `keras-ar train`: default 10000 "
            "images, 1024 audio / 4096 text windows; 0 = all)"
        ),
    )
    parser.add_argument(
        "--val-size",
        type=int,
        default=None,
        help=(
            "of the training examples, held out to choose on "
            "(val_bits_per_dim); default a tenth"
        ),
    )
    parser.add_argument(
        "--test-size",
        type=int,
        default=None,
        help="test examples the best model is scored on (0 = all)",
    )
    parser.add_argument(
        "--length",
        type=int,
        default=None,
        help="wavenet: window in steps (default 2048 audio, 256 text)",
    )
    parser.add_argument(
        "--conditional",
        action="store_true",
        help="image models, MADE, NADE: condition on the class label",
    )
    parser.add_argument(
        "--show", type=int, default=10, help="best trials in the table"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--no-jit", action="store_true", help="train without XLA"
    )


def parse_space(items):
    """`["filters=16,32", "cell=row"]` -> `{"filters": [16, 32], "cell":
    ["row"]}` (ints, floats, true/false, else strings).

    Example:

    >>> parse_space(["filters=16,32", "learning_rate=1e-3", "cell=row"])
    {'filters': [16, 32], 'learning_rate': [0.001], 'cell': ['row']}
    """
    space = {}
    for item in items:
        name, sep, values = item.partition("=")
        if not sep or not name.strip() or not values.strip():
            raise ValueError(
                "`--set` takes NAME=V1,V2,... (e.g. --set filters=16,32). "
                f"Received: --set {item}"
            )
        space[name.strip()] = [_value(v.strip()) for v in values.split(",")]
    return space


def _value(text):
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def _check_arguments(args):
    from keras_ar.utils.validation import check_positive_int
    from keras_ar.utils.validation import check_seed

    for name in ("max_trials", "epochs", "show"):
        check_positive_int(getattr(args, name), f"--{name.replace('_', '-')}")
    for name in ("batch_size", "val_size"):
        if getattr(args, name) is not None:
            check_positive_int(
                getattr(args, name), f"--{name.replace('_', '-')}"
            )
    check_seed(args.seed)
    if args.model == "wavenet" and args.conditional:
        raise ValueError(
            "`--conditional` needs class labels (image data); wavenet's "
            "data has none. Received: keras-ar tune wavenet --conditional"
        )
    if args.model != "wavenet" and args.length is not None:
        raise ValueError(
            f"`--length` is wavenet's window. Received: keras-ar tune "
            f"{args.model} --length {args.length}"
        )


def _load(args):
    """`(trainer, data)`: the data as `keras-ar train MODEL` loads it."""
    if args.model == "wavenet":
        trainer = train_wavenet.TRAINER
        args.data = args.data or "speech"
        if args.test_size is None:
            args.test_size = 128
    else:
        trainer = train_pixelcnn.TRAINER
        args.data = args.data or "mnist"
        if args.train_size is None:
            args.train_size = 10000
        if args.test_size is None:
            args.test_size = 0
    return trainer, trainer.load_data(args)


def _split(data, val_size, seed):
    """`(train, validation)` inputs of `fit`: a seeded random `val_size`
    (default a tenth) of the training examples is held out."""
    import numpy as np

    count = len(data.x_train)
    num_val = val_size if val_size is not None else max(1, count // 10)
    if not 0 < num_val < count:
        raise ValueError(
            f"`--val-size` must be between 1 and {count - 1} (the held-out "
            f"part of {count} training examples). Received: --val-size "
            f"{num_val}"
        )
    order = np.random.default_rng(seed).permutation(count)
    val, train = np.sort(order[:num_val]), np.sort(order[num_val:])

    def take(values, index):
        return None if values is None else values[index]

    return (
        fit_inputs(data.x_train[train], take(data.train_condition, train)),
        fit_inputs(data.x_train[val], take(data.train_condition, val)),
    )


def _hypermodel(args, data):
    from keras_ar import tuning

    space = parse_space(args.space)
    jit = False if args.no_jit else "auto"
    if args.model == "wavenet":
        head = "mu_law" if data.value == "sample" else 256
        return tuning.WaveNetHyperModel(
            data.x_train.shape[1:],
            head=head,
            search_space=space,
            jit_compile=jit,
        )
    info = data.extra["info"]
    options = dict(
        head=info.num_pixel_values,
        search_space=space,
        condition_classes=info.num_labels if args.conditional else None,
        jit_compile=jit,
    )
    if args.model == "made":
        return tuning.MADEHyperModel(info.image_shape, **options)
    if args.model == "nade":
        return tuning.NADEHyperModel(info.image_shape, **options)
    return tuning.ImageHyperModel(args.model, info.image_shape, **options)


def _role():
    """`None` (one process), or this process's `KERASTUNER_TUNER_ID`."""
    if "KERASTUNER_ORACLE_IP" not in os.environ:
        return None
    return os.environ.get("KERASTUNER_TUNER_ID", "")


def run(args):
    import keras

    from keras_ar import tuning
    from keras_ar.cli.pipeline import _score

    _check_arguments(args)
    keras.utils.set_random_seed(args.seed)
    out = args.output or os.path.join("runs", f"tune_{args.model}")
    os.makedirs(out, exist_ok=True)
    trainer, data = _load(args)
    echo(data.summary)
    train, validation = _split(data, args.val_size, args.seed)
    hypermodel = _hypermodel(args, data)
    role = _role()
    if role is not None:
        echo(
            f"distributed tuning: this process is {role!r}, the chief "
            f"oracle is at {os.environ['KERASTUNER_ORACLE_IP']}:"
            f"{os.environ.get('KERASTUNER_ORACLE_PORT')}"
        )
    tuner = tuning.make_tuner(
        hypermodel,
        args.tuner,
        max_trials=args.max_trials,
        directory=os.path.join(out, "tuner"),
        project_name=args.model,
        max_epochs=args.epochs,
        seed=args.seed,
        overwrite=args.overwrite,
    )
    if role is None or "chief" in role:
        tuner.search_space_summary()
    batch_size = args.batch_size or trainer.defaults["batch_size"]
    start = time.time()
    tuner.search(
        train,
        validation_data=validation,
        epochs=args.epochs,
        batch_size=batch_size,
        shuffle=True,
        verbose=verbosity(),
    )
    seconds = time.time() - start
    if tuning.is_distributed_worker():
        echo(
            f"{role}: no trials left after {seconds:.1f}s; the chief "
            "writes the results"
        )
        return 0
    return _report(tuner, trainer, data, args, out, seconds, _score)


def _report(tuner, trainer, data, args, out, seconds, score):
    """Prints the table, plots the search, scores and saves the best
    model, writes search.json."""
    from keras_ar import tuning

    # keras-tuner 1.4.8's chief saves oracle.json in `end_trial` before it
    # drops the trial from the ongoing ones, so the file names the last
    # trial as still running, and a resumed search would train it again.
    # Saved again here, with none running.
    tuner.oracle.save()
    rows = tuning.trial_rows(tuner.oracle)
    best = tuning.best_rows(rows, args.show)
    done = sum(row["status"] == "COMPLETED" for row in rows)
    echo(f"search done in {seconds:.1f}s: {done} of {len(rows)} trials")
    if not best:
        raise ValueError(
            "no trial reported val_bits_per_dim (every trial failed); "
            f"see the trial records under {os.path.join(out, 'tuner')}"
        )
    echo(f"best {len(best)} trials (lowest val_bits_per_dim first):")
    echo(tuning.format_table(best))
    plot = tuning.save_search_plot(
        rows,
        os.path.join(out, "search.png"),
        title=(
            f"{args.tuner} search: {args.model} on {data.name}, "
            f"{len(rows)} trials"
        ),
    )
    if plot:
        echo(f"wrote {plot}")
    model = tuner.get_best_models(1)[0]
    nll, bits = score(model, trainer, data)
    path = os.path.join(out, "best_model.keras")
    model.save(path)
    echo(f"wrote {path} (trial {best[0]['trial_id']})")
    summary_path = os.path.join(out, "search.json")
    write_json(
        summary_path,
        {
            "model": args.model,
            "data": data.name,
            "tuner": args.tuner,
            "max_trials": args.max_trials,
            "epochs": args.epochs,
            "search_seconds": seconds,
            "best_trial": best[0]["trial_id"],
            "best_val_bits_per_dim": best[0]["score"],
            "best_hyperparameters": best[0]["hyperparameters"],
            "test_nll_nats": nll,
            f"test_bits_per_{data.value}": bits,
            "best_model": path,
            "trials": rows,
        },
    )
    echo(f"wrote {summary_path}")
    return 0
