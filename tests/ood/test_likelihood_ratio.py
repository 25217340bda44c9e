"""The likelihood ratio beats the raw likelihood where the latter fails.

In-distribution: 8x8 images with 8 values, a border that is always 0 and a
noisy interior (each pixel 0 with probability 0.4, else uniform 1..7).
Out-of-distribution: simpler images, all 0 except 3 border pixels. The
raw likelihood prefers them (a blank interior is far more likely than
noise), as likelihood models prefer MNIST to the Fashion-MNIST they were
trained on (Nalisnick et al. 2019). A background model trained on
mutated inputs explains the noise as well as the model does but not the
semantic rule (the zero border), so the ratio cancels the interior and
keeps the border violations (Ren et al. 2019).
"""

import keras
import numpy as np
import pytest

from keras_ar.models import MADE
from keras_ar.ood import auroc
from keras_ar.ood import likelihood_ratio
from keras_ar.ood import ood_score
from keras_ar.ood import train_background

K = 8
BORDER = [(i, j) for i in range(8) for j in range(8) if {i, j} & {0, 7}]


def in_distribution(rng, n):
    x = np.zeros((n, 8, 8, 1), "int32")
    noise = rng.integers(1, K, (n, 6, 6, 1))
    x[:, 1:7, 1:7] = np.where(rng.random((n, 6, 6, 1)) < 0.6, noise, 0)
    return x


def out_of_distribution(rng, n, violations=3):
    x = np.zeros((n, 8, 8, 1), "int32")
    for example in x:
        for b in rng.choice(len(BORDER), violations, replace=False):
            example[BORDER[b]] = rng.integers(1, K)
    return x


@pytest.fixture(scope="module")
def trained():
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x_train = in_distribution(rng, 2000)
    model = MADE((8, 8, 1), head=K, hidden_units=[32])
    model.compile(optimizer=keras.optimizers.Adam(1e-2))
    model.fit(x_train, epochs=4, batch_size=64, verbose=0)
    background = train_background(
        model, x_train, mutation_rate=0.1, epochs=4, seed=1, batch_size=64,
        verbose=0,
    )  # fmt: skip
    x_in, x_out = in_distribution(rng, 200), out_of_distribution(rng, 200)
    return model, background, x_in, x_out


def test_likelihood_ratio_beats_the_raw_likelihood(trained):
    model, background, x_in, x_out = trained
    raw = auroc(*(ood_score(model, x, "likelihood") for x in (x_in, x_out)))
    ratio = auroc(
        *(
            ood_score(model, x, "likelihood_ratio", background=background)
            for x in (x_in, x_out)
        )
    )
    assert raw < 0.4, raw
    assert ratio > 0.9, ratio
    assert ratio - raw > 0.5
    # Convention: the ratio itself is higher in distribution.
    lr_in = likelihood_ratio(model, background, x_in)
    lr_out = likelihood_ratio(model, background, x_out)
    assert np.median(lr_in) > np.median(lr_out)
    np.testing.assert_allclose(
        ood_score(model, x_in, "likelihood_ratio", background=background),
        -lr_in,
    )
    np.testing.assert_allclose(
        lr_in,
        model.log_prob(x_in) - background.log_prob(x_in),
        rtol=1e-5,
        atol=1e-4,
    )


def test_background_is_a_fresh_model_of_the_same_architecture(trained):
    model, background, x_in, _ = trained
    assert background is not model
    assert background.get_config() == model.get_config()
    assert background.get_compile_config() == model.get_compile_config()
    assert not all(
        np.allclose(a, b)
        for a, b in zip(model.get_weights(), background.get_weights())
    )
    # The L2 penalty of the paper is optional; with it the kernels carry
    # a regularizer and the losses are the penalty.
    regularized = train_background(
        model, x_in[:64], epochs=1, l2=1e-3, verbose=0, batch_size=64
    )
    kernels = [w for w in regularized.trainable_weights if len(w.shape) > 1]
    expected = sum(1e-3 * np.sum(np.square(w.numpy())) for w in kernels)
    assert float(sum(regularized.losses)) == pytest.approx(expected, 1e-4)
    assert not background.losses


def test_ood_score_and_background_errors(trained):
    model, background, x_in, _ = trained
    with pytest.raises(ValueError, match="background"):
        ood_score(model, x_in, "likelihood_ratio")
    with pytest.raises(ValueError, match="method"):
        ood_score(model, x_in, "energy")
    other = MADE((4, 4, 1), head=K, hidden_units=[4])
    with pytest.raises(ValueError, match=r"event shape \(8, 8, 1\)"):
        likelihood_ratio(model, other, x_in)
    gaussian = MADE((3,), head="gaussian", hidden_units=[4])
    with pytest.raises(ValueError, match="discrete head"):
        train_background(gaussian, np.zeros((8, 3)), verbose=0)


def test_background_trains_on_fresh_mutations_each_epoch(monkeypatch):
    from keras_ar.ood import background as background_module

    seen = []

    class Recording(background_module.MutatedBatches):
        def __getitem__(self, index):
            batch = super().__getitem__(index)
            seen.append((self.epoch, batch))
            return batch

    monkeypatch.setattr(background_module, "MutatedBatches", Recording)
    x = np.zeros((64, 6), "int32")
    label = np.arange(64) % 2
    model = MADE((6,), hidden_units=[8], condition_classes=2)
    model.compile(optimizer="adam")
    train_background(
        model, {"x": x, "label": label}, 0.5, epochs=2, seed=0,
        fresh_mutations=True, batch_size=32, verbose=0,
    )  # fmt: skip
    # Keras reads the first batches to learn the input spec before the
    # first epoch (epoch 0 here); the two epochs trained are the last two.
    epochs = sorted({e for e, _ in seen})[-2:]
    assert len(epochs) == 2
    x_by_epoch, label_by_epoch = (
        [np.concatenate([b[k] for i, b in seen if i == e]) for e in epochs]
        for k in ("x", "label")
    )
    assert not np.array_equal(*x_by_epoch)
    for drawn, labels in zip(x_by_epoch, label_by_epoch):
        assert len(drawn) == 64
        assert np.mean(drawn != 0) == pytest.approx(0.5 * 0.5, abs=0.1)
        np.testing.assert_array_equal(np.sort(labels), np.sort(label))
    # fresh_mutations=False fits on one mutated copy, drawn up front.
    seen.clear()
    fixed = train_background(
        model, {"x": x, "label": label}, 0.5, epochs=1, seed=0,
        fresh_mutations=False, verbose=0,
    )  # fmt: skip
    assert not seen
    assert fixed.get_config() == model.get_config()
