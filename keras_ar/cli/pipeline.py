"""The one `keras-ar train` pipeline.

load -> fit (held-out value each epoch) -> score -> plot -> save -> sample
-> export -> metrics.json. A trainer (`image_trainer.py` for the image
models, `train_wavenet.py`) supplies only its data, its model and its
samples (PNG grid, WAV files, text).
"""

import math
import os
import time

from keras_ar.cli import distributed
from keras_ar.cli.common import add_export_arguments
from keras_ar.cli.common import echo
from keras_ar.cli.common import export_model
from keras_ar.cli.common import verbosity
from keras_ar.cli.common import write_json
from keras_ar.cli.training_data import fit_inputs


class Trainer:
    """One `keras-ar train MODEL` command.

    Subclasses set `name` and implement `add_model_arguments`, `load_data`,
    `build_model` and `write_samples`; `run` is the shared pipeline.
    """

    #: The model's name on the command line and in metrics.json.
    name = None
    #: Training speed unit: "example" (images/s) or "value" (samples/s).
    speed_per = "example"
    #: Batch size of the final `log_prob` over the held-out events.
    score_batch_size = 256
    #: Defaults of the shared arguments.
    defaults = {"batch_size": 64, "num_samples": 16}

    def add_arguments(self, parser):
        """The model's arguments, then the shared ones."""
        self.add_model_arguments(parser)
        add_training_arguments(parser, **self.defaults)

    def add_model_arguments(self, parser):
        raise NotImplementedError

    def output_dir(self, args):
        return args.out

    def load_data(self, args):
        """Returns a `TrainingData`."""
        raise NotImplementedError

    def build_model(self, args, data):
        """Returns the (uncompiled) model."""
        raise NotImplementedError

    def describe(self, model, args, data):
        """The line printed about the model."""
        return (
            f"model: {model.__class__.__name__}, "
            f"{model.count_params():,} parameters"
        )

    def extra_metrics(self, model, args, data):
        """Entries of metrics.json about this model or data."""
        return {}

    def write_samples(self, model, args, data, out):
        """Samples and writes them; returns entries for metrics.json."""
        raise NotImplementedError

    def run(self, args):
        return train(self, args)


def add_training_arguments(parser, batch_size=64, num_samples=16):
    """The arguments every `train` command shares."""
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=batch_size)
    parser.add_argument("--learning-rate", type=float, default=1e-3)
    parser.add_argument(
        "--val-size",
        type=int,
        default=1000,
        help=(
            "held-out examples (the first of the test set) scored after "
            "each epoch for the training plot (0 = none)"
        ),
    )
    parser.add_argument("--num-samples", type=int, default=num_samples)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--no-jit", action="store_true", help="train without XLA"
    )
    add_resume_arguments(parser)
    distributed.add_strategy_arguments(parser)
    add_export_arguments(parser)


#: The folder, inside the output folder, of the backups of a running fit.
BACKUP_FOLDER = "backup"


def add_resume_arguments(parser):
    """`--resume` and `--backup-steps` (fault tolerance)."""
    parser.add_argument(
        "--resume",
        action="store_true",
        help=(
            f"continue the interrupted run whose backup is in OUT/"
            f"{BACKUP_FOLDER} (training backs up there and deletes it when "
            "it completes); pass the same arguments: the resumed run ends "
            "with the weights of an uninterrupted one. Without --resume an "
            "existing backup is an error (resume it, or delete the folder "
            "to start over); with --resume and no backup, training starts "
            "from the beginning"
        ),
    )
    parser.add_argument(
        "--backup-steps",
        type=int,
        default=0,
        help="back up every N batches (default 0: after every epoch)",
    )


def _backup(args, out):
    """The `BackupAndRestore` callback of the run in `out`; fails when
    `out` holds a backup and `--resume` was not given."""
    from keras_ar.callbacks import BackupAndRestore
    from keras_ar.utils.validation import check_non_negative_int

    check_non_negative_int(args.backup_steps, "--backup-steps")
    folder = os.path.join(out, BACKUP_FOLDER)
    callback = BackupAndRestore(folder, save_freq=args.backup_steps or "epoch")
    point = callback.resume_point()
    if point is not None and not args.resume:
        raise ValueError(
            f"{folder} holds the backup of an interrupted run (it resumes at "
            f"epoch {point[0] + 1}, step {point[1]}): pass --resume to "
            "continue it, or delete the folder to start over."
        )
    if args.resume:
        echo(
            f"no backup in {folder}: training from the start"
            if point is None
            else f"resuming from {folder}: epoch {point[0] + 1}, "
            f"step {point[1]}"
        )
    return callback


def _check_arguments(args):
    """Fails before any work on arguments that would fail later."""
    from keras_ar.utils.validation import check_non_negative_int
    from keras_ar.utils.validation import check_positive_int
    from keras_ar.utils.validation import check_seed

    for name in ("epochs", "batch_size", "num_samples"):
        check_positive_int(getattr(args, name), f"--{name.replace('_', '-')}")
    check_non_negative_int(args.val_size, "--val-size")
    check_seed(args.seed)
    if not args.learning_rate > 0:
        raise ValueError(
            "`--learning-rate` must be > 0. Received: "
            f"--learning-rate={args.learning_rate}"
        )


def _take(values, count):
    return None if values is None else values[:count]


def _fit(model, trainer, args, data, backup):
    """Trains with the held-out subset scored each epoch (and `backup`, a
    `BackupAndRestore`); returns the Keras history, the
    `TrainingHistory` and the metrics of the run."""
    from keras_ar.utils import TrainingHistory

    num_train, num_test = len(data.x_train), len(data.x_test)
    num_val = min(args.val_size, num_test)
    validation = None
    if num_val:
        validation = fit_inputs(
            data.x_test[:num_val], _take(data.test_condition, num_val)
        )
    history = TrainingHistory(
        model.num_dims, num_examples=num_train, batch_size=args.batch_size
    )
    point = backup.resume_point() or (0, 0)
    start = time.time()
    fitted = model.fit(
        fit_inputs(data.x_train, data.train_condition),
        epochs=args.epochs,
        batch_size=args.batch_size,
        shuffle=True,
        validation_data=validation,
        callbacks=[backup, history],
        verbose=verbosity(),
    )
    seconds = time.time() - start
    per_example = data.example if trainer.speed_per == "example" else None
    unit = per_example or data.value
    values = 1 if per_example else model.num_dims
    fit_seconds = max(seconds - history.validation_seconds, 1e-9)
    # A resumed run trains from its backup on.
    steps = math.ceil(num_train / args.batch_size)
    epochs = args.epochs - point[0] - point[1] / steps
    speed = num_train * epochs * values / fit_seconds
    echo(
        f"trained in {seconds:.1f}s ({speed:,.0f} {unit}s/s; "
        f"{history.validation_seconds:.1f}s of it on held-out data)"
    )
    metrics = {
        f"train_{data.example}s": num_train,
        f"test_{data.example}s": num_test,
        f"val_{data.example}s": num_val,
        "train_seconds": seconds,
        "validation_seconds": history.validation_seconds,
        f"train_{unit}s_per_second": speed,
    }
    if args.resume:
        metrics["resumed_from"] = {"epoch": point[0], "step": point[1]}
    return fitted, history, metrics


def _score(model, trainer, data):
    """Scores the held-out events; returns `(nll_nats, bits_per_value)`."""
    echo(f"scoring {len(data.x_test)} test {data.example}s")
    log_prob = model.log_prob(
        data.x_test,
        condition=data.test_condition,
        batch_size=trainer.score_batch_size,
    )
    nll = float(-log_prob.mean())
    bits = nll / (model.num_dims * math.log(2.0))
    echo(
        f"test NLL: {nll:.2f} nats/{data.example}, test bits/{data.value}: "
        f"{bits:.4f} (held-out {data.name})"
    )
    return nll, bits


def train(trainer, args):
    """Runs the pipeline for `trainer`; returns the exit status."""
    import keras

    from keras_ar.utils import save_training_plot

    _check_arguments(args)
    strategy = distributed.start_strategy(args)  # before TF/JAX start
    keras.utils.set_random_seed(args.seed)
    # Every worker restores from the chief's backup folder; the others
    # write their outputs in OUT/worker-I.
    backup = _backup(args, trainer.output_dir(args))
    out = distributed.output_dir(trainer.output_dir(args), strategy, args)
    os.makedirs(out, exist_ok=True)
    data = trainer.load_data(args)
    echo(data.summary)
    with distributed.strategy_scope(strategy):
        model = trainer.build_model(args, data)
        model.compile(
            optimizer=keras.optimizers.Adam(args.learning_rate),
            jit_compile=distributed.jit_compile(args, strategy),
        )
        echo(trainer.describe(model, args, data))
        fitted, history, fit_metrics = _fit(
            model, trainer, args, data, backup
        )
    model = distributed.local_model(
        model, strategy, os.path.join(out, "model.keras")
    )
    nll, bits = _score(model, trainer, data)
    metrics = {
        "model": trainer.name,
        "data": data.name,
        "epochs": args.epochs,
        "parameters": model.count_params(),
        "strategy": getattr(args, "strategy", None),
        "replicas": distributed.replicas(strategy),
        **fit_metrics,
        "test_nll_nats": nll,
        f"test_bits_per_{data.value}": bits,
        **trainer.extra_metrics(model, args, data),
        "history": fitted.history,
        "training_curve": history.curve,
    }
    # Everything about training is written before sampling, the slowest
    # step; metrics.json is completed after it.
    metrics_path = os.path.join(out, "metrics.json")
    write_json(metrics_path, metrics)
    epochs = f"{args.epochs} epoch{'s' if args.epochs != 1 else ''}"
    plot = save_training_plot(
        history.curve,
        os.path.join(out, "training.png"),
        test_value=bits,
        unit=f"bits/{data.value}",
        title=(
            f"{model.__class__.__name__} on {data.name}: {epochs} of "
            f"{len(data.x_train):,} {data.example}s"
        ),
        val_label=f"held-out, {metrics[f'val_{data.example}s']} "
        f"{data.example}s",
    )
    if plot:
        echo(f"wrote {plot}")
    model_path = os.path.join(out, "model.keras")
    model.save(model_path)
    echo(f"wrote {model_path}")
    metrics.update(trainer.write_samples(model, args, data, out))
    metrics["saved_model"] = export_model(
        model, args, f"{trainer.name}_{data.name}"
    )
    write_json(metrics_path, metrics)
    echo(f"wrote {metrics_path}")
    return 0
