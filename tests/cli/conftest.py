import contextlib
import io

import pytest

from keras_ar import cli

TINY_PIXELCNN = ["--filters", "4", "--blocks", "1", "--output-filters", "8"]


@pytest.fixture(scope="session")
def pixelcnn_run(tmp_path_factory):
    """One tiny `keras-ar train pixelcnn --data digits` run, shared by the
    train, sample and score tests: `(out_dir, stdout, export_dir)`."""
    root = tmp_path_factory.mktemp("pixelcnn")
    out, serving = root / "run", root / "serving"
    args = ["train", "pixelcnn", "--data", "digits", "--epochs", "1"]
    args += TINY_PIXELCNN + ["--train-size", "200", "--test-size", "50"]
    args += ["--num-samples", "4", "--out", str(out)]
    args += ["--export-dir", str(serving), "--name", "digits"]
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        code = cli.main(args)
    assert code == 0, printed.getvalue()
    return out, printed.getvalue(), serving
