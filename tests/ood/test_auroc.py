import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from keras_ar.ood import auroc


def _sklearn(scores_in, scores_out):
    labels = np.r_[np.zeros(len(scores_in)), np.ones(len(scores_out))]
    return roc_auc_score(labels, np.r_[scores_in, scores_out])


def test_auroc_matches_sklearn_with_and_without_ties():
    rng = np.random.default_rng(0)
    scores_in, scores_out = rng.normal(0, 1, 300), rng.normal(0.7, 1, 200)
    assert auroc(scores_in, scores_out) == pytest.approx(
        _sklearn(scores_in, scores_out), abs=1e-12
    )
    # Many ties (few distinct values), ties across and within the sets.
    tied_in = rng.integers(0, 5, 257).astype(float)
    tied_out = rng.integers(2, 7, 131).astype(float)
    assert auroc(tied_in, tied_out) == pytest.approx(
        _sklearn(tied_in, tied_out), abs=1e-12
    )


def test_auroc_edge_cases():
    assert auroc([0, 1, 2], [3, 4]) == 1.0
    assert auroc([3, 4], [0, 1, 2]) == 0.0
    # Every pair tied counts half.
    assert auroc([1, 1, 1], [1, 1]) == 0.5
    # One tie of four pairs: (3 + 0.5) / 4.
    assert auroc([0, 1], [1, 2]) == 0.875


@pytest.mark.parametrize(
    "scores_in, scores_out, match",
    [([], [1.0], "scores_in"), ([1.0], [np.nan], "finite")],
)
def test_auroc_rejects_bad_scores(scores_in, scores_out, match):
    with pytest.raises(ValueError, match=match):
        auroc(scores_in, scores_out)
