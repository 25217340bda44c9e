import json
import os

import numpy as np
import pytest

from keras_ar import cli


def test_train_sample_score_end_to_end(tmp_path, capsys):
    out = tmp_path / "run"
    code = cli.main(
        [
            "train",
            "pixelcnn",
            "--data",
            "digits",
            "--epochs",
            "1",
            "--filters",
            "4",
            "--blocks",
            "1",
            "--output-filters",
            "8",
            "--train-size",
            "200",
            "--test-size",
            "50",
            "--num-samples",
            "4",
            "--out",
            str(out),
            "--export-dir",
            str(tmp_path / "serving"),
            "--name",
            "digits",
        ]
    )
    assert code == 0
    printed = capsys.readouterr().out
    assert "test bits/dim" in printed
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["test_images"] == 50 and metrics["train_images"] == 200
    assert 0 < metrics["test_bits_per_dim"] < np.log2(17) + 1
    for name in ("samples.png", "model.keras", "training.png"):
        assert (out / name).stat().st_size > 0
    assert os.path.exists(
        tmp_path / "serving" / "digits" / "1" / "saved_model.pb"
    )

    npy = tmp_path / "s.npy"
    assert (
        cli.main(
            [
                "sample",
                str(out / "model.keras"),
                "--num",
                "3",
                "--seed",
                "2",
                "--out",
                str(tmp_path / "s.png"),
                "--npy",
                str(npy),
            ]
        )
        == 0
    )
    samples = np.load(npy)
    assert samples.shape == (3, 8, 8, 1) and samples.max() <= 16
    assert (tmp_path / "s.png").stat().st_size > 0

    csv = tmp_path / "scores.csv"
    assert (
        cli.main(
            [
                "score",
                str(out / "model.keras"),
                "--input",
                str(npy),
                "--output",
                str(csv),
            ]
        )
        == 0
    )
    lines = csv.read_text().splitlines()
    assert lines[0] == "index,log_prob,bits_per_dim" and len(lines) == 4
    assert (
        cli.main(
            [
                "score",
                str(out / "model.keras"),
                "--data",
                "digits",
                "--limit",
                "20",
            ]
        )
        == 0
    )
    assert "20 examples" in capsys.readouterr().out


def test_score_rejects_out_of_range_input(tmp_path, capsys):
    out = tmp_path / "run"
    cli.main(
        [
            "train",
            "pixelcnn",
            "--data",
            "digits",
            "--filters",
            "4",
            "--blocks",
            "1",
            "--output-filters",
            "8",
            "--train-size",
            "64",
            "--test-size",
            "16",
            "--num-samples",
            "1",
            "--no-export",
            "--out",
            str(out),
        ]
    )
    bad = tmp_path / "bad.npy"
    np.save(bad, np.full((2, 8, 8, 1), 40))
    assert (
        cli.main(["score", str(out / "model.keras"), "--input", str(bad)]) == 2
    )
    assert "[0, 16]" in capsys.readouterr().err


def test_unknown_model_is_rejected():
    with pytest.raises(SystemExit):
        cli.main(["train", "transformer"])


def test_forecast_a_csv_column_with_holdout(tmp_path, capsys):
    t = np.arange(120)
    y = 50 + 10 * np.sin(2 * np.pi * t / 12)
    y[5] = np.nan  # filled by interpolation
    path = tmp_path / "series.csv"
    with open(path, "w") as f:
        f.write("month,sales\n")
        for i, v in enumerate(y):
            f.write(f"{i},{'' if np.isnan(v) else v}\n")
    out = tmp_path / "fc"
    args = ["forecast", str(path), "--column", "sales", "--period", "12"]
    args += ["--holdout", "12", "--epochs", "3", "--num-samples", "20"]
    args += ["--difference"]
    assert cli.main(args + ["--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "filled 1 missing values" in printed
    assert "MASE wavenet" in printed and "seasonal naive" in printed
    table = np.loadtxt(out / "forecast.csv", delimiter=",", skiprows=1)
    assert table.shape == (12, 5)  # step, mean, 3 quantiles
    assert np.all(table[:, 2] <= table[:, 3]) and np.all(
        table[:, 3] <= table[:, 4]
    )
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["wavenet_mase"] > 0 and metrics["naive_crps"] > 0
    assert (out / "forecast.png").stat().st_size > 0
    assert json.loads((out / "forecaster.json").read_text())["difference"]
    assert "on differences" in printed
    # Reuse the trained model for a forecast past the end.
    again = tmp_path / "fc2"
    args = ["forecast", str(path), "--column", "1", "--steps", "5"]
    args += ["--model", str(out / "model.keras"), "--out", str(again)]
    assert cli.main(args) == 0
    assert np.loadtxt(again / "forecast.csv", skiprows=1, delimiter=",").shape
    assert cli.main(["forecast", str(path), "--column", "price"]) == 2
    assert "columns ['month', 'sales']" in capsys.readouterr().err


TINY_WAVENET = ["--stacks", "1", "--layers", "3", "--residual-channels", "4"]
TINY_WAVENET += ["--skip-channels", "4", "--train-size", "8"]
TINY_WAVENET += ["--test-size", "4", "--num-samples", "2"]


def test_train_wavenet_on_speech_writes_wavs_and_pictures(tmp_path, capsys):
    from keras_ar.data import read_wav

    out = tmp_path / "speech"
    args = ["train", "wavenet", "--data", "speech", "--length", "256"]
    args += TINY_WAVENET + ["--sample-seconds", "0.05", "--out", str(out)]
    args += ["--export-dir", str(tmp_path / "serving"), "--name", "speech"]
    assert cli.main(args) == 0
    printed = capsys.readouterr().out
    assert "bits/sample (held-out speech)" in printed
    assert "400/400" in printed  # the sampling progress bar
    audio, rate = read_wav(out / "sample_1.wav")
    assert rate == 8000 and audio.shape == (400,)
    assert np.abs(audio).max() <= 1.0
    for name in ("samples.png", "training.png", "model.keras"):
        assert (out / name).stat().st_size > 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert 0 < metrics["test_bits_per_sample"] < 9
    assert metrics["train_samples_per_second"] > 0
    assert (tmp_path / "serving" / "speech" / "1" / "saved_model.pb").exists()
    # `keras-ar sample` writes WAVs of any length from the saved model.
    args = ["sample", str(out / "model.keras"), "--num", "2", "--seed", "1"]
    args += ["--length", "123", "--out", str(tmp_path / "s.wav")]
    assert cli.main(args) == 0
    audio, _ = read_wav(tmp_path / "s_1.wav")
    assert audio.shape == (123,)


def test_train_wavenet_on_shakespeare_generates_text(tmp_path, capsys):
    out = tmp_path / "text"
    args = ["train", "wavenet", "--data", "shakespeare", "--length", "64"]
    args += TINY_WAVENET + ["--sample-chars", "30", "--prompt", "KING:"]
    args += ["--no-export", "--out", str(out)]
    assert cli.main(args) == 0
    printed = capsys.readouterr().out
    assert "bits/char (held-out shakespeare)" in printed
    text = (out / "samples.txt").read_text(encoding="utf-8")
    assert text.count("KING:") == 2
    args = ["sample", str(out / "model.keras"), "--num", "1"]
    args += ["--out", str(tmp_path / "s.txt")]
    assert cli.main(args) == 0
    assert (tmp_path / "s.txt").stat().st_size > 0
    args = [
        "sample",
        str(out / "model.keras"),
        "--out",
        str(tmp_path / "a.wav"),
    ]
    assert cli.main(args + ["--num", "1"]) == 2
    assert "MuLawCategorical" in capsys.readouterr().err
