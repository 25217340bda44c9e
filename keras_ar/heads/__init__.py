"""Distribution heads (TFP-compatible)."""

from keras_ar.heads.bernoulli import Bernoulli
from keras_ar.heads.categorical import Categorical
from keras_ar.heads.get_head import get_head
from keras_ar.heads.head import DistributionHead

__all__ = ["Bernoulli", "Categorical", "DistributionHead", "get_head"]
