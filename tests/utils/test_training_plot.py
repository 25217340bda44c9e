import doctest

import numpy as np

from keras_ar.utils import save_training_plot
from keras_ar.utils import smooth
from keras_ar.utils import training_plot


def _is_png(path):
    with open(path, "rb") as f:
        return f.read(8) == b"\x89PNG\r\n\x1a\n"


def test_smooth_is_a_zero_phase_moving_average():
    np.testing.assert_allclose(smooth([3.0] * 50), 3.0)
    values = np.r_[np.full(100, 10.0), np.full(100, 0.0)]
    out = smooth(values, window=10)
    np.testing.assert_allclose(out[[0, -1]], [10, 0], atol=1e-3)
    assert np.all(np.diff(out) <= 1e-12)
    # No lag: the smoothed step is centred on the real one.
    np.testing.assert_allclose(out[99] + out[100], 10.0, atol=1e-3)
    assert 5 < out[99] < 6 and 4 < out[100] < 5
    np.testing.assert_allclose(smooth([1.0, 5.0, 2.0], window=1), [1, 5, 2])
    assert smooth([]).shape == (0,)


def test_training_plot_of_one_epoch_draws_every_step(tmp_path):
    rng = np.random.default_rng(0)
    steps = np.arange(1, 158)
    train = 1.3 + 6 * np.exp(-steps / 10) + 0.05 * rng.standard_normal(157)
    curve = {
        "step": steps.tolist(),
        "train": train.tolist(),
        "epoch_step": [157],
        "val": [1.25],
    }
    path = save_training_plot(curve, tmp_path / "t.png", test_value=1.26)
    assert _is_png(path)
    # Also with no validation and no test value, and with no steps at all.
    curve.update(val=[], epoch_step=[])
    assert _is_png(save_training_plot(curve, tmp_path / "u.png"))
    empty = {"step": [], "train": [], "epoch_step": [], "val": []}
    assert _is_png(save_training_plot(empty, tmp_path / "e.png"))


def test_training_plot_reads_the_axes(tmp_path, monkeypatch):
    import matplotlib.pyplot as plt

    close, figures = plt.close, []
    monkeypatch.setattr(plt, "close", figures.append)
    steps = list(range(1, 31))
    curve = {
        "step": steps,
        "train": [8.0, 6.0] + [2.0 + 0.01 * i for i in range(28)],
        "epoch_step": [10, 20, 30],
        "val": [2.3, 2.2, 2.1],
    }
    save_training_plot(curve, tmp_path / "t.png", test_value=2.05)
    (figure,) = figures
    ax = figure.axes[0]
    low, high = ax.get_ylim()
    # The first steps' fall from 8 bits/dim does not flatten the rest:
    # the later steps, the held-out and test values are all in range.
    assert low < min(curve["train"][6:]) and max(curve["train"][6:]) < high
    assert 2.3 < high < 4.0
    labels = ax.get_legend_handles_labels()[1]
    assert any("test: 2.0500" in label for label in labels)
    assert ax.get_xlabel() == "training step"
    close(figure)


def test_docstring_examples():
    result = doctest.testmod(training_plot, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
