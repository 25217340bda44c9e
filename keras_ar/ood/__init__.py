"""Out-of-distribution detection with likelihood models.

Every `*_score` here follows one convention: HIGHER = MORE
out-of-distribution (`auroc` treats OOD examples as positives).

- `likelihood_ratio(model, background, x)` (Ren et al. 2019): `log p(x) -
  log p_background(x)`, the background model trained on mutated inputs
  (`mutate`, `train_background`); higher = more IN-distribution, its
  `ood_score` is the negative.
- `input_complexity_score(model, x, compressor)` (Serra et al. 2020):
  `NLL_bits(x) - L(x)`, `L` a lossless compressor's code length.
- `ood_score(model, x, method)`, `auroc`, `plot_score_histograms`,
  `evaluate_ood` (all scores and AUROCs of an in/out pair) and
  `write_ood_report` (CSV, JSON, PNG).
"""

from keras_ar.ood.auroc import auroc
from keras_ar.ood.background import clone_untrained
from keras_ar.ood.background import train_background
from keras_ar.ood.evaluation import default_compressor
from keras_ar.ood.evaluation import evaluate_ood
from keras_ar.ood.evaluation import write_ood_report
from keras_ar.ood.histograms import plot_score_histograms
from keras_ar.ood.input_complexity import code_length_bits
from keras_ar.ood.input_complexity import input_complexity_score
from keras_ar.ood.likelihood_ratio import likelihood_ratio
from keras_ar.ood.likelihood_ratio import ood_score
from keras_ar.ood.mutation import mutate

__all__ = [
    "auroc",
    "clone_untrained",
    "code_length_bits",
    "default_compressor",
    "evaluate_ood",
    "input_complexity_score",
    "likelihood_ratio",
    "mutate",
    "ood_score",
    "plot_score_histograms",
    "train_background",
    "write_ood_report",
]
