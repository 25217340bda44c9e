import numpy as np
import pytest
from PIL import Image

from keras_ar import cli
from keras_ar.models import MADE


@pytest.mark.parametrize("mask", ["bottom-half", "center", "random-50"])
def test_complete_writes_one_png_of_rows(pixelcnn_run, tmp_path, capsys, mask):
    out, _, _ = pixelcnn_run
    png, npy = tmp_path / "c.png", tmp_path / "c.npy"
    args = ["complete", str(out / "model.keras"), "--data", "digits"]
    args += ["--mask", mask, "--num", "3", "--samples", "2", "--seed", "1"]
    args += ["--out", str(png), "--npy", str(npy)]
    assert cli.main(args) == 0
    printed = capsys.readouterr().out
    assert f"completed 3 images x 2 samples ({mask}" in printed
    assert f"wrote {png}" in printed
    image = np.asarray(Image.open(png))
    # digits are 8x8, scaled 4x with 1-pixel padding: 3 rows, 4 columns.
    assert image.shape == ((3 * 9 + 1) * 4, (4 * 9 + 1) * 4, 3)
    filled = np.load(npy)
    assert filled.shape == (3, 2, 8, 8, 1)
    from keras_ar import data

    originals = data.load("digits", split="test")[0][:3]
    from keras_ar.tasks import completion_mask

    known = completion_mask(mask, (8, 8), 3, seed=0)
    for s in range(2):
        np.testing.assert_array_equal(filled[:, s][known], originals[known])


def test_complete_refuses_bad_requests(pixelcnn_run, tmp_path, capsys):
    out, _, _ = pixelcnn_run
    model = str(out / "model.keras")
    base = ["complete", model, "--out", str(tmp_path / "c.png")]
    assert cli.main(base + ["--data", "digits", "--mask", "top"]) == 2
    assert "Unknown mask 'top'" in capsys.readouterr().err
    assert cli.main(base + ["--data", "mnist", "--num", "1"]) == 2
    assert "(8, 8, 1)" in capsys.readouterr().err
    made = MADE((4,), hidden_units=(4,))
    path = str(tmp_path / "made.keras")
    made.save(path)
    assert cli.main(["complete", path, "--data", "digits"]) == 2
    assert "needs an image model" in capsys.readouterr().err
