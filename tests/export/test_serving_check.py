"""The SavedModels run in TF Serving's C++ loader (LoadSavedModel with the
"serve" tag, then Session::Run on the SignatureDefs)."""

import os

import numpy as np
import pytest

from keras_ar.export import serving_check

PREDICT = "tensorflow/serving/predict"


@pytest.fixture(scope="session")
def loader(request, tmp_path_factory):
    # Cached across runs in .pytest_cache: compiling takes ~15 s.
    cache = getattr(request.config, "cache", None)
    if cache is not None:
        workdir = cache.mkdir("keras_ar_serving_check")
    else:
        workdir = tmp_path_factory.mktemp("serving_check")
    return serving_check.build_loader(str(workdir))


def test_build_is_cached(loader):
    assert os.access(loader, os.X_OK)
    assert serving_check.build_loader(os.path.dirname(loader)) == loader


def test_format_requests():
    text = serving_check.format_requests(
        [
            (
                "complete",
                {
                    "x": np.array([[0.5, 2.0]], "float32"),
                    "known_mask": np.array([[True, False]]),
                    "temperature": 1.0,
                    "num_samples": 3,
                    "seed": [1, 0],
                },
            )
        ]
    )
    assert text.splitlines() == [
        "1",
        "complete 5",
        "x float32 2 1 2 0.5 2.0",
        "known_mask bool 2 1 2 1 0",
        "temperature float32 0 1.0",
        "num_samples int32 0 3",
        "seed int32 1 2 1 0",
    ]
    with pytest.raises(ValueError, match="float32, float64, int32, int64"):
        serving_check.format_requests([("s", {"x": np.zeros(2, "uint8")})])


@pytest.mark.parametrize("name", ["binary", "categorical"])
def test_cpp_loader_serves_every_signature(
    loader, exported, standalone, models, name
):
    model = models[name]
    requests = standalone[name]["requests"]
    # "bad_num_samples" asks for 0 samples: an empty result.
    labels = ["default", "sample", "complete", "bad_num_samples"]
    labels += ["bad_temperature"]
    answer = serving_check.run_loader(
        loader, exported[name], [requests[k] for k in labels]
    )
    signatures = answer["signatures"]
    for key in ("serving_default", "log_prob", "sample", "complete"):
        assert signatures[key]["method_name"] == PREDICT
    assert signatures["serving_default"] == signatures["log_prob"]
    # Every input is declared with an unknown shape and checked in the
    # graph.
    assert signatures["sample"]["inputs"]["num_samples"] == {
        "dtype": "int32",
        "shape": None,
    }
    assert signatures["sample"]["outputs"]["samples"] == {
        "dtype": "int32",
        "shape": [-1, *model.event_shape],
    }
    results = dict(zip(labels, answer["results"]))
    data = standalone[name]["data"]
    python = standalone[name]["results"]

    log_prob = results["default"]["outputs"]["log_prob"]
    expected = model.log_prob(data["x"], data["condition"])
    np.testing.assert_allclose(log_prob, expected, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(
        results["default"]["outputs"]["bits_per_dim"],
        python["default"]["bits_per_dim"],
        rtol=1e-6,
    )
    # Same seed, same samples as the Python-loaded SavedModel and the model.
    samples = results["sample"]["outputs"]["samples"]
    np.testing.assert_array_equal(samples, python["sample"]["samples"])
    np.testing.assert_array_equal(
        samples, model.sample(data["n"], condition=data["condition_n"], seed=7)
    )
    completed = results["complete"]["outputs"]["samples"]
    np.testing.assert_array_equal(completed, python["complete"]["samples"])
    known = data["known"]
    np.testing.assert_array_equal(completed[known], data["x"][known])
    empty = results["bad_num_samples"]["outputs"]["samples"]
    assert empty.shape == (0, *model.event_shape)
    assert empty.dtype == np.int32
    error = results["bad_temperature"]["error"]
    assert "`temperature` must be >=" in error and "Received" in error


def test_repeat_times_each_request(loader, exported, standalone):
    requests = standalone["binary"]["requests"]
    labels = ["default", "sample", "bad_temperature"]
    once = serving_check.run_loader(
        loader, exported["binary"], [requests[k] for k in labels]
    )
    timed = serving_check.run_loader(
        loader, exported["binary"], [requests[k] for k in labels], repeat=3
    )
    assert timed["signatures"] == once["signatures"]
    for before, after in zip(once["results"], timed["results"]):
        assert after["signature"] == before["signature"]
        if "error" in before:
            # A failing request reports its error and no timings.
            assert after["error"] == before["error"]
            assert "seconds" not in after
            continue
        # One time per run: 1 without --repeat, 3 after the warm-up with.
        assert len(before["seconds"]) == 1
        assert len(after["seconds"]) == 3
        assert all(0 < s < 60 for s in before["seconds"] + after["seconds"])
        # The same seed gives the same outputs on every run.
        for name, value in before["outputs"].items():
            np.testing.assert_array_equal(after["outputs"][name], value)
    assert "error" in once["results"][2]


@pytest.mark.parametrize("repeat", [0, -1, 1.5, True])
def test_repeat_must_be_a_positive_int(loader, exported, repeat):
    with pytest.raises(ValueError, match="positive int. Received"):
        serving_check.run_loader(loader, exported["binary"], [], repeat=repeat)
