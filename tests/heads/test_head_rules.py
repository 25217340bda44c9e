"""Heads own their names, value rules and tempered sampling."""

import keras
import numpy as np
import pytest
from keras import ops

from keras_ar.heads import Bernoulli
from keras_ar.heads import Categorical
from keras_ar.heads import DiscretizedLogisticMixture
from keras_ar.heads import Gaussian
from keras_ar.heads import MixtureOfGaussians
from keras_ar.heads import MuLawCategorical
from keras_ar.heads import Standardized
from keras_ar.heads import get_head
from keras_ar.heads import head_names

EXPECTED = {
    "bernoulli": Bernoulli,
    "categorical": Categorical,
    "mu_law": MuLawCategorical,
    "mulaw": MuLawCategorical,
    "logistic_mixture": DiscretizedLogisticMixture,
    "discretized_logistic_mixture": DiscretizedLogisticMixture,
    "gaussian": Gaussian,
    "mixture_of_gaussians": MixtureOfGaussians,
    "mog": MixtureOfGaussians,
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_names_resolve(name):
    assert type(get_head(name)) is EXPECTED[name]
    assert type(get_head(name.upper().replace("_", "-"))) is EXPECTED[name]


def test_every_listed_name_resolves_and_unknown_names_list_them():
    for name in head_names():
        assert get_head(name).names[0] in head_names()
    with pytest.raises(ValueError, match="mu_law.*logistic_mixture"):
        get_head("mu-lawish")
    with pytest.raises(ValueError, match="number of classes >= 2"):
        get_head(1)


@pytest.mark.parametrize(
    "head, good, bad, message",
    [
        (Bernoulli(), [0, 1], [0, 2], r"\[0, 1\].*Bernoulli"),
        (Categorical(4), [0, 3], [-1, 2], r"\[0, 3\]"),
        (Categorical(4), [0.0, 3.0], [0.5, 1.0], r"whole numbers"),
        (MuLawCategorical(), [0, 255], [0, 256], r"mu-law codes"),
        (DiscretizedLogisticMixture(2, 16), [0, 15], [16], r"\[0, 15\]"),
        (Gaussian(), [-1e9, 3.5], [np.inf], r"NaN or infinite"),
    ],
)
def test_check_values(head, good, bad, message):
    head.check_values(np.asarray(good))
    with pytest.raises(ValueError, match=message):
        head.check_values(np.asarray(bad, "float64"), "x")


@pytest.mark.parametrize(
    "head, features",
    [
        (Categorical(5), np.array([[0.0, 3.0, 1.0, 2.9, -1.0]])),
        (MuLawCategorical(4), np.array([[0.0, 3.0, 1.0, 2.9, -1.0]])),
        (
            DiscretizedLogisticMixture(2, 8),
            np.array([[0.0, 4.0, -0.5, 0.5, -3.0, -3.0]]),
        ),
        (
            MixtureOfGaussians(2),
            np.array([[0.0, 4.0, -2.0, 2.0, -3.0, -3.0]]),
        ),
    ],
)
def test_tiny_temperature_is_greedy_not_zero(head, features):
    params = head(features.astype("float32"))
    noise = np.random.default_rng(0).random((64, 1, head.noise_size))
    values = ops.convert_to_numpy(
        head.sample_from_noise(
            ops.repeat(params, 64, axis=0), noise.astype("float32"), 1.2e-38
        )
    )
    assert np.all(np.isfinite(values))
    # Every draw is the same value: the mode of the most likely component.
    assert np.allclose(values, values[0])
    if isinstance(head, Categorical):
        assert values[0, 0] == 1  # the largest logit, not class 0


def _reference_log_prob(x, mean, log_scale, num_values):
    from mpmath import exp
    from mpmath import expm1
    from mpmath import log
    from mpmath import mp
    from mpmath import mpf

    mp.dps = 50
    w = mpf(1) / (num_values - 1)
    s = exp(mpf(log_scale))
    out = []
    for value in x:
        y = mpf(int(value)) * 2 * w - 1
        a, b = (y + w - mpf(mean)) / s, (y - w - mpf(mean)) / s
        if value < 0.5:
            out.append(-log(1 + exp(-a)))
        elif value > num_values - 1.5:
            out.append(-log(1 + exp(b)))
        else:
            out.append(
                b + log(expm1(2 * w / s)) - log(1 + exp(a)) - log(1 + exp(b))
            )
    return np.array([float(v) for v in out])


@pytest.mark.parametrize("num_values", [256, 65536])
def test_discretized_logistic_is_exact_for_broad_components(num_values):
    head = DiscretizedLogisticMixture(1, num_values=num_values)
    x = np.unique(
        np.concatenate(
            [np.linspace(0, num_values - 1, 40).round(), [1, num_values - 2]]
        )
    )
    worst = 0.0
    for mean in (-0.9, 0.0, 0.7):
        for log_scale in (0.0, 2.0, 5.0):
            params = np.array([[0.0, mean, log_scale]], "float32")
            ours = ops.convert_to_numpy(
                head.log_prob(np.repeat(params, len(x), 0), x[:, None])
            )[:, 0]
            reference = _reference_log_prob(
                x, float(np.float32(mean)), log_scale, num_values
            )
            worst = max(worst, np.abs(ours - reference).max())
    # Subtracting the two CDFs lost up to 4e-3 nats at 65536 values.
    assert worst < 2e-5


def test_standardized_samples_at_positions_and_adapts_from_batches():
    head = Standardized(Gaussian(), (3,))
    data = np.random.default_rng(0).normal(
        [1.0, -5.0, 20.0], [1, 2, 3], (64, 3)
    )
    head.adapt(data)
    mean, scale = (ops.convert_to_numpy(v) for v in (head.mean, head.scale))
    clone = Standardized(Gaussian(), (3,))
    clone.adapt(iter([data[:10], data[10:40], data[40:]]))
    np.testing.assert_allclose(ops.convert_to_numpy(clone.mean), mean, 1e-5)
    np.testing.assert_allclose(ops.convert_to_numpy(clone.scale), scale, 1e-4)
    params = np.zeros((2, 1, 2), "float32")
    params[..., 1] = -30.0  # a tiny scale: z is about 0
    noise = np.full((2, 1, 1), 0.5, "float32")
    values = head.sample_positions(
        params, noise, 1.0, np.array([[2], [0]], "int32"), (3,)
    )
    np.testing.assert_allclose(
        ops.convert_to_numpy(values)[:, 0], mean[[2, 0]], rtol=1e-4
    )
    with pytest.raises(ValueError, match="at least one example"):
        clone.adapt(iter([]))
    assert keras.saving.deserialize_keras_object(
        keras.saving.serialize_keras_object(head)
    ).event_shape == (3,)
