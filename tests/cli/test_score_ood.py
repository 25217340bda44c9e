"""`keras-ar score --ood`: AUROC table, report files, background training."""

import contextlib
import io
import json

import numpy as np
import pytest

from keras_ar import cli
from keras_ar import data
from keras_ar.models import PixelCNN
from keras_ar.ood import auroc
from keras_ar.ood import likelihood_ratio


@pytest.fixture(scope="module")
def digits_model(tmp_path_factory):
    """A tiny PixelCNN trained briefly on 300 digits, saved as .keras."""
    x, _ = data.load("digits", split="train")
    model = PixelCNN(
        (8, 8, 1), head=17, filters=4, num_residual_blocks=1,
        output_filters=8,
    )  # fmt: skip
    model.compile(optimizer="adam")
    model.fit(x[:300], epochs=1, batch_size=64, verbose=0)
    path = tmp_path_factory.mktemp("ood") / "model.keras"
    model.save(path)
    return path, model


def _main(args):
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        code = cli.main(args)
    return code, printed.getvalue()


def test_score_ood_trains_background_and_writes_report(digits_model, tmp_path):
    path, model = digits_model
    x_in, _ = data.load("digits", split="test")
    ood = tmp_path / "inverted.npy"
    np.save(ood, 16 - x_in[:40])
    out, background = tmp_path / "report", tmp_path / "bg.keras"
    args = ["score", str(path), "--ood", "--data", "digits"]
    args += ["--ood-input", str(ood), "--limit", "40", "--out", str(out)]
    args += ["--train-background", "--background", str(background)]
    args += ["--train-size", "200", "--epochs", "1", "--mutation-rate", "0.2"]
    code, printed = _main(args)
    assert code == 0, printed
    for name in ("likelihood", "likelihood_ratio", "input_complexity"):
        assert name in printed
    report = json.loads((out / "ood_auroc.json").read_text())
    assert set(report["auroc"]) == {
        "likelihood", "likelihood_ratio", "input_complexity"
    }  # fmt: skip
    assert (report["num_in"], report["num_out"]) == (40, 40)
    assert report["compressor"] == "png"
    assert (out / "ood_histograms.png").stat().st_size > 0
    rows = (out / "ood_scores.csv").read_text().splitlines()
    assert rows[0] == "set,index,likelihood,likelihood_ratio,input_complexity"
    assert len(rows) == 81
    # The CSV and the AUROC are the models' own scores.
    bg_model = cli.common.load_model(str(background))
    lr_in = likelihood_ratio(model, bg_model, x_in[:40])
    lr_out = likelihood_ratio(model, bg_model, 16 - x_in[:40])
    column = [float(r.split(",")[3]) for r in rows[1:]]
    np.testing.assert_allclose(column[:40], -lr_in, rtol=1e-4, atol=1e-3)
    assert report["auroc"]["likelihood_ratio"] == pytest.approx(
        auroc(-lr_in, -lr_out), abs=1e-6
    )
    # A saved background model is reused, with the same scores.
    again = tmp_path / "again"
    args = ["score", str(path), "--ood", "--data", "digits"]
    args += ["--ood-input", str(ood), "--limit", "40", "--out", str(again)]
    args += ["--background", str(background), "--compressor", "zlib"]
    code, printed = _main(args)
    assert code == 0, printed
    second = json.loads((again / "ood_auroc.json").read_text())
    assert second["auroc"]["likelihood_ratio"] == pytest.approx(
        report["auroc"]["likelihood_ratio"], abs=1e-6
    )
    assert second["compressor"] == "zlib"
    # Fresh mutations each epoch and the WebP input complexity.
    fresh = tmp_path / "fresh"
    args = ["score", str(path), "--ood", "--data", "digits"]
    args += ["--ood-input", str(ood), "--limit", "40", "--out", str(fresh)]
    args += ["--train-background", "--background", str(tmp_path / "f.keras")]
    args += ["--train-size", "200", "--fresh-mutations", "--compressor", "webp"]
    code, printed = _main(args)
    assert code == 0, printed
    third = json.loads((fresh / "ood_auroc.json").read_text())
    assert third["compressor"] == "webp"
    assert set(third["auroc"]) == set(report["auroc"])
    assert third["auroc"]["likelihood"] == report["auroc"]["likelihood"]


def test_score_ood_without_background_and_bad_flags(
    digits_model, tmp_path, capsys
):
    path, _ = digits_model
    out = tmp_path / "plain"
    args = ["score", str(path), "--ood", "--data", "digits", "--limit", "20"]
    code, printed = _main(args + ["--ood-data", "digits", "--out", str(out)])
    assert code == 0, printed
    report = json.loads((out / "ood_auroc.json").read_text())
    assert set(report["auroc"]) == {"likelihood", "input_complexity"}
    # The same data in and out: every score is at chance.
    assert report["auroc"]["likelihood"] == pytest.approx(0.5)
    assert _main(args)[0] == 2
    assert "--ood-data NAME or --ood-input" in capsys.readouterr().err
