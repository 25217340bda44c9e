"""The anomaly-score histogram of `keras-ar train made|nade --csv`."""


def save_score_histogram(scores, path, threshold=None, title=None):
    """Plots a histogram of anomaly scores (NLL, nats) to a PNG, with the
    threshold as a vertical line.

    Args:
        scores: `(rows,)` anomaly scores.
        path: output PNG path.
        threshold: the fitted threshold, or `None`.
        title: optional title.

    Returns:
        `path`, or `None` if matplotlib is not installed.

    Example:

    >>> import numpy as np, os, tempfile
    >>> out = os.path.join(tempfile.mkdtemp(), "h.png")
    >>> save_score_histogram(np.arange(10.0), out, threshold=8.5) == out
    True
    """
    import numpy as np

    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    scores = np.asarray(scores, "float64")
    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.hist(scores, bins=min(50, max(len(scores) // 4, 5)), color="tab:blue")
    if threshold is not None:
        above = int((scores > threshold).sum())
        ax.axvline(
            threshold,
            color="tab:red",
            ls="--",
            label=f"threshold {threshold:.3f} ({above} of {len(scores)} above)",
        )
        ax.legend()
    ax.set_xlabel("anomaly score (negative log-likelihood, nats)")
    ax.set_ylabel("rows")
    if title:
        ax.set_title(title)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
