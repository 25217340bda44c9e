"""A minimal TF Serving REST client (standard library only).

TF Serving's REST API takes two body formats (see
https://www.tensorflow.org/tfx/serving/api_rest):

- columnar: `{"signature_name": ..., "inputs": {"name": value, ...}}`,
  any inputs, scalars included (the `sample` signature needs it for
  `num_samples`, `temperature`); the answer is `{"outputs": ...}`;
- row: `{"signature_name": ..., "instances": [...]}`, only for inputs that
  all share the batch size (`log_prob`); the answer is
  `{"predictions": [...]}`.

A signature with a single output answers with the bare value instead of
a dict; `parse_response` puts the name back.
"""

import json
import urllib.error
import urllib.request

#: The single output of keras_ar's one-output signatures.
SINGLE_OUTPUTS = {
    "sample": "samples",
    "complete": "samples",
    "anomaly_score": "anomaly_score",
}


class ServingError(RuntimeError):
    """An error answer of the server (e.g. a failed input check).

    Attributes:
        status: the HTTP status code.
        message: the server's `error` message.
    """

    def __init__(self, status, message):
        super().__init__(f"TF Serving answered {status}: {message}")
        self.status = status
        self.message = message


def to_json_value(value):
    """Converts NumPy arrays/scalars and tuples to JSON-ready values.

    Args:
        value: a number, bool, list, tuple, or anything with `tolist()`
            (NumPy arrays and scalars, TF eager tensors via `.numpy()`).

    Returns:
        Nested lists of Python numbers and bools.

    Example:

    >>> import numpy as np
    >>> to_json_value(np.array([[1, 2]], "int32"))
    [[1, 2]]
    """
    if hasattr(value, "numpy") and not hasattr(value, "tolist"):
        value = value.numpy()
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, (list, tuple)):
        return [to_json_value(v) for v in value]
    return value


def build_request_body(signature_name, inputs, format="columnar"):
    """Builds the JSON body of a `:predict` request.

    Args:
        signature_name: `"serving_default"`, `"log_prob"`, `"sample"` or
            `"complete"`.
        inputs: dict `input name -> value` (arrays, lists or scalars).
        format: `"columnar"` (any inputs) or `"row"` (`instances`; every
            input batched with the same batch size, no scalars).

    Returns:
        The body as a dict (`json.dumps` it to send).

    Example:

    >>> body = build_request_body(
    ...     "sample", {"num_samples": 2, "seed": [1, 0], "temperature": 1.0})
    >>> body["inputs"]["num_samples"], body["signature_name"]
    (2, 'sample')
    """
    if not isinstance(inputs, dict) or not inputs:
        raise ValueError(
            "`inputs` must be a non-empty dict of input name -> value. "
            f"Received: {type(inputs).__name__}"
        )
    values = {str(k): to_json_value(v) for k, v in inputs.items()}
    if format == "columnar":
        return {"signature_name": signature_name, "inputs": values}
    if format != "row":
        raise ValueError(
            f"`format` must be 'columnar' or 'row'. Received: {format!r}"
        )
    sizes = {
        k: len(v) if isinstance(v, list) else None for k, v in values.items()
    }
    if None in sizes.values() or len(set(sizes.values())) != 1:
        raise ValueError(
            "The row format ('instances') needs every input batched with "
            "the same batch size; use format='columnar' for scalar inputs "
            f"such as num_samples. Received batch sizes: {sizes}"
        )
    names = list(values)
    if len(names) == 1:
        instances = values[names[0]]
    else:
        size = sizes[names[0]]
        instances = [{k: values[k][i] for k in names} for i in range(size)]
    return {"signature_name": signature_name, "instances": instances}


def parse_response(payload, signature_name):
    """Turns a `:predict` answer into a dict `output name -> value`.

    Args:
        payload: the decoded JSON answer (`{"outputs": ...}` or
            `{"predictions": ...}`).
        signature_name: the signature that was called.

    Returns:
        A dict of outputs, values as nested lists.

    Example:

    >>> parse_response({"outputs": [[0, 1]]}, "sample")
    {'samples': [[0, 1]]}
    """
    if "outputs" in payload:
        outputs = payload["outputs"]
    elif "predictions" in payload:
        rows = payload["predictions"]
        if rows and isinstance(rows[0], dict):
            outputs = {k: [row[k] for row in rows] for k in rows[0]}
        else:
            outputs = rows
    else:
        raise ValueError(
            "A :predict answer has 'outputs' or 'predictions'. Received "
            f"keys: {sorted(payload)}"
        )
    if isinstance(outputs, dict):
        return outputs
    return {SINGLE_OUTPUTS.get(signature_name, "outputs"): outputs}


def predict_url(url, model_name, version=None):
    """The `:predict` URL of a model (latest version when `version=None`).

    Args:
        url: server root, e.g. `"http://localhost:8501"`.
        model_name: the served model's name.
        version: int version, or `None` for the latest.

    Returns:
        The URL string.

    Example:

    >>> predict_url("http://localhost:8501", "pixelcnn", 2)
    'http://localhost:8501/v1/models/pixelcnn/versions/2:predict'
    """
    path = f"{url.rstrip('/')}/v1/models/{model_name}"
    if version is not None:
        path += f"/versions/{int(version)}"
    return path + ":predict"


def predict(
    url,
    model_name,
    signature,
    inputs,
    version=None,
    format="columnar",
    timeout=30.0,
):
    """Calls a signature of a served model over REST.

    Args:
        url: server root, e.g. `"http://localhost:8501"`.
        model_name: the served model's name.
        signature: signature name (`"serving_default"`, `"sample"`...).
        inputs: dict `input name -> value`.
        version: int version, or `None` for the latest.
        format: `"columnar"` or `"row"`, see `build_request_body`.
        timeout: seconds to wait for the answer.

    Returns:
        A dict `output name -> value` (nested lists).

    Raises:
        ServingError: the server answered with an error (bad input...).

    Example (a stand-in server answering as `tensorflow_model_server`
    does; point `url` at a real one, e.g. `http://localhost:8501`):

    >>> import http.server, threading
    >>> class Stub(http.server.BaseHTTPRequestHandler):
    ...     def do_POST(self):
    ...         self.send_response(200)
    ...         self.end_headers()
    ...         self.wfile.write(b'{"outputs": [[0, 1], [1, 1]]}')
    ...     def log_message(self, *args):
    ...         pass
    >>> server = http.server.HTTPServer(("127.0.0.1", 0), Stub)
    >>> _ = threading.Thread(target=server.serve_forever, daemon=True).start()
    >>> url = f"http://127.0.0.1:{server.server_port}"
    >>> out = predict(url, "pixelcnn", "sample",
    ...               {"num_samples": 2, "seed": [1, 0],
    ...                "temperature": 1.0})
    >>> out["samples"]
    [[0, 1], [1, 1]]
    >>> server.shutdown()
    """
    body = json.dumps(build_request_body(signature, inputs, format))
    request = urllib.request.Request(
        predict_url(url, model_name, version),
        data=body.encode("utf-8"),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            payload = json.loads(response.read().decode("utf-8"))
    except urllib.error.HTTPError as error:
        text = error.read().decode("utf-8", "replace")
        try:
            message = json.loads(text).get("error", text)
        except (ValueError, AttributeError):
            message = text
        raise ServingError(error.code, message) from None
    return parse_response(payload, signature)
