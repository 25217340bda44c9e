"""The training plot of `keras-ar train`: the loss per step, smoothed,
with the held-out value per epoch and the final test value."""


def _ema(values, decay):
    out, mean, weight = [], 0.0, 0.0
    for value in values:
        mean = decay * mean + (1.0 - decay) * value
        weight = decay * weight + (1.0 - decay)
        out.append(mean / weight)
    return out


def smooth(values, window=None):
    """Zero-phase exponential moving average of a training curve.

    An exponential moving average (debiased at the start, as TensorBoard's)
    run forwards and then backwards, so that the smoothed curve does not
    lag behind a loss that falls fast in the first steps.

    Args:
        values: a sequence of numbers.
        window: the time constant in steps of each pass (weight `1 - 1 /
            window` on the previous value); default `len(values) / 30`,
            at least 1 (no smoothing) and at most 100.

    Returns:
        float64 array of `len(values)`.

    Example:

    >>> smooth([1.0, 1.0, 4.0], window=1).tolist()
    [1.0, 1.0, 4.0]
    >>> smooth([2.0, 2.0, 2.0], window=10).round(6).tolist()
    [2.0, 2.0, 2.0]
    """
    import numpy as np

    values = np.asarray(values, "float64").reshape(-1)
    if window is None:
        window = min(max(len(values) / 30.0, 1.0), 100.0)
    decay = 1.0 - 1.0 / max(float(window), 1.0)
    forward = _ema(values, decay)
    return np.asarray(_ema(forward[::-1], decay)[::-1], "float64")


def _training_y_limits(train, smoothed, extra):
    """A y range for the later 80% of the steps and the held-out values:
    the first steps' fall from the initial loss would flatten the rest."""
    import numpy as np

    skip = len(train) // 5 if len(train) >= 10 else 0
    high = list(smoothed[skip:]) + extra
    low = list(smoothed[skip:]) + extra
    if len(train) > skip:
        low.append(float(np.percentile(train[skip:], 1)))
    if not high:
        return None
    low, high = min(low), max(high)
    pad = 0.08 * max(high - low, 1e-3)
    return low - pad, high + 2 * pad


def save_training_plot(
    curve,
    path,
    test_value=None,
    unit="bits/dim",
    title=None,
    val_label="held-out",
):
    """Plots the training value per step, smoothed, with the held-out value
    of each epoch and the final test value, to a PNG.

    The raw per-step values are drawn faint behind their smoothed curve
    (`smooth`). The y axis fits the later 80% of the steps and the
    held-out values, so that a one-epoch run is readable; a note gives the
    starting value when the first steps lie above it.

    Args:
        curve: `TrainingHistory.curve` (or the same dict from
            `metrics.json`): `"step"`, `"train"`, `"epoch_step"` and
            `"val"` lists.
        path: output PNG path.
        test_value: the final test value, drawn at the last step.
        unit: the y axis label.
        title: optional title.
        val_label: legend label of the per-epoch held-out values.

    Returns:
        `path`, or `None` if matplotlib is not installed.

    Example:

    >>> import tempfile, os
    >>> curve = {"step": [1, 2, 3, 4], "train": [8.0, 4.0, 3.0, 2.5],
    ...          "epoch_step": [2, 4], "val": [3.5, 2.6]}
    >>> out = os.path.join(tempfile.mkdtemp(), "t.png")
    >>> save_training_plot(curve, out, test_value=2.55) == out
    True
    """
    import numpy as np

    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        from matplotlib.ticker import MaxNLocator
    except ImportError:
        return None
    steps = np.asarray(curve.get("step", []), "float64")
    train = np.asarray(curve.get("train", []), "float64")
    epoch_steps = list(curve.get("epoch_step", []))
    val = [float(v) for v in curve.get("val", [])]
    smoothed = smooth(train)
    fig, ax = plt.subplots(figsize=(7, 4))
    if len(train):
        ax.plot(steps, train, color="tab:blue", lw=0.8, alpha=0.3)
        ax.plot(
            steps,
            smoothed,
            color="tab:blue",
            lw=2,
            marker="o" if len(train) <= 30 else None,
            ms=3,
            label="train, per step",
        )
    if val:
        ax.plot(
            epoch_steps[: len(val)],
            val,
            color="tab:orange",
            marker="o",
            ms=6,
            lw=1.5,
            zorder=3,
            label=f"{val_label} (each epoch): {val[-1]:.4f}",
        )
    if test_value is not None:
        last = steps[-1] if len(steps) else 1
        ax.axhline(test_value, color="tab:red", lw=0.8, ls="--", alpha=0.6)
        ax.plot(
            [last],
            [test_value],
            color="tab:red",
            marker="*",
            ms=16,
            ls="none",
            label=f"test: {test_value:.4f} {unit}",
        )
    extra = val + ([] if test_value is None else [float(test_value)])
    limits = _training_y_limits(train, smoothed, extra)
    if limits is not None:
        ax.set_ylim(*limits)
        if len(train) and train[0] > limits[1]:
            ax.text(
                0.01,
                0.02,
                f"step 1: {train[0]:.2f} {unit} (above the axis)",
                transform=ax.transAxes,
                va="bottom",
                fontsize=8,
                color="grey",
                bbox={"facecolor": "white", "edgecolor": "none", "pad": 1},
            )
    for step in epoch_steps[:-1]:
        ax.axvline(step, color="grey", lw=0.6, alpha=0.5)
    if len(epoch_steps) > 1:
        top = ax.secondary_xaxis("top")
        top.set_xticks(
            epoch_steps, [str(i + 1) for i in range(len(epoch_steps))]
        )
        top.set_xlabel("end of epoch")
    last = float(steps[-1]) if len(steps) else 1.0
    ax.set_xlim(0, last + max(1.0, 0.03 * last))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("training step")
    ax.set_ylabel(unit)
    ax.grid(alpha=0.3)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="best")
    if title:
        ax.set_title(title)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
