import json

import numpy as np

from keras_ar import cli

TINY_WAVENET = ["--stacks", "1", "--layers", "3", "--residual-channels", "4"]
TINY_WAVENET += ["--skip-channels", "4", "--train-size", "8"]
TINY_WAVENET += ["--test-size", "4", "--num-samples", "2"]


def test_train_wavenet_on_speech_writes_wavs_and_pictures(tmp_path, capsys):
    from keras_ar.data import read_wav

    out = tmp_path / "speech"
    args = ["train", "wavenet", "--data", "speech", "--length", "256"]
    args += TINY_WAVENET + ["--sample-seconds", "0.05", "--out", str(out)]
    args += ["--no-export"]  # the shared pipeline's export: test_train_pixelcnn
    assert cli.main(args) == 0
    printed = capsys.readouterr().out
    assert "test bits/sample" in printed and "(held-out speech)" in printed
    assert "400/400" in printed  # the sampling progress bar
    audio, rate = read_wav(out / "sample_1.wav")
    assert rate == 8000 and audio.shape == (400,)
    assert np.abs(audio).max() <= 1.0
    for name in ("samples.png", "training.png", "model.keras"):
        assert (out / name).stat().st_size > 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert 0 < metrics["test_bits_per_sample"] < 9
    assert metrics["train_samples_per_second"] > 0
    assert metrics["window"] == 256 and metrics["receptive_field"] > 1
    assert metrics["test_windows"] == 4 and metrics["val_windows"] == 4
    assert len(metrics["wav"]) == 2
    assert metrics["saved_model"] is None
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
    args += ["--no-export", "--val-size", "0", "--out", str(out)]
    assert cli.main(args) == 0
    printed = capsys.readouterr().out
    assert "test bits/char" in printed
    assert "(held-out shakespeare)" in printed
    assert "one_hot inputs" in printed  # the text default
    text = (out / "samples.txt").read_text(encoding="utf-8")
    assert text.count("KING:") == 2
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["saved_model"] is None and metrics["val_windows"] == 0
    assert metrics["training_curve"]["val"] == []
    assert (out / "training.png").stat().st_size > 0
    args = ["sample", str(out / "model.keras"), "--num", "1"]
    args += ["--out", str(tmp_path / "s.txt")]
    assert cli.main(args) == 0
    assert (tmp_path / "s.txt").stat().st_size > 0
    args = ["sample", str(out / "model.keras")]
    args += ["--out", str(tmp_path / "a.wav"), "--num", "1"]
    assert cli.main(args) == 2
    assert "MuLawCategorical" in capsys.readouterr().err
