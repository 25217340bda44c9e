import os
import subprocess
import sys
import textwrap

import keras
import numpy as np
import pytest
from keras import ops

from keras_ar.heads import Standardized
from keras_ar.models import MADE
from keras_ar.models.made_backbone import MADEBackbone
from keras_ar.testing import assert_autoregressive
from keras_ar.testing import assert_export_matches_log_prob
from keras_ar.testing import chi_square_p_value
from keras_ar.testing import dependency_matrix
from keras_ar.testing import enumerate_events


def _randomize(model, scale=1.0, seed=0):
    rng = np.random.default_rng(seed)
    for w in model.trainable_weights:
        w.assign(rng.normal(0, scale, w.shape).astype("float32"))


def _dependencies(model, mask_index, num_values=2, draws=3, condition=None):
    """Dependency matrix in the mask's own ordering (rank 0 = first)."""
    ranks = model.input_degrees(mask_index) - 1
    matrix = None
    for seed in range(draws):
        x = np.random.default_rng(seed).integers(
            0, num_values, (1,) + model.event_shape
        )

        def fn(v):  # a batch of perturbed copies of x, one condition
            cond = condition
            if cond is not None:
                cond = {k: np.repeat(c, len(v), 0) for k, c in cond.items()}
            params = model.head(
                model.backbone(
                    model.head.encode_inputs(v),
                    condition=cond,
                    mask_index=mask_index,
                )
            )
            return ops.reshape(params, (len(v),) + model.event_shape + (-1,))

        m = dependency_matrix(
            fn,
            x,
            ranks.reshape(model.event_shape),
            np.broadcast_to(
                ranks.reshape(model.event_shape + (1,)),
                model.event_shape + (model.head.params_size,),
            ),
            perturb=lambda v: (v + 1) % num_values,
        )
        matrix = m if matrix is None else matrix | m
    return matrix


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(num_masks=4, order_agnostic=True, connectivity_agnostic=True),
        dict(num_masks=3, order="reversed", direct_connections=True),
        dict(num_masks=2, order=[3, 1, 0, 5, 4, 2], hidden_degrees="random"),
    ],
)
def test_every_mask_in_the_ensemble_is_autoregressive(kwargs):
    # tanh: no unit is dead for every input (as ReLU units with random
    # weights can be), so every allowed path shows up as a dependency.
    model = MADE(
        (6,), hidden_units=(32, 32), activation="tanh", seed=1, **kwargs
    )
    _randomize(model)
    for k in range(model.num_masks):
        m = _dependencies(model, k)
        assert_autoregressive(m, strict=True)
        assert m[0, 1] and m[0, 5] and m[4, 5]  # real dependencies exist


def test_image_events_and_categorical_head_are_autoregressive():
    model = MADE(
        (2, 2, 2), head=3, hidden_units=(16,), num_masks=2, order_agnostic=True
    )
    _randomize(model)
    for k in range(2):
        assert_autoregressive(_dependencies(model, k, num_values=3))


@pytest.mark.parametrize("ensemble_size", [1, 3])
def test_probabilities_of_all_binary_vectors_sum_to_one(ensemble_size):
    model = MADE(
        (4,),
        hidden_units=(8,),
        num_masks=3,
        order_agnostic=True,
        direct_connections=True,
        ensemble_size=ensemble_size,
    )
    _randomize(model)
    events = enumerate_events((4,), 2)
    probs = np.exp(model.log_prob(events).astype("float64"))
    assert probs.std() > 1e-3
    np.testing.assert_allclose(probs.sum(), 1.0, rtol=1e-5)
    per_mask = np.exp(model.log_prob_per_mask(events).astype("float64"))
    np.testing.assert_allclose(per_mask.sum(0), 1.0, rtol=1e-5)


def test_ensemble_log_likelihood_is_log_mean_exp_of_members():
    model = MADE((5,), hidden_units=(10,), num_masks=4, order_agnostic=True)
    _randomize(model)
    x = np.random.default_rng(0).integers(0, 2, (7, 5))
    per_mask = model.log_prob_per_mask(x).astype("float64")
    assert per_mask.shape == (7, 4)
    assert np.ptp(per_mask, axis=1).max() > 1e-2  # members differ
    expected = np.log(np.mean(np.exp(per_mask), axis=1))
    np.testing.assert_allclose(model.log_prob(x), expected, rtol=1e-5)
    # Tensor input goes through the same (differentiable) ensemble.
    tensor = ops.convert_to_numpy(
        model.log_prob(ops.convert_to_tensor(x.astype("float32")))
    )
    np.testing.assert_allclose(tensor, expected, rtol=1e-5)


def test_changing_the_ensemble_size_rebuilds_the_compiled_functions():
    model = MADE((5,), hidden_units=(10,), num_masks=4, order_agnostic=True)
    _randomize(model)
    x = np.random.default_rng(0).integers(0, 2, (7, 5))
    per_mask = model.log_prob_per_mask(x).astype("float64")
    model.log_prob(x)
    model.sample(2, seed=0)
    assert "log_prob" in model.generation_functions
    model.ensemble_size = 1
    assert len(model.generation_functions) == 0
    np.testing.assert_allclose(model.log_prob(x), per_mask[:, 0], rtol=1e-5)
    model.ensemble_size = 2
    expected = np.log(np.mean(np.exp(per_mask[:, :2]), axis=1))
    np.testing.assert_allclose(model.log_prob(x), expected, rtol=1e-5)
    assert model.log_prob_per_mask(x).shape == (7, 2)
    assert MADE.from_config(model.get_config()).ensemble_size == 2
    for bad in (0, 5, 2.0, True):
        with pytest.raises(ValueError, match="ensemble_size"):
            model.ensemble_size = bad
    with pytest.raises(ValueError, match="ensemble_size"):
        MADE(
            (5,),
            hidden_units=(4,),
            num_masks=2,
            order_agnostic=True,
            ensemble_size=3,
        )


def _chi_square(model, condition=None, num_samples=20000):
    p_value, tv = chi_square_p_value(
        model, condition, num_samples=num_samples, seed=7
    )
    assert p_value > 1e-3, (p_value, tv)
    return p_value, tv


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(),
        dict(num_masks=8, order_agnostic=True),
        dict(num_masks=8, order_agnostic=True, ensemble_size=1),
        dict(num_masks=4, hidden_units=(16, 8), direct_connections=True),
        dict(num_masks=3, order_agnostic=True, condition_classes=2),
    ],
)
def test_samples_follow_the_mixture_that_log_prob_reports(kwargs):
    """A MADE ensemble's `log_prob` is the uniform mixture over its masks;
    `sample` used to draw from mask 0 only (chi-square p = 0)."""
    kwargs = {"hidden_units": (16,), "seed": 3, **kwargs}
    model = MADE((4,), **kwargs)
    _randomize(model)
    condition = [1] if model.is_conditional else None
    _, tv = _chi_square(model, condition)
    assert tv < 0.03


@pytest.mark.parametrize("head", ["gaussian", "mixture_of_gaussians"])
def test_continuous_ensemble_samples_follow_its_density(head):
    rng = np.random.default_rng(0)
    z = rng.normal(size=(256, 1))
    data = np.concatenate([z, z**2 + 0.3 * rng.normal(size=(256, 1))], 1)
    # seed=2: two masks model x0 first, two x1 first.
    model = MADE(
        (2,),
        head=head,
        hidden_units=(16,),
        num_masks=4,
        order_agnostic=True,
        seed=2,
    )
    model.compile(optimizer=keras.optimizers.Adam(1e-2))
    model.fit(data, epochs=3, batch_size=64, verbose=0)
    _randomize(model, scale=0.3, seed=1)
    per_mask = model.log_prob_per_mask(data[:64])
    assert np.ptp(per_mask, axis=1).max() > 0.1  # the members differ
    p_value, _ = chi_square_p_value(model, num_samples=8000, seed=7)
    assert p_value > 1e-3


def _configs():
    # The plain MADE (one mask, natural order) is the harness's made_binary.
    return [
        dict(order="random", hidden_units=()),
        dict(
            num_masks=4,
            order_agnostic=True,
            hidden_units=(8, 6),
            direct_connections=True,
            input_encoding="symmetric",
        ),
        dict(num_masks=2, order_agnostic=True, condition_classes=3),
        dict(head=3, num_masks=2, order_agnostic=True, event_shape=(2, 3, 1)),
    ]


@pytest.mark.parametrize("kwargs", _configs())
def test_cached_sampling_equals_the_naive_full_pass(kwargs):
    kwargs = {"event_shape": (7,), "hidden_units": (12,), **kwargs}
    model = MADE(**kwargs)
    _randomize(model)
    shape = model.event_shape
    condition = np.array([0, 2, 1, 1, 0]) if model.is_conditional else None
    args = dict(condition=condition, seed=5)
    fast = model.sample(5, **args)
    np.testing.assert_array_equal(
        fast, model.sample(5, use_cache=False, **args)
    )
    np.testing.assert_array_equal(fast, model.sample(5, progress=True, **args))
    assert len(np.unique(fast.reshape(5, -1), axis=0)) > 1
    values = model.head.num_values
    x = np.random.default_rng(1).integers(0, values, (5,) + shape)
    known = np.random.default_rng(2).random(x.shape) < 0.4
    done = model.complete(x, known, **args)
    np.testing.assert_array_equal(done[known], x[known])
    slow = model.complete(x, known, use_cache=False, **args)
    np.testing.assert_array_equal(done, slow)
    chunked = model.complete(x, known, progress=True, **args)
    np.testing.assert_array_equal(done, chunked)


@pytest.mark.parametrize("head", ["gaussian", "mixture_of_gaussians"])
def test_cached_continuous_sampling_equals_the_naive_full_pass(head):
    model = MADE(
        (4,),
        head=head,
        hidden_units=(12, 8),
        num_masks=3,
        order_agnostic=True,
        direct_connections=True,
    )
    _randomize(model, scale=0.5)
    model.head.adapt(np.random.default_rng(0).normal(3, 5, (64, 4)))
    fast = model.sample(6, seed=2)
    # A running sum adds in another order than a matmul: equal up to
    # float32 rounding (bit-exact on JAX).
    slow = model.sample(6, seed=2, use_cache=False)
    np.testing.assert_allclose(fast, slow, rtol=1e-5, atol=1e-5)
    known = np.zeros((6, 4), bool)
    known[:, 1] = True
    x = np.full((6, 4), 2.5, "float32")
    done = model.complete(x, known, seed=1)
    np.testing.assert_array_equal(done[:, 1], 2.5)
    np.testing.assert_allclose(
        done,
        model.complete(x, known, seed=1, use_cache=False),
        rtol=1e-5,
        atol=1e-5,
    )


# Eager steps, slow on JAX; the JAX suite checks MADE's cached path
# end to end (cached sampling and completion equal the naive pass).
@pytest.mark.tensorflow
def test_cached_step_parameters_equal_the_full_pass_at_every_step():
    """Stronger than equal samples: the parameters of every step, each
    example under its own mask, with the cache's state `O(H1)`."""
    model = MADE(
        (6,),
        head=4,
        hidden_units=(10, 7),
        num_masks=5,
        order_agnostic=True,
        direct_connections=True,
        condition_classes=2,
    )
    _randomize(model)
    x = np.random.default_rng(0).integers(0, 4, (8, 6)).astype("float32")
    noise = np.random.default_rng(1).random(
        model.generation_noise_shape(x.shape)
    )
    assert noise.shape == (8, 7, 1)
    condition = {"condition": np.arange(8, dtype="int32") % 2}
    cache = model.build_generation_cache(
        x, x < 0, condition, noise.astype("float32")
    )
    component = ops.convert_to_numpy(cache["component"])
    np.testing.assert_array_equal(
        component, np.minimum(np.floor(noise[:, 6, 0] * 5), 4)
    )
    assert len(set(component.tolist())) > 2
    assert tuple(cache["hidden"].shape) == (8, 10)
    for b, k in enumerate(component):
        np.testing.assert_array_equal(
            ops.convert_to_numpy(cache["order"])[b], model.sampling_order(k)
        )
    for index in range(6):
        fast, cache = model.call_with_cache(x, cache, index)
        slow, _ = model.call_without_cache(x, cache, index)
        assert tuple(fast.shape) == (8, 1, 4)
        np.testing.assert_allclose(
            ops.convert_to_numpy(fast),
            ops.convert_to_numpy(slow),
            rtol=1e-5,
            atol=1e-5,
        )


def test_mask_resampling_changes_connectivity_and_happens_in_training():
    model = MADE((6,), hidden_units=(16,), num_masks=4, order_agnostic=True)
    _randomize(model)
    matrices = [_dependencies(model, k) for k in range(4)]
    orders = [tuple(model.input_degrees(k)) for k in range(4)]
    assert len(set(orders)) == 4  # new orderings
    # Connectivity in natural coordinates differs between masks.
    natural = []
    for k, m in enumerate(matrices):
        ranks = model.input_degrees(k) - 1
        natural.append(m[np.ix_(ranks, ranks)])
    assert any(not np.array_equal(natural[0], n) for n in natural[1:])
    # Connectivity-agnostic: same order, new hidden degrees.
    agnostic = MADE((6,), hidden_units=(16,), num_masks=3)
    assert agnostic.connectivity_agnostic
    layer = agnostic.backbone.hidden_layers[0]
    degrees = ops.convert_to_numpy(layer.output_degrees)
    assert not np.array_equal(degrees[0], degrees[1])
    assert np.array_equal(agnostic.input_degrees(0), agnostic.input_degrees(1))
    # In training mode each call draws a mask (a tensor index, no Python
    # weight mutation): outputs vary across calls, inference is fixed.
    x = np.ones((1, 6), "float32")
    outs = {
        tuple(
            np.round(ops.convert_to_numpy(model(x, training=True)), 4).ravel()
        )
        for _ in range(20)
    }
    assert len(outs) > 1
    fixed = ops.convert_to_numpy(model(x))
    np.testing.assert_allclose(ops.convert_to_numpy(model(x)), fixed)
    before = [
        ops.convert_to_numpy(w).copy()
        for w in model.non_trainable_weights
        if "degrees" in w.name
    ]
    assert before
    model.compile(optimizer="adam", jit_compile=True)
    data = np.random.default_rng(0).integers(0, 2, (64, 6))
    model.fit(data, epochs=1, batch_size=16, verbose=0)
    after = [
        ops.convert_to_numpy(w)
        for w in model.non_trainable_weights
        if "degrees" in w.name
    ]
    for a, b in zip(before, after):
        np.testing.assert_array_equal(a, b)  # the mask set is constant


def test_conditional_made_depends_on_the_condition():
    model = MADE(
        (5,),
        hidden_units=(12,),
        condition_classes=3,
        num_masks=2,
        order_agnostic=True,
    )
    _randomize(model)
    for label in range(3):
        cond = {"condition": np.array([label])}
        for k in range(2):
            assert_autoregressive(_dependencies(model, k, condition=cond))
    x = np.random.default_rng(1).integers(0, 2, (4, 5))
    a = model.log_prob(x, condition=np.zeros(4, int))
    b = model.log_prob(x, condition=np.full(4, 2))
    assert not np.allclose(a, b)
    # The first value has no predecessors: only the condition moves it.
    first = ops.convert_to_numpy(model(np.zeros((2, 5)), condition=[0, 1]))
    assert not np.allclose(first[0, 0], first[1, 0])
    events = enumerate_events((5,), 2)
    for label in range(3):
        total = np.exp(model.log_prob(events, condition=np.full(32, label)))
        np.testing.assert_allclose(total.sum(), 1.0, rtol=1e-5)
    with pytest.raises(ValueError, match="conditional"):
        model.sample(2)


def test_sampling_follows_the_models_order_and_complete_keeps_known():
    # A MADE that only copies: value 1 is modelled first, then 0 = copy.
    model = MADE((3,), hidden_units=(), order=[1, 0, 2])
    assert model.sampling_order().tolist() == [1, 0, 2]
    samples = model.sample(5, seed=0)
    assert samples.shape == (5, 3) and set(np.unique(samples)) <= {0, 1}
    np.testing.assert_array_equal(samples, model.sample(5, seed=0))
    x = np.array([[1, 0, 1]] * 4)
    known = np.array([[False, True, False]] * 4)
    done = model.complete(x, known, seed=1)
    np.testing.assert_array_equal(done[:, 1], 0)


def test_sampled_values_follow_learned_dependencies():
    # x1 ~ Bernoulli(1/2) and x0 = x1, modelled with x1 first.
    data = np.repeat(np.array([[0, 0], [1, 1]]), 256, axis=0)
    model = MADE((2,), hidden_units=(8,), order=[1, 0])
    model.compile(optimizer=keras.optimizers.Adam(0.05))
    model.fit(data, epochs=30, batch_size=128, verbose=0)
    samples = model.sample(200, seed=3)
    assert np.mean(samples[:, 0] == samples[:, 1]) > 0.95
    assert 0.3 < samples[:, 1].mean() < 0.7


def test_gaussian_made_standardizes_and_round_trips(tmp_path):
    rng = np.random.default_rng(0)
    z = rng.normal(size=(512, 1))
    data = np.concatenate([z * 3 + 100, 50 * z + rng.normal(size=(512, 1))], 1)
    model = MADE(
        (2,),
        head="mixture_of_gaussians",
        hidden_units=(16,),
        num_masks=2,
        order_agnostic=True,
    )
    assert isinstance(model.head, Standardized)
    model.compile(optimizer=keras.optimizers.Adam(1e-2))
    import pandas as pd

    frame = pd.DataFrame(data, columns=["a", "b"])
    model.fit(frame, epochs=5, batch_size=64, verbose=0)
    np.testing.assert_allclose(
        ops.convert_to_numpy(model.head.mean), data.mean(0), rtol=1e-4
    )
    np.testing.assert_allclose(
        ops.convert_to_numpy(model.head.scale), data.std(0), rtol=1e-4
    )
    scores = model.log_prob(frame)
    path = str(tmp_path / "made.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert isinstance(loaded.backbone, MADEBackbone)
    np.testing.assert_allclose(loaded.log_prob(data), scores, rtol=1e-5)
    np.testing.assert_allclose(
        ops.convert_to_numpy(loaded.head.mean), data.mean(0), rtol=1e-4
    )
    layers = model.backbone.hidden_layers + [model.backbone.output_layer]
    restored = loaded.backbone.hidden_layers + [loaded.backbone.output_layer]
    for a, b in zip(layers, restored):
        for k in range(2):
            np.testing.assert_array_equal(a.mask(k), b.mask(k))
    samples = loaded.sample(256, seed=0)
    assert abs(samples[:, 0].mean() - 100) < 3  # back in raw units


@pytest.mark.tensorflow
def test_gaussian_made_adapts_from_a_tf_dataset():
    import tensorflow as tf

    data = np.random.default_rng(0).normal(7, 3, (256, 3)).astype("float32")
    model = MADE((3,), head="gaussian", hidden_units=(8,))
    model.compile(optimizer="adam")
    model.fit(tf.data.Dataset.from_tensor_slices(data).batch(32), verbose=0)
    assert model.head.is_adapted
    np.testing.assert_allclose(
        ops.convert_to_numpy(model.head.mean), data.mean(0), rtol=1e-4
    )


def test_save_load_restores_the_mask_set_even_if_seeded_differently(
    tmp_path,
):
    model = MADE(
        (5,), hidden_units=(8,), num_masks=3, order_agnostic=True, seed=5
    )
    _randomize(model)
    # Replace the degree set: a reload must restore it from the weights,
    # not regenerate it from the seed in the config.
    new_order = np.array([5, 4, 3, 2, 1])
    layer = model.backbone.hidden_layers[0]
    in_deg = ops.convert_to_numpy(layer.input_degrees).copy()
    in_deg[2] = new_order
    layer.set_degrees(in_deg, ops.convert_to_numpy(layer.output_degrees))
    output = model.backbone.output_layer
    out = ops.convert_to_numpy(output.output_degrees).copy()
    out[2] = new_order
    output.set_degrees(ops.convert_to_numpy(output.input_degrees), out)
    x = np.random.default_rng(0).integers(0, 2, (6, 5))
    expected = model.log_prob_per_mask(x)
    path = str(tmp_path / "m.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert loaded.num_masks == 3 and loaded.order_agnostic
    np.testing.assert_array_equal(loaded.input_degrees(2), new_order)
    np.testing.assert_allclose(loaded.log_prob_per_mask(x), expected, rtol=1e-5)
    assert loaded.sampling_order(2).tolist() == [4, 3, 2, 1, 0]
    # Generation reads the degrees from the weights too.
    fast = loaded.sample(16, seed=3)
    np.testing.assert_array_equal(fast, model.sample(16, seed=3))
    np.testing.assert_array_equal(
        fast, loaded.sample(16, seed=3, use_cache=False)
    )


def test_input_checks_name_expected_and_received():
    model = MADE((3,), hidden_units=(4,))
    with pytest.raises(ValueError, match=r"\[0, 1\].*Received values"):
        model.log_prob(np.array([[0, 2, 1]]))
    with pytest.raises(ValueError, match="shape"):
        model.log_prob(np.zeros((2, 4)))
    with pytest.raises(ValueError, match="shape"):
        model.log_prob_per_mask(np.zeros((2, 4)))
    with pytest.raises(ValueError, match="num_masks=2 needs"):
        MADE((3,), num_masks=2, connectivity_agnostic=False)
    with pytest.raises(ValueError, match="hidden_units"):
        MADE((3,), hidden_units=(0,))
    with pytest.raises(ValueError, match="num_masks"):
        MADE((3,), num_masks=0)
    with pytest.raises(ValueError, match="order"):
        MADE((3,), order=[0, 0, 1])
    with pytest.raises(ValueError, match="not conditional"):
        model.log_prob(np.zeros((1, 3)), condition=[1])
    gaussian = MADE((2,), head="gaussian", hidden_units=(4,))
    with pytest.raises(ValueError, match="NaN"):
        gaussian.log_prob(np.array([[np.nan, 1.0]]))
    assert gaussian.log_prob(np.array([[1e4, -1e4]])).shape == (1,)


def test_mixed_precision_fit_log_prob_and_sample():
    keras.config.set_dtype_policy("mixed_bfloat16")
    model = MADE(
        (6,),
        hidden_units=(16,),
        num_masks=2,
        order_agnostic=True,
        direct_connections=True,
        condition_classes=2,
    )
    assert model.backbone.compute_dtype == "bfloat16"
    x = np.random.default_rng(0).integers(0, 2, (64, 6))
    label = np.arange(64) % 2
    model.compile(optimizer="adam")
    history = model.fit(
        {"x": x, "label": label}, epochs=2, batch_size=16, verbose=0
    )
    assert np.isfinite(history.history["loss"]).all()
    log_prob = model.log_prob(x[:4], condition=label[:4])
    assert log_prob.dtype == np.float32 and np.isfinite(log_prob).all()
    fast = model.sample(4, condition=1, seed=0)
    assert fast.shape == (4, 6) and set(np.unique(fast)) <= {0, 1}


JAX_SCRIPT = textwrap.dedent(
    """
    import os, sys
    os.environ["KERAS_BACKEND"] = "jax"
    import keras, numpy as np
    from keras_ar.models import MADE, NADE
    assert keras.backend.backend() == "jax"
    rng = np.random.default_rng(0)
    data = rng.normal(size=(128, 3)) * [1.0, 10.0, 100.0] + 5.0
    # Continuous heads are Standardized: fit used to crash on JAX
    # ('NoneType' object is not callable in compute_metrics).
    models = [
        MADE((3,), head="gaussian", hidden_units=(16,), num_masks=2,
             order_agnostic=True),
        NADE((3,), head="mixture_of_gaussians", hidden_units=8),
    ]
    for model in models:
        model.compile(optimizer=keras.optimizers.Adam(0.02),
                      jit_compile=True)
        h = model.fit(data, epochs=3, batch_size=32, verbose=0)
        assert h.history["loss"][-1] < h.history["loss"][0], h.history
        assert np.isfinite(h.history["bits_per_dim"]).all()
        fast = model.sample(3, seed=0)
        np.testing.assert_allclose(
            fast, model.sample(3, seed=0, use_cache=False), rtol=1e-5,
            atol=1e-5)
        path = os.path.join(sys.argv[1], "m.keras")
        model.save(path)
        np.testing.assert_allclose(
            keras.saving.load_model(path).log_prob(data[:3]),
            model.log_prob(data[:3]), rtol=1e-5)
    print("ok")
    """
)


@pytest.mark.tensorflow
def test_made_and_nade_with_continuous_heads_train_on_jax(tmp_path):
    env = dict(os.environ, KERAS_BACKEND="jax")
    proc = subprocess.run(
        [sys.executable, "-c", JAX_SCRIPT, str(tmp_path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "ok" in proc.stdout


def test_unit_input_encoding_is_the_symmetric_model_reparametrised():
    """Feeding 0/1 instead of -1/1 is an affine change of the first layer's
    inputs: with W' = 2 W and b' = b - sum_j W_j (masked) the two encodings
    give the same likelihood."""
    kwargs = dict(hidden_units=(8,), direct_connections=True, seed=2)
    symmetric = MADE((5,), input_encoding="symmetric", **kwargs)
    unit = MADE((5,), **kwargs)
    assert unit.input_encoding == "unit"
    _randomize(symmetric)
    for a, b in zip(symmetric.weights, unit.weights):
        b.assign(a)
    src_net, dst_net = symmetric.backbone, unit.backbone
    first, direct = src_net.hidden_layers[0], src_net.direct_layer
    for src, dst, bias in [
        (first, dst_net.hidden_layers[0], dst_net.hidden_layers[0].bias),
        (direct, dst_net.direct_layer, dst_net.output_layer.bias),
    ]:
        kernel = ops.convert_to_numpy(src.kernel) * src.mask(0)
        dst.kernel.assign(2.0 * ops.convert_to_numpy(src.kernel))
        bias.assign(ops.convert_to_numpy(bias) - kernel.sum(0))
    x = enumerate_events((5,), 2)
    np.testing.assert_allclose(
        unit.log_prob(x), symmetric.log_prob(x), rtol=1e-4, atol=1e-4
    )
    assert not np.allclose(
        MADE((5,), **kwargs).log_prob(x), symmetric.log_prob(x)
    )


def test_input_encoding_config_and_models_saved_before_it():
    model = MADE((4,), hidden_units=(6,), input_encoding="symmetric")
    assert MADE.from_config(model.get_config()).input_encoding == "symmetric"
    assert MADE.from_config(MADE((4,)).get_config()).input_encoding == "unit"
    # Configs written before the option existed: trained on [-1, 1].
    old = MADE((4,), hidden_units=(6,)).get_config()
    del old["input_encoding"]
    assert MADE.from_config(old).input_encoding == "symmetric"
    with pytest.raises(ValueError, match="input_encoding"):
        MADE((4,), input_encoding="centered")


def test_continuous_heads_ignore_the_input_encoding():
    x = np.random.default_rng(0).normal(size=(5, 3)).astype("float32")
    a = MADE((3,), head="gaussian", hidden_units=(6,), seed=1)
    b = MADE(
        (3,),
        head="gaussian",
        hidden_units=(6,),
        seed=1,
        input_encoding="symmetric",
    )
    for src, dst in zip(a.weights, b.weights):
        dst.assign(src)
    np.testing.assert_allclose(a.log_prob(x), b.log_prob(x), rtol=1e-6)


def test_backbone_round_trips_its_config():
    backbone = MADEBackbone(
        (3, 2), 2, hidden_units=(5,), num_masks=2, condition_classes=4
    )
    clone = MADEBackbone.from_config(backbone.get_config())
    assert clone.get_config() == backbone.get_config()
    x = np.zeros((1, 3, 2), "float32")
    out = clone(x, condition={"condition": np.array([3])})
    assert tuple(out.shape) == (1, 3, 4)


# tests/models/test_model_harness.py exports ensembles and (3,) events.
@pytest.mark.tensorflow
@pytest.mark.parametrize("kwargs", [dict(head=3, condition_classes=2)])
def test_export_log_prob_signature_matches_log_prob(tmp_path, kwargs):
    model = MADE((2, 3, 1), hidden_units=(8,), **kwargs)
    _randomize(model, scale=0.5)
    values = 3 if kwargs.get("head") == 3 else 2
    x = np.random.default_rng(0).integers(0, values, (5, 2, 3, 1))
    condition = [0, 1, 1, 0, 1] if model.is_conditional else None
    assert_export_matches_log_prob(model, x, tmp_path / "made", condition)


def _fit_made(x, zero_masked_weights=True):
    from keras_ar.layers import MaskedDense

    keras.utils.set_random_seed(0)
    model = MADE((12,), hidden_units=(16,), seed=0)
    model.compile(optimizer=keras.optimizers.Adam(1e-2))
    model(x[:2])
    layers = [
        layer
        for layer in model._flatten_layers()
        if isinstance(layer, MaskedDense)
    ]
    flags = []

    class Flags(keras.callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            flags.append([layer.kernel_is_masked for layer in layers])

    # Both runs start from zeroed masked weights, so they can be equal.
    for layer in layers:
        layer.zero_masked_weights()
        layer.kernel_is_masked = False
    if not zero_masked_weights:
        for layer in layers:
            layer.zero_masked_weights = lambda: None
    history = model.fit(
        x, epochs=2, batch_size=16, shuffle=False, verbose=0,
        callbacks=[Flags()],
    )  # fmt: skip
    return model, layers, history.history["loss"], flags


def test_fit_trains_on_zeroed_kernels_exactly_as_on_masked_ones():
    x = (np.random.default_rng(0).random((64, 12)) < 0.3).astype("float32")
    model, layers, loss, flags = _fit_made(x)
    reference, _, reference_loss, reference_flags = _fit_made(x, False)
    assert all(all(step) for step in flags)
    assert not any(any(step) for step in reference_flags)
    # Reset after `fit`: later training-mode calls multiply again.
    assert not any(layer.kernel_is_masked for layer in layers)
    np.testing.assert_array_equal(loss, reference_loss)
    for ours, theirs in zip(model.weights, reference.weights):
        np.testing.assert_array_equal(
            ops.convert_to_numpy(ours), ops.convert_to_numpy(theirs)
        )
    for layer in layers:
        kernel = ops.convert_to_numpy(layer.kernel)
        assert np.all(kernel[layer.mask() == 0] == 0)
    assert_autoregressive(_dependencies(model, 0))


def test_train_on_batch_zeroes_perturbed_weights_before_its_step():
    x = (np.random.default_rng(0).random((32, 12)) < 0.3).astype("float32")
    keras.utils.set_random_seed(0)
    model = MADE((12,), hidden_units=(16,), seed=0)
    model.compile(optimizer="adam")
    model(x[:2])
    rng = np.random.default_rng(1)
    for weight in model.trainable_weights:
        weight.assign(rng.normal(size=weight.shape).astype("float32"))
    layer = model.backbone.output_layer
    assert np.any(ops.convert_to_numpy(layer.kernel)[layer.mask() == 0])
    expected = -float(np.mean(model.log_prob(x)))
    # The step's loss is computed before its update, on zeroed kernels.
    loss = float(np.ravel(model.train_on_batch(x))[0])
    np.testing.assert_allclose(loss, expected, rtol=1e-5)
    kernel = ops.convert_to_numpy(layer.kernel)
    assert np.all(kernel[layer.mask() == 0] == 0)
    assert not layer.kernel_is_masked
