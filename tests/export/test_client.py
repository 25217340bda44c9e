"""The standard-library TF Serving REST client."""

import http.server
import json
import threading

import numpy as np
import pytest

from keras_ar.export import client
from keras_ar.export.client import ServingError
from keras_ar.export.client import build_request_body
from keras_ar.export.client import parse_response
from keras_ar.export.client import predict
from keras_ar.export.client import predict_url


def test_sample_body_is_columnar_with_scalar_num_samples():
    body = build_request_body(
        "sample",
        {
            "num_samples": np.int32(3),
            "seed": np.array([1, 2], "int32"),
            "temperature": np.float32(0.5),
            "condition": np.array([0, 1, 1]),
        },
    )
    assert body == {
        "signature_name": "sample",
        "inputs": {
            "num_samples": 3,
            "seed": [1, 2],
            "temperature": 0.5,
            "condition": [0, 1, 1],
        },
    }
    assert type(body["inputs"]["num_samples"]) is int
    assert json.loads(json.dumps(body)) == body


def test_log_prob_body_row_and_columnar():
    x = np.arange(8, dtype="float32").reshape(2, 2, 2, 1) % 2
    row = build_request_body("serving_default", {"x": x}, format="row")
    assert row == {"signature_name": "serving_default", "instances": x.tolist()}
    both = build_request_body(
        "log_prob", {"x": x, "condition": [1, 0]}, format="row"
    )
    assert both["instances"] == [
        {"x": x[0].tolist(), "condition": 1},
        {"x": x[1].tolist(), "condition": 0},
    ]
    columnar = build_request_body("log_prob", {"x": x})
    assert columnar == {
        "signature_name": "log_prob",
        "inputs": {"x": x.tolist()},
    }


@pytest.mark.parametrize(
    "inputs, format, message",
    [
        ({"num_samples": 2, "seed": [1, 2]}, "row", "use format='columnar'"),
        ({"x": [[0], [1]], "condition": [0]}, "row", "same batch size"),
        ({"x": [[0]]}, "json", "'columnar' or 'row'"),
        ({}, "columnar", "non-empty dict"),
    ],
)
def test_invalid_bodies(inputs, format, message):
    with pytest.raises(ValueError, match=message):
        build_request_body("sample", inputs, format=format)


def test_parse_response_names_single_outputs():
    assert parse_response({"outputs": [[1]]}, "sample") == {"samples": [[1]]}
    assert parse_response({"outputs": {"log_prob": [-1.0]}}, "log_prob") == {
        "log_prob": [-1.0]
    }
    rows = {"predictions": [{"log_prob": -1.0, "bits_per_dim": 0.5}] * 2}
    assert parse_response(rows, "serving_default") == {
        "log_prob": [-1.0, -1.0],
        "bits_per_dim": [0.5, 0.5],
    }
    assert parse_response({"predictions": [[0], [1]]}, "complete") == {
        "samples": [[0], [1]]
    }
    with pytest.raises(ValueError, match="'outputs' or 'predictions'"):
        parse_response({"error": "x"}, "sample")


def test_predict_url():
    assert (
        predict_url("http://h:8501/", "m")
        == "http://h:8501/v1/models/m:predict"
    )
    assert (
        predict_url("http://h:8501", "m", 3)
        == "http://h:8501/v1/models/m/versions/3:predict"
    )


class _FakeServing(http.server.BaseHTTPRequestHandler):
    """Answers like TF Serving: one named output is sent bare."""

    requests = []

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.requests.append((self.path, self.headers["Content-Type"], body))
        if body["inputs"].get("num_samples", 1) < 1:
            status, answer = 400, {"error": "`num_samples` must be positive"}
        else:
            n = body["inputs"]["num_samples"]
            status, answer = 200, {"outputs": [[[[1]]]] * n}
        payload = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    httpd = http.server.HTTPServer(("127.0.0.1", 0), _FakeServing)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    _FakeServing.requests = []
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_predict_posts_the_body_and_names_the_output(server):
    inputs = {"num_samples": 2, "seed": np.array([4, 0]), "temperature": 1.0}
    out = predict(server, "pixelcnn", "sample", inputs, version=5, timeout=10)
    assert out == {"samples": [[[[1]]], [[[1]]]]}
    path, content_type, body = _FakeServing.requests[0]
    assert path == "/v1/models/pixelcnn/versions/5:predict"
    assert content_type == "application/json"
    assert body == build_request_body("sample", inputs)


def test_predict_raises_the_server_error(server):
    inputs = {"num_samples": 0, "seed": [4, 0], "temperature": 1.0}
    with pytest.raises(ServingError, match="must be positive") as info:
        client.predict(server, "pixelcnn", "sample", inputs, timeout=10)
    assert info.value.status == 400
    assert info.value.message == "`num_samples` must be positive"
