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
