import keras
import numpy as np
import pytest
from keras import ops

from keras_ar.layers import MaskedDense
from keras_ar.layers import degree_mask
from keras_ar.layers import made_degrees
from keras_ar.layers import made_hidden_degrees
from keras_ar.layers import made_input_degrees
from keras_ar.layers import made_masks


def test_input_degrees_follow_the_order():
    assert made_input_degrees(4).tolist() == [1, 2, 3, 4]
    assert made_input_degrees(4, "reversed").tolist() == [4, 3, 2, 1]
    # order lists the values in modelling order: 2 first, then 0, 3, 1.
    assert made_input_degrees(4, [2, 0, 3, 1]).tolist() == [2, 4, 1, 3]
    random = made_input_degrees(6, "random", seed=3)
    assert sorted(random.tolist()) == [1, 2, 3, 4, 5, 6]
    with pytest.raises(ValueError, match="permutation of range\\(3\\)"):
        made_input_degrees(3, [0, 0, 1])
    with pytest.raises(ValueError, match="'natural'"):
        made_input_degrees(3, "sideways")


def test_hidden_degrees_rules():
    equal = made_hidden_degrees(7, 4)
    assert equal.tolist() == [1, 1, 1, 2, 2, 3, 3]
    # Fewer units than degrees: still spread over the whole range.
    wide = made_hidden_degrees(5, 101)
    assert wide.tolist() == [1, 21, 41, 61, 81]
    random = made_hidden_degrees(200, 5, rule="random", seed=0)
    assert random.min() >= 1 and random.max() <= 4
    assert len(set(random.tolist())) == 4
    # Never below the previous layer's smallest degree (no dead units).
    above = made_hidden_degrees(50, 6, [3, 4, 5], rule="random", seed=1)
    assert above.min() >= 3
    with pytest.raises(ValueError, match="hidden_degrees"):
        made_hidden_degrees(3, 4, rule="sorted")


def test_masks_from_degrees_are_autoregressive():
    degrees = made_degrees(5, (8, 8), order="random", seed=0)
    masks = made_masks(degrees, direct_connections=True)
    # Connectivity input -> output: product of the masks along the path.
    path = masks[0] @ masks[1] @ masks[2] + masks[3]
    rank = degrees[0]
    for i in range(5):
        for o in range(5):
            if path[i, o]:
                assert rank[i] < rank[o]
    # Direct mask: exactly the strict order.
    np.testing.assert_array_equal(
        masks[3], (rank[None, :] > rank[:, None]).astype("float32")
    )
    assert degree_mask([1, 2], [1, 2], strict=False).tolist() == [
        [1, 1],
        [0, 1],
    ]


def test_layer_output_depends_only_on_allowed_inputs():
    layer = MaskedDense(3, [1, 2, 3], [1, 2, 3], strict=True)
    x = np.random.default_rng(0).normal(size=(1, 3)).astype("float32")
    base = ops.convert_to_numpy(layer(x))
    for j in range(3):
        x2 = x.copy()
        x2[0, j] += 1.0
        changed = np.abs(ops.convert_to_numpy(layer(x2)) - base)[0] > 1e-6
        # Output k may change only if degree k > degree j.
        np.testing.assert_array_equal(changed, np.arange(3) > j)


def test_mask_set_is_selected_by_an_index_tensor():
    in_deg = np.array([[1, 2, 3], [3, 2, 1]])
    layer = MaskedDense(3, in_deg, in_deg, strict=True, num_masks=None)
    assert layer.num_masks == 2
    np.testing.assert_array_equal(layer.mask(0), np.triu(np.ones((3, 3)), 1))
    np.testing.assert_array_equal(layer.mask(1), np.tril(np.ones((3, 3)), -1))
    x = np.ones((2, 3), "float32")
    a = layer(x, mask_index=ops.convert_to_tensor(0))
    b = layer(x, mask_index=ops.convert_to_tensor(1))
    assert not np.allclose(ops.convert_to_numpy(a), ops.convert_to_numpy(b))
    # The degrees are state (non-trainable), not trained and not mutated.
    names = [w.name for w in layer.non_trainable_weights]
    assert names == ["input_degrees", "output_degrees"]


def test_condition_reaches_every_unit():
    layer = MaskedDense(4, [1, 2], [1, 1, 1, 1], condition_size=3)
    x = np.zeros((1, 2), "float32")
    a = ops.convert_to_numpy(layer(x, condition=np.eye(3)[[0]]))
    b = ops.convert_to_numpy(layer(x, condition=np.eye(3)[[1]]))
    assert np.all(a != b)
    with pytest.raises(ValueError, match="pass `condition`"):
        layer(x)


def test_serialization_round_trip_restores_degrees(tmp_path):
    in_deg = np.array([[1, 2, 3], [2, 3, 1]])
    out_deg = np.array([[1, 2, 1, 2], [2, 1, 2, 1]])
    inputs = keras.Input((3,))
    layer = MaskedDense(4, in_deg, out_deg, activation="relu")
    model = keras.Model(inputs, layer(inputs))
    path = str(tmp_path / "m.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    restored = loaded.layers[-1]
    assert restored.get_config()["num_masks"] == 2
    for k in range(2):
        np.testing.assert_array_equal(restored.mask(k), layer.mask(k))
    x = np.random.default_rng(0).normal(size=(2, 3)).astype("float32")
    np.testing.assert_allclose(
        ops.convert_to_numpy(loaded(x)), ops.convert_to_numpy(model(x))
    )


def test_bad_arguments():
    with pytest.raises(ValueError, match="both"):
        MaskedDense(3, input_degrees=[1, 2, 3])
    with pytest.raises(ValueError, match="num_masks"):
        MaskedDense(3)
    with pytest.raises(ValueError, match="units=3"):
        MaskedDense(3, [1, 2], [1, 2])


def test_mask_helpers_live_in_made_masks():
    from keras_ar.layers import made_masks as exported
    from keras_ar.layers.made_masks import made_masks

    assert exported is made_masks
    with pytest.raises(ValueError, match="hidden_degrees"):
        made_degrees(3, (4,), hidden_degrees="sorted")


def test_degrees_above_256_stay_exact_under_mixed_precision():
    """bfloat16 holds integers exactly only up to 256: autocast degrees
    would connect an input of degree 260 to a unit of degree 259."""
    keras.config.set_dtype_policy("mixed_bfloat16")
    degrees = np.arange(1, 301)
    layer = MaskedDense(2, degrees, [259, 260], kernel_initializer="ones")
    x = np.zeros((1, 300), "float32")
    x[0, 259] = 1.0  # the input of degree 260
    out = ops.convert_to_numpy(ops.cast(layer(x), "float32"))
    assert layer.compute_dtype == "bfloat16"
    np.testing.assert_array_equal(out, [[0.0, 1.0]])


def test_per_example_masks_select_each_examples_output():
    in_deg = np.array([[1, 2, 3], [3, 2, 1]])
    layer = MaskedDense(3, in_deg, in_deg, strict=True)
    x = np.random.default_rng(0).normal(size=(4, 3)).astype("float32")
    component = np.array([0, 1, 1, 0], "int32")
    out = ops.convert_to_numpy(layer.call_per_example(x, component, 2, None))
    for b, k in enumerate(component):
        expected = ops.convert_to_numpy(layer(x[b : b + 1], mask_index=k))
        np.testing.assert_array_equal(out[b : b + 1], expected)
    # Bias and condition terms, without the masked inputs.
    conditioned = MaskedDense(2, [1, 2], [1, 2], condition_size=2)
    conditioned.build((None, 2))
    terms = conditioned.unmasked_terms(np.eye(2, dtype="float32"))
    expected = ops.convert_to_numpy(conditioned.condition_kernel) + (
        ops.convert_to_numpy(conditioned.bias)
    )
    np.testing.assert_allclose(ops.convert_to_numpy(terms), expected)


def _layer_with_random_kernel(num_masks=1):
    degrees_in = np.tile(np.arange(1, 5, dtype="float32"), (num_masks, 1))
    degrees_out = np.tile(
        np.array([1, 2, 2, 3, 3, 4], "float32"), (num_masks, 1)
    )
    layer = MaskedDense(
        6, input_degrees=degrees_in, output_degrees=degrees_out, strict=True
    )
    layer.build((None, 4))
    rng = np.random.default_rng(0)
    layer.kernel.assign(rng.normal(size=(4, 6)).astype("float32"))
    return layer


def test_zero_masked_weights_keeps_the_function_and_unmasks_training():
    layer = _layer_with_random_kernel()
    x = np.random.default_rng(1).normal(size=(3, 4)).astype("float32")
    before = ops.convert_to_numpy(layer(x))
    mask = layer.mask()
    layer.zero_masked_weights()
    assert layer.kernel_is_masked
    kernel = ops.convert_to_numpy(layer.kernel)
    assert np.all(kernel[mask == 0] == 0) and np.any(kernel[mask == 1] != 0)
    np.testing.assert_allclose(ops.convert_to_numpy(layer(x)), before, 1e-6)
    np.testing.assert_allclose(
        ops.convert_to_numpy(layer(x, training=True)), before, 1e-6
    )


@pytest.mark.tensorflow
def test_training_reads_the_kernel_as_is_and_masks_its_gradient():
    import tensorflow as tf

    layer = _layer_with_random_kernel()
    x = np.random.default_rng(1).normal(size=(3, 4)).astype("float32")
    masked = ops.convert_to_numpy(layer(x, training=True))
    # The flag promises a zeroed kernel; without it, training multiplies.
    layer.kernel_is_masked = True
    raw = ops.convert_to_numpy(layer(x, training=True))
    kernel = ops.convert_to_numpy(layer.kernel)
    bias = ops.convert_to_numpy(layer.bias)
    np.testing.assert_allclose(raw, x @ kernel + bias, 1e-5)
    assert not np.allclose(raw, masked)
    np.testing.assert_allclose(
        ops.convert_to_numpy(layer(x)), masked, 1e-6
    )  # inference always multiplies
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(layer(x, training=True) ** 2)
    grad = tape.gradient(loss, layer.kernel).numpy()
    assert np.all(grad[layer.mask() == 0] == 0)
    assert np.any(grad[layer.mask() == 1] != 0)


def test_zero_masked_weights_leaves_mask_ensembles_alone():
    layer = _layer_with_random_kernel(num_masks=2)
    kernel = ops.convert_to_numpy(layer.kernel)
    layer.zero_masked_weights()
    assert not layer.kernel_is_masked
    np.testing.assert_array_equal(ops.convert_to_numpy(layer.kernel), kernel)
