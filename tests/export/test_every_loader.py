"""Every signature of every model type, through every loader TF Serving
users have: `tf.saved_model.load`, a TF1 session (feeding the
SignatureDef's tensor names) and TF Serving's C++ `LoadSavedModel`, each
in a fresh process where keras and keras_ar cannot be imported. The three
answer identically, and as the Python model does (README contract:
discrete samples equal, continuous values to `rtol=1e-5`)."""

import numpy as np
import pytest

from keras_ar.tasks import forecast

#: One worker runs both files under `pytest -n 2 --dist loadgroup`, so the
#: exports and the three loader processes they share run once.
pytestmark = pytest.mark.xdist_group("export_loaders")

MODELS = ["pixelcnn", "gated", "pixelrnn", "wavenet", "made", "nade"]
SEED = 11
RTOL = 1e-5
# Continuous samples near 0 (e.g. -0.0044 = mean + scale * z with terms
# near 1) carry the absolute float error of their terms: ~1e-7.
ATOL = 1e-6
LOADERS = ("saved_model", "tf1", "cpp")
CONDITION_INPUTS = ("condition", "local_condition")


def expected_signatures(model):
    """The signature keys the export writes for `model`."""
    from keras_ar.export.saved_model import signature_names

    return set(signature_names(model)) | {"serving_default"}


def own_requests(model, signatures, helpers):
    """Valid requests `[(label, signature, inputs)]` for `signatures`."""
    zoo_events, zoo_condition = helpers.events, helpers.condition
    rng = np.random.default_rng(SEED)
    batch = 3
    event_length = int(model.event_shape[0])
    x = zoo_events(model, batch, rng)
    condition = zoo_condition(model, batch, event_length, rng)
    seed = np.array([SEED, 0], "int32")
    one = np.float32(1.0)
    requests = [
        ("serving_default", "serving_default", {"x": x, **condition}),
        ("log_prob", "log_prob", {"x": x, **condition}),
    ]
    sample = {"num_samples": np.int32(batch), "seed": seed}
    if model.variable_length:
        length = event_length - 4
        sample["length"] = np.int32(length)
        sample_condition = zoo_condition(model, batch, length, rng)
    else:
        sample_condition = zoo_condition(model, batch, event_length, rng)
    requests += [
        (
            "sample",
            "sample",
            {**sample, "temperature": one, **sample_condition},
        ),
        (
            "sample_cold",
            "sample",
            {**sample, "temperature": np.float32(0.6), **sample_condition},
        ),
    ]
    known = rng.random(x.shape) < 0.5
    known[:, 0] = True
    requests.append(
        (
            "complete",
            "complete",
            {
                "x": np.where(known, x, np.nan).astype("float32"),
                "known_mask": known,
                "seed": seed,
                "temperature": one,
                **condition,
            },
        )
    )
    requests.append(("anomaly_score", "anomaly_score", {"x": x, **condition}))
    requests.append(("is_anomaly", "is_anomaly", {"x": x, **condition}))
    context_steps, steps = 3, 2
    context = zoo_events(model, 2, rng, length=context_steps)
    requests.append(
        (
            "forecast",
            "forecast",
            {
                "context": context,
                "steps": np.int32(steps),
                "num_paths": np.int32(4),
                "quantiles": np.array([0.1, 0.5, 0.9], "float32"),
                "seed": seed,
                "temperature": one,
                **zoo_condition(model, 2, context_steps + steps, rng),
            },
        )
    )
    return [r for r in requests if r[1] in signatures]


def example_requests(saved_model_dir, signatures):
    """The export's own example requests (and `serving_default` with the
    `log_prob` example), labelled `example:<signature>`."""
    from keras_ar.export.example_requests import read_example_requests

    examples = read_example_requests(saved_model_dir)
    assert set(examples) | {"serving_default"} == signatures
    examples["serving_default"] = examples["log_prob"]
    return [(f"example:{k}", k, v) for k, v in sorted(examples.items())]


def loader_requests(zoo, exports, helpers):
    """This module's requests per model (see conftest's
    `loader_answers`): its own ones and the export's examples."""
    requests = {}
    for name in MODELS:
        signatures = expected_signatures(zoo[name])
        requests[name] = own_requests(
            zoo[name], signatures, helpers
        ) + example_requests(exports[name], signatures)
    return requests


@pytest.fixture(scope="module")
def answers(loader_answers):
    """Per model: the requests and each loader's answer to them."""
    return {
        "models": loader_answers[__name__],
        "processes": loader_answers["processes"],
    }


def test_keras_is_not_importable_in_any_loader_process(answers, zoo_inputs):
    assert zoo_inputs.loaders == LOADERS
    for loader in LOADERS:
        process = answers["processes"][loader]
        assert process["loader"] == loader
        assert process["keras_importable"] is False
        assert process["loaded_modules"] == []


@pytest.mark.parametrize("name", MODELS)
def test_every_loader_sees_the_same_signatures(answers, zoo, name):
    signatures = answers["models"][name]["signatures"]
    expected = expected_signatures(zoo[name])
    for loader in LOADERS:
        assert set(signatures[loader]) == expected, loader
    cpp = signatures["cpp"]
    for key in expected:
        assert cpp[key]["method_name"] == "tensorflow/serving/predict"
        for loader in ("saved_model", "tf1"):
            for part in ("inputs", "outputs"):
                assert signatures[loader][key][part] == cpp[key][part], (
                    loader,
                    key,
                    part,
                )


@pytest.mark.parametrize("name", MODELS)
def test_every_request_succeeds_in_every_loader(answers, name):
    results = answers["models"][name]["results"]
    for loader in LOADERS:
        errors = {
            k: r["error"] for k, r in results[loader].items() if "error" in r
        }
        assert errors == {}, loader


@pytest.mark.parametrize("name", MODELS)
def test_loaders_answer_exactly_alike(answers, name):
    results = answers["models"][name]["results"]
    reference = results["saved_model"]
    for loader in ("tf1", "cpp"):
        for label, expected in reference.items():
            got = results[loader][label]
            assert ("error" in got) == ("error" in expected), (loader, label)
            if "error" in expected:
                continue  # test_every_request_succeeds... reports it
            keys = set(expected) - {"seconds", "rss_kb"}
            assert set(got) - {"seconds", "rss_kb"} == keys, (loader, label)
            for key in keys:
                assert got[key].dtype == expected[key].dtype, (loader, label)
                np.testing.assert_array_equal(
                    got[key], expected[key], err_msg=f"{loader} {label} {key}"
                )


def python_answer(model, signature, inputs):
    """What the Python model answers to a request (README contract)."""
    condition = {k: inputs[k] for k in CONDITION_INPUTS if k in inputs}
    condition = condition or None
    if "seed" in inputs:
        seed, key = (int(s) for s in inputs["seed"])
        assert key == 0, "seed [s, 0] is model.sample(seed=s)"
        temperature = float(inputs["temperature"])
    if signature in ("log_prob", "serving_default"):
        x = inputs["x"]
        return {
            "log_prob": model.log_prob(x, condition),
            "bits_per_dim": model.bits_per_dim(x, condition),
        }
    if signature == "sample":
        length = inputs.get("length")
        kwargs = {} if length is None else {"length": int(length)}
        samples = model.sample(
            int(inputs["num_samples"]),
            condition=condition,
            seed=seed,
            temperature=temperature,
            **kwargs,
        )
        return {"samples": samples}
    if signature == "complete":
        samples = model.complete(
            np.nan_to_num(inputs["x"]),
            inputs["known_mask"],
            condition=condition,
            seed=seed,
            temperature=temperature,
        )
        return {"samples": samples}
    if signature == "anomaly_score":
        return {"anomaly_score": model.anomaly_score(inputs["x"], condition)}
    if signature == "is_anomaly":
        return {
            "is_anomaly": model.is_anomaly(inputs["x"], condition=condition),
            "anomaly_score": model.anomaly_score(inputs["x"], condition),
        }
    if signature == "forecast":
        out = forecast(
            model,
            inputs["context"],
            int(inputs["steps"]),
            num_samples=int(inputs["num_paths"]),
            quantiles=inputs["quantiles"].tolist(),
            condition=condition,
            seed=seed,
            temperature=temperature,
        )
        out.pop("quantile_levels")
        return out
    raise AssertionError(f"no Python counterpart for {signature}")


@pytest.mark.parametrize("name", MODELS)
def test_loaders_answer_as_the_python_model(answers, zoo, name):
    model = zoo[name]
    results = answers["models"][name]["results"]["cpp"]
    checked = set()
    for label, signature, inputs in answers["models"][name]["requests"]:
        got = results[label]
        expected = python_answer(model, signature, inputs)
        assert set(got) - {"seconds", "rss_kb"} == set(expected), label
        for key, value in expected.items():
            value = np.asarray(value)
            message = f"{name} {label} {key}"
            assert got[key].shape == value.shape, message
            exact = key == "is_anomaly" or (
                key == "samples" and model.head.is_discrete
            )
            if exact:
                assert got[key].dtype == (
                    np.bool_ if key == "is_anomaly" else np.int32
                ), message
                np.testing.assert_array_equal(got[key], value, message)
            else:
                assert got[key].dtype == np.float32, message
                np.testing.assert_allclose(
                    got[key], value, rtol=RTOL, atol=ATOL, err_msg=message
                )
        checked.add(signature)
    assert checked == expected_signatures(model)
