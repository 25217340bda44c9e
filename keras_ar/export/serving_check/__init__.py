"""Offline TF Serving check: load a SavedModel with TF's C++ loader.

The official `tensorflow_model_server` is not pip-installable. It loads a
model with `tensorflow::LoadSavedModel(..., {"serve"}, ...)` and answers
requests with `Session::Run` on the tensors a SignatureDef names; the
program `load_and_run.cc` next to this file does the same, built with g++
against the headers and `libtensorflow_cc.so.2` shipped in the TensorFlow
wheel. A SavedModel that runs here runs in TF Serving's runtime: no
Python-only ops, no XLA-only endpoints.

Example:

>>> from keras_ar.export import export_for_serving, serving_check
>>> from keras_ar.models import NADE
>>> path = export_for_serving(NADE((4,), hidden_units=8), "saved_models")
>>> binary = serving_check.build_loader("/tmp/keras_ar_loader")
>>> answer = serving_check.run_loader(
...     binary, path,
...     [("sample", {"num_samples": np.int32(2),
...                  "seed": np.array([1, 0], "int32"),
...                  "temperature": np.float32(1.0)})])
>>> answer["results"][0]["outputs"]["samples"].shape
(2, 4)
"""

import hashlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys

import numpy as np

SOURCE = os.path.join(os.path.dirname(__file__), "load_and_run.cc")
_DTYPES = ("float32", "float64", "int32", "int64", "bool")


def tensorflow_dir():
    """The installed `tensorflow` package directory (TF is not imported).

    Returns:
        The directory holding `include/` and `libtensorflow_cc.so.2`.

    Example:

    >>> os.path.isdir(os.path.join(tensorflow_dir(), "include"))
    True
    """
    spec = importlib.util.find_spec("tensorflow")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError(
            "The TF Serving check needs TensorFlow: pip install 'keras-ar[tf]'."
        )
    return list(spec.submodule_search_locations)[0]


def compile_command(output, tf_dir=None):
    """The g++ command line that builds the loader.

    Args:
        output: path of the executable to write.
        tf_dir: the TensorFlow package directory (default: installed one).

    Returns:
        A list of arguments for `subprocess.run`.

    Example:

    >>> compile_command("/tmp/load_and_run")[0]
    'g++'
    """
    tf_dir = tf_dir or tensorflow_dir()
    return [
        "g++",
        "-std=c++17",
        "-O0",
        "-w",
        "-D_GLIBCXX_USE_CXX11_ABI=1",
        "-DEIGEN_MAX_ALIGN_BYTES=64",
        f"-I{os.path.join(tf_dir, 'include')}",
        SOURCE,
        "-o",
        output,
        f"-L{tf_dir}",
        # The session factories register themselves from static
        # initializers of libtensorflow_cc: keep it linked even though no
        # symbol of it is referenced directly.
        "-Wl,--no-as-needed",
        "-l:libtensorflow_cc.so.2",
        "-l:libtensorflow_framework.so.2",
        f"-Wl,-rpath,{tf_dir}",
    ]


def build_loader(workdir):
    """Compiles `load_and_run.cc` once; later calls reuse the binary.

    The binary is cached in `workdir` under a name derived from the hash of
    the source, the compile command and the TensorFlow libraries (path,
    size, modification time), so an edited source or another TensorFlow
    triggers a rebuild.

    Args:
        workdir: directory for the binary (created if needed).

    Returns:
        The path of the executable.

    Example:

    >>> binary = build_loader("/tmp/keras_ar_loader")  # ~15 s the first time
    """
    if shutil.which("g++") is None:
        raise RuntimeError("The TF Serving check needs g++ (apt install g++).")
    tf_dir = tensorflow_dir()
    digest = hashlib.sha256()
    with open(SOURCE, "rb") as f:
        digest.update(f.read())
    digest.update(" ".join(compile_command("", tf_dir)).encode())
    for library in ("libtensorflow_cc.so.2", "libtensorflow_framework.so.2"):
        stat = os.stat(os.path.join(tf_dir, library))
        digest.update(f"{library}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    os.makedirs(workdir, exist_ok=True)
    binary = os.path.join(workdir, f"load_and_run-{digest.hexdigest()[:16]}")
    if os.path.exists(binary):
        return binary
    partial = f"{binary}.{os.getpid()}.tmp"
    result = subprocess.run(
        compile_command(partial, tf_dir), capture_output=True, text=True
    )
    if result.returncode != 0:
        raise RuntimeError(f"Compiling the loader failed:\n{result.stderr}")
    os.replace(partial, binary)
    return binary


def format_requests(requests):
    """Serializes requests for the loader's standard input.

    Args:
        requests: list of `(signature_key, {input name: value})`. NumPy
            values keep their dtype; Python ints and floats (and lists of
            them) become int32 and float32.

    Returns:
        The text to pipe into the loader.

    Example:

    >>> format_requests([("sample", {"num_samples": 2})]).split()
    ['1', 'sample', '1', 'num_samples', 'int32', '0', '2']
    """
    lines = [str(len(requests))]
    for key, inputs in requests:
        lines.append(f"{key} {len(inputs)}")
        for name, value in inputs.items():
            array = _as_array(value)
            tokens = [name, _dtype_name(array.dtype), str(array.ndim)]
            tokens += [str(d) for d in array.shape]
            if array.dtype.kind == "b":
                tokens += [str(int(v)) for v in array.ravel()]
            else:
                tokens += [repr(v) for v in array.ravel().tolist()]
            lines.append(" ".join(tokens))
    return "\n".join(lines) + "\n"


def run_loader(binary, saved_model_dir, requests, timeout=300, repeat=None):
    """Loads a SavedModel with the C++ loader and runs `requests`.

    Args:
        binary: path from `build_loader`.
        saved_model_dir: the SavedModel directory.
        requests: list of `(signature_key, {input name: array-like})`.
        timeout: seconds before the loader is stopped.
        repeat: `None` runs each request once; a positive int runs each
            request once as a warm-up and then `repeat` times (the
            outputs are those of the last run).

    Returns:
        A dict with `"signatures"` (key -> method name, input and output
        dtypes/shapes, `-1` for unknown sizes) and `"results"`: per request
        `{"signature": key, "seconds": [...], "outputs": {name:
        np.ndarray}}` or `{"signature": key, "error": message}`.
        `"seconds"` holds the wall-clock time of each `Session::Run`
        after the warm-up (one value when `repeat` is `None`), without
        the time to parse the request and to write the answer.

    Example:

    >>> from keras_ar.export import export_saved_model
    >>> from keras_ar.models import NADE
    >>> path = export_saved_model(NADE((4,), hidden_units=8), "m",
    ...                           verbose=False)
    >>> binary = build_loader("/tmp/keras_ar_loader")
    >>> x = np.zeros((2, 4), "float32")
    >>> out = run_loader(binary, path, [("serving_default", {"x": x})])
    >>> out["results"][0]["outputs"]["log_prob"].shape
    (2,)
    """
    command = [binary, str(saved_model_dir)]
    if repeat is not None:
        if (
            isinstance(repeat, bool)
            or not isinstance(repeat, int)
            or (repeat < 1)
        ):
            raise ValueError(
                f"`repeat` must be None or a positive int. Received: {repeat!r}"
            )
        command = [binary, "--repeat", str(repeat), str(saved_model_dir)]
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    result = subprocess.run(
        command,
        input=format_requests(requests),
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )
    try:
        answer = json.loads(result.stdout)
    except ValueError:
        raise RuntimeError(
            f"The loader failed (exit code {result.returncode}):\n"
            f"{result.stdout}\n{result.stderr[-4000:]}"
        ) from None
    if "load_error" in answer:
        raise RuntimeError(f"LoadSavedModel failed: {answer['load_error']}")
    for item in answer["results"]:
        for name, tensor in item.get("outputs", {}).items():
            item["outputs"][name] = np.asarray(
                tensor["values"], tensor["dtype"]
            ).reshape(tensor["shape"])
    return answer


def _as_array(value):
    """NumPy values keep their dtype; Python ints/floats (and lists of
    them) become int32/float32, as TF Serving's JSON decoding does."""
    if isinstance(value, (np.ndarray, np.generic)):
        return np.asarray(value)
    array = np.asarray(value)
    if array.dtype.kind in "iu":
        return array.astype("int32")
    if array.dtype.kind == "f":
        return array.astype("float32")
    return array


def _dtype_name(dtype):
    name = np.dtype(dtype).name
    if name not in _DTYPES:
        raise ValueError(
            "The loader takes float32, float64, int32, int64 or bool inputs. "
            f"Received dtype {dtype}."
        )
    return name


if __name__ == "__main__":  # pragma: no cover - manual use
    print(build_loader(sys.argv[1] if len(sys.argv) > 1 else "."))
