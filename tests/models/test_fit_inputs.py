"""Weighted losses, value checks and metric directions on every input
path of `fit` / `evaluate` (arrays, dicts, tf.data, generators,
PyDataset), exercised through PixelCNN and a class-conditional MADE."""

import math

import keras
import numpy as np
import pytest

from keras_ar.models import MADE
from keras_ar.models import PixelCNN


def _pixelcnn():
    model = PixelCNN(
        event_shape=(4, 4, 1),
        head=4,
        filters=4,
        num_residual_blocks=1,
        output_filters=8,
        first_kernel_size=3,
    )
    model.compile(optimizer=keras.optimizers.SGD(0.05))
    return model


def _data(n=24, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 4, (n, 4, 4, 1)).astype("float32")
    weight = rng.uniform(0.0, 2.0, n).astype("float32")
    return x, weight


def _weighted_nll(model, x, weight, condition=None):
    nll = -model.log_prob(x, condition=condition)
    return float(np.sum(nll * weight) / np.sum(weight))


@pytest.mark.parametrize("batch_size", [5, 24])
def test_weighted_evaluate_is_the_weighted_mean_for_any_batch_size(
    batch_size,
):
    model = _pixelcnn()
    x, weight = _data()
    want = _weighted_nll(model, x, weight)
    result = model.evaluate(
        x, sample_weight=weight, batch_size=batch_size, verbose=0,
        return_dict=True,
    )  # fmt: skip
    np.testing.assert_allclose(result["loss"], want, rtol=1e-5)
    np.testing.assert_allclose(
        result["bits_per_dim"], want / (16 * math.log(2.0)), rtol=1e-5
    )
    # Unweighted: the plain mean, also with an uneven last batch.
    result = model.evaluate(x, batch_size=batch_size, verbose=0)
    np.testing.assert_allclose(
        result[0], -np.mean(model.log_prob(x)), rtol=1e-5
    )


@pytest.mark.parametrize("batch_size", [5, 24])
def test_weighted_evaluate_on_tf_data_and_generators(tf, batch_size):
    model = _pixelcnn()
    x, weight = _data()
    want = _weighted_nll(model, x, weight)
    dataset = tf.data.Dataset.from_tensor_slices((x, None, weight))
    result = model.evaluate(dataset.batch(batch_size), verbose=0)
    np.testing.assert_allclose(result[0], want, rtol=1e-5)

    def batches():
        for start in range(0, len(x), batch_size):
            part = slice(start, start + batch_size)
            yield x[part], None, weight[part]

    result = model.evaluate(batches(), verbose=0)
    np.testing.assert_allclose(result[0], want, rtol=1e-5)


def test_weighted_fit_reports_the_weighted_mean_and_zero_weights_do_not_train():
    x, weight = _data()
    model = _pixelcnn()
    model.optimizer.learning_rate.assign(0.0)
    want = _weighted_nll(model, x, weight)
    for batch_size in (5, 24):
        history = model.fit(
            x, sample_weight=weight, batch_size=batch_size, verbose=0
        )
        np.testing.assert_allclose(history.history["loss"], [want], rtol=1e-5)
    # Examples with weight 0 have no influence on training.
    zero = weight.copy()
    zero[:12] = 0.0
    changed = x.copy()
    changed[:12] = 3.0 - changed[:12]
    weights = []
    for data in (x, changed):
        keras.utils.set_random_seed(3)
        model = _pixelcnn()
        model.fit(data, sample_weight=zero, batch_size=8, verbose=0)
        weights.append(model.get_weights())
    for a, b in zip(*weights):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


def test_weighted_dict_inputs_of_a_conditional_model():
    rng = np.random.default_rng(1)
    x = (rng.random((20, 5)) > 0.5).astype("float32")
    labels = rng.integers(0, 3, 20)
    weight = rng.uniform(0.1, 1.0, 20).astype("float32")
    model = MADE(
        event_shape=(5,), hidden_units=[8], head="bernoulli",
        condition_classes=3,
    )  # fmt: skip
    model.compile(optimizer="adam")
    data = {"x": x, "label": labels}
    model.fit(data, sample_weight=weight, batch_size=6, verbose=0)
    result = model.evaluate(data, sample_weight=weight, batch_size=7, verbose=0)
    want = _weighted_nll(model, x, weight, condition=labels)
    np.testing.assert_allclose(result[0], want, rtol=1e-5)


@pytest.mark.parametrize(
    "weight, message",
    [
        (np.ones(5), r"shape \(24,\)"),
        (-np.ones(24), ">= 0"),
        (np.full(24, np.nan), "finite"),
        (np.zeros(24), "all zeros"),
    ],
)
def test_bad_sample_weights_raise_value_error(weight, message):
    model = _pixelcnn()
    x, _ = _data()
    with pytest.raises(ValueError, match=message):
        model.fit(x, sample_weight=weight, verbose=0)
    with pytest.raises(ValueError, match=message):
        model.evaluate(x, sample_weight=weight, verbose=0)


def test_generators_and_py_datasets_are_value_checked():
    model = _pixelcnn()
    x, _ = _data()
    bad = x.copy()
    bad[3, 0, 0, 0] = 7.0

    def batches():
        yield bad[:8]

    with pytest.raises(ValueError, match=r"\[0, 3\]"):
        model.fit(batches(), steps_per_epoch=1, verbose=0)

    class Batches(keras.utils.PyDataset):
        def __init__(self, data):
            super().__init__()
            self.data = data

        def __len__(self):
            return 3

        def __getitem__(self, index):
            return self.data[index * 8 : (index + 1) * 8]

    with pytest.raises(ValueError, match=r"\[0, 3\]"):
        model.fit(Batches(bad), verbose=0)
    # (On JAX a fit that raised mid-epoch leaves the model's variables
    # unset: train a fresh one.)
    history = _pixelcnn().fit(Batches(x), epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2


def test_tf_data_sample_weights_are_checked(tf):
    model = _pixelcnn()
    x, weight = _data()
    weight[2] = -1.0
    dataset = tf.data.Dataset.from_tensor_slices((x, None, weight)).batch(8)
    with pytest.raises(tf.errors.InvalidArgumentError, match=">= 0"):
        model.fit(dataset, verbose=0)


def test_a_target_is_refused_everywhere():
    model = _pixelcnn()
    x, weight = _data()
    with pytest.raises(ValueError, match="alone"):
        model.evaluate(x, x)
    with pytest.raises(ValueError, match="own target"):
        model.fit(x, validation_data=(x, x, weight))


@pytest.mark.parametrize(
    "make",
    [
        lambda: keras.callbacks.EarlyStopping("val_bits_per_dim", patience=0),
        lambda: keras.callbacks.ReduceLROnPlateau("bits_per_dim", patience=0),
    ],
)
def test_monitor_callbacks_minimize_bits_per_dim_under_mode_auto(make):
    model = _pixelcnn()
    x, _ = _data()
    callback = make()
    model.fit(
        x, validation_split=0.25, epochs=2, callbacks=[callback], verbose=0
    )
    assert callback.mode == "min"
    assert callback.monitor_op(1.0, 2.0)


def test_checkpoint_save_best_only_on_val_bits_per_dim(tmp_path):
    model = _pixelcnn()
    x, _ = _data()
    path = str(tmp_path / "best.weights.h5")
    checkpoint = keras.callbacks.ModelCheckpoint(
        path, monitor="val_bits_per_dim", save_best_only=True,
        save_weights_only=True,
    )  # fmt: skip
    history = model.fit(
        x, validation_data=x[:8], epochs=3, callbacks=[checkpoint], verbose=0
    )
    assert checkpoint.best == min(history.history["val_bits_per_dim"])


def test_validation_split_holds_out_the_last_examples():
    model = _pixelcnn()
    x, _ = _data()
    model.optimizer.learning_rate.assign(0.0)
    history = model.fit(x, validation_split=0.25, batch_size=4, verbose=0)
    np.testing.assert_allclose(
        history.history["val_loss"],
        [-np.mean(model.log_prob(x[18:]))],
        rtol=1e-5,
    )
    np.testing.assert_allclose(
        history.history["loss"], [-np.mean(model.log_prob(x[:18]))], rtol=1e-5
    )


@pytest.mark.parametrize("per_execution", [1, 2, 5])
def test_every_epoch_trains_on_its_own_batches(per_execution):
    model = _pixelcnn()
    model.compile(
        optimizer=keras.optimizers.SGD(0.05),
        steps_per_execution=per_execution,
    )
    x, _ = _data(n=20)
    history = model.fit(x, batch_size=4, epochs=3, verbose=0)
    assert len(history.history["loss"]) == 3
    assert int(model.optimizer.iterations) == 15


def test_regularization_losses_are_added_to_the_loss():
    # Two L2 losses (a list the JAX trainer once failed to sum).
    model = _pixelcnn()
    kernels = [w for w in model.trainable_weights if len(w.shape) >= 2][:2]
    for kernel in kernels:
        kernel.regularizer = keras.regularizers.L2(0.5)
    x, _ = _data()
    penalty = sum(0.5 * float(np.sum(np.square(k.numpy()))) for k in kernels)
    assert len(model.losses) == 2
    nll = float(np.mean(-model.log_prob(x)))
    loss = model.evaluate(x, batch_size=24, verbose=0, return_dict=True)
    assert math.isclose(loss["loss"], nll + penalty, rel_tol=1e-4)
    model.fit(x, batch_size=24, epochs=1, verbose=0)


@pytest.mark.tensorflow
def test_fit_creates_no_variable_while_tracing():
    # Keras 3.15 (TF, no strategy) builds the optimizer inside the first
    # trace of the train step, and a tf.function that creates variables
    # is traced twice; keras_ar builds it before, eagerly.
    import tensorflow as tf

    model = MADE((4,), hidden_units=(8,))
    model.compile(optimizer="adam")
    traced = []

    def creator(next_creator, **kwargs):
        traced.append((kwargs.get("name"), tf.inside_function()))
        return next_creator(**kwargs)

    x = np.random.default_rng(0).integers(0, 2, (16, 4))
    with tf.variable_creator_scope(creator):
        model.fit(x, batch_size=8, epochs=1, verbose=0)
    assert model.optimizer.built and traced
    assert [name for name, inside in traced if inside] == []
