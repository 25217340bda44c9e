import json
import os
import subprocess
import sys

import pytest

from keras_ar import cli

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(__file__)))

# Runs the console script's entry point on ARGV in a fresh interpreter and
# prints which heavy modules it imported and whether its guard leaked.
_PROBE = """
import json, os, sys
import keras_ar_launcher
try:
    keras_ar_launcher.main(sys.argv[1:])
except SystemExit:
    pass
heavy = sorted(
    m for m in sys.modules
    if m.split(".")[0] in ("keras", "tensorflow", "jax", "numpy")
)
guard = os.environ.get("_KERAS_AR_LAZY_IMPORT")
print(json.dumps({"heavy": heavy, "guard": guard}))
"""


def _probe(*argv):
    result = subprocess.run(
        [sys.executable, "-c", _PROBE, *argv],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout, json.loads(result.stdout.splitlines()[-1])


@pytest.mark.parametrize(
    "argv",
    [
        ("--help",),
        ("train", "--help"),
        ("train", "pixelcnn", "--help"),
        ("forecast", "--help"),
    ],
)
def test_help_imports_neither_keras_nor_tensorflow(argv):
    printed, found = _probe(*argv)
    assert "usage: keras-ar" in printed
    assert found == {"heavy": [], "guard": None}


def test_help_lists_the_commands_and_the_verbose_flag():
    printed, _ = _probe("--help")
    for word in ("train", "sample", "score", "forecast", "--verbose"):
        assert word in printed
    printed, _ = _probe("train", "pixelcnn", "--help")
    for flag in ("--data", "--epochs", "--val-size", "--no-export", "-v"):
        assert flag in printed


def test_verbose_is_accepted_before_and_after_the_command():
    parser = cli._parser()
    assert parser.parse_args(["-v", "sample", "m.keras"]).verbose
    assert parser.parse_args(["sample", "m.keras", "--verbose"]).verbose
    assert not parser.parse_args(["sample", "m.keras"]).verbose


def test_unknown_model_is_rejected():
    with pytest.raises(SystemExit):
        cli.main(["train", "transformer"])


def test_import_keras_ar_registers_the_classes():
    # A user's `import keras_ar` (not the console script) stays eager.
    code = (
        "import keras, keras_ar; "
        "print(keras.saving.get_registered_object('keras_ar>PixelCNN'))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert "PixelCNN" in result.stdout, result.stderr
