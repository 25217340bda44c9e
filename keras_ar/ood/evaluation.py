"""Scores of an in/out pair of data sets, their AUROCs and a report."""

import csv
import json
import os

import numpy as np

from keras_ar.ood.auroc import auroc
from keras_ar.ood.histograms import plot_score_histograms
from keras_ar.ood.likelihood_ratio import ood_score


def default_compressor(x):
    """`"png"` for 8/16-bit images with 1, 3 or 4 channels, else `"zlib"`."""
    x = np.asarray(x)
    image = x.ndim == 4 and x.shape[-1] in (1, 3, 4)
    whole = x.size == 0 or (np.all(np.mod(x, 1) == 0) and x.min() >= 0)
    return "png" if image and whole and x.max() <= 65535 else "zlib"


def evaluate_ood(
    model,
    x_in,
    x_out,
    background=None,
    compressor=None,
    batch_size=None,
):
    """Every OOD score of `x_in` and `x_out`, and their AUROCs.

    Scores (higher = more out-of-distribution, `ood_score`): the raw
    likelihood (`"likelihood"`, NLL in nats), the likelihood ratio
    (`"likelihood_ratio"`, when a `background` model is given) and the
    input complexity (`"input_complexity"`, bits).

    Args:
        model: the keras_ar model trained on the in-distribution data.
        x_in: in-distribution test examples.
        x_out: out-of-distribution examples (same event shape).
        background: the background model (`train_background`), optional.
        compressor: for the input complexity; default
            `default_compressor(x_in)` (PNG for images).
        batch_size: score in chunks of this size with progress bars.

    Returns:
        A dict: `"scores"` maps each score's name to `(scores_in,
        scores_out)`, `"auroc"` each name to its AUROC, `"compressor"`
        the compressor used.

    Example:

    >>> import numpy as np
    >>> from keras_ar.models import MADE
    >>> from keras_ar.ood import evaluate_ood
    >>> rng = np.random.default_rng(0)
    >>> model = MADE((6,), hidden_units=[8])
    >>> result = evaluate_ood(model, rng.integers(0, 2, (8, 6)),
    ...                       np.ones((8, 6), "int32"), compressor="zlib")
    >>> sorted(result["auroc"])
    ['input_complexity', 'likelihood']
    """
    if compressor is None:
        compressor = default_compressor(x_in)
    methods = ["likelihood"]
    if background is not None:
        methods.append("likelihood_ratio")
    methods.append("input_complexity")
    scores = {}
    for method in methods:
        scores[method] = tuple(
            ood_score(
                model,
                x,
                method,
                background=background,
                compressor=compressor,
                batch_size=batch_size,
            )
            for x in (x_in, x_out)
        )
    return {
        "scores": scores,
        "auroc": {name: auroc(*pair) for name, pair in scores.items()},
        "compressor": compressor,
    }


def write_ood_report(result, out_dir, labels=("in", "out")):
    """Writes `evaluate_ood`'s result to `out_dir`.

    Files: `ood_scores.csv` (one row per example: `set`, `index` and each
    score), `ood_auroc.json` (the AUROCs, sizes and compressor) and
    `ood_histograms.png` (`plot_score_histograms`; skipped without
    matplotlib).

    Args:
        result: the dict returned by `evaluate_ood`.
        out_dir: output directory (created).
        labels: names of the in- and out-of-distribution data.

    Returns:
        A dict of the written paths (`"csv"`, `"json"`, `"png"`; `"png"`
        is `None` without matplotlib).
    """
    os.makedirs(out_dir, exist_ok=True)
    scores = result["scores"]
    names = list(scores)
    csv_path = os.path.join(out_dir, "ood_scores.csv")
    with open(csv_path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["set", "index"] + names)
        for side, label in enumerate(labels):
            columns = [scores[name][side] for name in names]
            for i, row in enumerate(zip(*columns)):
                writer.writerow([label, i] + [f"{v:.6f}" for v in row])
    json_path = os.path.join(out_dir, "ood_auroc.json")
    first = scores[names[0]]
    summary = {
        "auroc": result["auroc"],
        "num_in": len(first[0]),
        "num_out": len(first[1]),
        "labels": list(labels),
        "compressor": result.get("compressor"),
        "convention": "higher score = more out-of-distribution",
    }
    with open(json_path, "w") as f:
        json.dump(summary, f, indent=2)
    png_path = plot_score_histograms(
        scores, os.path.join(out_dir, "ood_histograms.png"), labels=labels
    )
    return {"csv": csv_path, "json": json_path, "png": png_path}
