"""The `keras-ar` command: train, sample, score and forecast.

Examples:

    keras-ar train pixelcnn --data mnist --epochs 1 --out runs/mnist
    keras-ar train gated_pixelcnn --data fashion_mnist --out runs/gated
    keras-ar train pixelrnn --cell diagonal --data binarized_mnist
    keras-ar train pixelcnnpp --data fashion_mnist --out runs/pixelcnnpp
    keras-ar train pixelsnail --data binarized_mnist --out runs/snail
    keras-ar train wavenet --data speech --epochs 1 --out runs/speech
    keras-ar train wavenet --data shakespeare --out runs/shakespeare
    keras-ar sample runs/mnist/model.keras --num 16 --out samples.png
    keras-ar score runs/mnist/model.keras --data mnist --split test
    keras-ar complete runs/mnist/model.keras --data mnist --mask center
    keras-ar forecast series.csv --column value --steps 24 --period 12
    keras-ar tune pixelcnn --data digits --tuner random --max-trials 8
    keras-ar serve-check saved_models/mnist
    keras-ar export runs/mnist/model.keras --name mnist --base saved_models
    keras-ar models-config saved_models/mnist saved_models/b --out m.config
    keras-ar train made --csv data.csv --columns a,b,c --out runs/table
    keras-ar augment runs/cmnist/model.keras --per-class 100 --out aug
    keras-ar compress runs/mnist/model.keras digit.png digit.kar
    keras-ar decompress runs/mnist/model.keras digit.kar digit_out.png

Importing this package (and parsing arguments, `--help`) imports neither
Keras nor TensorFlow when the console script starts it (see
`keras_ar_launcher`): the subcommand modules import them inside `run`.
"""

import argparse
import os
import sys

from keras_ar.cli import augment
from keras_ar.cli import complete
from keras_ar.cli import compress
from keras_ar.cli import export
from keras_ar.cli import forecast
from keras_ar.cli import sample
from keras_ar.cli import score
from keras_ar.cli import serve_check
from keras_ar.cli import train_gated_pixelcnn
from keras_ar.cli import train_made
from keras_ar.cli import train_nade
from keras_ar.cli import train_pixelcnn
from keras_ar.cli import train_pixelcnnpp
from keras_ar.cli import train_pixelrnn
from keras_ar.cli import train_pixelsnail
from keras_ar.cli import train_wavenet
from keras_ar.cli import tune

TRAINERS = {
    "pixelcnn": train_pixelcnn,
    "gated_pixelcnn": train_gated_pixelcnn,
    "pixelcnnpp": train_pixelcnnpp,
    "pixelrnn": train_pixelrnn,
    "pixelsnail": train_pixelsnail,
    "wavenet": train_wavenet,
    "made": train_made,
    "nade": train_nade,
}

_VERBOSE_HELP = (
    "also show the start-up lines, logs and warnings of TensorFlow, JAX "
    "and other dependencies (hidden by default)"
)


def _add_verbose(parser, top=False):
    # Accepted before and after the subcommand; a subcommand's default is
    # SUPPRESS so that it does not overwrite `keras-ar --verbose CMD`.
    parser.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        default=False if top else argparse.SUPPRESS,
        help=_VERBOSE_HELP,
    )


def _parser():
    parser = argparse.ArgumentParser(
        prog="keras-ar",
        description="Autoregressive generative models for Keras 3.",
    )
    _add_verbose(parser, top=True)
    sub = parser.add_subparsers(dest="command", required=True)
    train = sub.add_parser(
        "train",
        help="train a model on an offline dataset",
        description=(
            "Train a model, report held-out bits/dim, write samples (PNG, "
            "WAV or text), training.png, metrics.json, the .keras model "
            "and a SavedModel for TF Serving."
        ),
    )
    models = train.add_subparsers(dest="model", required=True)
    models.add_parser(
        "pixelcnn", help="PixelCNN on images (mnist, digits, ...)"
    )
    models.add_parser(
        "gated_pixelcnn", help="Gated PixelCNN on images (no blind spot)"
    )
    models.add_parser(
        "pixelcnnpp",
        help="PixelCNN++ on images (shifted convolutions, logistic mixture)",
    )
    models.add_parser(
        "pixelrnn", help="PixelRNN on images (--cell row|diagonal)"
    )
    models.add_parser(
        "pixelsnail",
        help="PixelSNAIL on images (causal convolutions and attention)",
    )
    models.add_parser("wavenet", help="WaveNet on speech, music or text")
    models.add_parser(
        "made",
        help="MADE on the numeric columns of a CSV (--csv): density, "
        "anomaly threshold",
    )
    models.add_parser(
        "nade",
        help="NADE on the numeric columns of a CSV (--csv): density, "
        "anomaly threshold",
    )
    for name, module in TRAINERS.items():
        module.add_arguments(models.choices[name])
        _add_verbose(models.choices[name])
        models.choices[name].set_defaults(run=module.run)
    for name, module, text in (
        ("sample", sample, "sample from a saved model"),
        (
            "score",
            score,
            "log-likelihood, bits/dim, anomaly scores or OOD detection "
            "(--ood)",
        ),
        (
            "augment",
            augment,
            "write class-conditional samples (and completions of masked "
            "real images) as a labelled image folder with a preview grid",
        ),
        (
            "complete",
            complete,
            "complete masked test images; one PNG of originals, masked "
            "inputs and completions",
        ),
        (
            "forecast",
            forecast,
            "forecast a CSV column with intervals (trains a WaveNet)",
        ),
        (
            "serve-check",
            serve_check,
            "load a SavedModel the way TF Serving does (its newest version, "
            "TensorFlow's C++ LoadSavedModel) and run every signature on the "
            "export's example requests; prints a table, exit code 1 if one "
            "fails (imports neither Keras nor TensorFlow)",
        ),
        (
            "tune",
            tune,
            "search a model's hyperparameters with KerasTuner (random, "
            "bayesian or hyperband; distributed with KERASTUNER_* "
            "variables); prints the best trials, plots the search, saves "
            "the best model",
        ),
    ):
        command = sub.add_parser(name, help=text, description=text)
        module.add_arguments(command)
        _add_verbose(command)
        command.set_defaults(run=module.run)
    export.add_commands(sub, _add_verbose)
    compress.add_commands(sub, _add_verbose)
    return parser


def main(argv=None):
    """Entry point of the `keras-ar` command (the console script calls it
    through `keras_ar_launcher.main`)."""
    from keras_ar.cli.quiet import import_keras_ar
    from keras_ar.cli.quiet import quiet_session

    args = _parser().parse_args(argv)
    # A command that needs one backend (`export`: TensorFlow) gets it when
    # Keras is not imported yet, whatever KERAS_BACKEND the user set.
    backend = getattr(args, "keras_backend", None)
    if backend and "keras" not in sys.modules:
        os.environ["KERAS_BACKEND"] = backend
    with quiet_session(verbose=args.verbose):
        if getattr(args, "imports_keras", True):
            import_keras_ar()
        try:
            return args.run(args)
        except ValueError as error:
            print(f"keras-ar: error: {error}", file=sys.stderr)
            return 2
