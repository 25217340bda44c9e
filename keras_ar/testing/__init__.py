"""Test utilities for autoregressive models and layers."""

from keras_ar.testing.export_checks import assert_export_matches_log_prob
from keras_ar.testing.perturbation import assert_autoregressive
from keras_ar.testing.perturbation import dependency_matrix
from keras_ar.testing.perturbation import enumerate_events

__all__ = [
    "assert_autoregressive",
    "assert_export_matches_log_prob",
    "dependency_matrix",
    "enumerate_events",
]
