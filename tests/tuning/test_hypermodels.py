"""The hypermodels build compiled models from their search spaces."""

import keras_tuner
import numpy as np
import pytest

from keras_ar.heads import Bernoulli
from keras_ar.heads import DiscretizedLogisticMixture
from keras_ar.heads import MixtureOfGaussians
from keras_ar.tuning import IMAGE_MODELS
from keras_ar.tuning import ImageHyperModel
from keras_ar.tuning import MADEHyperModel
from keras_ar.tuning import NADEHyperModel
from keras_ar.tuning import WaveNetHyperModel

TINY_IMAGE = {
    "pixelcnn": {
        "filters": [2, 4],
        "num_residual_blocks": [1],
        "output_filters": [4],
    },
    "gated_pixelcnn": {
        "filters": [2, 4],
        "num_layers": [2],
        "output_filters": [4],
    },
    "pixelrnn": {
        "hidden_units": [2, 4],
        "num_layers": [1],
        "output_filters": [4],
    },
}


def _build(hypermodel, values=None):
    hp = keras_tuner.HyperParameters()
    for name, value in (values or {}).items():
        hp.values[name] = value
    return hypermodel.build(hp), hp


@pytest.mark.parametrize("name", sorted(IMAGE_MODELS))
def test_image_models(name):
    hypermodel = ImageHyperModel(
        name, (4, 4, 1), head=2, search_space=TINY_IMAGE[name]
    )
    space = hypermodel.search_space()
    assert set(IMAGE_MODELS[name][1]) <= set(space)
    width = "hidden_units" if name == "pixelrnn" else "filters"
    model, hp = _build(hypermodel, {width: 4, "learning_rate": 2e-3})
    assert type(model).__name__ == IMAGE_MODELS[name][0]
    assert getattr(model, width) == 4
    assert model.head.__class__.__name__ == "Bernoulli"
    assert model.optimizer is not None
    assert np.isclose(float(model.optimizer.learning_rate), 2e-3)
    # Every hyperparameter of the space, plus the learning rate, is declared.
    assert set(hp.values) == set(space) | {"learning_rate"}
    assert model.log_prob(np.zeros((2, 4, 4, 1), "int32")).shape == (2,)


def test_default_learning_rate_is_log_sampled():
    hypermodel = MADEHyperModel((4,))
    hp = keras_tuner.HyperParameters()
    hypermodel.build(hp)
    config = hp.get_config()["space"]
    rate = [p for p in config if p["config"]["name"] == "learning_rate"][0]
    assert rate["config"]["sampling"] == "log"
    assert rate["config"]["min_value"] == 1e-4
    assert rate["config"]["max_value"] == 1e-2


def test_pixelrnn_widths_are_multiples_of_the_channels():
    hypermodel = ImageHyperModel("pixelrnn", (4, 4, 3))
    assert hypermodel.search_space()["hidden_units"] == (18, 33, 66)


def test_one_value_fixes_a_hyperparameter():
    hypermodel = ImageHyperModel(
        "pixelrnn",
        (4, 4, 1),
        head=2,
        search_space={**TINY_IMAGE["pixelrnn"], "cell": "diagonal"},
    )
    model, hp = _build(hypermodel)
    assert model.cell == "diagonal"
    assert hp.get("cell") == "diagonal"
    assert type(hp._hps["cell"][0]).__name__ == "Fixed"


def test_unknown_or_empty_names_are_errors():
    with pytest.raises(ValueError, match="no hyperparameter 'filter'"):
        ImageHyperModel("pixelcnn", (4, 4, 1), search_space={"filter": [8]})
    with pytest.raises(ValueError, match="at least one value"):
        MADEHyperModel((4,), search_space={"hidden_width": []})
    with pytest.raises(ValueError, match="`model` must be one of"):
        ImageHyperModel("pixelcnn++", (4, 4, 1))
    with pytest.raises(ValueError, match="event_shape=\\(height, width"):
        ImageHyperModel("pixelcnn", (16,))


def test_wavenet_dilation_cycles():
    hypermodel = WaveNetHyperModel(
        (16, 1),
        head=4,
        search_space={
            "residual_channels": [4],
            "skip_channels": [4],
            "num_stacks": [1, 2],
            "layers_per_stack": [2, 3],
            "kernel_size": [2],
        },
    )
    model, _ = _build(hypermodel, {"num_stacks": 2, "layers_per_stack": 3})
    assert (model.num_stacks, model.layers_per_stack) == (2, 3)
    # 1 + (kernel - 1) * (1 + stacks * (2**layers - 1))
    assert model.receptive_field == 1 + 1 * (1 + 2 * 7)


def test_made_hidden_layers_and_masks():
    hypermodel = MADEHyperModel(
        (6,), search_space={"hidden_width": [8], "num_masks": [1, 4]}
    )
    model, _ = _build(
        hypermodel,
        {"num_hidden_layers": 3, "num_masks": 4, "order_agnostic": True},
    )
    assert tuple(model.hidden_units) == (8, 8, 8)
    assert model.num_masks == 4 and model.order_agnostic is True
    # Booleans stay booleans (KerasTuner's Choice would give 0 and 1).
    _, hp = _build(hypermodel)
    assert hp.get("order_agnostic") is False
    assert hp.get("direct_connections") is False


def test_nade():
    hypermodel = NADEHyperModel((6,), search_space={"hidden_units": [4, 8]})
    model, _ = _build(hypermodel, {"hidden_units": 8, "activation": "relu"})
    assert (model.hidden_units, model.activation) == (8, "relu")


def test_mixture_heads_get_tuned_components():
    head = MixtureOfGaussians(num_components=10)
    hypermodel = NADEHyperModel(
        (3,), head=head, search_space={"hidden_units": [4]}
    )
    assert hypermodel.search_space()["num_components"] == (3, 5, 10)
    first, _ = _build(hypermodel, {"num_components": 3})
    second, _ = _build(hypermodel, {"num_components": 3})
    # The head is built anew for every trial, never shared between models.
    assert first.head.head is not second.head.head
    assert first.head.head.num_components == 3
    hypermodel = WaveNetHyperModel(
        (8, 1),
        head=DiscretizedLogisticMixture(num_values=16),
        search_space={
            "residual_channels": [4],
            "skip_channels": [4],
            "num_stacks": [1],
            "layers_per_stack": [2],
            "num_components": [2],
        },
    )
    model, _ = _build(hypermodel)
    assert model.head.num_components == 2 and model.head.num_values == 16


def test_head_instance_is_copied():
    head = Bernoulli()
    hypermodel = MADEHyperModel(
        (4,), head=head, search_space={"hidden_width": [4]}
    )
    model, _ = _build(hypermodel)
    assert isinstance(model.head, Bernoulli) and model.head is not head


def test_condition_classes():
    hypermodel = ImageHyperModel(
        "pixelcnn",
        (4, 4, 1),
        head=2,
        condition_classes=3,
        search_space=TINY_IMAGE["pixelcnn"],
    )
    model, _ = _build(hypermodel)
    assert model.condition_classes == 3
