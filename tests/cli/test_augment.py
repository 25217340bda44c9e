import argparse
import json

import numpy as np
import pytest

from keras_ar import cli
from keras_ar.cli import augment
from keras_ar.models import PixelCNN

TINY = dict(filters=2, num_residual_blocks=1, output_filters=4)


def _augment(argv, direct=False):
    """`keras-ar augment ...` (through `cli.main` once it is registered,
    unless `direct`: errors then propagate)."""
    parser = argparse.ArgumentParser()
    augment.add_arguments(parser)
    if not direct:
        try:
            return cli.main(["augment"] + argv)
        except SystemExit:  # not registered yet
            pass
    return augment.run(parser.parse_args(argv))


@pytest.fixture(scope="module")
def digits_model(tmp_path_factory):
    """An untrained class-conditional PixelCNN of the 8x8 digits."""
    path = tmp_path_factory.mktemp("augment") / "digits.keras"
    model = PixelCNN((8, 8, 1), head=17, condition_classes=10, **TINY)
    model.save(path)
    return path


def test_augment_samples_and_completions(digits_model, tmp_path, capsys):
    out = tmp_path / "aug"
    argv = [str(digits_model), "--per-class", "2", "--out", str(out)]
    argv += ["--complete", "digits", "--complete-count", "6", "--seed", "3"]
    assert _augment(argv) == 0
    printed = capsys.readouterr().out
    assert "wrote 26 images" in printed and "6 completions" in printed
    npz = np.load(out / "samples.npz")
    assert npz["x"].shape == (26, 8, 8, 1)
    assert npz["x"].min() >= 0 and npz["x"].max() <= 16
    assert npz["y"][:20].tolist() == [c for c in range(10) for _ in (0, 1)]
    assert npz["completed"].tolist() == [False] * 20 + [True] * 6
    # The completions keep the top half of the first 6 training digits.
    from keras_ar import data

    real, labels = data.load("digits", split="train")
    np.testing.assert_array_equal(npz["x"][20:, :4], real[:6, :4])
    np.testing.assert_array_equal(npz["y"][20:], labels[:6])
    folders = sorted(p.name for p in out.iterdir() if p.is_dir())
    assert folders == [str(c) for c in range(10)]
    total = sum(len(list((out / f).glob("*.png"))) for f in folders)
    assert total == 26
    summary = json.loads((out / "augment.json").read_text())
    assert summary["completions"] == 6 and summary["per_class"] == 2
    assert (out / "preview.png").read_bytes()[:4] == b"\x89PNG"


def test_augment_refuses_an_unconditional_model(tmp_path):
    path = tmp_path / "plain.keras"
    PixelCNN((4, 4, 1), head="bernoulli", **TINY).save(path)
    argv = [str(path), "--per-class", "2", "--out", str(tmp_path / "o")]
    with pytest.raises(ValueError, match="class condition only"):
        _augment(argv, direct=True)


def test_augment_refuses_a_full_folder(digits_model, tmp_path):
    (tmp_path / "keep.txt").write_text("x")
    argv = [str(digits_model), "--per-class", "1", "--out", str(tmp_path)]
    with pytest.raises(ValueError, match="--overwrite"):
        _augment(argv, direct=True)
