"""Area under the ROC curve of OOD scores (Mann-Whitney form)."""

import numpy as np


def _check_scores(scores, name):
    scores = np.asarray(scores, dtype="float64").reshape(-1)
    if scores.size == 0:
        raise ValueError(
            f"Expected at least one score in `{name}`. Received an empty array."
        )
    if not np.all(np.isfinite(scores)):
        raise ValueError(
            f"Expected finite scores in `{name}`. Received "
            f"{int(np.sum(~np.isfinite(scores)))} NaN or infinite values."
        )
    return scores


def _average_ranks(values):
    """1-based ranks, ties sharing the mean of their ranks."""
    order = np.argsort(values, kind="mergesort")
    sorted_values = values[order]
    _, first, counts = np.unique(
        sorted_values, return_index=True, return_counts=True
    )
    # Tied values at sorted positions first..first+count-1 share the rank
    # first + (count + 1) / 2.
    mean_rank = first + (counts + 1) / 2.0
    ranks = np.empty(len(values))
    ranks[order] = np.repeat(mean_rank, counts)
    return ranks


def auroc(scores_in, scores_out):
    """AUROC of separating out-of-distribution from in-distribution data.

    Convention: a higher score means more out-of-distribution, and the OOD
    examples are the positives. The value is the Mann-Whitney statistic
    `P(s_out > s_in) + 0.5 P(s_out == s_in)` over all pairs (ties count
    half), which equals the area under the ROC curve
    (`sklearn.metrics.roc_auc_score` with OOD labelled 1). 1.0 separates
    perfectly, 0.5 is chance, below 0.5 ranks the wrong way (the raw
    likelihood of Fashion-MNIST models on MNIST: 0.089 in Ren et al.
    2019).

    Args:
        scores_in: scores of in-distribution examples.
        scores_out: scores of out-of-distribution examples.

    Returns:
        A float in `[0, 1]`.

    Example:

    >>> from keras_ar.ood import auroc
    >>> auroc([0.1, 0.2, 0.3], [0.25, 0.9])
    0.8333333333333334
    """
    scores_in = _check_scores(scores_in, "scores_in")
    scores_out = _check_scores(scores_out, "scores_out")
    ranks = _average_ranks(np.concatenate([scores_in, scores_out]))
    n_in, n_out = len(scores_in), len(scores_out)
    rank_sum = ranks[n_in:].sum()
    u = rank_sum - n_out * (n_out + 1) / 2.0
    return float(u / (n_in * n_out))
