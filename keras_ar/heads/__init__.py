"""Distribution heads (TFP-compatible)."""

from keras_ar.heads.bernoulli import Bernoulli
from keras_ar.heads.categorical import Categorical
from keras_ar.heads.discretized_logistic_mixture import (
    DiscretizedLogisticMixture,
)
from keras_ar.heads.gaussian import Gaussian
from keras_ar.heads.get_head import get_head
from keras_ar.heads.get_head import head_names
from keras_ar.heads.head import DistributionHead
from keras_ar.heads.mixture_of_gaussians import MixtureOfGaussians
from keras_ar.heads.mu_law_categorical import MuLawCategorical
from keras_ar.heads.mu_law_categorical import mu_law_decode
from keras_ar.heads.mu_law_categorical import mu_law_encode
from keras_ar.heads.standardized import Standardized
from keras_ar.heads.standardized import standardized_head

__all__ = [
    "Bernoulli",
    "Categorical",
    "DiscretizedLogisticMixture",
    "DistributionHead",
    "Gaussian",
    "MixtureOfGaussians",
    "MuLawCategorical",
    "Standardized",
    "get_head",
    "head_names",
    "mu_law_decode",
    "mu_law_encode",
    "standardized_head",
]
