"""Test utilities for autoregressive models and layers.

`run_model_test(cls, init_kwargs, x)` is the one test every model passes
(like Keras's `run_layer_test`); its parts are usable on their own.
"""

from keras_ar.testing.bad_inputs import assert_bad_inputs_refused
from keras_ar.testing.distribution_checks import assert_normalized
from keras_ar.testing.distribution_checks import chi_square_p_value
from keras_ar.testing.export_checks import assert_export_matches
from keras_ar.testing.export_checks import assert_export_matches_log_prob
from keras_ar.testing.model_test import perturb_weights
from keras_ar.testing.model_test import run_model_test
from keras_ar.testing.perturbation import assert_autoregressive
from keras_ar.testing.perturbation import dependency_matrix
from keras_ar.testing.perturbation import enumerate_events

__all__ = [
    "assert_autoregressive",
    "assert_bad_inputs_refused",
    "assert_export_matches",
    "assert_export_matches_log_prob",
    "assert_normalized",
    "chi_square_p_value",
    "dependency_matrix",
    "enumerate_events",
    "perturb_weights",
    "run_model_test",
]
