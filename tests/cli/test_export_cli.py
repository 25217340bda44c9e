"""`keras-ar export` and `keras-ar models-config`."""

import contextlib
import io
import os
import sys

import numpy as np
import pytest
import tensorflow as tf
from bounded_process import run_bounded
from google.protobuf import text_format
from tensorflow_serving.config import model_server_config_pb2

from keras_ar import cli
from keras_ar.export.example_requests import read_limits
from keras_ar.models import NADE

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(__file__)))
PYTHONPATH = os.pathsep.join(
    p for p in (ROOT, os.environ.get("PYTHONPATH")) if p
)
TIMEOUT = 300
X = np.array([[0, 1, 1, 0], [1, 1, 0, 0], [0, 0, 0, 1]], "float32")

# Saves a NADE trained one step on the JAX backend, and its log_prob of X.
_SAVE_ON_JAX = """
import sys
import numpy as np
import keras
assert keras.backend.backend() == "jax", keras.backend.backend()
from keras_ar.models import NADE
x = np.array({x}, "float32")
model = NADE((4,), hidden_units=4)
model.compile(optimizer="adam")
model.fit(np.tile(x, (4, 1)), epochs=1, batch_size=4, verbose=0)
model.save(sys.argv[1])
np.save(sys.argv[2], np.asarray(model.log_prob(x)))
"""


def _main(*argv):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(list(argv))
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """A tiny NADE saved as .keras, with its log_prob of X."""
    model = NADE((4,), hidden_units=4)
    rng = np.random.default_rng(0)
    for w in model.weights:
        w.assign(rng.normal(0, 0.7, w.shape).astype("float32"))
    path = str(tmp_path_factory.mktemp("keras") / "nade.keras")
    model.save(path)
    return path, np.asarray(model.log_prob(X))


def _log_prob(version_dir):
    serve = tf.saved_model.load(version_dir).signatures["log_prob"]
    return serve(x=tf.constant(X))["log_prob"].numpy()


@pytest.mark.parametrize("command", ["export", "models-config"])
def test_help_imports_neither_keras_nor_tensorflow(command):
    probe = (
        "import sys, keras_ar_launcher\n"
        "try:\n"
        f"    keras_ar_launcher.main([{command!r}, '--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(sorted(m for m in sys.modules\n"
        "             if m.split('.')[0] in ('keras', 'tensorflow', 'jax')))"
    )
    code, output, err = run_bounded(
        [sys.executable, "-c", probe],
        TIMEOUT,
        env={**os.environ, "PYTHONPATH": PYTHONPATH},
        cwd=ROOT,
    )
    assert code == 0, err
    assert f"usage: keras-ar {command}" in output
    assert output.splitlines()[-1] == "[]"


def test_export_writes_versions_1_then_2(saved, tmp_path):
    path, log_prob = saved
    base = str(tmp_path / "saved_models")
    code, printed, err = _main("export", path, "--name", "nade", "--base", base)
    assert code == 0, err
    first = os.path.join(base, "nade", "1")
    lines = printed.splitlines()
    assert lines[0] == f"wrote {first}"
    assert "  signature log_prob: x -> bits_per_dim, log_prob" in lines
    assert "  signature serving_default: x -> bits_per_dim, log_prob" in lines
    assert any(line.startswith("  signature sample: ") for line in lines)
    # TF's own init op is not a served signature.
    assert not any("__saved_model_init_op" in line for line in lines)
    assert lines[-1] == (
        "  limits: max_num_samples=256, max_batch_size=4096, max_length=None"
    )
    assert os.path.isfile(os.path.join(first, "saved_model.pb"))
    np.testing.assert_allclose(_log_prob(first), log_prob, rtol=1e-5)

    code, printed, err = _main(
        "export", path, "--name", "nade", "--base", base,
        "--max-num-samples", "8", "--max-batch-size", "16",
    )  # fmt: skip
    assert code == 0, err
    second = os.path.join(base, "nade", "2")
    assert printed.splitlines()[0] == f"wrote {second}"
    assert printed.splitlines()[-1] == (
        "  limits: max_num_samples=8, max_batch_size=16, max_length=None"
    )
    limits = read_limits(second)
    assert limits["max_num_samples"] == 8
    assert limits["max_batch_size"] == 16
    assert sorted(os.listdir(os.path.join(base, "nade"))) == ["1", "2"]


def test_export_version_clash_and_bad_paths(saved, tmp_path):
    path, _ = saved
    base = str(tmp_path / "saved_models")
    argv = ["export", path, "--name", "nade", "--base", base]
    assert _main(*argv, "--version", "3")[0] == 0
    assert os.path.isdir(os.path.join(base, "nade", "3"))
    code, printed, err = _main(*argv, "--version", "3")
    assert code == 2
    assert "Version 3 of model 'nade' already exists" in err
    assert not printed
    assert sorted(os.listdir(os.path.join(base, "nade"))) == ["3"]

    code, _, err = _main("export", str(tmp_path / "nope.keras"), "--name", "a")
    assert code == 2
    assert "Expected a saved .keras model file" in err
    assert "nope.keras" in err
    code, _, err = _main(*argv[:2], "--name", "a/b", "--base", base)
    assert code == 2
    assert "`name` must be a plain directory name" in err


def test_models_config_command(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name in ("a", "b"):
        os.makedirs(os.path.join("saved_models", name, "1"))
    code, printed, err = _main(
        "models-config", "saved_models/a", "saved_models/b/",
        "--out", "models.config",
    )  # fmt: skip
    assert code == 0, err
    assert printed == "wrote models.config (2 models: a, b)\n"
    with open("models.config") as f:
        config = text_format.Parse(
            f.read(), model_server_config_pb2.ModelServerConfig()
        )
    found = {c.name: c.base_path for c in config.model_config_list.config}
    assert found == {
        "a": str(tmp_path / "saved_models" / "a"),
        "b": str(tmp_path / "saved_models" / "b"),
    }
    code, printed, _ = _main("models-config", "saved_models/a")
    assert code == 0
    assert 'name: "a"' in printed and printed.startswith("model_config_list")
    code, _, err = _main("models-config", "saved_models/a", "other/a")
    assert code == 2
    assert "Expected a model directory" in err and "other/a" in err
    os.makedirs("other/a")
    code, _, err = _main("models-config", "saved_models/a", "other/a")
    assert code == 2
    assert "Received 'a' twice" in err


def test_export_under_keras_backend_jax(tmp_path):
    """A .keras trained on JAX exports from a shell whose KERAS_BACKEND is
    jax; the SavedModel gives the JAX model's log_prob."""
    model_path = str(tmp_path / "jax.keras")
    expected_path = str(tmp_path / "log_prob.npy")
    env = {**os.environ, "KERAS_BACKEND": "jax", "PYTHONPATH": PYTHONPATH}
    code, output, _ = run_bounded(
        [
            sys.executable,
            "-c",
            _SAVE_ON_JAX.format(x=X.tolist()),
            model_path,
            expected_path,
        ],
        TIMEOUT,
        env=env,
        cwd=ROOT,
        merge_output=True,
    )
    assert code == 0, output[-4000:]
    base = str(tmp_path / "saved_models")
    command = [
        sys.executable, "-m", "keras_ar_launcher", "export", model_path,
        "--name", "jax_nade", "--base", base,
    ]  # fmt: skip
    code, output, _ = run_bounded(
        command, TIMEOUT, env=env, cwd=ROOT, merge_output=True
    )
    assert code == 0, output[-4000:]
    version_dir = os.path.join(base, "jax_nade", "1")
    assert f"wrote {version_dir}" in output.splitlines()
    np.testing.assert_allclose(
        _log_prob(version_dir), np.load(expected_path), rtol=1e-5
    )
