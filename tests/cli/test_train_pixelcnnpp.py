"""`keras-ar train pixelcnnpp` on the 8x8 digits with a tiny network."""

import argparse
import contextlib
import io
import json

import keras
import numpy as np

from keras_ar import cli
from keras_ar.cli import train_pixelcnnpp
from keras_ar.heads import DiscretizedLogisticMixture

TINY = ["--filters", "4", "--resnets", "1", "--hierarchies", "1"]
TINY += ["--mixtures", "2"]


def _parser():
    parser = argparse.ArgumentParser(prog="keras-ar train pixelcnnpp")
    train_pixelcnnpp.add_arguments(parser)
    return parser


def _train(argv):
    """`keras-ar train pixelcnnpp ARGV` through `cli.main` once the
    subcommand is registered there, else through the module's own
    parser (the same `add_arguments` and `run`)."""
    if "pixelcnnpp" in cli.TRAINERS:
        return cli.main(["train", "pixelcnnpp"] + argv)
    args = _parser().parse_args(argv)
    args.verbose = False
    return train_pixelcnnpp.run(args)


def test_train_pixelcnnpp_on_digits(tmp_path, capsys):
    out = tmp_path / "run"
    argv = ["--data", "digits", "--epochs", "1", "--train-size", "64"]
    argv += ["--test-size", "16", "--num-samples", "2", "--out", str(out)]
    argv += TINY + ["--conditional", "--no-export", "--dropout", "0.1"]
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        assert _train(argv) == 0, printed.getvalue()
    text = printed.getvalue()
    assert "model: PixelCNNPlusPlus," in text and "test bits/dim" in text
    assert "head DiscretizedLogisticMixture" in text
    metrics = json.loads((out / "metrics.json").read_text())
    assert 0 < metrics["test_bits_per_dim"] < np.log2(17) + 2
    assert metrics["train_images"] == 64 and metrics["test_images"] == 16
    model = keras.saving.load_model(out / "model.keras")
    assert model.__class__.__name__ == "PixelCNNPlusPlus"
    assert (model.filters, model.num_resnet, model.num_hierarchies) == (
        4,
        1,
        1,
    )
    assert model.dropout == 0.1 and model.weight_norm
    assert model.head.coupled and model.head.num_components == 2
    assert model.head.num_values == 17 and model.condition_classes == 10
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
    parser = _parser()
    args = parser.parse_args([])
    kwargs = train_pixelcnnpp.TRAINER.network_kwargs(args)
    assert kwargs == dict(
        filters=16,
        num_resnet=1,
        num_hierarchies=2,
        num_logistic_mix=5,
        dropout=0.0,
        weight_norm=True,
    )
    args = parser.parse_args(TINY + ["--no-weight-norm", "--dropout", "0.5"])
    kwargs = train_pixelcnnpp.TRAINER.network_kwargs(args)
    assert kwargs["weight_norm"] is False and kwargs["dropout"] == 0.5
    assert kwargs["num_logistic_mix"] == 2


def test_head_is_bernoulli_for_binary_images_else_the_coupled_mixture():
    args = _parser().parse_args(["--mixtures", "3"])
    assert train_pixelcnnpp.TRAINER.head(args, 2) == "bernoulli"
    head = train_pixelcnnpp.TRAINER.head(args, 256)
    assert isinstance(head, DiscretizedLogisticMixture)
    assert head.coupled and head.num_components == 3
    assert head.num_values == 256


def test_build_model_initializes_weight_norm_from_the_first_batch():
    args = _parser().parse_args(
        TINY + ["--data", "digits", "--train-size", "16", "--test-size", "4"]
    )
    data = train_pixelcnnpp.TRAINER.load_data(args)
    model = train_pixelcnnpp.TRAINER.build_model(args, data)
    scaled = model.head.encode_inputs(data.x_train[:16].astype("float32"))
    features = keras.ops.convert_to_numpy(model.backbone(scaled))
    flat = features.reshape(-1, features.shape[-1])
    np.testing.assert_allclose(flat.mean(axis=0), 0.0, atol=1e-4)
    np.testing.assert_allclose(flat.std(axis=0), 1.0, rtol=1e-3)
    args = _parser().parse_args(
        TINY + ["--data", "digits", "--train-size", "16", "--no-weight-norm"]
    )
    plain = train_pixelcnnpp.TRAINER.build_model(args, data)
    assert not keras.ops.convert_to_numpy(plain.backbone.output_conv.bias).any()
