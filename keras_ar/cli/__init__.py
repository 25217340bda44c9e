"""The `keras-ar` command: train, sample, score and forecast.

Examples:

    keras-ar train pixelcnn --data mnist --epochs 1 --out runs/mnist
    keras-ar train wavenet --data speech --epochs 1 --out runs/speech
    keras-ar train wavenet --data shakespeare --out runs/shakespeare
    keras-ar sample runs/mnist/model.keras --num 16 --out samples.png
    keras-ar score runs/mnist/model.keras --data mnist --split test
    keras-ar forecast series.csv --column value --steps 24 --period 12
"""

import argparse
import os
import sys

from keras_ar.cli import forecast
from keras_ar.cli import sample
from keras_ar.cli import score
from keras_ar.cli import train_pixelcnn
from keras_ar.cli import train_wavenet

TRAINERS = {"pixelcnn": train_pixelcnn, "wavenet": train_wavenet}


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
            "Train a model, report held-out bits/dim, write samples (PNG, "
            "WAV or text), the .keras model and a SavedModel for TF Serving."
        ),
    )
    models = train.add_subparsers(dest="model", required=True)
    models.add_parser(
        "pixelcnn", help="PixelCNN on images (mnist, digits, ...)"
    )
    models.add_parser("wavenet", help="WaveNet on speech, music or text")
    for name, module in TRAINERS.items():
        module.add_arguments(models.choices[name])
        models.choices[name].set_defaults(run=module.run)
    for name, module, text in (
        ("sample", sample, "sample from a saved model"),
        ("score", score, "log-likelihood, bits/dim or anomaly scores"),
        (
            "forecast",
            forecast,
            "forecast a CSV column with intervals (trains a WaveNet)",
        ),
    ):
        command = sub.add_parser(name, help=text, description=text)
        module.add_arguments(command)
        command.set_defaults(run=module.run)
    return parser


def main(argv=None):
    """Entry point of the `keras-ar` console script."""
    args = _parser().parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    try:
        return args.run(args)
    except ValueError as error:
        print(f"keras-ar: error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
