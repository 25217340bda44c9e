import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# Tiny models shared by the tests of the generation loop and the harness.
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "testing"))

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _reset_keras():
    keras.utils.set_random_seed(1234)
    np.random.seed(1234)
    yield
    keras.config.set_dtype_policy("float32")


# TensorFlow-only tests ask for these fixtures (TensorFlow is imported only
# when they run, so the suite is collectable without it) and are marked
# `tensorflow`: where TensorFlow is not installed, run -m "not tensorflow".
TENSORFLOW_FIXTURES = ("tf", "tfp", "tfd", "tfds")


@pytest.fixture
def tf():
    import tensorflow

    return tensorflow


@pytest.fixture
def tfp():
    import tensorflow_probability

    return tensorflow_probability


@pytest.fixture
def tfd(tfp):
    return tfp.distributions


@pytest.fixture
def tfds():
    import tensorflow_datasets

    return tensorflow_datasets


def pytest_collection_modifyitems(config, items):
    for item in items:
        if set(TENSORFLOW_FIXTURES) & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.tensorflow)
