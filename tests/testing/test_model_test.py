"""The harness passes a correct model and catches broken ones."""

import numpy as np
import pytest
from toy_models import BiasedSamplerModel
from toy_models import ToyModel

from keras_ar.testing import run_model_test


def _data():
    return np.random.default_rng(0).integers(0, 3, (16, 4))


def test_a_correct_model_passes():
    model = run_model_test(ToyModel, {"event_shape": (4,)}, _data())
    assert isinstance(model, ToyModel)


def test_a_conditional_model_passes():
    run_model_test(
        ToyModel,
        {"event_shape": (4,), "condition_classes": 2},
        _data(),
        condition=np.arange(16) % 2,
        export=False,
    )


def test_a_model_that_sees_the_current_value_is_caught():
    with pytest.raises(AssertionError, match="Autoregressive property"):
        run_model_test(
            ToyModel,
            {"event_shape": (4,), "leak": True},
            _data(),
            save=False,
            export=False,
        )


def test_a_sampler_that_disagrees_with_log_prob_is_caught():
    with pytest.raises(AssertionError, match="do not follow its log_prob"):
        run_model_test(
            BiasedSamplerModel,
            {"event_shape": (4,)},
            _data(),
            save=False,
            export=False,
        )
