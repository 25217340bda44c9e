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
