import os
import subprocess
import sys
import textwrap

import keras
import numpy as np
import pytest
from keras import ops

from keras_ar.heads import Categorical
from keras_ar.heads import DiscretizedLogisticMixture
from keras_ar.heads import MuLawCategorical
from keras_ar.models import WaveNet
from keras_ar.models.wavenet_backbone import WaveNetBackbone
from keras_ar.testing import assert_autoregressive
from keras_ar.testing import dependency_matrix
from keras_ar.testing import enumerate_events


def _tiny(event_shape=(12, 1), head=4, **kwargs):
    defaults = dict(
        residual_channels=4,
        skip_channels=6,
        num_stacks=1,
        layers_per_stack=3,
    )
    defaults.update(kwargs)
    return WaveNet(event_shape, head=head, **defaults)


def _randomize(model, scale=0.7, seed=0):
    rng = np.random.default_rng(seed)
    for w in model.weights:
        w.assign(rng.normal(0, scale, w.shape).astype("float32"))


def _local(model, batch, length=None, seed=0):
    frames = model.local_frames(length)
    return np.random.default_rng(seed).normal(
        size=(batch, frames, model.local_condition_channels)
    )


def _conditional(upsample="repeat", **kwargs):
    model = _tiny(
        (10, 2),
        head=DiscretizedLogisticMixture(2, num_values=16),
        condition_classes=3,
        local_condition_channels=2,
        local_upsample_factor=4,
        local_upsample=upsample,
        **kwargs,
    )
    _randomize(model, scale=0.5)
    return model


def _dependencies(model, num_values, condition=None, draws=3):
    """Union over a few random inputs (a dead ReLU can hide a link)."""
    length, channels = model.event_shape
    positions = np.arange(length * channels).reshape(length, channels)
    matrix = None
    for seed in range(draws):
        x = np.random.default_rng(seed).integers(
            0, num_values, (1, length, channels)
        )
        params = model(x.astype("float32"), condition=condition)
        extra = tuple(params.shape[3:])
        out_positions = np.broadcast_to(
            positions.reshape(positions.shape + (1,) * len(extra)),
            positions.shape + extra,
        )
        m = dependency_matrix(
            lambda v: model(v, condition=condition),
            x,
            positions,
            out_positions,
            perturb=lambda v: (v + 1) % num_values,
        )
        matrix = m if matrix is None else matrix | m
    return matrix


# The harness (run_model_test) runs in tests/models/test_model_harness.py.


# ----------------------------------------------------------------------
# Structure
# ----------------------------------------------------------------------
@pytest.mark.parametrize(
    "kernel_size, num_stacks, layers", [(2, 1, 3), (2, 2, 2), (3, 1, 2)]
)
def test_receptive_field_equals_formula_and_measurement(
    kernel_size, num_stacks, layers
):
    length = 14
    model = _tiny(
        (length, 1),
        kernel_size=kernel_size,
        num_stacks=num_stacks,
        layers_per_stack=layers,
    )
    dilations = [2**i for i in range(layers)] * num_stacks
    assert model.dilations == model.backbone.dilations == dilations
    field = 1 + (kernel_size - 1) * (1 + sum(dilations))
    assert model.receptive_field == model.backbone.receptive_field == field
    _randomize(model)
    m = _dependencies(model, 4, draws=2)
    assert_autoregressive(m, strict=True)
    for t in range(length):
        seen = np.nonzero(m[:, t])[0]
        assert seen.tolist() == list(range(max(t - field, 0), t))


def test_receptive_field_of_the_paper_configuration():
    model = WaveNet(
        (16, 1), residual_channels=2, skip_channels=2, output_channels=2
    )
    assert model.dilations[:10] == [1, 2, 4, 8, 16, 32, 64, 128, 256, 512]
    assert model.receptive_field == 2048  # 2 stacks of 10 layers
    assert model.length == 16 and model.local_frames() == 16


def test_multichannel_model_is_autoregressive():
    model = _tiny((6, 2), head=3)
    _randomize(model)
    m = _dependencies(model, 3)
    assert_autoregressive(m, strict=True)
    assert m[0, 2] and m[1, 2] and m[1, 3]  # both channels of t-1


def test_conditional_model_is_autoregressive_and_uses_conditions():
    model = _tiny(
        (8, 1),
        condition_classes=3,
        local_condition_channels=2,
        local_upsample_factor=3,
    )
    _randomize(model)
    local = _local(model, 1)
    for label in range(3):
        condition = {"global": np.array([label]), "local": local}
        m = _dependencies(model, 4, condition, draws=2)
        assert_autoregressive(m, strict=True)
        assert m[6, 7] and m[0, 7]
    x = np.random.default_rng(9).integers(0, 4, (1, 8, 1))
    base = model.log_prob(x, condition={"global": [0], "local": local})
    other_class = model.log_prob(x, condition={"global": [2], "local": local})
    other_local = model.log_prob(
        x, condition={"global": [0], "local": local + 1.0}
    )
    assert not np.allclose(base, other_class)
    assert not np.allclose(base, other_local)


def test_params_shape_and_teacher_forcing():
    model = _tiny((5, 2), head=Categorical(3))
    params = model(np.zeros((4, 5, 2), "float32"))
    assert tuple(params.shape) == (4, 5, 2, 3)
    assert ops.convert_to_numpy(params).dtype == np.float32
    assert model.variable_length
    # Any length can be scored.
    assert model.log_prob(np.zeros((2, 9, 2))).shape == (2,)
    # The constructor builds; calling build() again (as users do) is a
    # no-op, not an error.
    count = len(model.weights)
    model.build()
    model.build((None, 5, 2))
    assert len(model.weights) == count


def test_backbone_features_config_and_cropped_local_condition():
    backbone = WaveNetBackbone(
        5, residual_channels=4, skip_channels=3, num_stacks=1,
        layers_per_stack=2, condition_classes=2, local_condition_channels=2,
        local_upsample_factor=3,
    )  # fmt: skip
    x = np.random.default_rng(0).normal(size=(2, 7, 1)).astype("float32")
    local = np.random.default_rng(1).normal(size=(2, 3, 2)).astype("float32")
    condition = {"condition": np.array([0, 1]), "local_condition": local}
    features = ops.convert_to_numpy(backbone(x, condition=condition))
    assert features.shape == (2, 7, 5)
    assert backbone.compute_output_shape((2, 7, 1)) == (2, 7, 5)
    # More frames than needed (as exported signatures allow): cropped.
    longer = np.concatenate([local, np.ones((2, 4, 2), "float32")], axis=1)
    more = dict(condition, local_condition=longer)
    np.testing.assert_allclose(
        ops.convert_to_numpy(backbone(x, condition=more)), features, atol=1e-6
    )
    clone = WaveNetBackbone.from_config(backbone.get_config())
    clone.build((None, None, 1))
    clone.set_weights(backbone.get_weights())
    np.testing.assert_array_equal(
        ops.convert_to_numpy(clone(x, condition=condition)), features
    )
    with pytest.raises(ValueError, match="is conditional: pass `condition`"):
        backbone(x, condition={"local_condition": local})
    with pytest.raises(ValueError, match="2 frames; 3 are needed"):
        backbone(x, condition=dict(condition, local_condition=local[:, :2]))
    plain = WaveNetBackbone(5, residual_channels=2, skip_channels=2)
    with pytest.raises(ValueError, match="takes no `condition`"):
        plain(x, condition={"condition": np.array([0, 1])})


def test_generation_protocol_writes_one_time_step_per_step():
    model = _tiny((5, 3), head=3)
    positions = ops.convert_to_numpy(model.generation_positions(2, {}, (5, 3)))
    assert positions.tolist() == [[6, 7, 8]]
    assert model.generation_steps((7, 3)) == 7
    assert model.generation_jit_compile(True)
    assert not model.generation_jit_compile(False)


# ----------------------------------------------------------------------
# Likelihood
# ----------------------------------------------------------------------
@pytest.mark.parametrize(
    "event_shape, head, num_values",
    [
        ((3, 1), Categorical(3), 3),
        ((3, 1), DiscretizedLogisticMixture(2, num_values=4), 4),
        ((2, 2), 2, 2),
    ],
)
def test_probabilities_sum_to_one(event_shape, head, num_values):
    model = _tiny(event_shape, head=head, layers_per_stack=2)
    _randomize(model, scale=1.0)
    events = enumerate_events(event_shape, num_values)
    probs = np.exp(model.log_prob(events).astype("float64"))
    assert probs.std() > 1e-3
    np.testing.assert_allclose(probs.sum(), 1.0, rtol=1e-5)


def test_conditional_probabilities_sum_to_one():
    model = _tiny(
        (3, 1),
        head=3,
        layers_per_stack=2,
        condition_classes=2,
        local_condition_channels=1,
        local_upsample_factor=2,
        local_upsample="transposed",
    )
    _randomize(model, scale=1.0)
    events = enumerate_events((3, 1), 3)
    totals = []
    for label in (0, 1):
        local = np.broadcast_to(_local(model, 1, seed=label), (27, 2, 1))
        condition = {"global": np.full(27, label), "local": local}
        totals.append(np.exp(model.log_prob(events, condition=condition)))
    np.testing.assert_allclose([t.sum() for t in totals], 1.0, rtol=1e-5)
    assert not np.allclose(totals[0], totals[1])


def test_conditions_in_every_form_give_the_same_scores():
    model = _conditional()
    x = np.random.default_rng(0).integers(0, 16, (3, 10, 2))
    ids, local = np.array([0, 2, 1]), _local(model, 3)
    expected = model.log_prob(x, condition={"global": ids, "local": local})
    for condition in (
        {"condition": ids, "local_condition": local},
        {"label": ids, "local_condition": local},
        (ids, local),
    ):
        np.testing.assert_array_equal(
            model.log_prob(x, condition=condition), expected
        )
    features = {"audio": x, "label": ids, "local_condition": local}
    np.testing.assert_array_equal(model.log_prob(features), expected)
    np.testing.assert_allclose(model.anomaly_score(features), -expected)
    known = np.zeros((3, 10), bool)
    known[:, :4] = True
    np.testing.assert_array_equal(
        model.complete(features, known, seed=0),
        model.complete(x, known, condition=(ids, local), seed=0),
    )
    # One-part models take the bare value.
    classes = _tiny((6, 1), condition_classes=3)
    feats = _tiny((6, 1), local_condition_channels=2, local_upsample_factor=2)
    y = np.zeros((2, 6, 1))
    assert classes.log_prob(y, condition=[0, 2]).shape == (2,)
    assert feats.log_prob(y, condition=_local(feats, 2)).shape == (2,)


# ----------------------------------------------------------------------
# Generation: cached (ring-buffer queues) == naive
# ----------------------------------------------------------------------
def test_cached_sampling_equals_naive_unconditional():
    model = _tiny((16, 1), head=MuLawCategorical(), layers_per_stack=3)
    _randomize(model, scale=0.5)
    assert model.receptive_field < 16  # the queues really wrap around
    fast = model.sample(3, seed=11)
    slow = model.sample(3, seed=11, use_cache=False)
    np.testing.assert_array_equal(fast, slow)
    assert fast.shape == (3, 16, 1) and fast.dtype == np.int32
    assert len(np.unique(fast)) > 5
    # Other lengths than the training length (and positional `length`).
    for length in (21, 5):
        fast = model.sample(2, length, seed=3)
        slow = model.sample(2, length=length, seed=3, use_cache=False)
        np.testing.assert_array_equal(fast, slow)
        assert fast.shape == (2, length, 1)


@pytest.mark.parametrize("upsample", ["repeat", "transposed"])
def test_cached_sampling_equals_naive_conditional(upsample):
    model = _conditional(upsample, num_stacks=2, layers_per_stack=2)
    condition = {"global": np.array([0, 2, 1]), "local": _local(model, 3)}
    fast = model.sample(3, condition=condition, seed=5)
    slow = model.sample(3, condition=condition, seed=5, use_cache=False)
    np.testing.assert_array_equal(fast, slow)
    other = model.sample(
        3, condition={"global": [1, 1, 1], "local": condition["local"]}, seed=5
    )
    assert not np.array_equal(fast, other)  # the condition matters
    # Another length: the local condition covers it.
    local = _local(model, 3, length=23)
    cond = {"global": [0, 2, 1], "local": local}
    np.testing.assert_array_equal(
        model.sample(3, 23, cond, seed=2),
        model.sample(3, 23, cond, seed=2, use_cache=False),
    )


@pytest.mark.parametrize("part", ["class", "local"])
def test_cached_equals_naive_with_one_condition(part):
    if part == "class":
        model = _tiny((9, 1), head=5, condition_classes=4, kernel_size=3)
        condition = 3  # one id for every sample
    else:
        model = _tiny(
            (9, 1), head=5, local_condition_channels=3,
            local_upsample_factor=2,
        )  # fmt: skip
        condition = _local(model, 1)[0]  # one sequence for every sample
    _randomize(model, scale=0.6)
    np.testing.assert_array_equal(
        model.sample(4, condition=condition, seed=8),
        model.sample(4, condition=condition, seed=8, use_cache=False),
    )


@pytest.mark.parametrize("use_cache", [True, False])
def test_progress_runs_in_chunks_with_the_same_samples(use_cache, capsys):
    model = _conditional()
    condition = {"global": np.array([0, 2]), "local": _local(model, 2, 61)}
    kwargs = dict(length=61, condition=condition, seed=5, use_cache=use_cache)
    once = model.sample(2, **kwargs)
    capsys.readouterr()
    chunked = model.sample(2, progress=True, **kwargs)
    np.testing.assert_array_equal(chunked, once)
    assert "61/61" in capsys.readouterr().out  # one step per time step
    x = np.zeros((2, 61, 2), "int32")
    known = np.zeros((2, 61), bool)
    known[:, :7] = True
    np.testing.assert_array_equal(
        model.complete(x, known, condition=condition, seed=1, progress=True),
        model.complete(x, known, condition=condition, seed=1),
    )


def test_complete_continues_a_prompt_cached_equals_naive():
    model = _tiny((14, 1), head=5, condition_classes=2)
    _randomize(model, scale=0.5)
    x = np.random.default_rng(0).integers(0, 5, (4, 14, 1))
    known = np.zeros((4, 14), bool)
    known[:, :6] = True
    fast = model.complete(x, known, condition=1, seed=2)
    slow = model.complete(x, known, condition=1, seed=2, use_cache=False)
    np.testing.assert_array_equal(fast, slow)
    np.testing.assert_array_equal(fast[:, :6], x[:, :6])
    assert not np.array_equal(fast[:, 6:], x[:, 6:])
    # With nothing known, complete == sample for the same seed.
    np.testing.assert_array_equal(
        model.complete(x, np.zeros_like(known), condition=1, seed=4),
        model.sample(4, condition=1, seed=4),
    )
    # A longer prompt than the training length, with gaps.
    x = np.random.default_rng(1).integers(0, 5, (2, 30, 1))
    known = np.random.default_rng(2).random((2, 30)) < 0.5
    np.testing.assert_array_equal(
        model.complete(x, known, condition=[0, 1], seed=3),
        model.complete(x, known, condition=[0, 1], seed=3, use_cache=False),
    )


def test_sampling_under_mixed_precision():
    keras.config.set_dtype_policy("mixed_bfloat16")
    model = _tiny((8, 1), head=4, condition_classes=2)
    assert model.backbone.compute_dtype == "bfloat16"
    samples = model.sample(2, condition=1, seed=0)
    assert samples.shape == (2, 8, 1)
    assert np.isfinite(model.log_prob(samples, condition=[1, 1])).all()


# ----------------------------------------------------------------------
# Training, forecasting, saving
# ----------------------------------------------------------------------
def test_fit_learns_a_sequence_and_continues_it():
    rng = np.random.default_rng(0)
    starts = rng.integers(0, 4, 128)
    x = ((starts[:, None] + np.arange(16)) % 4)[..., None]
    model = _tiny((16, 1), head=4, residual_channels=8, skip_channels=8)
    model.compile(optimizer=keras.optimizers.Adam(0.02))
    history = model.fit(x, epochs=30, batch_size=32, verbose=0)
    # Only the first value is random: log(4) / 16 = 0.087 nats per step.
    assert history.history["loss"][-1] < 0.3 * 16 * np.log(4) / 4
    known = np.zeros((8, 16), bool)
    known[:, :2] = True
    out = model.complete(x[:8], known, seed=0)
    accuracy = np.mean(out[:, 2:] == x[:8, 2:])
    assert accuracy > 0.9


def test_fit_takes_conditions_from_a_dict_input():
    model = _conditional()
    model.compile(optimizer=keras.optimizers.Adam(0.01))
    rng = np.random.default_rng(0)
    data = {
        "audio": rng.integers(0, 16, (8, 10, 2)),
        "label": np.arange(8) % 3,
        "local_condition": rng.normal(size=(8, 3, 2)),
    }
    history = model.fit(data, epochs=2, batch_size=4, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    with pytest.raises(ValueError, match="is conditional"):
        model.fit(data["audio"], epochs=1, verbose=0)


def test_forecast_returns_paths_and_quantiles():
    model = _tiny((16, 1), head=DiscretizedLogisticMixture(2, num_values=10))
    _randomize(model, scale=0.5)
    context = np.random.default_rng(0).integers(0, 10, 40)  # > field
    out = model.forecast(context, steps=5, num_samples=50, seed=1)
    assert out["samples"].shape == (50, 5)
    assert out["quantiles"].shape == (3, 5)
    assert out["mean"].shape == out["median"].shape == (5,)
    q = out["quantiles"]
    assert np.all(q[0] <= q[1]) and np.all(q[1] <= q[2])
    again = model.forecast(context, 5, 50, seed=1)  # positional arguments
    np.testing.assert_array_equal(out["samples"], again["samples"])
    naive = model.forecast(context, 5, 50, seed=1, use_cache=False)
    np.testing.assert_array_equal(out["samples"], naive["samples"])
    # Only the receptive field matters: a different far past, same result.
    longer = np.concatenate([np.zeros(30, int), context[-20:]])
    far = model.forecast(longer, steps=5, num_samples=50, seed=1)
    np.testing.assert_array_equal(far["samples"], out["samples"])
    batched = model.forecast(
        np.stack([context, context])[..., None], 3, num_samples=4, seed=0
    )
    assert batched["samples"].shape == (2, 4, 3, 1)
    assert batched["quantiles"].shape == (3, 2, 3, 1)


def test_save_and_load_round_trip(tmp_path):
    model = _tiny(
        (8, 2),
        head=DiscretizedLogisticMixture(2, num_values=8),
        condition_classes=2,
        local_condition_channels=3,
        local_upsample_factor=2,
        local_upsample="transposed",
    )
    _randomize(model, scale=0.5)
    model.compile(optimizer="adam")
    model.optimizer.build(model.trainable_variables)
    rng = np.random.default_rng(0)
    x = rng.integers(0, 8, (6, 8, 2))
    labels = np.array([0, 1, 1, 0, 1, 0])
    local = _local(model, 6)
    path = str(tmp_path / "wavenet.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert isinstance(loaded, WaveNet)
    assert isinstance(loaded.backbone, WaveNetBackbone)
    condition = {"global": labels, "local": local}
    np.testing.assert_array_equal(
        loaded.log_prob(x, condition=condition),
        model.log_prob(x, condition=condition),
    )
    np.testing.assert_array_equal(
        loaded.sample(6, condition=condition, seed=1),
        model.sample(6, condition=condition, seed=1),
    )
    config, loaded_config = model.get_config(), loaded.get_config()
    assert config.pop("head")["config"] == loaded_config.pop("head")["config"]
    assert config == loaded_config
    assert config["condition_classes"] == 2


def test_default_head_is_mu_law_and_names_resolve():
    model = WaveNet(
        (6, 1), residual_channels=2, skip_channels=2, layers_per_stack=2
    )
    assert isinstance(model.head, MuLawCategorical)
    named = WaveNet(
        (6, 1), head="logistic_mixture", residual_channels=2,
        skip_channels=2, layers_per_stack=2,
    )  # fmt: skip
    assert isinstance(named.head, DiscretizedLogisticMixture)
    codes = np.full((1, 6, 1), 255)
    assert np.isfinite(model.log_prob(codes)).all()
    with pytest.raises(ValueError, match=r"\[0, 255\].*MuLawCategorical"):
        model.log_prob(codes + 1)
    with pytest.raises(ValueError, match="whole numbers"):
        model.log_prob(np.full((1, 6, 1), 0.25))
    with pytest.raises(ValueError, match=r"\[0, 255\]"):
        model.complete(np.full((1, 9, 1), -1), np.ones((1, 9), bool))
    with pytest.raises(ValueError, match="head"):
        WaveNet((6, 1), head="no_such_head")


def test_bad_inputs_raise_clear_errors():
    model = _tiny(
        (8, 1),
        condition_classes=2,
        local_condition_channels=2,
        local_upsample_factor=4,
    )
    x = np.zeros((2, 8, 1), "int32")
    good = {"global": np.array([0, 1]), "local": _local(model, 2)}
    with pytest.raises(ValueError, match=r"rank 3.*\(2, 8\)"):
        model.log_prob(x[..., 0], condition=good)
    with pytest.raises(ValueError, match=r"\(batch, length, 1\).*\(2, 8, 3\)"):
        model.log_prob(np.zeros((2, 8, 3)), condition=good)
    with pytest.raises(ValueError, match="is conditional"):
        model.log_prob(x)
    with pytest.raises(ValueError, match=r"shape \(2,\)"):
        model.log_prob(x, condition={"global": [0], "local": good["local"]})
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        model.log_prob(x, condition={"global": [0, 5], "local": good["local"]})
    with pytest.raises(ValueError, match=r"\(2, 2, 2\).*\(2, 3, 2\)"):
        model.log_prob(
            x, condition={"global": [0, 1], "local": np.zeros((2, 3, 2))}
        )
    with pytest.raises(ValueError, match=r"\(2, 2, 2\).*\(2, 2, 5\)"):
        model.sample(
            2, condition={"global": [0, 1], "local": np.zeros((2, 2, 5))}
        )
    with pytest.raises(ValueError, match="NaN"):
        model.sample(
            2, condition={"global": [0, 1], "local": np.full((2, 2, 2), np.nan)}
        )
    with pytest.raises(ValueError, match="several conditions"):
        model.sample(2, condition=[0, 1])
    with pytest.raises(ValueError, match="Unknown condition key 'class'"):
        model.sample(2, condition={"class": [0, 1]})
    with pytest.raises(ValueError, match="length"):
        model.sample(2, length=0, condition=good)
    with pytest.raises(ValueError, match="temperature"):
        model.sample(2, condition=good, temperature=-1.0)
    with pytest.raises(ValueError, match="seed"):
        model.sample(2, condition=good, seed=-1)
    with pytest.raises(ValueError, match="known_mask"):
        model.complete(x, np.ones((2, 3), bool), condition=good)
    plain = _tiny((8, 1))
    with pytest.raises(ValueError, match="not conditional"):
        plain.sample(2, condition=[0, 1])
    with pytest.raises(ValueError, match=r"\(time,\).*\(2, 3, 4, 1\)"):
        plain.forecast(np.zeros((2, 3, 4, 1)), steps=2)
    with pytest.raises(ValueError, match="quantiles"):
        plain.forecast(np.zeros(5), steps=2, quantiles=(0.5, 2.0))
    with pytest.raises(ValueError, match="length, channels"):
        WaveNet((8, 8, 1))
    with pytest.raises(ValueError, match="local_upsample"):
        _tiny(local_condition_channels=1, local_upsample="linear")
    with pytest.raises(ValueError, match="residual_channels"):
        _tiny(residual_channels=0)
    with pytest.raises(ValueError, match="local_upsample_factor"):
        _tiny(local_upsample_factor=0)
    with pytest.raises(ValueError, match="condition_classes"):
        _tiny(condition_classes=0)


JAX_SCRIPT = textwrap.dedent(
    """
    import importlib.abc
    import os
    import sys

    class Block(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path, target=None):
            if name.split(".")[0] in ("tensorflow", "tf_keras",
                                      "tensorflow_probability"):
                raise ImportError(f"{name} is blocked in this test")

    sys.meta_path.insert(0, Block())
    os.environ["KERAS_BACKEND"] = "jax"

    import keras
    import numpy as np

    from keras_ar.heads import DiscretizedLogisticMixture
    from keras_ar.models import WaveNet

    assert keras.backend.backend() == "jax"
    model = WaveNet((12, 1), head=DiscretizedLogisticMixture(2, 16),
                    residual_channels=4, skip_channels=4, num_stacks=1,
                    layers_per_stack=3, condition_classes=2,
                    local_condition_channels=2, local_upsample_factor=3)
    model.compile(optimizer=keras.optimizers.Adam(0.01), jit_compile=True)
    rng = np.random.default_rng(0)
    x = rng.integers(0, 16, (32, 12, 1))
    labels = np.arange(32) % 2
    local = rng.normal(size=(32, 4, 2))
    data = {"x": x, "label": labels, "local_condition": local}
    history = model.fit(data, epochs=2, batch_size=16, verbose=0)
    assert history.history["loss"][1] < history.history["loss"][0]
    cond = {"global": labels[:3], "local": local[:3]}
    fast = model.sample(3, condition=cond, seed=1)
    slow = model.sample(3, condition=cond, seed=1, use_cache=False)
    assert (fast == slow).all() and fast.shape == (3, 12, 1)
    chunked = model.sample(3, condition=cond, seed=1, progress=True)
    assert (chunked == fast).all()
    cond = {"global": labels[:3], "local": rng.normal(size=(3, 7, 2))}
    fast = model.sample(3, 20, cond, seed=2)
    assert (fast == model.sample(3, 20, cond, seed=2, use_cache=False)).all()
    cond = {"global": labels[:3], "local": local[:3]}
    assert np.isfinite(model.log_prob(x[:3], condition=cond)).all()
    assert not [m for m in sys.modules if m.startswith("tensorflow")]
    print("JAX OK")
    """
)


def test_wavenet_on_jax_without_tensorflow():
    env = dict(os.environ, KERAS_BACKEND="jax", JAX_PLATFORMS="cpu")
    result = subprocess.run(
        [sys.executable, "-c", JAX_SCRIPT],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "JAX OK" in result.stdout
