"""`keras-ar export` and `keras-ar models-config`: TF Serving's side.

- `keras-ar export MODEL.keras --name NAME [--base saved_models]
  [--version N]`: a new version `BASE/NAME/VERSION/` of a saved model,
  with every signature that applies to it. The export needs the
  TensorFlow backend; a `.keras` saved on JAX exports too: the command
  sets `KERAS_BACKEND=tensorflow` for itself before Keras is imported
  (see `keras_ar.cli.main`), whatever the user's environment says.
- `keras-ar models-config saved_models/a saved_models/b --out
  models.config`: TF Serving's `--model_config_file` for those models
  (model name = directory name).
"""

import os

from keras_ar.cli.common import echo

#: The backend `keras-ar export` runs on (read by `keras_ar.cli.main`).
BACKEND = "tensorflow"


def add_commands(sub, add_verbose):
    """Adds the `export` and `models-config` subcommands.

    Args:
        sub: the `keras-ar` subparsers.
        add_verbose: adds the `-v/--verbose` flag to a subparser.
    """
    text = (
        "export a saved .keras model for TF Serving: a new version "
        "BASE/NAME/VERSION with every signature that applies to it"
    )
    command = sub.add_parser("export", help=text, description=text)
    add_arguments(command)
    add_verbose(command)
    command.set_defaults(run=run, keras_backend=BACKEND)
    text = (
        "write TF Serving's --model_config_file for several exported "
        "models (model name = directory name)"
    )
    command = sub.add_parser("models-config", help=text, description=text)
    add_models_config_arguments(command)
    add_verbose(command)
    command.set_defaults(run=run_models_config, imports_keras=False)


def add_arguments(parser):
    parser.add_argument("model_path", help="a .keras file")
    parser.add_argument(
        "--name", required=True, help="served model name (directory name)"
    )
    parser.add_argument(
        "--base",
        default="saved_models",
        help="TF Serving base path: writes BASE/NAME/VERSION",
    )
    parser.add_argument(
        "--version",
        type=int,
        default=None,
        help="version number (default: one more than the highest)",
    )
    parser.add_argument(
        "--max-num-samples",
        type=int,
        default=None,
        help="largest num_samples a sample request may ask for",
    )
    parser.add_argument(
        "--max-length",
        type=int,
        default=None,
        help="largest sample length (variable-length models: WaveNet)",
    )
    parser.add_argument(
        "--max-batch-size",
        type=int,
        default=None,
        help="largest batch a request may send",
    )


def add_models_config_arguments(parser):
    parser.add_argument(
        "model_dirs",
        nargs="+",
        help="model directories (BASE/NAME, holding version directories)",
    )
    parser.add_argument(
        "--out",
        default=None,
        help="file to write (default: print the config)",
    )


def run(args):
    from keras_ar.cli.common import load_model
    from keras_ar.export import export_for_serving
    from keras_ar.export.example_requests import read_limits

    if not os.path.isfile(args.model_path):
        raise ValueError(
            f"Expected a saved .keras model file. Received: {args.model_path}"
        )
    options = {
        "max_num_samples": args.max_num_samples,
        "max_length": args.max_length,
        "max_batch_size": args.max_batch_size,
    }
    options = {k: v for k, v in options.items() if v is not None}
    model = load_model(args.model_path)
    try:
        path = export_for_serving(
            model, args.base, name=args.name, version=args.version, **options
        )
    except FileExistsError as error:
        raise ValueError(str(error)) from None
    echo(f"wrote {path}")
    for line in signature_lines(path):
        echo(line)
    limits = read_limits(path)
    echo("  limits: " + ", ".join(f"{k}={v}" for k, v in limits.items()))
    return 0


def signature_lines(saved_model_dir):
    """One line per signature of a SavedModel: `name: inputs -> outputs`.

    Args:
        saved_model_dir: a directory holding `saved_model.pb`.

    Returns:
        A list of strings, signatures sorted by name (`serving_default`
        included).
    """
    from tensorflow.core.protobuf import saved_model_pb2

    with open(os.path.join(saved_model_dir, "saved_model.pb"), "rb") as f:
        saved_model = saved_model_pb2.SavedModel.FromString(f.read())
    signatures = saved_model.meta_graphs[0].signature_def
    lines = []
    for name in sorted(signatures):
        if name.startswith("__"):  # TF's own init op, not served
            continue
        signature = signatures[name]
        inputs = ", ".join(sorted(signature.inputs))
        outputs = ", ".join(sorted(signature.outputs))
        lines.append(f"  signature {name}: {inputs} -> {outputs}")
    return lines


def run_models_config(args):
    from keras_ar.export.models_config import models_config
    from keras_ar.export.models_config import write_models_config

    models = {}
    for model_dir in args.model_dirs:
        name = os.path.basename(os.path.normpath(model_dir))
        if not os.path.isdir(model_dir):
            raise ValueError(
                "Expected a model directory (BASE/NAME holding version "
                f"directories). Received: {model_dir} (not a directory)"
            )
        if name in models:
            raise ValueError(
                "Expected model directories with different names (the "
                f"name is the served model's). Received {name!r} twice: "
                f"{models[name]} and {model_dir}"
            )
        models[name] = model_dir
    if args.out is None:
        print(models_config(models), end="", flush=True)
        return 0
    path = write_models_config(args.out, models)
    echo(f"wrote {path} ({len(models)} models: {', '.join(models)})")
    return 0
