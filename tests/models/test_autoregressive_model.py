"""The shared model API (fit/log_prob/sample/complete and input checks),
exercised through PixelCNN."""

import math

import keras
import numpy as np
import pytest

from keras_ar.models import PixelCNN


def _model(**kwargs):
    defaults = dict(
        event_shape=(4, 4, 1),
        head=4,
        filters=4,
        num_residual_blocks=1,
        output_filters=8,
        first_kernel_size=3,
    )
    defaults.update(kwargs)
    return PixelCNN(**defaults)


def _data(n=16, shape=(4, 4, 1), values=4, seed=0):
    return np.random.default_rng(seed).integers(0, values, (n,) + shape)


def test_fit_reports_loss_and_bits_per_dim():
    model = _model()
    model.compile(optimizer="adam")
    x = _data()
    history = model.fit(x, epochs=2, batch_size=8, verbose=0)
    assert set(history.history) == {"loss", "bits_per_dim"}
    result = model.evaluate(x, batch_size=16, verbose=0, return_dict=True)
    np.testing.assert_allclose(
        result["bits_per_dim"],
        result["loss"] / (16 * math.log(2.0)),
        rtol=1e-5,
    )
    np.testing.assert_allclose(
        -model.log_prob(x).mean(), result["loss"], rtol=1e-5
    )


def test_bits_per_dim_definition():
    model = _model()
    x = _data(5)
    np.testing.assert_allclose(
        model.bits_per_dim(x), -model.log_prob(x) / (16 * math.log(2.0))
    )


def test_log_prob_in_chunks_equals_one_pass():
    model = _model()
    x = _data(10)
    np.testing.assert_allclose(
        model.log_prob(x, batch_size=3), model.log_prob(x), rtol=1e-6
    )


def test_log_prob_on_tensors_is_differentiable(tf):
    model = _model()
    x = tf.constant(_data(3).astype("float32"))
    with tf.GradientTape() as tape:
        loss = -tf.reduce_mean(model.log_prob(x))
    grads = tape.gradient(loss, model.trainable_variables)
    assert all(g is not None for g in grads)
    assert isinstance(model.log_prob(x), tf.Tensor)


def test_fit_accepts_tfds_style_dict_datasets(tf):
    model = _model(condition_classes=10)
    model.compile(optimizer="adam")
    x = _data(32).astype("uint8")
    labels = np.arange(32) % 10
    ds = tf.data.Dataset.from_tensor_slices(
        {"image": x, "label": labels.astype("int64"), "id": np.arange(32)}
    ).batch(8)
    history = model.fit(ds, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    # The unconditional model ignores the label.
    plain = _model()
    plain.compile(optimizer="adam")
    plain.fit(ds, epochs=1, verbose=0)
    np.testing.assert_allclose(
        plain.log_prob({"image": x, "label": labels}), plain.log_prob(x)
    )


def test_fit_with_jit_compile_and_mixed_precision():
    keras.config.set_dtype_policy("mixed_float16")
    model = _model()
    assert model.head.compute_dtype == "float32"
    model.compile(optimizer="adam", jit_compile=True)
    history = model.fit(_data(16), epochs=2, batch_size=8, verbose=0)
    assert np.all(np.isfinite(history.history["loss"]))
    log_prob = model.log_prob(_data(2))
    assert log_prob.dtype == np.float32 and np.all(np.isfinite(log_prob))
    assert model.sample(2, seed=0).shape == (2, 4, 4, 1)


@pytest.mark.parametrize(
    "x, message",
    [
        (np.zeros((2, 4, 4)), r"rank 4 .*add a channel axis"),
        (np.zeros((2, 4, 5, 1)), r"shape \(batch, 4, 4, 1\)"),
        (np.zeros((2, 4, 4, 3)), r"shape \(batch, 4, 4, 1\)"),
        (np.full((2, 4, 4, 1), 4), r"\[0, 3\].*\[4, 4\]"),
        (np.full((2, 4, 4, 1), -1), r"\[0, 3\]"),
        (np.full((2, 4, 4, 1), 0.5), "whole numbers"),
        (np.full((2, 4, 4, 1), np.nan), "NaN"),
        (np.array([["a"] * 4] * 4)[None, ..., None], "numeric"),
    ],
)
def test_bad_inputs_raise_value_error(x, message):
    model = _model()
    model.compile(optimizer="adam")
    with pytest.raises(ValueError, match=message):
        model.log_prob(x)
    with pytest.raises(ValueError, match=message):
        model.fit(x, verbose=0)
    with pytest.raises(ValueError, match=message):
        model.complete(x, np.ones(np.shape(x), bool))


def test_bad_condition_and_sampling_arguments():
    model = _model(condition_classes=3)
    x = _data(2)
    with pytest.raises(ValueError, match="conditional"):
        model.log_prob(x)
    with pytest.raises(ValueError, match=r"\[0, 2\]"):
        model.log_prob(x, condition=[0, 3])
    with pytest.raises(ValueError, match=r"shape \(2,\)"):
        model.log_prob(x, condition=[0, 1, 2])
    with pytest.raises(ValueError, match="conditional"):
        model.sample(2)
    with pytest.raises(ValueError, match="num_samples"):
        model.sample(0, condition=1)
    with pytest.raises(ValueError, match="temperature"):
        model.sample(1, condition=1, temperature=0)
    with pytest.raises(ValueError, match="known_mask"):
        model.complete(x, np.ones((2, 3, 3), bool), condition=[0, 1])
    with pytest.raises(ValueError, match="loss"):
        model.compile(optimizer="adam", loss="mse")
    model.compile(optimizer="adam")
    with pytest.raises(ValueError, match="own target"):
        model.fit(x, np.zeros(2), verbose=0)


def test_temperature_sharpens_samples():
    model = _model(head=4)
    rng = np.random.default_rng(0)
    for w in model.weights:
        w.assign(rng.normal(0, 0.5, w.shape).astype("float32"))
    hot = model.sample(32, seed=1, temperature=1.0)
    cold = model.sample(32, seed=1, temperature=0.05)
    assert model.log_prob(cold).mean() > model.log_prob(hot).mean()


def test_tf_data_values_are_checked_in_the_pipeline(tf):
    model = _model(head="bernoulli")
    model.compile(optimizer="adam")
    bad = np.zeros((8, 4, 4, 1), "float32")
    bad[3, 0, 0, 0] = 2.0
    ds = tf.data.Dataset.from_tensor_slices(bad).batch(4)
    with pytest.raises(tf.errors.InvalidArgumentError, match="<= 1"):
        model.fit(ds, epochs=1, verbose=0)
    with pytest.raises(ValueError, match=r"shape \(batch, 4, 4, 1\)"):
        model.fit(tf.data.Dataset.from_tensor_slices(bad), epochs=1)
    good = tf.data.Dataset.from_tensor_slices(np.clip(bad, 0, 1)).batch(4)
    model.fit(good, epochs=1, verbose=0)


def test_backend_tensors_are_value_checked():
    model = _model(head="bernoulli")
    tensor = keras.ops.convert_to_tensor(np.full((2, 4, 4, 1), 2.0, "float32"))
    with pytest.raises(ValueError, match=r"\[0, 1\].*Bernoulli"):
        model.log_prob(tensor)


def test_a_condition_for_an_unconditional_model_is_an_error():
    model = _model()
    x = _data(2)
    with pytest.raises(ValueError, match="not conditional"):
        model.log_prob(x, condition=[0, 1])
    with pytest.raises(ValueError, match="not conditional"):
        model.sample(2, condition=1)


def test_export_accepts_keras_format_argument(tmp_path, tf):
    model = _model()
    path = model.export(
        str(tmp_path / "m"), format="tf_saved_model", verbose=False
    )
    assert "log_prob" in tf.saved_model.load(path).signatures
