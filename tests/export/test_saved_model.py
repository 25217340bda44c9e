"""The exported SavedModel, loaded where keras and keras_ar are missing."""

import os

import numpy as np
import pytest

from keras_ar.export import export_saved_model

MODELS = ["binary", "categorical"]


def _results(standalone, name):
    return standalone[name]["results"]


def test_keras_and_keras_ar_are_not_importable_in_the_subprocess(standalone):
    for name in MODELS:
        assert standalone[name]["loaded_modules"] == []
        assert standalone[name]["keras_importable"] is False
        # Everything below was answered from the SavedModel alone.
        assert "error" not in _results(standalone, name)["default"]


@pytest.mark.parametrize("name", MODELS)
def test_signature_names_inputs_and_outputs(standalone, models, name):
    model = models[name]
    event = model.event_shape
    signatures = standalone[name]["signatures"]
    assert set(signatures) == {
        "serving_default",
        "log_prob",
        "sample",
        "complete",
        "anomaly_score",
    }
    # Every input is declared with an unknown shape (checked in the graph).
    cond = {"condition": (None, "int32")} if model.is_conditional else {}
    x = (None, "float32")
    assert signatures["serving_default"] == signatures["log_prob"]
    assert signatures["log_prob"]["inputs"] == {"x": x, **cond}
    assert signatures["log_prob"]["outputs"] == {
        "log_prob": ((None,), "float32"),
        "bits_per_dim": ((None,), "float32"),
    }
    assert signatures["anomaly_score"]["inputs"] == {"x": x, **cond}
    assert signatures["anomaly_score"]["outputs"] == {
        "anomaly_score": ((None,), "float32")
    }
    assert signatures["sample"]["inputs"] == {
        "num_samples": (None, "int32"),
        "seed": (None, "int32"),
        "temperature": (None, "float32"),
        **cond,
    }
    assert signatures["complete"]["inputs"] == {
        "x": x,
        "known_mask": (None, "bool"),
        "seed": (None, "int32"),
        "temperature": (None, "float32"),
        **cond,
    }
    samples = {"samples": ((None,) + event, "int32")}
    assert signatures["sample"]["outputs"] == samples
    assert signatures["complete"]["outputs"] == samples


@pytest.mark.parametrize("name", MODELS)
def test_log_prob_matches_the_model(standalone, models, name):
    model = models[name]
    data = standalone[name]["data"]
    results = _results(standalone, name)
    expected = model.log_prob(data["x"], data["condition"])
    np.testing.assert_allclose(
        results["default"]["log_prob"], expected, rtol=1e-5, atol=1e-5
    )
    np.testing.assert_allclose(
        results["default"]["bits_per_dim"],
        model.bits_per_dim(data["x"], data["condition"]),
        rtol=1e-5,
    )
    np.testing.assert_array_equal(
        results["log_prob"]["log_prob"], results["default"]["log_prob"]
    )
    assert np.all(results["default"]["log_prob"] < 0)


def test_condition_changes_the_exported_log_prob(models, exported, tmp_path):
    import tensorflow as tf

    fn = tf.saved_model.load(exported["categorical"]).signatures["log_prob"]
    x = tf.zeros((2,) + models["categorical"].event_shape)
    a = fn(x=x, condition=tf.constant([0, 0]))["log_prob"].numpy()
    b = fn(x=x, condition=tf.constant([0, 1]))["log_prob"].numpy()
    assert a[0] == b[0] and abs(a[1] - b[1]) > 1e-3


@pytest.mark.parametrize("name", MODELS)
def test_sample_reproduces_model_sample(standalone, models, name):
    model = models[name]
    data = standalone[name]["data"]
    results = _results(standalone, name)
    samples = results["sample"]["samples"]
    assert samples.shape == (data["n"],) + model.event_shape
    assert samples.dtype == np.int32
    assert samples.min() >= 0 and samples.max() < model.head.num_values
    # seed=[s, 0] draws the noise keras.random.uniform(..., seed=s) draws.
    expected = model.sample(data["n"], condition=data["condition_n"], seed=7)
    np.testing.assert_array_equal(samples, expected)
    cold = model.sample(
        data["n"], condition=data["condition_n"], seed=7, temperature=0.5
    )
    np.testing.assert_array_equal(results["sample_cold"]["samples"], cold)


@pytest.mark.parametrize("name", MODELS)
def test_sample_is_deterministic_per_seed(standalone, name):
    results = _results(standalone, name)
    np.testing.assert_array_equal(
        results["sample"]["samples"], results["sample_again"]["samples"]
    )
    assert np.any(
        results["sample"]["samples"] != results["sample_other_seed"]["samples"]
    )


@pytest.mark.parametrize("name", MODELS)
def test_complete_keeps_known_values(standalone, models, name):
    model = models[name]
    data = standalone[name]["data"]
    out = _results(standalone, name)["complete"]["samples"]
    known = data["known"]
    assert out.shape == data["x"].shape and out.dtype == np.int32
    np.testing.assert_array_equal(out[known], data["x"][known])
    assert out.min() >= 0 and out.max() < model.head.num_values
    # The request had NaN at unknown positions: they are ignored.
    expected = model.complete(
        data["x"], known, condition=data["condition"], seed=7
    )
    np.testing.assert_array_equal(out, expected)


@pytest.mark.parametrize(
    "label, message",
    [
        ("bad_x", "`x` values must be <="),
        ("bad_temperature", "`temperature` must be >= 1.175e-38"),
        ("mask_size", "`known_mask` must have the shape of `x`"),
    ],
)
@pytest.mark.parametrize("name", MODELS)
def test_invalid_requests_fail_with_a_message(standalone, name, label, message):
    error = _results(standalone, name)[label]["error"]
    assert error.startswith("InvalidArgumentError")
    assert message in error


@pytest.mark.parametrize(
    "label, message",
    [
        ("bad_condition", "`condition` class ids must be < 2"),
        ("condition_size", "`condition` needs one class id per example"),
    ],
)
def test_invalid_condition_fails_with_a_message(standalone, label, message):
    error = _results(standalone, "categorical")[label]["error"]
    assert error.startswith("InvalidArgumentError") and message in error


def _graph_ops(saved_model_dir):
    from tensorflow.core.protobuf import saved_model_pb2

    proto = saved_model_pb2.SavedModel()
    with open(os.path.join(saved_model_dir, "saved_model.pb"), "rb") as f:
        proto.ParseFromString(f.read())
    graph = proto.meta_graphs[0].graph_def
    nodes = list(graph.node)
    for function in graph.library.function:
        nodes.extend(function.node_def)
        attrs = function.attr
        assert not ("_XlaMustCompile" in attrs and attrs["_XlaMustCompile"].b)
    return nodes, proto.meta_graphs[0].meta_info_def.tags


@pytest.mark.parametrize("name", MODELS)
def test_graph_is_servable_and_loops_in_graph(exported, models, name):
    nodes, tags = _graph_ops(exported[name])
    ops = {node.op for node in nodes}
    assert list(tags) == ["serve"]
    assert not ops & {"EagerPyFunc", "PyFunc", "PyFuncStateless"}
    for node in nodes:
        flag = node.attr.get("_XlaMustCompile")
        assert flag is None or not flag.b, node.name
    # One while loop per sampling signature, not one unrolled step per
    # position: the graph has far fewer convolutions than positions x steps.
    assert ops & {"While", "StatelessWhile"}
    assert "StatelessRandomUniformV2" in ops
    convolutions = sum(node.op == "Conv2D" for node in nodes)
    assert convolutions < 3 * models[name].num_dims


@pytest.mark.parametrize("name", MODELS)
def test_zero_samples_are_an_empty_result(standalone, models, name):
    samples = _results(standalone, name)["bad_num_samples"]["samples"]
    assert samples.shape == (0,) + models[name].event_shape


def test_export_prints_endpoints_when_verbose(models, tmp_path, capsys):
    path = export_saved_model(models["binary"], tmp_path / "m", verbose=True)
    printed = capsys.readouterr().out
    assert path == str(tmp_path / "m")
    for name in ("log_prob", "sample", "complete"):
        assert name in printed


def test_jit_compiled_training_does_not_leak_into_the_export(
    fresh_models, tmp_path
):
    model = fresh_models()["binary"]
    model.compile(optimizer="adam", jit_compile=True)
    x = np.random.default_rng(0).integers(0, 2, (8,) + model.event_shape)
    model.fit(x, epochs=1, batch_size=8, verbose=0)
    path = export_saved_model(model, tmp_path / "m", verbose=False)
    nodes, _ = _graph_ops(path)  # asserts no _XlaMustCompile function
    assert not any(
        node.attr.get("_XlaMustCompile") and node.attr["_XlaMustCompile"].b
        for node in nodes
    )
