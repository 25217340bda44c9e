"""Training-curve plots."""


def save_history_plot(history, path, keys=("bits_per_dim",)):
    """Plots per-epoch metrics of a Keras `History` (or dict) to a PNG.

    Needs matplotlib (`pip install matplotlib`); returns `None` without
    writing when it is missing.

    Args:
        history: `keras.callbacks.History` or a dict of lists.
        path: output PNG path.
        keys: metrics to plot; their `val_` twins are added when present.

    Returns:
        `path`, or `None` if matplotlib is not installed.
    """
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    logs = getattr(history, "history", history)
    fig, ax = plt.subplots(figsize=(5, 3.5))
    for key in keys:
        for name in (key, f"val_{key}"):
            if name in logs:
                values = logs[name]
                ax.plot(
                    range(1, len(values) + 1), values, marker="o", label=name
                )
    ax.set_xlabel("epoch")
    ax.set_ylabel(", ".join(keys))
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def save_forecast_plot(
    history, forecast, path, actual=None, title=None, show_last=None
):
    """Plots a series, its forecast median and intervals to a PNG.

    Args:
        history: observed values `(time,)`.
        forecast: the dict returned by `WaveNet.forecast` for a `(time,)`
            context: `"median"` `(steps,)`, `"quantiles"` `(levels,
            steps)` and `"quantile_levels"`. The band between the lowest
            and highest level is shaded.
        path: output PNG path.
        actual: optional true future values `(steps,)` to draw.
        title: optional title.
        show_last: draw only the last `show_last` history values.

    Returns:
        `path`, or `None` if matplotlib is not installed.

    Example:

    >>> import numpy as np, tempfile, os
    >>> fc = {"median": np.ones(3), "quantiles": np.stack([np.zeros(3),
    ...       np.ones(3), 2 * np.ones(3)]), "quantile_levels": [.1, .5, .9]}
    >>> out = os.path.join(tempfile.mkdtemp(), "fc.png")
    >>> save_forecast_plot(np.arange(10.0), fc, out) == out
    True
    """
    import numpy as np

    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    history = np.asarray(history, "float64").reshape(-1)
    start = 0
    if show_last is not None and len(history) > show_last:
        start = len(history) - int(show_last)
    t_hist = np.arange(start, len(history))
    median = np.asarray(forecast["median"]).reshape(-1)
    t_future = len(history) + np.arange(len(median))
    quantiles = np.asarray(forecast["quantiles"]).reshape(-1, len(median))
    levels = list(forecast.get("quantile_levels", []))
    fig, ax = plt.subplots(figsize=(8, 3.5))
    ax.plot(t_hist, history[start:], color="black", lw=1, label="observed")
    if actual is not None:
        ax.plot(
            t_future,
            np.asarray(actual).reshape(-1),
            color="black",
            lw=1,
            ls="--",
            label="actual",
        )
    if len(quantiles) >= 2:
        low, high = quantiles[0], quantiles[-1]
        label = "interval"
        if len(levels) == len(quantiles):
            label = f"{levels[0]:.0%}-{levels[-1]:.0%} interval"
        ax.fill_between(
            t_future, low, high, color="tab:blue", alpha=0.25, label=label
        )
    ax.plot(t_future, median, color="tab:blue", lw=1.5, label="median")
    ax.set_xlabel("step")
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", fontsize=8)
    if title:
        ax.set_title(title)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
