import logging
import os
import subprocess
import sys
import warnings

import pytest

from keras_ar.cli import quiet

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(__file__)))

# Lines TensorFlow writes while it is imported (TF 2.21 on x86).
TF_START_UP = ("absl::InitializeLog", "oneDNN", "cpu_feature_guard")


def _keras_ar(*argv):
    """Runs the console script's entry point in a fresh interpreter, on
    the TensorFlow backend, whose start-up lines are the ones to hide."""
    env = dict(os.environ, KERAS_BACKEND="tensorflow")
    env.pop("TF_CPP_MIN_LOG_LEVEL", None)  # as a user's shell has it
    return subprocess.run(
        [sys.executable, "-m", "keras_ar_launcher", *argv],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=300,
    )


@pytest.mark.tensorflow
def test_a_command_prints_only_its_own_output(tmp_path):
    missing = str(tmp_path / "missing.keras")
    # `sample` imports all of keras_ar (and TensorFlow) before it fails.
    result = _keras_ar("sample", missing)
    assert result.returncode == 1
    assert result.stdout == ""
    # The error reaches the user, and nothing else does.
    assert result.stderr == f"keras-ar: no such model file: {missing}\n"

    verbose = _keras_ar("sample", missing, "--verbose")
    assert verbose.returncode == 1
    assert f"no such model file: {missing}" in verbose.stderr
    assert len(verbose.stderr) > len(result.stderr)
    assert any(line in verbose.stderr for line in TF_START_UP)


def test_a_failing_import_still_shows_its_traceback(tmp_path):
    # A broken dependency must not fail silently behind the redirection.
    (tmp_path / "tensorflow.py").write_text("raise ImportError('broken tf')")
    # keras_ar imported lazily, as by the console script.
    env = dict(os.environ, PYTHONPATH=str(tmp_path), _KERAS_AR_LAZY_IMPORT="1")
    code = (
        "from keras_ar.cli import quiet\n"
        "with quiet.quiet_session():\n"
        "    import tensorflow\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=300,
    )
    assert result.returncode == 1
    assert "ImportError: broken tf" in result.stderr


def test_silent_import_hides_descriptor_2_only_during_the_import(
    tmp_path, monkeypatch, capfd
):
    (tmp_path / "noisy_ar_package.py").write_text(
        "import os\nos.write(2, b'START-UP NOISE\\n')\nVALUE = 3\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    finder = quiet.SilentImportFinder(("noisy_ar_package",))
    sys.meta_path.insert(0, finder)
    try:
        import noisy_ar_package
    finally:
        sys.meta_path.remove(finder)
        sys.modules.pop("noisy_ar_package", None)
    os.write(2, b"after\n")
    err = capfd.readouterr().err
    assert "START-UP NOISE" not in err and "after" in err
    assert noisy_ar_package.VALUE == 3
    # The module keeps its real loader.
    assert not isinstance(noisy_ar_package.__loader__, quiet._SilentLoader)


def test_quiet_session_restores_everything(monkeypatch):
    monkeypatch.delenv("TF_CPP_MIN_LOG_LEVEL", raising=False)
    hooks = list(sys.meta_path)
    level = logging.getLogger("absl").level
    with quiet.quiet_session():
        assert os.environ["TF_CPP_MIN_LOG_LEVEL"] == "3"
        assert logging.getLogger("absl").level == logging.ERROR
        with warnings.catch_warnings(record=True) as caught:
            warnings.warn("hidden", UserWarning, stacklevel=1)
        assert caught == []
    assert "TF_CPP_MIN_LOG_LEVEL" not in os.environ
    assert sys.meta_path == hooks
    assert logging.getLogger("absl").level == level
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "0")
    with quiet.quiet_session():
        assert os.environ["TF_CPP_MIN_LOG_LEVEL"] == "3"
    assert os.environ["TF_CPP_MIN_LOG_LEVEL"] == "0"
    with quiet.quiet_session(verbose=True):
        assert sys.meta_path == hooks
