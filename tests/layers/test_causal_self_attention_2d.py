import os

import keras
import numpy as np
import pytest
from keras import ops

from keras_ar.layers.causal_self_attention_2d import CausalSelfAttention2D
from keras_ar.testing import assert_autoregressive
from keras_ar.testing import dependency_matrix

H, W, CQ, CKV = 3, 3, 3, 4


def _layer(include_current, seed=0, **kwargs):
    defaults = dict(num_heads=2, key_dim=3, value_dim=2, output_dim=4)
    defaults.update(kwargs)
    layer = CausalSelfAttention2D(include_current=include_current, **defaults)
    layer.build((None, H, W, CQ), (None, H, W, CKV))
    rng = np.random.default_rng(seed)
    for w in layer.weights:  # random biases too: every term matters
        w.assign(rng.normal(0, 0.8, w.shape).astype("float32"))
    return layer


def _inputs(seed=0, batch=2):
    rng = np.random.default_rng(seed)
    q = rng.normal(size=(batch, H, W, CQ)).astype("float32")
    kv = rng.normal(size=(batch, H, W, CKV)).astype("float32")
    return q, kv


# ----------------------------------------------------------------------
# Shapes, configuration, serialization
# ----------------------------------------------------------------------
@pytest.mark.parametrize(
    "kwargs, expected",
    [
        ({"key_dim": 4}, 3),  # default output: the query's channels
        ({"key_dim": 2, "num_heads": 3, "output_dim": 7}, 7),
        ({"key_dim": 2, "value_dim": 5, "include_current": False}, 3),
    ],
)
def test_output_shapes_and_symbolic_call(kwargs, expected):
    layer = CausalSelfAttention2D(**kwargs)
    q = np.zeros((2, 2, 5, 3), "float32")
    assert tuple(layer(q).shape) == (2, 2, 5, expected)
    assert layer.compute_output_shape((2, 2, 5, 3)) == (2, 2, 5, expected)
    # Functional use with a separate key/value source.
    query = keras.Input((2, 5, 3))
    source = keras.Input((2, 5, 6))
    out = CausalSelfAttention2D(**kwargs)(query, source)
    assert tuple(out.shape) == (None, 2, 5, expected)


def test_weights_counted():
    layer = _layer(True, num_heads=2, key_dim=3, value_dim=2, output_dim=4)
    # query 3 -> 6, key 4 -> 6, value 4 -> 4, output 4 -> 4 (with biases)
    expected = (3 * 6 + 6) + (4 * 6 + 6) + (4 * 4 + 4) + (4 * 4 + 4)
    assert layer.count_params() == expected
    assert len(layer.trainable_weights) == 8
    no_bias = CausalSelfAttention2D(key_dim=2, use_bias=False)
    no_bias.build((None, 2, 2, 3))
    assert no_bias.count_params() == 3 * (3 * 2) + 2 * 3  # value_dim = 2


def test_config_round_trip_and_keras_file(tmp_path):
    layer = CausalSelfAttention2D(
        num_heads=2,
        key_dim=3,
        value_dim=5,
        output_dim=4,
        include_current=False,
        kernel_initializer="he_normal",
        name="attention",
    )
    clone = CausalSelfAttention2D.from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()
    query = keras.Input((H, W, CQ))
    source = keras.Input((H, W, CKV))
    model = keras.Model([query, source], layer(query, source))
    path = os.path.join(tmp_path, "attention.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    q, kv = _inputs()
    np.testing.assert_allclose(
        ops.convert_to_numpy(loaded([q, kv])),
        ops.convert_to_numpy(model([q, kv])),
        rtol=1e-6,
        atol=1e-6,
    )
    assert loaded.layers[-1].include_current is False


def test_argument_errors():
    with pytest.raises(ValueError, match="key_dim"):
        CausalSelfAttention2D(key_dim=0)
    with pytest.raises(ValueError, match="num_heads"):
        CausalSelfAttention2D(num_heads=-1, key_dim=2)
    with pytest.raises(ValueError, match="include_current"):
        CausalSelfAttention2D(key_dim=2, include_current="yes")
    with pytest.raises(ValueError, match="height, width, channels"):
        CausalSelfAttention2D(key_dim=2)(np.zeros((2, 4, 3), "float32"))
    with pytest.raises(ValueError, match="same height and width"):
        CausalSelfAttention2D(key_dim=2)(
            np.zeros((1, 2, 2, 3), "float32"),
            np.zeros((1, 2, 3, 3), "float32"),
        )


# ----------------------------------------------------------------------
# Causality by perturbation, the first pixel included
# ----------------------------------------------------------------------
def _dependencies(layer, seed):
    """Two matrices `(pixels, pixels)`: which outputs move when the query
    source (first) or the key/value source (second) moves at a pixel."""
    q, kv = _inputs(seed, batch=1)
    both = np.concatenate([q, kv], axis=-1)
    pixel = np.arange(H * W).reshape(H, W, 1)
    outputs = np.broadcast_to(pixel, (H, W, layer.units))

    def fn(x):
        return layer(x[..., :CQ], x[..., CQ:])

    size = H * W
    matrices = []
    for part in (slice(0, CQ), slice(CQ, CQ + CKV)):
        # Perturb only one source: the other part's positions map to an
        # extra row that is dropped.
        positions = np.full((H, W, CQ + CKV), size)
        positions[..., part] = pixel
        m = dependency_matrix(
            fn, both, positions, outputs, perturb=lambda v: v + 1.7
        )
        matrices.append(m[:size, :size])
    return matrices


@pytest.mark.parametrize("include_current", [True, False])
def test_causal_by_perturbation(include_current):
    layer = _layer(include_current)
    size = H * W
    query_deps = np.zeros((size, size), bool)
    source_deps = np.zeros((size, size), bool)
    for seed in range(2):
        a, b = _dependencies(layer, seed)
        query_deps |= a
        source_deps |= b
    # Queries: each position reads its own query source alone.
    expected = np.eye(size, dtype=bool)
    # A position with at most one key ignores its query (softmax weight 1
    # whatever the query; strict: the first output is 0).
    expected[0, 0] = False
    if not include_current:
        expected[1, 1] = False
    np.testing.assert_array_equal(query_deps, expected)
    # Keys and values: exactly the allowed earlier positions.
    assert_autoregressive(source_deps, strict=not include_current)
    allowed = np.asarray(ops.convert_to_numpy(layer.causal_mask(size))).T
    np.testing.assert_array_equal(source_deps, allowed)
    # The first pixel: with the strict mask nothing moves it.
    first = source_deps[:, 0] | query_deps[:, 0]
    if include_current:
        assert first[0] and not first[1:].any()
    else:
        assert not first.any()


def test_first_pixel_outputs_exactly_zero_with_the_strict_mask():
    layer = _layer(False, seed=3)
    q, kv = _inputs(5)
    out = ops.convert_to_numpy(layer(q * 1e4, kv * 1e4))  # extreme logits
    assert np.all(np.isfinite(out))
    np.testing.assert_array_equal(out[:, 0, 0], 0.0)
    assert np.abs(out[:, 0, 1]).min() > 0
    # With `include_current` the first pixel attends to itself alone: its
    # output is the projected value of its own source.
    current = _layer(True, seed=3)
    out = ops.convert_to_numpy(current(q, kv))
    value = current.value_dense(kv[:, 0, 0])
    np.testing.assert_allclose(
        out[:, 0, 0],
        ops.convert_to_numpy(current.output_dense(value)),
        rtol=1e-5,
        atol=1e-5,
    )


def test_softmax_matches_a_numpy_reference():
    layer = _layer(True, num_heads=1, key_dim=2, value_dim=3, output_dim=3)
    q, kv = _inputs(2, batch=1)
    out = ops.convert_to_numpy(layer(q, kv))[0].reshape(H * W, -1)
    Q = ops.convert_to_numpy(layer.query_dense(q)).reshape(H * W, 2)
    K = ops.convert_to_numpy(layer.key_dense(kv)).reshape(H * W, 2)
    V = ops.convert_to_numpy(layer.value_dense(kv)).reshape(H * W, 3)
    logits = Q @ K.T / np.sqrt(2)
    logits[np.triu_indices(H * W, 1)] = -np.inf
    weights = np.exp(logits - logits.max(1, keepdims=True))
    weights /= weights.sum(1, keepdims=True)
    expected = ops.convert_to_numpy(layer.output_dense(weights @ V))
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-5)


# ----------------------------------------------------------------------
# The key/value cache equals the full pass
# ----------------------------------------------------------------------
@pytest.mark.parametrize("include_current", [True, False])
@pytest.mark.parametrize("heads", [1, 3])
def test_cached_steps_equal_the_full_pass(include_current, heads):
    layer = _layer(include_current, num_heads=heads, seed=heads)
    q, kv = _inputs(heads)
    full = ops.convert_to_numpy(layer(q, kv)).reshape(2, H * W, -1)
    q, kv = q.reshape(2, H * W, CQ), kv.reshape(2, H * W, CKV)
    cache = layer.build_cache(2, H * W)
    assert tuple(cache["key"].shape) == (2, H * W, heads, 3)
    assert tuple(cache["value"].shape) == (2, H * W, heads, 2)
    for p in range(H * W):
        # The order a model uses: strict, write p - 1 (its source is
        # known only once pixel p - 1 is generated), then step p;
        # inclusive, write p first.
        if include_current:
            cache = layer.write(cache, kv[:, p], p)
        elif p > 0:
            cache = layer.write(cache, kv[:, p - 1], p - 1)
        out, cache = layer.step(q[:, p], cache, p)
        np.testing.assert_allclose(
            ops.convert_to_numpy(out), full[:, p], rtol=1e-5, atol=1e-6
        )
        if not include_current and p == 0:
            np.testing.assert_array_equal(ops.convert_to_numpy(out), 0.0)


def test_cached_steps_in_a_compiled_loop():
    layer = _layer(False, seed=4)
    q, kv = _inputs(4)
    full = ops.convert_to_numpy(layer(q, kv)).reshape(2, H * W, -1)
    q, kv = q.reshape(2, H * W, CQ), kv.reshape(2, H * W, CKV)
    q, kv = ops.convert_to_tensor(q), ops.convert_to_tensor(kv)

    def body(p, state):
        cache, outs = state
        # At p = 0 this writes pixel 0 early: the strict step must not
        # read it (p = 1 writes it again).
        previous = ops.maximum(p - 1, 0)
        cache = layer.write(cache, ops.take(kv, previous, axis=1), previous)
        out, cache = layer.step(ops.take(q, p, axis=1), cache, p)
        outs = ops.scatter_update(
            outs,
            ops.stack([ops.arange(2), ops.full((2,), p, "int32")], axis=1),
            out,
        )
        return cache, outs

    state = (layer.build_cache(2, H * W), ops.zeros((2, H * W, 4)))
    _, outs = ops.fori_loop(0, H * W, body, state)
    np.testing.assert_allclose(
        ops.convert_to_numpy(outs), full, rtol=1e-5, atol=1e-6
    )


def test_write_only_touches_its_position():
    layer = _layer(True)
    cache = layer.build_cache(2, 5)
    source = np.ones((2, CKV), "float32")
    cache = layer.write(cache, source, 3)
    key = ops.convert_to_numpy(cache["key"])
    assert np.abs(key[:, 3]).sum() > 0
    np.testing.assert_array_equal(np.delete(key, 3, axis=1), 0.0)


# ----------------------------------------------------------------------
# In a user's Keras model
# ----------------------------------------------------------------------
def test_trains_inside_a_functional_model():
    image = keras.Input((4, 4, 2))
    features = keras.layers.Conv2D(4, 1)(image)
    attended = CausalSelfAttention2D(
        num_heads=2, key_dim=2, include_current=False
    )(features, image)
    model = keras.Model(image, keras.layers.Dense(1)(attended + features))
    model.compile(optimizer="adam", loss="mse")
    x = np.random.default_rng(0).normal(size=(8, 4, 4, 2)).astype("float32")
    before = [ops.convert_to_numpy(w).copy() for w in model.weights]
    history = model.fit(x, x[..., :1], epochs=1, batch_size=8, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    moved = [
        not np.allclose(a, ops.convert_to_numpy(w))
        for a, w in zip(before, model.weights)
    ]
    assert all(moved)  # attention's projections get gradients too
