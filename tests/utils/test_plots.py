import numpy as np
import pytest

from keras_ar.utils import save_audio_plot
from keras_ar.utils import save_forecast_plot


def _is_png(path):
    with open(path, "rb") as f:
        return f.read(8) == b"\x89PNG\r\n\x1a\n"


def test_audio_plot_writes_a_png_per_clip_row(tmp_path):
    t = np.arange(4000) / 8000
    clips = np.stack([np.sin(2 * np.pi * 300 * t), 0.5 * np.sin(900 * t)])
    path = save_audio_plot(clips, 8000, tmp_path / "a.png", ["a", "b"])
    assert _is_png(path)
    assert _is_png(save_audio_plot(clips[0], 8000, tmp_path / "one.png"))
    with pytest.raises(ValueError, match="sample_rate"):
        save_audio_plot(clips, 0, tmp_path / "x.png")
    with pytest.raises(ValueError, match="at least 8"):
        save_audio_plot([np.zeros(7)], 8000, tmp_path / "x.png")


def test_forecast_plot_writes_a_png(tmp_path):
    forecast = {
        "median": np.ones(4),
        "quantiles": np.stack([np.zeros(4), np.ones(4), 2 * np.ones(4)]),
        "quantile_levels": np.array([0.05, 0.5, 0.95]),
    }
    path = save_forecast_plot(
        np.arange(30.0),
        forecast,
        tmp_path / "f.png",
        actual=np.ones(4),
        show_last=10,
    )
    assert _is_png(path)
