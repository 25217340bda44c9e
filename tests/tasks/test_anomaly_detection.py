import keras
import numpy as np
import pytest

from keras_ar import tasks
from keras_ar.cli import main
from keras_ar.models import MADE
from keras_ar.models import NADE
from keras_ar.models import PixelCNN


@pytest.fixture(scope="module")
def trained():
    rng = np.random.default_rng(0)
    z = rng.normal(size=(1000, 1))
    normal = np.concatenate([z, -z + 0.1 * rng.normal(size=(1000, 1))], 1)
    model = MADE((2,), head="gaussian", hidden_units=(16,))
    model.compile(optimizer=keras.optimizers.Adam(1e-2))
    model.fit(normal, epochs=10, batch_size=100, verbose=0)
    return model, normal


def test_score_is_negative_log_likelihood_and_threshold_is_a_quantile(
    trained,
):
    model, normal = trained
    scores = tasks.anomaly_score(model, normal[:50])
    np.testing.assert_allclose(scores, -model.log_prob(normal[:50]))
    threshold = tasks.fit_anomaly_threshold(model, normal, quantile=0.9)
    assert model.anomaly_threshold == threshold
    assert model.anomaly_quantile == 0.9
    flagged = tasks.is_anomaly(model, normal)
    assert abs(flagged.mean() - 0.1) < 0.01
    # Off the learned line x1 = -x0: anomalous though each value is typical.
    odd = np.array([[1.0, 1.0], [-1.5, -1.5]])
    assert tasks.is_anomaly(model, odd).all()
    assert tasks.anomaly_score(model, odd).min() > threshold
    assert not tasks.is_anomaly(model, odd, threshold=1e9).any()


def test_model_methods_delegate_to_the_tasks(trained):
    model, normal = trained
    np.testing.assert_allclose(
        model.anomaly_score(normal[:20], batch_size=7),
        tasks.anomaly_score(model, normal[:20]),
        rtol=1e-5,  # chunks of 7 vs one batch of 20: float rounding
    )
    threshold = model.fit_anomaly_threshold(normal, quantile=0.8)
    assert threshold == pytest.approx(
        np.quantile(tasks.anomaly_score(model, normal), 0.8)
    )
    np.testing.assert_array_equal(
        model.is_anomaly(normal[:50]), tasks.is_anomaly(model, normal[:50])
    )
    np.testing.assert_array_equal(
        model.is_anomaly(normal[:50], threshold=0.0),
        tasks.anomaly_score(model, normal[:50]) > 0.0,
    )


def test_conditional_models_score_under_their_condition():
    model = NADE((3,), hidden_units=4, condition_classes=2)
    x = np.random.default_rng(0).integers(0, 2, (40, 3))
    label = np.arange(40) % 2
    model.compile(optimizer=keras.optimizers.Adam(0.05))
    model.fit({"x": x, "label": label}, epochs=3, verbose=0)
    scores = tasks.anomaly_score(model, x, condition=label)
    np.testing.assert_allclose(
        scores, -model.log_prob(x, condition=label), rtol=1e-6
    )
    threshold = tasks.fit_anomaly_threshold(
        model, x, quantile=0.5, condition=label
    )
    flagged = tasks.is_anomaly(model, x, condition=label)
    np.testing.assert_array_equal(flagged, scores > threshold)
    with pytest.raises(ValueError, match="conditional"):
        tasks.anomaly_score(model, x)


def test_threshold_is_saved_in_the_config(trained, tmp_path):
    model, normal = trained
    model.fit_anomaly_threshold(normal, quantile=0.95)
    assert model.get_config()["anomaly_threshold"] == model.anomaly_threshold
    path = str(tmp_path / "m.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert loaded.anomaly_threshold == pytest.approx(model.anomaly_threshold)
    assert loaded.anomaly_quantile == 0.95
    np.testing.assert_array_equal(
        loaded.is_anomaly(normal[:100]), model.is_anomaly(normal[:100])
    )


def test_every_model_has_the_api():
    x = np.random.default_rng(0).integers(0, 2, (20, 4))
    pixelcnn = PixelCNN(
        (2, 2, 1),
        head="bernoulli",
        filters=2,
        num_residual_blocks=1,
        output_filters=4,
        first_kernel_size=3,
    )
    models = (NADE((4,), hidden_units=3), MADE((4,), hidden_units=(3,)))
    for model in models + (pixelcnn,):
        data = x.reshape((-1,) + model.event_shape)
        with pytest.raises(ValueError, match="fit_anomaly_threshold"):
            model.is_anomaly(data)
        t = model.fit_anomaly_threshold(data, quantile=0.5)
        assert np.isfinite(t)
        assert model.is_anomaly(data).shape == (20,)
        assert (
            type(model).from_config(model.get_config()).anomaly_threshold == t
        )


def test_bad_quantile_and_empty_data(trained):
    model, normal = trained
    for q in (0.0, 1.0, "x"):
        with pytest.raises(ValueError, match="quantile"):
            tasks.fit_anomaly_threshold(model, normal, quantile=q)
    with pytest.raises(ValueError, match="at least one example"):
        tasks.fit_anomaly_threshold(model, normal[:0])


def test_cli_scores_a_csv(trained, tmp_path):
    model, normal = trained
    model.fit_anomaly_threshold(normal, quantile=0.99)
    path = str(tmp_path / "m.keras")
    model.save(path)
    rows = np.concatenate([normal[:5], [[3.0, 3.0]]])
    csv = tmp_path / "rows.csv"
    csv.write_text("a,b\n" + "\n".join(f"{a},{b}" for a, b in rows) + "\n")
    out = tmp_path / "scores.csv"
    code = main(
        ["score", path, "--anomaly", "--input", str(csv), "--output", str(out)]
    )
    assert code == 0
    lines = out.read_text().strip().splitlines()
    assert lines[0] == "index,anomaly_score,is_anomaly"
    table = np.array([line.split(",") for line in lines[1:]], float)
    np.testing.assert_allclose(
        table[:, 1], model.anomaly_score(rows), rtol=1e-4, atol=1e-4
    )
    assert table[-1, 2] == 1
    bad = tmp_path / "bad.csv"
    bad.write_text("1,2,3\n")
    assert main(["score", path, "--anomaly", "--input", str(bad)]) == 2
