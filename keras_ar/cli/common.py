"""Helpers shared by the `keras-ar` subcommands."""

import os
import sys


def echo(*args):
    """Prints and flushes (the CLI's output is often piped to a log)."""
    print(*args, flush=True)


def verbosity():
    """Keras verbosity: a live bar in a terminal, one line per epoch else."""
    return 1 if sys.stdout.isatty() else 2


def load_model(path):
    """Loads a `.keras` file with keras_ar's classes registered."""
    import keras

    from keras_ar.cli.quiet import import_keras_ar

    import_keras_ar()  # registers the serializable classes
    if not os.path.exists(path):
        raise SystemExit(f"keras-ar: no such model file: {path}")
    return keras.saving.load_model(path)


def write_json(path, payload):
    """Writes `payload` as indented JSON (NumPy scalars as floats)."""
    import json

    with open(path, "w") as f:
        json.dump(payload, f, indent=2, default=float)


def export_model(model, args, default_name):
    """Writes the TF Serving SavedModel unless `--no-export` (or, with a
    note, on a backend other than TensorFlow, which export needs)."""
    if args.no_export:
        return None
    import keras

    from keras_ar.export import export_for_serving

    if keras.backend.backend() != "tensorflow":
        echo(
            "skipped the SavedModel: export needs the TensorFlow backend "
            "(load model.keras with KERAS_BACKEND=tensorflow and call "
            "model.export; --no-export hides this note)"
        )
        return None

    path = export_for_serving(
        model, base_path=args.export_dir, name=args.name or default_name
    )
    echo(f"wrote SavedModel {path}")
    return path


def add_export_arguments(parser):
    """`--export-dir`, `--name` and `--no-export`."""
    parser.add_argument(
        "--export-dir",
        default="saved_models",
        help="TF Serving base path (NAME/VERSION/saved_model.pb)",
    )
    parser.add_argument("--name", default=None, help="served model name")
    parser.add_argument(
        "--no-export", action="store_true", help="skip the SavedModel"
    )
