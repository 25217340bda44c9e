"""A TF Serving gRPC client (`PredictionService.Predict`).

The gRPC twin of the REST client `keras_ar.export.client`: the same inputs
(a dict of arrays, lists or Python scalars; NumPy values keep their dtype,
Python ints become int32 and floats float32, as TF Serving's JSON decoding
does), the same outputs (a dict `output name -> value`, here NumPy arrays)
and the same `ServingError` on an error answer. TF Serving listens for
gRPC on port 8500 (REST: 8501).

It is built on `tensorflow-serving-api` (`PredictRequest`, the
`PredictionService` stub) and `grpcio`; both are imported when first
needed. Install with

    pip install --no-deps tensorflow-serving-api==2.21.0

(`--no-deps`: its requirement pins `tensorflow`; grpcio comes with
TensorFlow.) Importing `tensorflow_serving.apis` imports TensorFlow (its
`tensor_pb2` lives in the `tensorflow` package), about 5 s once per
process; the tensors themselves are built from NumPy by hand
(`tensor_content` bytes), without `tf.make_tensor_proto`.
"""

import contextlib
import functools
import operator

import numpy as np

from keras_ar.export.client import ServingError

INSTALL = "pip install --no-deps tensorflow-serving-api==2.21.0"

#: NumPy dtype name -> TensorFlow `DataType` number (types.proto).
DTYPES = {
    "float32": 1,
    "float64": 2,
    "int32": 3,
    "uint8": 4,
    "int16": 5,
    "int8": 6,
    "int64": 9,
    "bool": 10,
    "uint16": 17,
    "float16": 19,
    "uint32": 22,
    "uint64": 23,
}

_NUMPY = {number: np.dtype(name) for name, number in DTYPES.items()}

#: TensorProto's repeated value field per dtype (when no tensor_content).
_FIELDS = {
    1: "float_val",
    2: "double_val",
    3: "int_val",
    4: "int_val",
    5: "int_val",
    6: "int_val",
    9: "int64_val",
    10: "bool_val",
    17: "int_val",
    19: "half_val",
    22: "uint32_val",
    23: "uint64_val",
}

_INT32 = np.iinfo(np.int32)


@functools.cache
def _apis():
    """`(grpc, predict_pb2, prediction_service_pb2_grpc, tensor_pb2)`, or
    a clear ImportError saying what to install."""
    try:
        import grpc
        from tensorflow.core.framework import tensor_pb2  # via predict_pb2
        from tensorflow_serving.apis import predict_pb2
        from tensorflow_serving.apis import prediction_service_pb2_grpc
    except ImportError as error:
        raise ImportError(
            "keras_ar.export.grpc_client needs grpcio and "
            f"tensorflow-serving-api; install them with `{INSTALL}` "
            f"(grpcio comes with tensorflow). Missing: {error.name}"
        ) from error
    return grpc, predict_pb2, prediction_service_pb2_grpc, tensor_pb2


def to_array(value):
    """An input value as the NumPy array the request carries.

    NumPy arrays and scalars keep their dtype; Python ints (and lists of
    them) become int32 and Python floats float32, as TF Serving decodes
    JSON numbers for int32/float32 inputs; bools stay bool.

    Args:
        value: a NumPy array or scalar, a TF eager tensor, a Python
            number or bool, or nested lists of them.

    Returns:
        A NumPy array.

    Raises:
        ValueError: a dtype a TensorProto cannot carry here, or a Python
            int outside the int32 range.

    Example:

    >>> to_array([1, 2]).dtype, to_array(0.5).dtype, to_array(True).dtype
    (dtype('int32'), dtype('float32'), dtype('bool'))
    >>> to_array(np.float64(0.5)).dtype
    dtype('float64')
    """
    if hasattr(value, "numpy") and not isinstance(value, np.ndarray):
        value = value.numpy()
    if isinstance(value, (np.ndarray, np.generic)):
        array = np.asarray(value)
    else:
        array = np.asarray(value)
        if array.dtype.kind in "iu":
            if array.size and (
                array.min() < _INT32.min or array.max() > _INT32.max
            ):
                raise ValueError(
                    "Python ints are sent as int32 (pass a NumPy int64 "
                    "array for int64 inputs). Expected values in "
                    f"[{_INT32.min}, {_INT32.max}]. Received: min "
                    f"{array.min()}, max {array.max()}"
                )
            array = array.astype("int32")
        elif array.dtype.kind == "f":
            array = array.astype("float32")
    if array.dtype.name not in DTYPES:
        raise ValueError(
            f"Expected an input of dtype in {sorted(DTYPES)}. Received "
            f"dtype {array.dtype} (value {value!r:.80})"
        )
    return array


def make_tensor_proto(value):
    """A `TensorProto` of `to_array(value)` (dtype, shape, raw bytes).

    Args:
        value: see `to_array`.

    Returns:
        A `tensorflow.core.framework.tensor_pb2.TensorProto`.

    Example:

    >>> proto = make_tensor_proto([[1.0, 2.0]])
    >>> proto.dtype, [d.size for d in proto.tensor_shape.dim]
    (1, [1, 2])
    """
    tensor_pb2 = _apis()[3]
    array = to_array(value)
    proto = tensor_pb2.TensorProto(dtype=DTYPES[array.dtype.name])
    for size in array.shape:
        proto.tensor_shape.dim.add(size=size)
    little = array.dtype.newbyteorder("<")
    proto.tensor_content = np.ascontiguousarray(array, little).tobytes()
    return proto


def to_ndarray(proto):
    """The NumPy array of a `TensorProto` (`tensor_content` or the typed
    `*_val` field, whose last value fills the rest, as in TensorFlow).

    Args:
        proto: a `TensorProto`.

    Returns:
        A writable NumPy array of the proto's dtype and shape.

    Raises:
        ValueError: a dtype this client does not read, or a proto whose
            values do not fit its shape.
    """
    if proto.dtype not in _NUMPY:
        raise ValueError(
            f"Expected a tensor of dtype in {sorted(DTYPES)}. Received "
            f"DataType {proto.dtype}"
        )
    dtype = _NUMPY[proto.dtype]
    shape = tuple(dim.size for dim in proto.tensor_shape.dim)
    size = int(np.prod(shape, dtype=np.int64))
    if proto.tensor_content:
        flat = np.frombuffer(proto.tensor_content, dtype.newbyteorder("<"))
    else:
        values = getattr(proto, _FIELDS[proto.dtype])
        if proto.dtype == 19:  # half_val holds the float16 bit patterns
            flat = np.asarray(values, np.uint16).view(np.float16)
        else:
            flat = np.asarray(values).astype(dtype)
        if 0 < len(flat) < size:
            rest = np.repeat(flat[-1:], size - len(flat))
            flat = np.concatenate([flat, rest])
        elif not len(flat):
            flat = np.zeros(size, dtype)
    if flat.size != size:
        raise ValueError(
            f"Expected {size} values for a tensor of shape {shape}. "
            f"Received: {flat.size}"
        )
    return flat.astype(dtype).reshape(shape)


def build_predict_request(
    model_name, inputs, signature_name="serving_default", version=None
):
    """Builds the `PredictRequest` of a call.

    Args:
        model_name: the served model's name.
        inputs: dict `input name -> value` (see `to_array` for dtypes).
        signature_name: `"serving_default"`, `"log_prob"`, `"sample"`...
        version: int version, or `None` for the latest.

    Returns:
        A `tensorflow_serving.apis.predict_pb2.PredictRequest`.

    Example:

    >>> request = build_predict_request(
    ...     "nade", {"num_samples": 2, "seed": [1, 0], "temperature": 1.0},
    ...     signature_name="sample", version=3)
    >>> request.model_spec.name, request.model_spec.version.value
    ('nade', 3)
    >>> to_ndarray(request.inputs["seed"])
    array([1, 0], dtype=int32)
    """
    predict_pb2 = _apis()[1]
    if not isinstance(model_name, str) or not model_name:
        raise ValueError(
            f"Expected a non-empty model name. Received: {model_name!r}"
        )
    if not isinstance(inputs, dict) or not inputs:
        raise ValueError(
            "`inputs` must be a non-empty dict of input name -> value. "
            f"Received: {type(inputs).__name__}"
        )
    request = predict_pb2.PredictRequest()
    request.model_spec.name = model_name
    request.model_spec.signature_name = signature_name
    if version is not None:
        if isinstance(version, bool) or not hasattr(version, "__index__"):
            raise ValueError(
                f"Expected an int version or None. Received: {version!r}"
            )
        request.model_spec.version.value = operator.index(version)
    for name, value in inputs.items():
        request.inputs[str(name)].CopyFrom(make_tensor_proto(value))
    return request


def parse_predict_response(response):
    """The outputs of a `PredictResponse` as NumPy arrays.

    Args:
        response: a `PredictResponse`.

    Returns:
        A dict `output name -> np.ndarray`.
    """
    return {name: to_ndarray(t) for name, t in response.outputs.items()}


def predict(
    target,
    model_name,
    inputs,
    signature_name="serving_default",
    version=None,
    timeout=10.0,
    channel=None,
):
    """Calls a signature of a served model over gRPC.

    Args:
        target: the server's gRPC address, e.g. `"localhost:8500"`.
        model_name: the served model's name.
        inputs: dict `input name -> value` (see `to_array`).
        signature_name: signature name (`"serving_default"`, `"sample"`...).
        version: int version, or `None` for the latest.
        timeout: seconds to wait for the answer.
        channel: an open `grpc.Channel` to reuse for many calls (see
            `open_channel`; `target` is then ignored); by default a
            channel is opened and closed for this call.

    Returns:
        A dict `output name -> np.ndarray`.

    Raises:
        ServingError: the server answered with an error (bad input, no
            such model or signature, unreachable); `status` is the gRPC
            status name (`"INVALID_ARGUMENT"` for a failed input check,
            which REST reports as 400) and `message` the server's text.

    Example (with a server running, e.g. the TF Serving docker image,
    serving a `NADE((4,))` as "nade"):

        out = predict("localhost:8500", "nade",
                      {"num_samples": 2, "seed": [1, 0], "temperature": 1.0},
                      signature_name="sample")
        out["samples"].shape  # (2, 4)
    """
    grpc, _, service, _ = _apis()
    request = build_predict_request(model_name, inputs, signature_name, version)
    with contextlib.ExitStack() as stack:
        if channel is None:
            channel = stack.enter_context(open_channel(target))
        stub = service.PredictionServiceStub(channel)
        try:
            response = stub.Predict(request, timeout=timeout)
        except grpc.RpcError as error:
            raise ServingError(error.code().name, error.details()) from None
    return parse_predict_response(response)


def open_channel(target):
    """An insecure gRPC channel to a server, without message size limits
    (large `sample` answers); use it as a context manager.

    Args:
        target: the server's gRPC address, e.g. `"localhost:8500"`.

    Returns:
        A `grpc.Channel`.

    Example (many calls on one connection):

        with open_channel("localhost:8500") as channel:
            for seed in range(10):
                predict(None, "nade", {"num_samples": 2, "seed": [seed, 0],
                                       "temperature": 1.0},
                        signature_name="sample", channel=channel)
    """
    grpc = _apis()[0]
    options = [
        ("grpc.max_send_message_length", -1),
        ("grpc.max_receive_message_length", -1),
    ]
    return grpc.insecure_channel(target, options=options)
