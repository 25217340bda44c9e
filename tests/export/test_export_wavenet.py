"""SavedModel export of WaveNet, including global and local conditions."""

import numpy as np
import pytest
import tensorflow as tf

from keras_ar.export import export_saved_model
from keras_ar.heads import DiscretizedLogisticMixture
from keras_ar.models import WaveNet


def _randomize(model, scale=0.5, seed=0):
    rng = np.random.default_rng(seed)
    for w in model.weights:
        w.assign(rng.normal(0, scale, w.shape).astype("float32"))


@pytest.fixture(scope="module")
def conditional(tmp_path_factory):
    model = WaveNet(
        (12, 1),
        head=DiscretizedLogisticMixture(2, num_values=16),
        residual_channels=4,
        skip_channels=4,
        num_stacks=1,
        layers_per_stack=3,
        condition_classes=3,
        local_condition_channels=2,
        local_upsample_factor=4,
    )
    _randomize(model)
    path = tmp_path_factory.mktemp("wavenet") / "conditional"
    export_saved_model(model, path, verbose=False)
    return model, tf.saved_model.load(str(path))


def test_signatures_take_class_ids_local_features_and_a_length(conditional):
    _, loaded = conditional
    inputs = loaded.signatures["sample"].structured_input_signature[1]
    # Shapes are checked in the graph, so every input is declared unknown.
    assert {k: v.dtype for k, v in inputs.items()} == {
        "num_samples": tf.int32,
        "seed": tf.int32,
        "temperature": tf.float32,
        "length": tf.int32,
        "condition": tf.int32,
        "local_condition": tf.float32,
    }
    assert all(v.shape.rank is None for v in inputs.values())


def test_exported_log_prob_and_sample_match_the_model(conditional):
    model, loaded = conditional
    rng = np.random.default_rng(0)
    x = rng.integers(0, 16, (3, 12, 1)).astype("float32")
    ids = np.array([0, 2, 1], "int32")
    local = rng.normal(size=(3, 3, 2)).astype("float32")
    condition = {"global": ids, "local": local}
    out = loaded.signatures["log_prob"](
        x=tf.constant(x),
        condition=tf.constant(ids),
        local_condition=tf.constant(local),
    )
    np.testing.assert_allclose(
        out["log_prob"].numpy(),
        model.log_prob(x, condition=condition),
        rtol=1e-5,
        atol=1e-4,
    )
    other = loaded.signatures["log_prob"](
        x=tf.constant(x),
        condition=tf.constant(ids),
        local_condition=tf.constant(local + 1.0),
    )
    assert not np.allclose(other["log_prob"], out["log_prob"])
    samples = loaded.signatures["sample"](
        num_samples=tf.constant(3),
        seed=tf.constant([7, 0]),
        temperature=tf.constant(1.0),
        length=tf.constant(12),
        condition=tf.constant(ids),
        local_condition=tf.constant(local),
    )["samples"].numpy()
    expected = model.sample(3, condition=condition, seed=7)
    assert samples.shape == (3, 12, 1)
    # XLA (model.sample) and the plain graph (export) may round a
    # probability differently in rare cases; nearly all values agree.
    assert np.mean(samples == expected) > 0.95


def test_bad_local_condition_fails_with_a_message(conditional):
    _, loaded = conditional
    x = tf.zeros((2, 12, 1))
    needed = "Frames needed:.*3.*received:.*2"
    with pytest.raises(tf.errors.InvalidArgumentError, match=needed):
        loaded.signatures["log_prob"](
            x=x,
            condition=tf.constant([0, 1]),
            local_condition=tf.zeros((2, 2, 2)),
        )
    with pytest.raises(tf.errors.InvalidArgumentError, match="one sequence"):
        loaded.signatures["log_prob"](
            x=x,
            condition=tf.constant([0, 1]),
            local_condition=tf.zeros((3, 3, 2)),
        )


def test_unconditional_mu_law_wavenet_exports(tmp_path):
    model = WaveNet(
        (10, 1),
        residual_channels=4,
        skip_channels=4,
        num_stacks=1,
        layers_per_stack=2,
    )
    _randomize(model, scale=0.3)
    loaded = tf.saved_model.load(
        export_saved_model(model, tmp_path / "w", verbose=False)
    )
    x = np.random.default_rng(1).integers(0, 256, (2, 10, 1)).astype("float32")
    np.testing.assert_allclose(
        loaded.signatures["serving_default"](x=tf.constant(x))[
            "log_prob"
        ].numpy(),
        model.log_prob(x),
        rtol=1e-5,
        atol=1e-3,
    )
    known = np.zeros(x.shape, bool)
    known[:, :4] = True
    out = loaded.signatures["complete"](
        x=tf.constant(x),
        known_mask=tf.constant(known),
        seed=tf.constant([1, 0]),
        temperature=tf.constant(1.0),
    )["samples"].numpy()
    np.testing.assert_array_equal(out[:, :4], x[:, :4])
