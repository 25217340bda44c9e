"""`keras-ar train gated_pixelcnn` and `keras-ar train pixelrnn`: the image
pipeline with each model, then `keras-ar complete` on the saved model."""

import contextlib
import io
import json

import keras
import numpy as np
import pytest

from keras_ar import cli

RUNS = {
    "gated_pixelcnn": (
        ["--filters", "4", "--layers", "1", "--output-filters", "8"],
        "GatedPixelCNN",
    ),
    "pixelrnn_row": (
        ["--cell", "row", "--hidden", "4", "--layers", "1"],
        "PixelRNN",
    ),
    "pixelrnn_diagonal": (
        ["--cell", "diagonal", "--hidden", "4", "--layers", "1"],
        "PixelRNN",
    ),
}


@pytest.mark.parametrize("run", sorted(RUNS))
def test_train_then_complete(run, tmp_path, capsys):
    flags, class_name = RUNS[run]
    out = tmp_path / "run"
    args = ["train", run.split("_")[0] if "rnn" in run else run]
    args += ["--data", "digits", "--epochs", "1", "--train-size", "100"]
    args += ["--test-size", "20", "--num-samples", "2", "--out", str(out)]
    args += flags + ["--no-export"]
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        assert cli.main(args) == 0, printed.getvalue()
    text = printed.getvalue()
    assert f"model: {class_name}," in text and "test bits/dim" in text
    metrics = json.loads((out / "metrics.json").read_text())
    assert np.isfinite(metrics["test_bits_per_dim"])
    model = keras.saving.load_model(out / "model.keras")
    assert model.__class__.__name__ == class_name
    if run.startswith("pixelrnn"):
        assert model.cell == run.split("_")[1]
    png = tmp_path / "c.png"
    args = ["complete", str(out / "model.keras"), "--data", "digits"]
    args += ["--num", "2", "--samples", "2", "--out", str(png)]
    assert cli.main(args) == 0
    assert f"wrote {png}" in capsys.readouterr().out
    with open(png, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
