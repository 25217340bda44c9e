"""A model trained on JAX exports to the same signatures and answers."""

import os
import subprocess
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_ar.export.example_requests import read_example_requests
from keras_ar.export.saved_model import signature_names

SCRIPT = os.path.join(os.path.dirname(__file__), "train_on_jax.py")


@pytest.fixture(scope="module")
def trained_on_jax(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("jax")
    env = dict(os.environ, KERAS_BACKEND="jax", TF_CPP_MIN_LOG_LEVEL="2")
    result = subprocess.run(
        [sys.executable, SCRIPT, str(workdir)],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    answers = dict(np.load(workdir / "jax.npz"))
    loaded = tf.saved_model.load(str(workdir / "saved_model"))
    model = keras.saving.load_model(workdir / "model.keras")
    return workdir, answers, loaded, model


def test_trained_weights_reach_the_saved_model(trained_on_jax):
    _, answers, loaded, _ = trained_on_jax
    out = loaded.signatures["log_prob"](x=tf.constant(answers["x"]))
    # The JAX model's own log-probabilities, to float32 rounding.
    np.testing.assert_allclose(
        out["log_prob"].numpy(), answers["log_prob"], rtol=1e-5, atol=1e-5
    )
    assert not np.allclose(answers["log_prob"], answers["untrained"])


def test_same_signatures_as_a_tensorflow_export(trained_on_jax):
    workdir, answers, loaded, model = trained_on_jax
    assert set(loaded.signatures) == {"serving_default"} | set(
        signature_names(model)
    )
    assert "is_anomaly" in loaded.signatures
    out = loaded.signatures["is_anomaly"](x=tf.constant(answers["x"]))
    np.testing.assert_array_equal(
        out["is_anomaly"].numpy(), answers["is_anomaly"]
    )
    examples = read_example_requests(workdir / "saved_model")
    assert set(examples) == set(signature_names(model))


def test_samples_equal_the_model_loaded_under_tensorflow(trained_on_jax):
    _, _, loaded, model = trained_on_jax
    out = loaded.signatures["sample"](
        num_samples=tf.constant(5),
        seed=tf.constant([3, 0]),
        temperature=tf.constant(1.0),
    )["samples"].numpy()
    # JAX draws other random numbers for a seed than TensorFlow: the
    # served samples are those of the same .keras file on TensorFlow.
    np.testing.assert_array_equal(out, model.sample(5, seed=3))
