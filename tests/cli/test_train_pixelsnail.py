"""`keras-ar train pixelsnail` on the 8x8 digits with a tiny network."""

import argparse
import contextlib
import io
import json

import keras
import numpy as np

from keras_ar import cli
from keras_ar.cli import train_pixelsnail

TINY = ["--filters", "4", "--blocks", "1", "--resnets", "1"]
TINY += ["--heads", "2", "--key-dim", "2", "--value-dim", "3"]


def _train(argv):
    """`keras-ar train pixelsnail ARGV` through `cli.main` once the
    subcommand is registered there, else through the module's own
    parser (the same `add_arguments` and `run`)."""
    if "pixelsnail" in cli.TRAINERS:
        return cli.main(["train", "pixelsnail"] + argv)
    parser = argparse.ArgumentParser(prog="keras-ar train pixelsnail")
    train_pixelsnail.add_arguments(parser)
    args = parser.parse_args(argv)
    args.verbose = False
    return train_pixelsnail.run(args)


def test_train_pixelsnail_on_digits(tmp_path, capsys):
    out = tmp_path / "run"
    argv = ["--data", "digits", "--epochs", "1", "--train-size", "64"]
    argv += ["--test-size", "16", "--num-samples", "2", "--out", str(out)]
    argv += TINY + ["--conditional", "--no-export"]
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        assert _train(argv) == 0, printed.getvalue()
    text = printed.getvalue()
    assert "model: PixelSNAIL," in text and "test bits/dim" in text
    metrics = json.loads((out / "metrics.json").read_text())
    assert 0 < metrics["test_bits_per_dim"] < np.log2(17) + 2
    assert metrics["train_images"] == 64 and metrics["test_images"] == 16
    model = keras.saving.load_model(out / "model.keras")
    assert model.__class__.__name__ == "PixelSNAIL"
    assert (model.filters, model.num_blocks, model.num_resnet) == (4, 1, 1)
    assert (model.num_heads, model.key_dim, model.value_dim) == (2, 2, 3)
    assert model.condition_classes == 10
    # The saved model samples from the command line (conditioned).
    npy = tmp_path / "s.npy"
    args = ["sample", str(out / "model.keras"), "--num", "2", "--seed", "1"]
    args += ["--condition", "3", "--out", str(tmp_path / "s.png")]
    args += ["--npy", str(npy)]
    assert cli.main(args) == 0, capsys.readouterr()
    samples = np.load(npy)
    assert samples.shape == (2, 8, 8, 1)
    assert samples.min() >= 0 and samples.max() <= 16


def test_flags_and_small_defaults():
    parser = argparse.ArgumentParser()
    train_pixelsnail.add_arguments(parser)
    args = parser.parse_args([])
    kwargs = train_pixelsnail.TRAINER.network_kwargs(args)
    assert kwargs == dict(
        filters=16,
        num_blocks=2,
        num_resnet=1,
        num_heads=1,
        key_dim=4,
        value_dim=8,
        dropout=0.0,
    )
    args = parser.parse_args(TINY + ["--dropout", "0.1"])
    kwargs = train_pixelsnail.TRAINER.network_kwargs(args)
    assert kwargs["num_heads"] == 2 and kwargs["dropout"] == 0.1
