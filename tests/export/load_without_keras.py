"""Runs SavedModel signatures with TensorFlow alone (used as a subprocess).

Usage:

    python load_without_keras.py SAVED_MODEL_DIR REQUESTS.pkl OUT.pkl
    python load_without_keras.py --loader LOADER [--binary PATH]
        JOBS.pkl OUT.pkl

`keras`, `keras_ar` and `tf_keras` cannot be imported here: every meta
path finder is wrapped, before TensorFlow is imported, so that it cannot
find them. This is the situation of a serving machine that has TensorFlow
but not keras_ar.

REQUESTS.pkl holds a list of `(signature_key, {input name: np.ndarray})`;
OUT.pkl receives the signatures' specs, each request's outputs (or error
`"TypeName: message"`), the blocked import attempts and the keras-like
modules that got loaded.

With `--loader`, JOBS.pkl holds a list of `(saved_model_dir, requests)`
and OUT.pkl receives `{"jobs": [one answer per job], ...}` plus the
process-wide fields. LOADER is one of:

- `saved_model`: `tf.saved_model.load`, then the signature functions
  (the first form uses this loader);
- `tf1`: a `tf.compat.v1.Session` and `tf.compat.v1.saved_model.loader
  .load(sess, ["serve"], dir)`; a request feeds the SignatureDef's input
  tensor names and fetches its output tensor names, as TF Serving does;
- `cpp`: TF Serving's C++ `LoadSavedModel` program (`--binary`, built by
  `keras_ar.export.serving_check.build_loader`), one process per job;
  `serving_check` is loaded from its file, without importing keras_ar.

SignatureDef keys starting with `__` (`__saved_model_init_op`, no
signature) are left out. Every answer records `seconds` per request and
the memory high-water mark:
`rss_kb` per request (VmHWM of this process after the request; for `cpp`
the largest `ru_maxrss` of the loader processes so far).
"""

import importlib.abc
import importlib.util
import os
import pickle
import resource
import sys
import tempfile
import time

BLOCKED = ("keras", "keras_ar", "tf_keras")
#: Address-space cap of this process and the C++ loaders it starts: a
#: request that tries to allocate beyond it fails (TensorFlow logs "ran
#: out of memory") instead of taking the machine down.
MEMORY_CAP_BYTES = 4 << 30
LOADERS = ("saved_model", "tf1", "cpp")
SERVING_CHECK = os.path.join(
    os.path.dirname(os.path.abspath(__file__)),
    os.pardir,
    os.pardir,
    "keras_ar",
    "export",
    "serving_check",
    "__init__.py",
)
attempts = []


class HideKeras(importlib.abc.MetaPathFinder):
    """Wraps a meta path finder so that it cannot find keras and keras_ar.

    With every finder wrapped, `import keras` raises ModuleNotFoundError and
    `importlib.util.find_spec("keras")` is None: exactly what a machine
    without keras looks like (TensorFlow probes for keras that way).
    """

    def __init__(self, finder):
        self.finder = finder

    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            attempts.append(name)
            return None
        find_spec = getattr(self.finder, "find_spec", None)
        return None if find_spec is None else find_spec(name, path, target)

    def __getattr__(self, name):
        return getattr(self.finder, name)


def hide_keras():
    sys.meta_path[:] = [HideKeras(finder) for finder in sys.meta_path]


def keras_is_importable():
    try:
        import keras  # noqa: F401
    except ImportError:
        return False
    return True


def peak_rss_kb():
    """This process's memory high-water mark (VmHWM), in KiB."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _error(error):
    return {"error": f"{type(error).__name__}: {error}"}


def _spec(spec):
    """`(shape or None for an unknown rank, dtype name)` of a TensorSpec."""
    shape = None if spec.shape.rank is None else tuple(spec.shape.as_list())
    return (shape, spec.dtype.name)


def run_saved_model(tf, saved_model_dir, requests):
    loaded = tf.saved_model.load(saved_model_dir)
    signatures = {}
    for key, fn in loaded.signatures.items():
        inputs = fn.structured_input_signature[1]
        outputs = fn.structured_outputs
        signatures[key] = {
            "inputs": {k: _spec(s) for k, s in inputs.items()},
            "outputs": {k: _spec(s) for k, s in outputs.items()},
        }

    def run(key, inputs):
        fn = loaded.signatures[key]
        outputs = fn(**{k: tf.constant(v) for k, v in inputs.items()})
        return {k: v.numpy() for k, v in outputs.items()}

    return signatures, _timed(run, requests)


def run_tf1(tf, saved_model_dir, requests):
    graph = tf.Graph()
    session = tf.compat.v1.Session(graph=graph)
    with graph.as_default():
        meta_graph = tf.compat.v1.saved_model.loader.load(
            session, ["serve"], saved_model_dir
        )
    defs = meta_graph.signature_def

    def info_spec(info):
        dtype = tf.dtypes.as_dtype(info.dtype).name
        if info.tensor_shape.unknown_rank:
            return (None, dtype)
        shape = tuple(
            None if d.size < 0 else d.size for d in info.tensor_shape.dim
        )
        return (shape, dtype)

    signatures = {
        key: {
            "inputs": {k: info_spec(v) for k, v in d.inputs.items()},
            "outputs": {k: info_spec(v) for k, v in d.outputs.items()},
        }
        for key, d in defs.items()
        if not key.startswith("__")  # __saved_model_init_op
    }

    def run(key, inputs):
        signature = defs[key]
        feed = {signature.inputs[k].name: v for k, v in inputs.items()}
        fetch = {k: v.name for k, v in signature.outputs.items()}
        return session.run(fetch, feed)

    try:
        return signatures, _timed(run, requests)
    finally:
        session.close()


def _timed(run, requests):
    results = []
    for key, inputs in requests:
        start = time.perf_counter()
        try:
            result = run(key, inputs)
        except Exception as error:  # noqa: BLE001 - reported to the test
            result = _error(error)
        result["seconds"] = time.perf_counter() - start
        result["rss_kb"] = peak_rss_kb()
        results.append(result)
    return results


def run_cpp(binary, saved_model_dir, requests):
    spec = importlib.util.spec_from_file_location(
        "serving_check_file", SERVING_CHECK
    )
    serving_check = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(serving_check)
    # A request the C++ client cannot encode (float64) is answered here
    # with the client's ValueError; the others go to the loader.
    unsent = {}
    for i, request in enumerate(requests):
        try:
            serving_check.format_requests([request])
        except ValueError as error:
            unsent[i] = _error(error)
    sent = [r for i, r in enumerate(requests) if i not in unsent]
    with tempfile.TemporaryDirectory() as workdir:
        wrapper, log = _logging_wrapper(os.path.abspath(binary), workdir)
        answer = serving_check.run_loader(wrapper, saved_model_dir, sent)
        if os.path.exists(log):  # the loader's warnings, for the test
            with open(log) as f:
                sys.stderr.write(f.read())
    rss_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    answered = iter(answer["results"])
    answer["results"] = [
        unsent[i] if i in unsent else next(answered)
        for i in range(len(requests))
    ]

    def info_spec(info):
        shape = info["shape"]
        if shape is None:
            return (None, info["dtype"])
        return (tuple(None if d < 0 else d for d in shape), info["dtype"])

    signatures = {
        key: {
            "method_name": d["method_name"],
            "inputs": {k: info_spec(v) for k, v in d["inputs"].items()},
            "outputs": {k: info_spec(v) for k, v in d["outputs"].items()},
        }
        for key, d in answer["signatures"].items()
        if not key.startswith("__")  # __saved_model_init_op
    }
    results = []
    for item in answer["results"]:
        if "error" in item:
            result = {"error": item["error"]}
        else:
            result = dict(item["outputs"])
        # The loader times successful runs only: NaN for errors.
        seconds = item.get("seconds") or [float("nan")]
        result["seconds"] = float(seconds[-1])
        result["rss_kb"] = rss_kb
        results.append(result)
    return signatures, results


def _logging_wrapper(binary, workdir):
    """A script in `workdir` that runs `binary` with its warnings
    (TensorFlow's log level 1, e.g. "ran out of memory") appended to
    `workdir/cpp.log`: `run_loader` keeps the loader's stderr only when
    it fails. Returns `(script, log)`."""
    wrapper = os.path.join(workdir, "load_and_run.sh")
    log = os.path.join(workdir, "cpp.log")
    with open(wrapper, "w") as f:
        f.write(
            "#!/bin/sh\n"
            f'TF_CPP_MIN_LOG_LEVEL=1 exec "{binary}" "$@" 2>>"{log}"\n'
        )
    os.chmod(wrapper, 0o755)
    return wrapper, log


def run_jobs(loader, jobs, binary=None):
    if loader == "cpp":
        tf = None
    else:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        import tensorflow as tf
    answers = []
    for saved_model_dir, requests in jobs:
        start = time.perf_counter()
        rss_before = peak_rss_kb()
        if loader == "saved_model":
            signatures, results = run_saved_model(tf, saved_model_dir, requests)
        elif loader == "tf1":
            signatures, results = run_tf1(tf, saved_model_dir, requests)
        else:
            signatures, results = run_cpp(binary, saved_model_dir, requests)
        answers.append(
            {
                "signatures": signatures,
                "results": results,
                "rss_kb_before": rss_before,
                "seconds": time.perf_counter() - start,
            }
        )
    return answers


def process_fields():
    loaded_modules = sorted(
        m for m in sys.modules if m.split(".")[0] in BLOCKED
    )
    return {
        "blocked_attempts": attempts,
        "loaded_modules": loaded_modules,
        "keras_importable": keras_is_importable(),
        "peak_rss_kb": peak_rss_kb(),
    }


def main(argv):
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP_BYTES,) * 2)
    hide_keras()
    assert not keras_is_importable()
    if argv[0] != "--loader":
        saved_model_dir, requests_path, out_path = argv[:3]
        with open(requests_path, "rb") as f:
            requests = pickle.load(f)
        (answer,) = run_jobs("saved_model", [(saved_model_dir, requests)])
        for result in answer["results"]:
            result.pop("seconds")
            result.pop("rss_kb")
        out = {
            "signatures": answer["signatures"],
            "results": answer["results"],
        }
    else:
        loader = argv[1]
        if loader not in LOADERS:
            raise SystemExit(f"--loader must be one of {LOADERS}: {loader}")
        binary = None
        if argv[2] == "--binary":
            binary, argv = argv[3], argv[4:]
        else:
            argv = argv[2:]
        jobs_path, out_path = argv[:2]
        with open(jobs_path, "rb") as f:
            jobs = pickle.load(f)
        out = {"jobs": run_jobs(loader, jobs, binary), "loader": loader}
    out.update(process_fields())
    with open(out_path, "wb") as f:
        pickle.dump(out, f)


if __name__ == "__main__":
    main(sys.argv[1:])
