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
