"""`keras-ar compress` and `keras-ar decompress`: lossless coding of PNG,
WAV and text files with a trained model."""

from keras_ar.cli.common import echo
from keras_ar.cli.common import load_model


def add_commands(sub, add_verbose):
    """Adds the `compress` and `decompress` subcommands.

    Args:
        sub: the `keras-ar` subparsers.
        add_verbose: adds the `-v/--verbose` flag to a subparser.
    """
    text = (
        "losslessly compress a PNG image, a WAV file or a text file (bytes, "
        "with a WaveNet trained on text) with a trained model (ANS coding "
        "of the model's probabilities)"
    )
    command = sub.add_parser("compress", help=text, description=text)
    _add_paths(
        command, "a .png, .wav or text file", "the compressed file"
    )
    command.add_argument(
        "--mu-law",
        action="store_true",
        help=(
            "code the mu-law codes of a WAV's audio (MuLawCategorical "
            "models; the mu-law conversion itself is lossy)"
        ),
    )
    add_verbose(command)
    command.set_defaults(run=run_compress)
    text = "decode a file from `keras-ar compress` with the same model"
    command = sub.add_parser("decompress", help=text, description=text)
    _add_paths(
        command, "a file from keras-ar compress", "the .png, .wav or text"
    )
    add_verbose(command)
    command.set_defaults(run=run_decompress)


def _add_paths(parser, input_help, output_help):
    parser.add_argument("model_path", help="a .keras file")
    parser.add_argument("input", help=input_help)
    parser.add_argument("output", help=output_help)


def _check_input(path):
    import os

    if not os.path.isfile(path):
        raise SystemExit(f"keras-ar: no such file: {path}")


def run_compress(args):
    from keras_ar.compression.files import compress_file

    _check_input(args.input)
    model = load_model(args.model_path)
    stats = compress_file(
        model, args.input, args.output, mu_law=args.mu_law, progress=True
    )
    echo(
        f"{args.input}: {stats['input_bytes']} bytes -> {args.output}: "
        f"{stats['compressed_bytes']} bytes "
        f"({stats['bits_per_value']:.4f} bits per value, "
        f"{stats['values']} values)"
    )
    return 0


def run_decompress(args):
    from keras_ar.compression.files import decompress_file

    _check_input(args.input)
    model = load_model(args.model_path)
    stats = decompress_file(model, args.input, args.output, progress=True)
    echo(f"{args.input} -> {args.output} ({stats['kind']})")
    return 0
