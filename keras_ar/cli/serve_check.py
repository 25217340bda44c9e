"""`keras-ar serve-check`: run every signature the way TF Serving would.

Picks the version TF Serving serves (the highest integer directory under
`saved_models/NAME`, or `--version`), loads it with TensorFlow's C++
`LoadSavedModel` (the program `keras_ar.export.serving_check` builds with
g++), runs the example request the export wrote for each signature
(`assets.extra/keras_ar_examples.json`) and prints one table row per
signature: its inputs and outputs (name, shape, dtype), the median time
of `Session::Run` in milliseconds, and `ok` or the error. The exit code
is 1 if a signature fails or has no example request.

This command imports neither Keras nor TensorFlow (only NumPy, json and
subprocess): `keras_ar/export/__init__.py` imports Keras, so the three
Keras-free modules it needs (`serving_check`, `example_requests`,
`serving_layout`) are loaded from their files when `keras_ar.export` is
not imported yet.

Example:

    keras-ar serve-check saved_models/nade
    keras-ar serve-check saved_models/nade --version 1 --repeat 10
"""

import importlib
import importlib.util
import os
import subprocess
import sys

from keras_ar.cli.common import echo

#: SignatureDef keys TensorFlow reserves for the init and train ops; TF
#: Serving does not serve them.
RESERVED_PREFIX = "__saved_model_"


def _default_loader_dir():
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(
        os.path.expanduser("~"), ".cache"
    )
    return os.path.join(base, "keras_ar", "loader")


def add_arguments(parser):
    parser.add_argument(
        "model_dir",
        help=(
            "TF Serving's model directory BASE/NAME (holding integer version "
            "directories), or one SavedModel directory"
        ),
    )
    parser.add_argument(
        "--version",
        type=int,
        default=None,
        help="the version to check (default: the highest, as TF Serving)",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="timed runs of each request after one warm-up run (default 3)",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=300.0,
        help="seconds before the loader is stopped (default 300)",
    )
    parser.add_argument(
        "--loader-dir",
        default=None,
        help=(
            "where the compiled C++ loader is cached (default "
            "~/.cache/keras_ar/loader)"
        ),
    )
    # Checked after parsing: the command imports neither Keras nor TF.
    parser.set_defaults(imports_keras=False)


def version_dir(model_dir, version=None):
    """The SavedModel directory TF Serving would serve.

    Args:
        model_dir: `BASE/NAME`, or a SavedModel directory itself.
        version: a version to pick instead of the highest.

    Returns:
        `(directory, version)`; `version` is None for a plain SavedModel.

    Example:

    >>> for name in ("1", "2"):
    ...     os.makedirs(os.path.join("saved_models", "nade", name),
    ...                 exist_ok=True)
    >>> version_dir("saved_models/nade")
    ('saved_models/nade/2', 2)
    """
    model_dir = str(model_dir)
    if os.path.isfile(os.path.join(model_dir, "saved_model.pb")):
        if version is not None:
            raise ValueError(
                f"{model_dir} is a SavedModel, not a directory of versions: "
                f"drop --version. Received: --version {version}"
            )
        return model_dir, None
    versions = _keras_free_module("serving_layout").existing_versions(model_dir)
    if not versions:
        raise ValueError(
            f"Expected a SavedModel or a directory of integer versions "
            f"(BASE/NAME/1, ...). Received: {model_dir}, which holds "
            f"{'no version' if os.path.isdir(model_dir) else 'nothing'}."
        )
    if version is None:
        version = versions[-1]
    elif version not in versions:
        raise ValueError(
            f"Expected a version in {versions} for {model_dir}. Received: "
            f"--version {version}"
        )
    return os.path.join(model_dir, str(version)), version


def _keras_free_module(name):
    """`keras_ar.export.<name>` (a module importing neither Keras nor
    TensorFlow), loaded from its file when `keras_ar.export`, whose
    `__init__` imports Keras, is not imported yet."""
    full_name = f"keras_ar.export.{name}"
    if "keras_ar.export" in sys.modules:
        return importlib.import_module(full_name)
    package = importlib.util.find_spec("keras_ar").submodule_search_locations
    path = os.path.join(list(package)[0], "export", name)
    path = (
        os.path.join(path, "__init__.py")
        if os.path.isdir(path)
        else (path + ".py")
    )
    if not os.path.isfile(path):
        raise ImportError(f"No module named {full_name!r}", name=full_name)
    spec = importlib.util.spec_from_file_location(
        f"_keras_ar_serve_check_{name}", path
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def read_examples(saved_model_dir):
    """`{signature: {input: np.ndarray}}` from the export's example file
    and the export's limits; `({}, {})` when the SavedModel has none."""
    module = _keras_free_module("example_requests")
    path = os.path.join(saved_model_dir, module.EXAMPLES_PATH)
    if not os.path.isfile(path):
        echo(f"no example requests: {path}")
        return {}, {}
    return (
        module.read_example_requests(saved_model_dir),
        module.read_limits(saved_model_dir),
    )


def plan_requests(signatures, examples):
    """One request per signature of the SavedModel.

    A signature without an example of its own (e.g. `serving_default`)
    takes the example of a signature with the same inputs and outputs.
    TensorFlow's reserved keys (`__saved_model_init_op`) are left out.

    Args:
        signatures: the loader's `"signatures"` answer.
        examples: `{signature: {input: np.ndarray}}`.

    Returns:
        `(plan, extra)`: `plan` lists `(signature, inputs or None, note)`
        in signature order; `extra` lists example keys the SavedModel has
        no signature for.
    """
    signatures = {
        key: value
        for key, value in signatures.items()
        if not key.startswith(RESERVED_PREFIX)
    }
    plan = []
    for key in sorted(signatures):
        if key in examples:
            plan.append((key, examples[key], ""))
            continue
        twins = [
            other
            for other in sorted(examples)
            if signatures.get(other) == signatures[key]
        ]
        if twins:
            plan.append((key, examples[twins[0]], f"example of {twins[0]}"))
        else:
            plan.append((key, None, ""))
    extra = sorted(set(examples) - set(signatures))
    return plan, extra


def _run_all(serving_check, binary, path, requests, args):
    """Results for `requests`, in one loader process; if that process
    dies (a crash, the timeout), each request runs in its own process
    so that the table shows which one failed."""
    try:
        return serving_check.run_loader(
            binary, path, requests, timeout=args.timeout, repeat=args.repeat
        )["results"]
    except (RuntimeError, subprocess.TimeoutExpired):
        if len(requests) < 2:
            return [_crash(key, args) for key, _ in requests]
    return [
        _run_all(serving_check, binary, path, [request], args)[0]
        for request in requests
    ]


def _crash(key, args):
    return {
        "signature": key,
        "error": (
            "the loader process crashed or ran past --timeout "
            f"({args.timeout:g} s) on this request"
        ),
    }


def _describe(values):
    """`name (shape) dtype; ...` of arrays or of the loader's specs."""
    parts = []
    for name in sorted(values):
        value = values[name]
        if isinstance(value, dict):  # a spec from the loader
            shape = value["shape"]
            shape = "?" if shape is None else tuple(shape)
            dtype = value["dtype"]
        else:
            shape, dtype = value.shape, value.dtype
        parts.append(f"{name} {shape} {dtype}")
    return "; ".join(parts)


def _row(key, inputs, note, result, signature):
    if inputs is None:
        return [
            key,
            _describe(signature["inputs"]),
            "",
            "",
            "error: no example request",
        ]
    described = _describe(inputs)
    if note:
        described = f"({note}) {described}"
    if "error" in result:
        status = "error: " + " ".join(str(result["error"]).split())
        return [key, described, "", "", status]
    seconds = sorted(result["seconds"])
    median = seconds[len(seconds) // 2]
    if len(seconds) % 2 == 0:
        median = (median + seconds[len(seconds) // 2 - 1]) / 2
    return [
        key,
        described,
        _describe(result["outputs"]),
        f"{1000 * median:.2f}",
        "ok",
    ]


def format_table(rows):
    """A Markdown table of `rows` (lists of strings) under the header."""
    header = ["signature", "inputs", "outputs", "ms", "status"]
    rows = [[cell.replace("|", "\\|") for cell in row] for row in rows]
    widths = [max(len(r[i]) for r in [header] + rows) for i in range(5)]

    def line(cells):
        padded = (c.ljust(w) for c, w in zip(cells, widths))
        return "| " + " | ".join(padded) + " |"

    lines = [line(header), line(["-" * w for w in widths])]
    return "\n".join(lines + [line(row) for row in rows])


def run(args):
    if args.repeat < 1:
        raise ValueError(
            f"--repeat must be a positive int. Received: {args.repeat}"
        )
    path, version = version_dir(args.model_dir, args.version)
    serving_check = _keras_free_module("serving_check")
    try:
        binary = serving_check.build_loader(
            args.loader_dir or _default_loader_dir()
        )
        signatures = serving_check.run_loader(
            binary, path, [], timeout=args.timeout
        )["signatures"]
    except (RuntimeError, subprocess.TimeoutExpired) as error:
        print(f"keras-ar: error: {error}", file=sys.stderr)
        return 1
    where = path if version is None else f"{path} (version {version})"
    echo(f"TF Serving's C++ loader (LoadSavedModel, tag 'serve'): {where}")
    examples, limits = read_examples(path)
    plan, extra = plan_requests(signatures, examples)
    requests = [(key, inputs) for key, inputs, _ in plan if inputs is not None]
    results = iter(_run_all(serving_check, binary, path, requests, args))
    rows = [
        _row(
            key,
            inputs,
            note,
            None if inputs is None else next(results),
            signatures[key],
        )
        for key, inputs, note in plan
    ]
    for key in extra:
        rows.append(
            [
                key,
                _describe(examples[key]),
                "",
                "",
                "error: the SavedModel has no such signature",
            ]
        )
    if limits:
        echo("limits: " + ", ".join(f"{k}={v}" for k, v in limits.items()))
    echo(format_table(rows))
    failed = sum(row[-1] != "ok" for row in rows)
    echo(
        f"{len(rows) - failed} of {len(rows)} signatures ok; median of "
        f"{args.repeat} timed run(s) after one warm-up"
    )
    return 1 if failed else 0
