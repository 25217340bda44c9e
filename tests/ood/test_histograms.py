import numpy as np
import pytest
from PIL import Image

from keras_ar.ood import plot_score_histograms


def test_plot_score_histograms_writes_one_panel_per_score(tmp_path):
    pytest.importorskip("matplotlib")
    rng = np.random.default_rng(0)
    scores = {
        "likelihood": (rng.normal(0, 1, 50), rng.normal(-1, 1, 60)),
        "likelihood_ratio": (rng.normal(0, 1, 50), rng.normal(3, 1, 60)),
    }
    path = plot_score_histograms(scores, tmp_path / "h.png")
    assert path == tmp_path / "h.png"
    one = plot_score_histograms(
        {"x": scores["likelihood"]}, tmp_path / "one.png"
    )
    wide, single = Image.open(path), Image.open(one)
    assert wide.size[0] > 1.8 * single.size[0]
    assert wide.size[1] == single.size[1]


def test_plot_score_histograms_rejects_empty(tmp_path):
    with pytest.raises(ValueError, match="at least one"):
        plot_score_histograms({}, tmp_path / "h.png")
