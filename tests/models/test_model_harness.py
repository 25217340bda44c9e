"""Every model passes `keras_ar.testing.run_model_test`: grey and RGB,
discrete and continuous heads, class, vector and local conditions.

The suite runs these on TensorFlow (with export and the TF-saved file
loaded on JAX) and again with KERAS_BACKEND=jax (see .ci/run)."""

import numpy as np
import pytest

from keras_ar.heads import DiscretizedLogisticMixture
from keras_ar.heads import MuLawCategorical
from keras_ar.models import MADE
from keras_ar.models import NADE
from keras_ar.models import PixelCNN
from keras_ar.models import WaveNet
from keras_ar.testing import run_model_test


def _ints(shape, high, n=24, seed=0):
    return np.random.default_rng(seed).integers(0, high, (n,) + shape)


def _labels(classes, n=24):
    return np.arange(n) % classes


def _vectors(size, n=24, seed=1):
    return np.random.default_rng(seed).normal(size=(n, size))


TINY_PIXELCNN = dict(filters=2, num_residual_blocks=1, output_filters=4)

CASES = {
    "pixelcnn_grey_bernoulli": (
        PixelCNN,
        dict(event_shape=(3, 3, 1), head="bernoulli", first_kernel_size=3),
        lambda: (_ints((3, 3, 1), 2), None),
    ),
    "pixelcnn_rgb_categorical": (
        PixelCNN,
        dict(
            event_shape=(1, 2, 3),
            head=3,
            filters=3,
            output_filters=6,
            num_residual_blocks=1,
        ),
        lambda: (_ints((1, 2, 3), 3), None),
    ),
    "pixelcnn_class_conditional": (
        PixelCNN,
        dict(event_shape=(2, 2, 1), head=3, condition_classes=2),
        lambda: (_ints((2, 2, 1), 3), _labels(2)),
    ),
    "pixelcnn_vector_conditional": (
        PixelCNN,
        dict(event_shape=(2, 2, 1), head="bernoulli", condition_size=3),
        lambda: (_ints((2, 2, 1), 2), _vectors(3)),
    ),
    "pixelcnn_logistic_mixture": (
        PixelCNN,
        dict(event_shape=(2, 2, 1), head=DiscretizedLogisticMixture(2, 4)),
        lambda: (_ints((2, 2, 1), 4), None),
    ),
    "wavenet_mu_law": (
        WaveNet,
        dict(
            event_shape=(4, 1),
            head=MuLawCategorical(mu=3),
            residual_channels=4,
            skip_channels=4,
            num_stacks=1,
            layers_per_stack=2,
        ),
        lambda: (_ints((4, 1), 4), None),
    ),
    "wavenet_two_channels": (
        WaveNet,
        dict(
            event_shape=(3, 2),
            head=3,
            residual_channels=4,
            skip_channels=4,
            num_stacks=1,
            layers_per_stack=2,
            input_encoding="one_hot",  # scaled inputs: the other cases
        ),
        lambda: (_ints((3, 2), 3), None),
    ),
    "wavenet_class_and_local": (
        WaveNet,
        dict(
            event_shape=(4, 1),
            head=3,
            residual_channels=4,
            skip_channels=4,
            num_stacks=1,
            layers_per_stack=2,
            condition_classes=2,
            local_condition_channels=2,
            local_upsample_factor=2,
            local_upsample="transposed",
        ),
        lambda: (
            _ints((4, 1), 3),
            {
                "condition": _labels(2),
                "local_condition": _vectors(4).reshape(24, 2, 2),
            },
        ),
    ),
    "made_binary": (
        MADE,
        dict(event_shape=(4,), hidden_units=(8,)),
        lambda: (_ints((4,), 2), None),
    ),
    "made_ensemble": (
        MADE,
        dict(
            event_shape=(4,),
            hidden_units=(8, 8),
            num_masks=4,
            order_agnostic=True,
            direct_connections=True,
        ),
        lambda: (_ints((4,), 2), None),
    ),
    "made_categorical_conditional": (
        MADE,
        dict(event_shape=(3,), head=3, hidden_units=(8,), condition_classes=2),
        lambda: (_ints((3,), 3), _labels(2)),
    ),
    "made_gaussian": (
        MADE,
        dict(event_shape=(2,), head="gaussian", hidden_units=(8,)),
        lambda: (_vectors(2) * 3 + 5, None),
    ),
    "nade_binary": (
        NADE,
        dict(event_shape=(5,), hidden_units=6),
        lambda: (_ints((5,), 2), None),
    ),
    "nade_categorical_conditional": (
        NADE,
        dict(event_shape=(3,), head=3, hidden_units=6, condition_classes=2),
        lambda: (_ints((3,), 3), _labels(2)),
    ),
    "nade_mixture_of_gaussians": (
        NADE,
        dict(event_shape=(2,), head="mixture_of_gaussians", hidden_units=6),
        lambda: (_vectors(2) - 2, None),
    ),
}


#: The cases whose TF-saved file is also loaded on JAX (a subprocess of
#: about 10 s each): one per model class and condition kind.
CROSS_BACKEND = (
    "pixelcnn_vector_conditional",
    "wavenet_class_and_local",
    "made_ensemble",
    "nade_mixture_of_gaussians",
)


#: Cases the JAX suite leaves out (they run on TensorFlow): each is a
#: simpler variant of a case that runs on JAX too (grey Bernoulli PixelCNN:
#: pixelcnn_vector_conditional; one-mask binary MADE: made_ensemble and
#: test_made's cached-sampling configs; binary NADE: test_nade's).
TENSORFLOW_ONLY = (
    "pixelcnn_grey_bernoulli",
    "made_binary",
    "nade_binary",
    # WaveNet runs two_channels and class_and_local on JAX; the logistic
    # mixture head runs in PixelCNN++'s and PixelSNAIL's RGB cases there.
    "wavenet_mu_law",
    "pixelcnn_logistic_mixture",
    # RGB PixelCNN on JAX: test_pixelcnn's RGB autoregressive and cached
    # sampling tests.
    "pixelcnn_rgb_categorical",
    # Class-conditional PixelCNN and two-channel WaveNet on JAX:
    # pixelcnn_vector_conditional and wavenet_class_and_local (conditions),
    # test_pixelcnn's class-conditional cached sampling, test_wavenet's
    # multichannel tests.
    "pixelcnn_class_conditional",
    "wavenet_two_channels",
)


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(name, marks=pytest.mark.tensorflow)
        if name in TENSORFLOW_ONLY
        else name
        for name in sorted(CASES)
    ],
)
def test_model_passes_the_harness(name):
    cls, kwargs, data = CASES[name]
    if cls is PixelCNN:
        kwargs = {**TINY_PIXELCNN, **kwargs}
    x, condition = data()
    model = run_model_test(
        cls, kwargs, x, condition, cross_backend=name in CROSS_BACKEND
    )
    assert isinstance(model, cls)
