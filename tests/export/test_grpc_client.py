"""The gRPC client: its PredictRequests parse back with the inputs' tensors,
and through a loopback `PredictionService` that runs a `tf.saved_model.load`
-ed SavedModel it answers as the REST client (through a stand-in REST
server on the same SavedModel) and as the SavedModel called directly."""

import http.server
import json
import socket
import sys
import threading
from concurrent import futures

import grpc
import numpy as np
import pytest
import tensorflow as tf
from tensorflow.core.framework import tensor_pb2
from tensorflow_serving.apis import predict_pb2
from tensorflow_serving.apis import prediction_service_pb2_grpc

from keras_ar.export import client
from keras_ar.export import export_saved_model
from keras_ar.export import grpc_client
from keras_ar.export.client import ServingError
from keras_ar.export.example_requests import read_example_requests
from keras_ar.models import NADE

NAME = "nade"


def _signature_call(loaded, signature, arrays):
    """Runs a signature on NumPy inputs as TF Serving does: a missing
    input, a wrong dtype or a failed check in the graph is an
    InvalidArgument (raised here as `(status, message)`)."""
    if signature not in loaded.signatures:
        raise _Refused(
            "FAILED_PRECONDITION",
            f'Serving signature key "{signature}" not found.',
        )
    fn = loaded.signatures[signature]
    specs = fn.structured_input_signature[1]
    if set(arrays) != set(specs):
        raise _Refused(
            "INVALID_ARGUMENT",
            f"Expected inputs {sorted(specs)}. Received: {sorted(arrays)}",
        )
    for name, array in arrays.items():
        if array.dtype != specs[name].dtype.as_numpy_dtype:
            raise _Refused(
                "INVALID_ARGUMENT",
                f"Expects {name} to be {specs[name].dtype.name} but "
                f"{array.dtype} is provided",
            )
    try:
        out = fn(**{k: tf.constant(v) for k, v in arrays.items()})
    except tf.errors.InvalidArgumentError as error:
        raise _Refused("INVALID_ARGUMENT", error.message) from None
    return {k: v.numpy() for k, v in out.items()}


class _Refused(Exception):
    def __init__(self, status, message):
        super().__init__(message)
        self.status = status
        self.message = message


class _PredictionService(prediction_service_pb2_grpc.PredictionServiceServicer):
    """A loopback stand-in for tensorflow_model_server's Predict: version 1
    of model `NAME`, tensors decoded and encoded with TensorFlow's own
    `make_ndarray` / `make_tensor_proto`."""

    def __init__(self, loaded):
        self.loaded = loaded
        self.requests = []

    def Predict(self, request, context):
        self.requests.append(request)
        spec = request.model_spec
        if spec.name != NAME or spec.version.value not in (0, 1):
            context.abort(
                grpc.StatusCode.NOT_FOUND,
                f"Servable not found for request: {spec.name}",
            )
        arrays = {k: tf.make_ndarray(v) for k, v in request.inputs.items()}
        try:
            out = _signature_call(
                self.loaded, spec.signature_name or "serving_default", arrays
            )
        except _Refused as refused:
            context.abort(
                getattr(grpc.StatusCode, refused.status), str(refused)
            )
        response = predict_pb2.PredictResponse()
        response.model_spec.CopyFrom(spec)
        for name, value in out.items():
            response.outputs[name].CopyFrom(tf.make_tensor_proto(value))
        return response


def _rest_handler(loaded):
    class Handler(http.server.BaseHTTPRequestHandler):
        """TF Serving's columnar REST answers (a bare value for a signature
        with one output), inputs decoded with the signature's dtypes."""

        def do_POST(self):
            body = json.loads(
                self.rfile.read(int(self.headers["Content-Length"]))
            )
            signature = body.get("signature_name", "serving_default")
            fn = loaded.signatures.get(signature)
            specs = fn.structured_input_signature[1] if fn else {}
            arrays = {
                k: np.asarray(
                    v, specs[k].dtype.as_numpy_dtype if k in specs else None
                )
                for k, v in body["inputs"].items()
            }
            try:
                out = _signature_call(loaded, signature, arrays)
            except _Refused as refused:
                code, payload = 400, {"error": refused.message}
            else:
                values = {k: v.tolist() for k, v in out.items()}
                if len(values) == 1:
                    values = next(iter(values.values()))
                code, payload = 200, {"outputs": values}
            self.send_response(code)
            self.end_headers()
            self.wfile.write(json.dumps(payload).encode())

        def log_message(self, *args):
            pass

    return Handler


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """A tiny NADE's SavedModel, loaded, behind a loopback gRPC server and
    a stand-in REST server: a dict of what the tests need."""
    model = NADE((4,), hidden_units=4)
    path = export_saved_model(
        model, tmp_path_factory.mktemp("grpc") / "nade", verbose=False
    )
    loaded = tf.saved_model.load(path)
    service = _PredictionService(loaded)
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    prediction_service_pb2_grpc.add_PredictionServiceServicer_to_server(
        service, server
    )
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    rest = http.server.HTTPServer(("127.0.0.1", 0), _rest_handler(loaded))
    thread = threading.Thread(target=rest.serve_forever, daemon=True)
    thread.start()
    try:
        yield {
            "path": path,
            "loaded": loaded,
            "service": service,
            "target": f"127.0.0.1:{port}",
            "url": f"http://127.0.0.1:{rest.server_port}",
            "examples": read_example_requests(path),
        }
    finally:
        server.stop(None)
        rest.shutdown()
        rest.server_close()
        thread.join(timeout=10)


def _assert_same_array(actual, expected):
    expected = np.asarray(expected)
    assert actual.dtype == expected.dtype
    assert actual.shape == expected.shape
    np.testing.assert_array_equal(actual, expected)


def test_every_signature_has_an_example(served):
    # The examples drive the tests below: every signature of the export.
    signatures = set(served["loaded"].signatures) - {"serving_default"}
    assert set(served["examples"]) == signatures
    assert {"log_prob", "sample", "complete", "forecast"} <= signatures


def test_requests_parse_back_with_the_inputs_tensors(served):
    for signature, inputs in served["examples"].items():
        request = grpc_client.build_predict_request(
            NAME, inputs, signature_name=signature, version=1
        )
        parsed = predict_pb2.PredictRequest.FromString(
            request.SerializeToString()
        )
        assert parsed.model_spec.name == NAME
        assert parsed.model_spec.signature_name == signature
        assert parsed.model_spec.version.value == 1
        assert set(parsed.inputs) == set(inputs)
        for name, value in inputs.items():
            proto = parsed.inputs[name]
            _assert_same_array(tf.make_ndarray(proto), value)
            _assert_same_array(grpc_client.to_ndarray(proto), value)


def test_latest_version_leaves_the_version_unset():
    request = grpc_client.build_predict_request(NAME, {"x": [[0.0, 1.0]]})
    assert not request.model_spec.HasField("version")
    assert request.model_spec.signature_name == "serving_default"


@pytest.mark.parametrize(
    "value, dtype",
    [
        (3, "int32"),
        ([1, 0], "int32"),
        (0.5, "float32"),
        ([[0.0, 1.0]], "float32"),
        (True, "bool"),
        ([[True, False]], "bool"),
        (np.float64(0.5), "float64"),
        (np.arange(3, dtype="int64"), "int64"),
        (np.arange(6, dtype="uint8").reshape(2, 3), "uint8"),
        (np.array([0.5, -1], "float16"), "float16"),
        (tf.constant([1.0, 2.0]), "float32"),
    ],
)
def test_dtype_rules_match_the_rest_client(value, dtype):
    proto = grpc_client.make_tensor_proto(value)
    array = tf.make_ndarray(proto)
    assert array.dtype == np.dtype(dtype)
    # The REST client sends the same values (as JSON).
    np.testing.assert_array_equal(
        array, np.asarray(client.to_json_value(value), dtype)
    )


def test_empty_shapes_are_kept():
    # (JSON cannot carry them: [[], []] reads back as shape (2, 0).)
    value = np.zeros((2, 0, 3), "uint8")
    proto = grpc_client.make_tensor_proto(value)
    _assert_same_array(tf.make_ndarray(proto), value)
    _assert_same_array(grpc_client.to_ndarray(proto), value)


def test_bad_values_raise_value_error():
    with pytest.raises(
        ValueError, match=r"int32.*Received: min 0, max 2147483648"
    ):
        grpc_client.to_array([0, 2**31])
    with pytest.raises(ValueError, match=r"dtype in .*Received dtype <U1"):
        grpc_client.to_array(["a"])
    with pytest.raises(ValueError, match="non-empty dict"):
        grpc_client.build_predict_request(NAME, {})
    with pytest.raises(ValueError, match="non-empty model name"):
        grpc_client.build_predict_request("", {"x": [1.0]})
    with pytest.raises(ValueError, match=r"int version or None.*'2'"):
        grpc_client.build_predict_request(NAME, {"x": [1.0]}, version="2")


@pytest.mark.parametrize(
    "fields, shape",
    [
        (dict(dtype=1, float_val=[1.5, 2.0, 3.0]), (2, 3)),
        (dict(dtype=3, int_val=[7]), (2, 3)),  # the last value repeats
        (dict(dtype=9, int64_val=[2**40, 1]), (3,)),
        (dict(dtype=10, bool_val=[True, False]), (1, 2)),
        (dict(dtype=19, half_val=[15360, 14336]), (2,)),  # 1.0, 0.5
        (dict(dtype=2), (2, 2)),  # no values: zeros
        (dict(dtype=1), (2, 0)),  # empty
    ],
)
def test_typed_value_fields_read_as_tensorflow_does(fields, shape):
    proto = tensor_pb2.TensorProto(**fields)
    for size in shape:
        proto.tensor_shape.dim.add(size=size)
    _assert_same_array(grpc_client.to_ndarray(proto), tf.make_ndarray(proto))


def test_predict_equals_rest_and_the_saved_model(served):
    for signature, inputs in served["examples"].items():
        out = grpc_client.predict(
            served["target"], NAME, inputs, signature_name=signature
        )
        direct = served["loaded"].signatures[signature](
            **{k: tf.constant(v) for k, v in inputs.items()}
        )
        assert set(out) == set(direct)
        for name, value in direct.items():
            _assert_same_array(out[name], value.numpy())
        rest = client.predict(served["url"], NAME, signature, inputs)
        # REST answers a one-output signature with the bare value; the
        # REST client names it from its SINGLE_OUTPUTS table.
        names = {name: name for name in out}
        if len(out) == 1:
            (name,) = out
            names[name] = client.SINGLE_OUTPUTS.get(signature, "outputs")
        assert set(rest) == set(names.values()), signature
        for name, value in out.items():
            rest_value = np.asarray(rest[names[name]], value.dtype)
            _assert_same_array(value, rest_value)


def test_empty_sample_keeps_its_shape(served):
    inputs = dict(served["examples"]["sample"], num_samples=np.int32(0))
    out = grpc_client.predict(
        served["target"], NAME, inputs, signature_name="sample"
    )
    direct = served["loaded"].signatures["sample"](
        **{k: tf.constant(v) for k, v in inputs.items()}
    )
    assert out["samples"].shape == (0, 4)
    _assert_same_array(out["samples"], direct["samples"].numpy())


def test_default_signature_and_version(served):
    x = served["examples"]["log_prob"]["x"]
    out = grpc_client.predict(served["target"], NAME, {"x": x}, version=1)
    expected = served["loaded"].signatures["log_prob"](x=tf.constant(x))
    _assert_same_array(out["log_prob"], expected["log_prob"].numpy())
    assert served["service"].requests[-1].model_spec.version.value == 1


def test_calls_on_one_open_channel(served):
    inputs = served["examples"]["sample"]
    direct = served["loaded"].signatures["sample"](
        **{k: tf.constant(v) for k, v in inputs.items()}
    )["samples"].numpy()
    with grpc_client.open_channel(served["target"]) as channel:
        for _ in range(2):
            out = grpc_client.predict(
                None, NAME, inputs, signature_name="sample", channel=channel
            )
            _assert_same_array(out["samples"], direct)
        with pytest.raises(ServingError) as info:
            grpc_client.predict(None, "other", inputs, channel=channel)
        assert info.value.status == "NOT_FOUND"


def test_errors_become_serving_errors_like_rest(served):
    target, url = served["target"], served["url"]
    bad_shape = {"x": np.zeros((2, 5), "float32")}
    with pytest.raises(ServingError) as grpc_error:
        grpc_client.predict(target, NAME, bad_shape, signature_name="log_prob")
    with pytest.raises(ServingError) as rest_error:
        client.predict(url, NAME, "log_prob", bad_shape)
    assert grpc_error.value.status == "INVALID_ARGUMENT"
    assert rest_error.value.status == 400
    assert grpc_error.value.message == rest_error.value.message
    assert "5" in grpc_error.value.message and "4" in grpc_error.value.message

    with pytest.raises(ServingError) as info:
        grpc_client.predict(target, NAME, bad_shape, signature_name="nope")
    assert info.value.status == "FAILED_PRECONDITION"
    assert '"nope" not found' in info.value.message

    wrong_dtype = {"x": np.zeros((2, 4), "float64")}
    with pytest.raises(ServingError) as info:
        grpc_client.predict(target, NAME, wrong_dtype)
    assert info.value.status == "INVALID_ARGUMENT"
    assert "float32" in info.value.message

    with pytest.raises(ServingError) as info:
        grpc_client.predict(target, "other", bad_shape)
    assert info.value.status == "NOT_FOUND"


def test_unreachable_server_is_a_serving_error():
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(ServingError) as info:
        grpc_client.predict(
            f"127.0.0.1:{port}", NAME, {"x": [[0.0]]}, timeout=5
        )
    assert info.value.status in ("UNAVAILABLE", "DEADLINE_EXCEEDED")


def test_missing_serving_api_says_how_to_install(monkeypatch):
    grpc_client._apis.cache_clear()
    monkeypatch.setitem(sys.modules, "tensorflow_serving.apis", None)
    try:
        with pytest.raises(
            ImportError, match="--no-deps tensorflow-serving-api"
        ):
            grpc_client.build_predict_request(NAME, {"x": [1.0]})
    finally:
        grpc_client._apis.cache_clear()
