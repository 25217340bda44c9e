"""Shared fixtures: two tiny models, their SavedModels, and the answers of
those SavedModels in a process where keras and keras_ar cannot be imported.
"""

import os
import pickle
import subprocess
import sys

import numpy as np
import pytest

from keras_ar.export import export_saved_model
from keras_ar.models import PixelCNN

RUNNER = os.path.join(os.path.dirname(__file__), "load_without_keras.py")
SEED = 7


def randomize(model, scale=0.7, seed=0):
    """Random weights, so that every position and the condition matter."""
    rng = np.random.default_rng(seed)
    for w in model.weights:
        w.assign(rng.normal(0, scale, w.shape).astype("float32"))


def make_models():
    # first_kernel_size=3 makes the receptive field 2 rows, so sampling
    # takes PixelCNN's cropped fast path (3 of the 4 rows) with a dynamic
    # batch size.
    binary = PixelCNN(
        (4, 4, 1),
        head="bernoulli",
        filters=4,
        num_residual_blocks=1,
        output_filters=8,
        first_kernel_size=3,
    )
    categorical = PixelCNN(
        (3, 3, 3),
        head=4,
        filters=3,
        num_residual_blocks=1,
        output_filters=6,
        condition_classes=2,
    )
    randomize(binary, seed=1)
    randomize(categorical, seed=2)
    return {"binary": binary, "categorical": categorical}


def make_requests(model):
    """Labelled requests `(signature, inputs)` and the expected answers."""
    rng = np.random.default_rng(0)
    high = model.head.num_values
    x = rng.integers(0, high, (5,) + model.event_shape).astype("float32")
    known = np.zeros(x.shape, bool)
    known[:, : model.event_shape[0] // 2] = True
    known[:, -1, -1] = True
    x_unknown_nan = np.where(known, x, np.nan).astype("float32")
    seed = np.array([SEED, 0], "int32")
    n = 4
    cond = {}
    cond_n = {}
    if model.is_conditional:
        cond = {"condition": np.array([0, 1, 1, 0, 1], "int32")}
        cond_n = {"condition": np.array([1, 0, 1, 1], "int32")}

    def sample(n=n, seed=seed, temperature=1.0, **extra):
        inputs = {
            "num_samples": np.int32(n),
            "seed": np.asarray(seed, "int32"),
            "temperature": np.float32(temperature),
        }
        inputs.update(cond_n)
        inputs.update(extra)
        return ("sample", inputs)

    bad_x = x.copy()
    bad_x[0, 0, 0, 0] = high
    requests = {
        "default": ("serving_default", {"x": x, **cond}),
        "log_prob": ("log_prob", {"x": x, **cond}),
        "bad_x": ("log_prob", {"x": bad_x, **cond}),
        "sample": sample(),
        "sample_again": sample(),
        "sample_other_seed": sample(seed=[SEED + 1, 0]),
        "sample_cold": sample(temperature=0.5),
        "bad_num_samples": sample(n=0, **{k: v[:0] for k, v in cond.items()}),
        "bad_temperature": sample(temperature=0.0),
        "complete": (
            "complete",
            {
                "x": x_unknown_nan,
                "known_mask": known,
                "seed": seed,
                "temperature": np.float32(1.0),
                **cond,
            },
        ),
    }
    mask_size = dict(requests["complete"][1], known_mask=known[:2])
    requests["mask_size"] = ("complete", mask_size)
    if model.is_conditional:
        requests["bad_condition"] = sample(
            condition=np.array([0, 1, 2, 0], "int32")
        )
        requests["condition_size"] = sample(condition=np.array([0, 1], "int32"))
    data = {
        "x": x,
        "known": known,
        "n": n,
        "condition": cond.get("condition"),
        "condition_n": cond_n.get("condition"),
    }
    return requests, data


@pytest.fixture(scope="session")
def models():
    return make_models()


@pytest.fixture
def fresh_models():
    """Builds new copies of the tiny models (for tests that change them)."""
    return make_models


@pytest.fixture(scope="session")
def exported(models, tmp_path_factory):
    """SavedModel directories: `model.export` and `export_saved_model`."""
    root = tmp_path_factory.mktemp("exported")
    paths = {
        "binary": models["binary"].export(str(root / "binary"), verbose=False),
        "categorical": export_saved_model(
            models["categorical"], root / "categorical", verbose=False
        ),
    }
    return paths


def run_without_keras(saved_model_dir, requests, workdir):
    """Runs `requests` on a SavedModel in a keras-free subprocess."""
    requests_path = os.path.join(workdir, "requests.pkl")
    out_path = os.path.join(workdir, "out.pkl")
    with open(requests_path, "wb") as f:
        pickle.dump(list(requests.values()), f)
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    result = subprocess.run(
        [sys.executable, RUNNER, saved_model_dir, requests_path, out_path],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    with open(out_path, "rb") as f:
        out = pickle.load(f)
    out["results"] = dict(zip(requests, out["results"]))
    return out


@pytest.fixture(scope="session")
def standalone(models, exported, tmp_path_factory):
    """Per model: requests, model-side inputs and keras-free answers."""
    answers = {}
    for name, model in models.items():
        requests, data = make_requests(model)
        workdir = str(tmp_path_factory.mktemp(f"standalone_{name}"))
        out = run_without_keras(exported[name], requests, workdir)
        answers[name] = {"requests": requests, "data": data, **out}
    return answers


# ----------------------------------------------------------------------
# One tiny model of every type, exported once, and a runner that sends
# requests to their SavedModels through all three loaders (used by
# test_every_loader.py and test_bad_requests.py).
# ----------------------------------------------------------------------
LOADERS = ("saved_model", "tf1", "cpp")


def make_zoo():
    """One tiny model per type, with random weights; some with a fitted
    anomaly threshold (so their export has `is_anomaly`)."""
    from keras_ar.heads import DiscretizedLogisticMixture
    from keras_ar.models import MADE
    from keras_ar.models import NADE
    from keras_ar.models import GatedPixelCNN
    from keras_ar.models import PixelRNN
    from keras_ar.models import WaveNet

    zoo = {
        "pixelcnn": PixelCNN(
            (4, 4, 1),
            head=4,
            filters=4,
            num_residual_blocks=1,
            output_filters=8,
            first_kernel_size=3,
            condition_classes=3,
        ),
        "gated": GatedPixelCNN(
            (3, 3, 1),
            head="bernoulli",
            filters=4,
            num_layers=2,
            output_filters=8,
            first_kernel_size=3,
        ),
        "pixelrnn": PixelRNN(
            (3, 3, 1),
            head="bernoulli",
            cell="row",
            hidden_units=4,
            num_layers=1,
            output_filters=8,
            first_kernel_size=3,
        ),
        "wavenet": WaveNet(
            (12, 1),
            head=DiscretizedLogisticMixture(2, num_values=16),
            residual_channels=4,
            skip_channels=4,
            num_stacks=1,
            layers_per_stack=3,
            condition_classes=3,
            local_condition_channels=2,
            local_upsample_factor=4,
        ),
        # A continuous head, in natural order (so it has `forecast`).
        "made": MADE((6,), head="gaussian", hidden_units=(8,)),
        "nade": NADE((5,), head="bernoulli", hidden_units=4),
    }
    rng = np.random.default_rng(0)
    for model in zoo.values():
        if not model.built:
            model.build()
        # The backbone only: a standardized head keeps its unit scale.
        for w in model.backbone.weights:
            w.assign(rng.normal(0, 0.7, w.shape).astype("float32"))
    for name in ("gated", "wavenet", "made"):
        model = zoo[name]
        x = zoo_events(model, 16, rng)
        condition = zoo_condition(model, 16, model.event_shape[0], rng) or None
        model.fit_anomaly_threshold(x, quantile=0.5, condition=condition)
    return zoo


def zoo_events(model, batch, rng, length=None):
    """Valid events for `model`: ints below `num_values`, or normals."""
    shape = tuple(model.event_shape)
    if length is not None:
        shape = (length,) + shape[1:]
    if model.head.is_discrete:
        x = rng.integers(0, model.head.num_values, (batch,) + shape)
    else:
        x = rng.normal(size=(batch,) + shape)
    return x.astype("float32")


def zoo_condition(model, batch, length, rng):
    """The condition inputs of a request, by input name (empty for
    unconditional models); local features cover `length` steps."""
    condition = {}
    for part in model.condition_spec.parts:
        if part.name == "condition":
            classes = model.condition_spec.part("condition").num_classes
            condition["condition"] = rng.integers(0, classes, batch).astype(
                "int32"
            )
        else:
            factor = part.upsample_factor
            frames = -(-length // factor)
            condition[part.name] = rng.normal(
                size=(batch, frames, part.channels)
            ).astype("float32")
    return condition


@pytest.fixture(scope="session")
def zoo():
    return make_zoo()


@pytest.fixture(scope="session")
def zoo_inputs():
    """The request helpers (`events`, `condition`) and `LOADERS`, for test
    modules (which cannot import this conftest)."""
    import types

    return types.SimpleNamespace(
        events=zoo_events, condition=zoo_condition, loaders=LOADERS
    )


@pytest.fixture(scope="session")
def zoo_exports(zoo, tmp_path_factory):
    """The zoo's SavedModel directories, exported once per session."""
    root = tmp_path_factory.mktemp("zoo")
    return {
        name: export_saved_model(model, root / name, verbose=False)
        for name, model in zoo.items()
    }


@pytest.fixture(scope="session")
def cpp_binary(request, tmp_path_factory):
    """TF Serving's loader (`serving_check`), compiled once (~20 s) and
    cached across runs in .pytest_cache."""
    from keras_ar.export import serving_check

    cache = getattr(request.config, "cache", None)
    if cache is not None:
        workdir = cache.mkdir("keras_ar_serving_check")
    else:
        workdir = tmp_path_factory.mktemp("serving_check")
    return serving_check.build_loader(str(workdir))


def run_every_loader(jobs, workdir, binary, timeout=300):
    """Runs `jobs` through the three loaders, in three concurrent
    keras-free processes (`load_without_keras.py --loader ...`).

    Args:
        jobs: list of `(saved_model_dir, [(signature, inputs), ...])`.
        workdir: directory for the request and answer files.
        binary: the C++ loader (`cpp_binary`).
        timeout: seconds before the processes are killed.

    Returns:
        `{loader: answer}`, each answer as written by the runner, with
        `"wall_seconds"` (the process's run time) and `"stderr"` added.
    """
    import time

    jobs_path = os.path.join(workdir, "jobs.pkl")
    with open(jobs_path, "wb") as f:
        pickle.dump([(str(d), list(r)) for d, r in jobs], f)
    # Log level 1 keeps TensorFlow's warnings, e.g. "ran out of memory".
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="1")
    processes = {}
    try:
        for loader in LOADERS:
            command = [sys.executable, RUNNER, "--loader", loader]
            if loader == "cpp":
                command += ["--binary", binary]
            out_path = os.path.join(workdir, f"{loader}.pkl")
            processes[loader] = (
                subprocess.Popen(
                    command + [jobs_path, out_path],
                    env=env,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                ),
                out_path,
                time.perf_counter(),
            )
        answers = {}
        for loader, (process, out_path, start) in processes.items():
            _, stderr = process.communicate(timeout=timeout)
            assert process.returncode == 0, f"{loader}:\n{stderr[-4000:]}"
            with open(out_path, "rb") as f:
                answers[loader] = pickle.load(f)
            answers[loader]["wall_seconds"] = time.perf_counter() - start
            answers[loader]["stderr"] = stderr
        return answers
    finally:
        for process, _, _ in processes.values():
            if process.poll() is None:
                process.kill()
                process.communicate()


@pytest.fixture(scope="session")
def loader_answers(
    request, tmp_path_factory, zoo, zoo_exports, zoo_inputs, cpp_binary
):
    """Every collected module's requests, answered by the three loaders in
    ONE round (three processes, each loading every SavedModel once).

    A test module takes part by defining `loader_requests(zoo, exports,
    helpers)` -> `{model name: [(label, signature, inputs), ...]}`;
    `helpers` is the `zoo_inputs` fixture. Requests run per model in
    module order, then in list order.

    Returns:
        `{"processes": {loader: the runner's process-wide answer},
        module name: {model name: {"requests": [...], "signatures":
        {loader: ...}, "results": {loader: {label: result}}}}}`.
    """
    modules = []
    for item in request.session.items:
        module = getattr(item, "module", None)
        if hasattr(module, "loader_requests") and module not in modules:
            modules.append(module)
    requests = {
        module.__name__: module.loader_requests(zoo, zoo_exports, zoo_inputs)
        for module in modules
    }
    names = [name for name in zoo if any(name in r for r in requests.values())]
    jobs = []
    for name in names:
        job = []
        for per_model in requests.values():
            job += [(sig, inputs) for _, sig, inputs in per_model.get(name, [])]
        jobs.append((zoo_exports[name], job))
    workdir = tmp_path_factory.mktemp("loaders")
    out = run_every_loader(jobs, str(workdir), cpp_binary)
    answers = {"processes": out}
    for i, name in enumerate(names):
        start = 0
        for module_name, per_module in requests.items():
            own = per_module.get(name, [])
            labels = [label for label, _, _ in own]
            answers.setdefault(module_name, {})[name] = {
                "requests": own,
                "signatures": {
                    loader: out[loader]["jobs"][i]["signatures"]
                    for loader in LOADERS
                },
                "results": {
                    loader: dict(
                        zip(
                            labels,
                            out[loader]["jobs"][i]["results"][
                                start : start + len(own)
                            ],
                        )
                    )
                    for loader in LOADERS
                },
            }
            start += len(own)
    return answers
