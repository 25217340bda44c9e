"""Histograms of OOD scores, in-distribution against out."""

import numpy as np

from keras_ar.ood.auroc import auroc


def plot_score_histograms(scores, path, labels=("in", "out"), bins=40):
    """Writes one histogram panel per score to a PNG, AUROC in each title.

    Needs matplotlib (`pip install matplotlib`); returns `None` without
    writing when it is missing.

    Args:
        scores: dict `name -> (scores_in, scores_out)`, each score with
            higher = more out-of-distribution (`ood_score`).
        path: output PNG path.
        labels: legend names of the in- and out-of-distribution data.
        bins: histogram bins per panel (shared by both sets).

    Returns:
        `path`, or `None` if matplotlib is not installed.

    Example:

    >>> import numpy as np
    >>> from keras_ar.ood import plot_score_histograms
    >>> rng = np.random.default_rng(0)
    >>> scores = {"nll": (rng.normal(0, 1, 100), rng.normal(2, 1, 100))}
    >>> path = plot_score_histograms(scores, "/tmp/ood_histograms.png")
    """
    if not scores:
        raise ValueError(
            "Expected a dict of at least one `name -> (in, out)` score. "
            "Received an empty dict."
        )
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    fig, axes = plt.subplots(
        1, len(scores), figsize=(4.2 * len(scores), 3.4), squeeze=False
    )
    for ax, (name, (scores_in, scores_out)) in zip(axes[0], scores.items()):
        value = auroc(scores_in, scores_out)
        both = np.concatenate([np.ravel(scores_in), np.ravel(scores_out)])
        edges = np.histogram_bin_edges(both, bins=bins)
        ax.hist(np.ravel(scores_in), bins=edges, alpha=0.6, label=labels[0])
        ax.hist(np.ravel(scores_out), bins=edges, alpha=0.6, label=labels[1])
        ax.set_title(f"{name}: AUROC {value:.3f}")
        ax.set_xlabel("score (higher = more OOD)")
        ax.set_ylabel("examples")
        ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
