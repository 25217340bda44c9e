"""`keras-ar serve-check`: every signature through TF Serving's C++ loader."""

import contextlib
import io
import json
import os
import shutil
import subprocess
import sys

import pytest

from keras_ar import cli
from keras_ar.cli import serve_check
from keras_ar.export import export_for_serving
from keras_ar.export import serving_check
from keras_ar.models import NADE
from keras_ar.models import PixelCNN

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(__file__)))
EXAMPLES = os.path.join("assets.extra", "keras_ar_examples.json")


@pytest.fixture(scope="module")
def loader_dir(request, tmp_path_factory):
    # The binary test_serving_check.py caches (compiling takes ~15 s).
    cache = getattr(request.config, "cache", None)
    if cache is not None:
        return str(cache.mkdir("keras_ar_serving_check"))
    return str(tmp_path_factory.mktemp("serving_check"))


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """`saved_models/` with a tiny NADE (versions 1 and 2, plus a
    directory TF Serving ignores) and a tiny conditional PixelCNN."""
    base = tmp_path_factory.mktemp("saved_models")
    nade = NADE((4,), head="bernoulli", hidden_units=3)
    first = export_for_serving(nade, base, name="nade")
    # A second version, the one TF Serving would serve ("10" > "9" > "2"
    # as numbers; "notes" is not a version).
    for version in ("2", "10"):
        shutil.copytree(first, os.path.join(base, "nade", version))
    os.makedirs(os.path.join(base, "nade", "notes"))
    pixelcnn = PixelCNN(
        (3, 3, 1),
        head=3,
        filters=2,
        num_residual_blocks=1,
        output_filters=4,
        condition_classes=2,
    )
    export_for_serving(pixelcnn, base, name="pixelcnn")
    return base


def run_serve_check(*argv):
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        code = cli.main(["serve-check", *map(str, argv)])
    return code, printed.getvalue()


def table(printed):
    """`{signature: {column: cell}}` of the printed Markdown table."""
    lines = [line for line in printed.splitlines() if line.startswith("| ")]
    header = [cell.strip() for cell in lines[0].strip("|").split(" | ")]
    assert header == ["signature", "inputs", "outputs", "ms", "status"]
    rows = {}
    for line in lines[2:]:
        cells = [cell.strip() for cell in line[2:-2].split(" | ")]
        rows[cells[0]] = dict(zip(header, cells))
    return rows


def signatures_of(path, loader_dir):
    binary = serving_check.build_loader(loader_dir)
    keys = serving_check.run_loader(binary, path, [])["signatures"]
    # TF Serving serves every SignatureDef but TF's init op.
    assert "__saved_model_init_op" in keys
    return set(keys) - {"__saved_model_init_op"}


def test_every_signature_of_the_newest_version(served, loader_dir):
    code, printed = run_serve_check(served / "nade", "--loader-dir", loader_dir)
    assert code == 0, printed
    assert f"{served / 'nade' / '10'} (version 10)" in printed
    rows = table(printed)
    expected = signatures_of(str(served / "nade" / "10"), loader_dir)
    assert set(rows) == expected
    assert {"serving_default", "log_prob", "sample", "complete"} <= expected
    for key, row in rows.items():
        assert row["status"] == "ok", (key, row)
        assert float(row["ms"]) > 0
    assert "x (2, 4) float32" in rows["log_prob"]["inputs"]
    assert "log_prob (2,) float32" in rows["log_prob"]["outputs"]
    assert "bits_per_dim (2,) float32" in rows["log_prob"]["outputs"]
    # serving_default is log_prob's SignatureDef: it runs log_prob's example.
    assert rows["serving_default"]["outputs"] == rows["log_prob"]["outputs"]
    sample = rows["sample"]
    for part in ("num_samples () int32", "seed (2,) int32"):
        assert part in sample["inputs"]
    assert "temperature () float32" in sample["inputs"]
    assert sample["outputs"] == "samples (2, 4) int32"
    assert "known_mask (2, 4) bool" in rows["complete"]["inputs"]
    assert f"{len(rows)} of {len(rows)} signatures ok" in printed


def test_version_flag_and_a_conditional_model(served, loader_dir):
    code, printed = run_serve_check(
        served / "nade", "--version", "2", "--loader-dir", loader_dir
    )
    assert code == 0, printed
    assert "(version 2)" in printed
    code, printed = run_serve_check(
        served / "pixelcnn", "--loader-dir", loader_dir, "--repeat", "1"
    )
    assert code == 0, printed
    rows = table(printed)
    assert all(row["status"] == "ok" for row in rows.values()), printed
    assert "condition (2,) int32" in rows["sample"]["inputs"]
    assert "condition (2,) int32" in rows["log_prob"]["inputs"]
    assert rows["sample"]["outputs"] == "samples (2, 3, 3, 1) int32"
    # A SavedModel directory itself is accepted too.
    code, printed = run_serve_check(
        served / "pixelcnn" / "1", "--loader-dir", loader_dir
    )
    assert code == 0, printed
    assert set(table(printed)) == set(rows)


def _broken_copy(served, tmp_path, edit):
    path = tmp_path / "broken" / "1"
    shutil.copytree(served / "nade" / "1", path)
    with open(path / EXAMPLES) as f:
        payload = json.load(f)
    edit(payload)
    with open(path / EXAMPLES, "w") as f:
        json.dump(payload, f)
    return path.parent, payload


def test_a_failing_example_exits_1_with_the_error(served, loader_dir, tmp_path):
    def too_many(payload):
        limit = payload["limits"]["max_num_samples"]
        payload["requests"]["sample"]["num_samples"]["values"] = [limit + 1]

    model_dir, payload = _broken_copy(served, tmp_path, too_many)
    code, printed = run_serve_check(model_dir, "--loader-dir", loader_dir)
    assert code == 1
    rows = table(printed)
    status = rows["sample"]["status"]
    assert status.startswith("error: ")
    # The graph's message names the limit and the value received.
    limit = payload["limits"]["max_num_samples"]
    assert str(limit) in status and str(limit + 1) in status
    assert rows["sample"]["outputs"] == rows["sample"]["ms"] == ""
    assert rows["log_prob"]["status"] == "ok"
    assert f"{len(rows) - 1} of {len(rows)} signatures ok" in printed


def test_a_signature_without_example_exits_1(served, loader_dir, tmp_path):
    def drop(payload):
        del payload["requests"]["complete"]

    model_dir, _ = _broken_copy(served, tmp_path, drop)
    code, printed = run_serve_check(model_dir, "--loader-dir", loader_dir)
    assert code == 1
    rows = table(printed)
    assert rows["complete"]["status"] == "error: no example request"
    # Its declared inputs are shown (unknown shapes: keras_ar declares
    # every input with an unknown shape).
    assert "known_mask" in rows["complete"]["inputs"]
    assert rows["sample"]["status"] == "ok"


def test_a_savedmodel_without_examples_exits_1(served, loader_dir, tmp_path):
    path = tmp_path / "old" / "1"
    shutil.copytree(served / "nade" / "1", path)
    os.remove(path / EXAMPLES)
    code, printed = run_serve_check(path.parent, "--loader-dir", loader_dir)
    assert code == 1
    assert f"no example requests: {path / EXAMPLES}" in printed
    rows = table(printed)
    assert "sample" in rows and "serving_default" in rows
    for row in rows.values():
        assert row["status"] == "error: no example request"
    assert f"0 of {len(rows)} signatures ok" in printed


def test_bad_paths_are_usage_errors(served, tmp_path, capsys):
    assert cli.main(["serve-check", str(tmp_path / "nothing")]) == 2
    assert "integer versions" in capsys.readouterr().err
    code = cli.main(["serve-check", str(served / "nade"), "--version", "3"])
    assert code == 2
    assert "Expected a version in [1, 2, 10]" in capsys.readouterr().err


def test_versions_follow_existing_versions(served):
    from keras_ar.export import existing_versions

    model_dir = str(served / "nade")
    assert existing_versions(model_dir) == [1, 2, 10]
    assert serve_check.version_dir(model_dir) == (
        os.path.join(model_dir, "10"),
        10,
    )


_PROBE = """
import json, sys
import keras_ar_launcher
code = keras_ar_launcher.main(sys.argv[1:])
heavy = sorted(
    m for m in sys.modules if m.split(".")[0] in ("keras", "tensorflow", "jax")
)
print(json.dumps({"code": code, "heavy": heavy}))
"""


def test_imports_neither_keras_nor_tensorflow(served, loader_dir):
    argv = ["serve-check", str(served / "nade"), "--loader-dir", loader_dir]
    env = dict(os.environ, PYTHONPATH=ROOT)
    result = subprocess.run(
        [sys.executable, "-c", _PROBE, *argv],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    found = json.loads(result.stdout.splitlines()[-1])
    assert found == {"code": 0, "heavy": []}
    assert "| sample " in result.stdout
