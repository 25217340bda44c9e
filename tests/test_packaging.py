"""The built wheel holds everything the package reads at run time."""

import os
import shutil
import subprocess
import sys
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_wheel_ships_the_serving_check_source(tmp_path):
    source = tmp_path / "src"
    shutil.copytree(
        os.path.join(ROOT, "keras_ar"),
        source / "keras_ar",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    for name in (
        "setup.cfg",
        "pyproject.toml",
        "README.md",
        "keras_ar_launcher.py",
    ):
        shutil.copy(os.path.join(ROOT, name), source / name)
    result = subprocess.run(
        [
            sys.executable, "-m", "pip", "wheel", str(source), "--no-deps",
            "--no-build-isolation", "-q", "-w", str(tmp_path / "dist"),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    (wheel,) = os.listdir(tmp_path / "dist")
    names = zipfile.ZipFile(tmp_path / "dist" / wheel).namelist()
    assert "keras_ar/export/serving_check/load_and_run.cc" in names
    assert "keras_ar/export/serving_check/__init__.py" in names
    assert "keras_ar_launcher.py" in names  # the console script's module
