import json

import keras
import numpy as np

from keras_ar import cli


def _is_png(path):
    with open(path, "rb") as f:
        return f.read(8) == b"\x89PNG\r\n\x1a\n"


def test_train_writes_every_output(pixelcnn_run):
    out, printed, serving = pixelcnn_run
    assert "test bits/dim" in printed and "(held-out digits)" in printed
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["test_images"] == 50 and metrics["train_images"] == 200
    assert metrics["val_images"] == 50  # --val-size 1000, capped
    assert 0 < metrics["test_bits_per_dim"] < np.log2(17) + 1
    assert metrics["train_images_per_second"] > 0
    assert metrics["sample_seconds"] > 0
    for name in ("samples.png", "training.png"):
        assert _is_png(out / name)
    assert (out / "model.keras").stat().st_size > 0
    if keras.backend.backend() == "tensorflow":
        assert (serving / "digits" / "1" / "saved_model.pb").exists()
        assert metrics["saved_model"].endswith("1")
    else:  # export needs TensorFlow: the run says so and goes on
        assert "skipped the SavedModel" in printed
    for name in ("samples.png", "training.png", "model.keras"):
        assert f"wrote {out / name}" in printed


def test_training_plot_has_a_point_per_step(pixelcnn_run):
    out, _, _ = pixelcnn_run
    curve = json.loads((out / "metrics.json").read_text())["training_curve"]
    # 200 images in batches of 64: 4 steps, the last one of 8 images.
    assert curve["step"] == [1, 2, 3, 4]
    assert len(curve["train"]) == 4 and np.all(np.isfinite(curve["train"]))
    assert curve["epoch_step"] == [4] and len(curve["val"]) == 1
    # The per-step values average back to the epoch's logged mean.
    history = json.loads((out / "metrics.json").read_text())["history"]
    weights = [64, 64, 64, 8]
    np.testing.assert_allclose(
        np.average(curve["train"], weights=weights),
        history["bits_per_dim"][0],
        rtol=1e-4,
    )
    np.testing.assert_allclose(
        curve["val"][0], history["val_bits_per_dim"][0], rtol=1e-6
    )


def test_sample_and_score_a_trained_model(pixelcnn_run, tmp_path, capsys):
    out, _, _ = pixelcnn_run
    npy = tmp_path / "s.npy"
    args = ["sample", str(out / "model.keras"), "--num", "3", "--seed", "2"]
    args += ["--out", str(tmp_path / "s.png"), "--npy", str(npy)]
    assert cli.main(args) == 0
    samples = np.load(npy)
    assert samples.shape == (3, 8, 8, 1) and samples.max() <= 16
    assert _is_png(tmp_path / "s.png")

    csv = tmp_path / "scores.csv"
    args = ["score", str(out / "model.keras"), "--input", str(npy)]
    assert cli.main(args + ["--output", str(csv)]) == 0
    lines = csv.read_text().splitlines()
    assert lines[0] == "index,log_prob,bits_per_dim" and len(lines) == 4
    args = ["score", str(out / "model.keras"), "--data", "digits"]
    assert cli.main(args + ["--limit", "20"]) == 0
    assert "20 examples" in capsys.readouterr().out


def test_score_rejects_out_of_range_input(pixelcnn_run, tmp_path, capsys):
    out, _, _ = pixelcnn_run
    bad = tmp_path / "bad.npy"
    np.save(bad, np.full((2, 8, 8, 1), 40))
    assert (
        cli.main(["score", str(out / "model.keras"), "--input", str(bad)]) == 2
    )
    assert "[0, 16]" in capsys.readouterr().err
