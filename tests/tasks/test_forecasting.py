"""`keras_ar.tasks.forecast` over a sequence model (WaveNet), flat models
(NADE, MADE) and conditional models."""

import numpy as np
import pytest

from keras_ar.models import MADE
from keras_ar.models import NADE
from keras_ar.models import WaveNet
from keras_ar.tasks import forecast
from keras_ar.testing.model_test import perturb_weights


def _wavenet(**kwargs):
    model = WaveNet(
        (16, 1), head=5, residual_channels=4, skip_channels=4,
        num_stacks=1, layers_per_stack=3, **kwargs,
    )  # fmt: skip
    perturb_weights(model, seed=0, scale=1.0)
    return model


def _nade(**kwargs):
    model = NADE((6,), head="bernoulli", hidden_units=4, **kwargs)
    perturb_weights(model, seed=1, scale=1.0)
    return model


def test_forecast_over_wavenet_is_a_completion_of_the_context():
    model = _wavenet()
    context = np.random.default_rng(0).integers(0, 5, 7)
    out = forecast(model, context, steps=4, num_samples=6, seed=3)
    assert out["samples"].shape == (6, 4)
    assert out["quantiles"].shape == (3, 4)
    assert out["mean"].shape == out["median"].shape == (4,)
    np.testing.assert_allclose(out["mean"], out["samples"].mean(axis=0))
    np.testing.assert_array_equal(out["quantile_levels"], [0.1, 0.5, 0.9])
    # The same draws as completing the context, repeated per sample path.
    x = np.zeros((6, 11, 1), "int32")
    x[:, :7, 0] = context
    known = np.zeros((6, 11), bool)
    known[:, :7] = True
    paths = model.complete(x, known, seed=3)
    np.testing.assert_array_equal(out["samples"], paths[:, 7:, 0])
    # The method on the model is this task; the cached path == naive.
    np.testing.assert_array_equal(
        model.forecast(context, 4, num_samples=6, seed=3)["samples"],
        out["samples"],
    )
    naive = forecast(model, context, 4, num_samples=6, seed=3, use_cache=False)
    np.testing.assert_array_equal(naive["samples"], out["samples"])


def test_forecast_over_wavenet_crops_the_context_to_the_receptive_field():
    model = _wavenet()
    field = model.receptive_field
    context = np.random.default_rng(1).integers(0, 5, field + 30)
    out = forecast(model, context, steps=3, num_samples=8, seed=0)
    other_past = context.copy()
    other_past[:30] = (other_past[:30] + 1) % 5
    again = forecast(model, other_past, steps=3, num_samples=8, seed=0)
    np.testing.assert_array_equal(out["samples"], again["samples"])
    cropped = forecast(model, context[-field:], 3, num_samples=8, seed=0)
    np.testing.assert_array_equal(out["samples"], cropped["samples"])


def test_forecast_over_wavenet_with_batches_and_channels():
    model = WaveNet(
        (8, 2), head=4, residual_channels=4, skip_channels=4,
        num_stacks=1, layers_per_stack=2,
    )  # fmt: skip
    context = np.random.default_rng(2).integers(0, 4, (3, 5, 2))
    out = forecast(model, context, steps=2, num_samples=4, seed=1)
    assert out["samples"].shape == (3, 4, 2, 2)
    assert out["quantiles"].shape == (3, 3, 2, 2)
    assert out["mean"].shape == (3, 2, 2)
    one = forecast(model, context[1], steps=2, num_samples=4, seed=1)
    assert one["samples"].shape == (4, 2, 2)
    with pytest.raises(ValueError, match=r"\(time,\)"):
        forecast(model, context[0, :, 0], steps=2)  # one channel missing


def test_forecast_over_a_flat_model():
    model = _nade()
    context = np.array([1, 0, 1])
    out = forecast(model, context, steps=2, num_samples=50, seed=4)
    assert out["samples"].shape == (50, 2)
    assert out["quantiles"].shape == (3, 2)
    assert set(np.unique(out["samples"])) <= {0, 1}
    # The next values are drawn from p(x_4, x_5 | x_1..x_3): the same as
    # completing the first values (the rest of the event is cut off).
    x = np.zeros((50, 6), "float32")
    x[:, :3] = context
    known = np.zeros((50, 6), bool)
    known[:, :3] = True
    paths = model.complete(x, known, seed=4)
    np.testing.assert_array_equal(out["samples"], paths[:, 3:5])
    batched = forecast(model, np.stack([context, 1 - context]), 3, 4, seed=0)
    assert batched["samples"].shape == (2, 4, 3)
    assert batched["mean"].shape == (2, 3)
    with pytest.raises(ValueError, match="at most 3 steps"):
        forecast(model, context, steps=4)
    with pytest.raises(ValueError, match=r"\(time,\) or \(batch, time\)"):
        forecast(model, np.zeros((1, 3, 1)), steps=1)


def test_forecast_over_a_flat_continuous_model():
    model = MADE((5,), head="gaussian", hidden_units=(8,))
    model.compile(optimizer="adam")
    rng = np.random.default_rng(3)
    model.fit(rng.normal(10.0, 2.0, (64, 5)), epochs=1, verbose=0)
    out = forecast(model, [9.0, 11.0], steps=3, num_samples=30, seed=2)
    assert out["samples"].shape == (30, 3)
    assert np.all(np.isfinite(out["samples"]))
    assert np.all(out["quantiles"][0] <= out["quantiles"][2])
    # In the data's units (a Standardized head).
    assert 0.0 < np.median(out["samples"]) < 20.0


def test_forecast_with_a_class_condition():
    model = _wavenet(condition_classes=3)
    context = np.random.default_rng(4).integers(0, 5, (2, 6, 1))
    out = forecast(model, context, 3, num_samples=5, condition=[0, 2], seed=1)
    assert out["samples"].shape == (2, 5, 3, 1)
    # Each series' condition is repeated for its sample paths.
    first = forecast(model, context[0], 3, 5, condition=0, seed=1)
    assert first["samples"].shape == (5, 3, 1)
    other = forecast(model, context[0], 3, 5, condition=2, seed=1)
    assert not np.array_equal(first["samples"], other["samples"])
    with pytest.raises(ValueError, match="is conditional"):
        forecast(model, context, 3)
    with pytest.raises(ValueError, match=r"shape \(2,\)"):
        forecast(model, context, 3, condition=[0, 1, 2])
    flat = _nade(condition_classes=2)
    paths = forecast(flat, [1, 1], 2, num_samples=6, condition=1, seed=0)
    assert paths["samples"].shape == (6, 2)
    with pytest.raises(ValueError, match="not conditional"):
        forecast(_nade(), [1, 1], 2, condition=1)


def test_forecast_with_a_local_condition_covering_the_forecast():
    model = _wavenet(local_condition_channels=2, local_upsample_factor=3)
    context = np.random.default_rng(5).integers(0, 5, 40)  # > field
    frames = -(-(40 + 5) // 3)  # no crop: the local features cover it all
    local = np.random.default_rng(6).normal(size=(frames, 2))
    out = forecast(model, context, 5, num_samples=4, condition=local, seed=0)
    assert out["samples"].shape == (4, 5)
    naive = forecast(
        model, context, 5, num_samples=4, condition=local, seed=0,
        use_cache=False,
    )  # fmt: skip
    np.testing.assert_array_equal(out["samples"], naive["samples"])
    with pytest.raises(ValueError, match=r"\(1, 15, 2\)"):
        forecast(model, context, 5, condition=local[:-1])


def test_forecast_refuses_a_model_in_another_order():
    model = MADE((5,), hidden_units=(8,), order="reversed")
    with pytest.raises(ValueError, match="another order"):
        forecast(model, np.array([1, 0]), steps=2, num_samples=3)
    ensemble = MADE((5,), hidden_units=(8,), num_masks=3, order_agnostic=True)
    with pytest.raises(ValueError, match="another order"):
        forecast(ensemble, np.array([1, 0]), steps=2, num_samples=3)
