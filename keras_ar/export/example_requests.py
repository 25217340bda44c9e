"""One valid example request per signature, stored with the SavedModel.

The export writes `assets.extra/keras_ar_examples.json` (TF Serving
ignores `assets.extra/` except for its own warm-up file): the limits the
graph enforces and, per signature, inputs that it accepts. Tools that run
every signature of a served model (`keras-ar serve-check`) read them back
with `read_example_requests`, which needs only NumPy: no TensorFlow, no
keras.
"""

import json
import os

import numpy as np

#: Where the examples live inside a SavedModel directory.
EXAMPLES_PATH = os.path.join("assets.extra", "keras_ar_examples.json")
#: Examples per request.
BATCH = 2


def make_example_requests(model, limits, names):
    """Valid inputs of each signature in `names` for `model`.

    Args:
        model: the exported `AutoregressiveModel`.
        limits: its `ServingLimits`.
        names: signature names.

    Returns:
        `{signature: {input name: np.ndarray}}`.
    """
    rng = np.random.default_rng(0)
    event = tuple(int(d) for d in model.event_shape)
    length = event[0]
    if model.variable_length:
        length = min(length, limits.max_length)
        event = (length,) + event[1:]
    x = _events(model, rng, (BATCH,) + event)
    seed = np.array([1, 0], "int32")
    one = np.float32(1.0)
    condition = _condition(model, rng, length)
    requests = {}
    scoring = {"x": x, **condition}
    for name in ("log_prob", "anomaly_score", "is_anomaly"):
        requests[name] = scoring
    sample = {"num_samples": np.int32(BATCH), "seed": seed, "temperature": one}
    if model.variable_length:
        sample["length"] = np.int32(length)
    requests["sample"] = {**sample, **condition}
    known = np.zeros(x.shape, bool)
    known[:, : max(1, length // 2)] = True
    requests["complete"] = {
        "x": x,
        "known_mask": known,
        "seed": seed,
        "temperature": one,
        **condition,
    }
    known_steps = max(1, length // 2)
    steps = max(1, min(2, length - known_steps))
    requests["forecast"] = {
        "context": x[:, :known_steps],
        "steps": np.int32(steps),
        "num_paths": np.int32(3),
        "quantiles": np.array([0.1, 0.5, 0.9], "float32"),
        "seed": seed,
        "temperature": one,
        **_condition(model, rng, known_steps + steps),
    }
    return {name: requests[name] for name in names}


def _events(model, rng, shape):
    head = model.head
    if head.is_discrete:
        low, high = head.value_range
        return rng.integers(low, high + 1, shape).astype("float32")
    return rng.normal(0.0, 1.0, shape).astype("float32")


def _condition(model, rng, length):
    condition = {}
    for part in model.condition_spec.parts:
        shape = (BATCH,) + tuple(part.example_shape(length))
        if np.dtype(part.dtype).kind in "iu":
            value = rng.integers(0, part.num_classes, shape).astype("int32")
        else:
            value = rng.normal(0.0, 1.0, shape).astype("float32")
        condition[part.name] = value
    return condition


def write_examples(saved_model_dir, requests, limits):
    """Writes the examples and limits into `saved_model_dir`.

    Args:
        saved_model_dir: the SavedModel directory.
        requests: `{signature: {input: array}}`.
        limits: dict of the export's limits.
    """
    path = os.path.join(saved_model_dir, EXAMPLES_PATH)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    payload = {
        "limits": limits,
        "requests": {
            signature: {
                name: _encode(np.asarray(value))
                for name, value in inputs.items()
            }
            for signature, inputs in requests.items()
        },
    }
    with open(path, "w") as f:
        json.dump(payload, f, indent=1)


def read_example_requests(saved_model_dir):
    """The example request of every signature, as NumPy arrays.

    Args:
        saved_model_dir: a SavedModel written by `export_saved_model`.

    Returns:
        `{signature: {input name: np.ndarray}}`.

    Example:

    >>> from keras_ar.export import export_saved_model
    >>> from keras_ar.models import NADE
    >>> path = export_saved_model(NADE((4,), hidden_units=2), "nade",
    ...                           verbose=False)
    >>> read_example_requests(path)["sample"]["num_samples"]
    array(2, dtype=int32)
    """
    payload = _read(saved_model_dir)
    return {
        signature: {name: _decode(value) for name, value in inputs.items()}
        for signature, inputs in payload["requests"].items()
    }


def read_limits(saved_model_dir):
    """The limits the SavedModel enforces (`max_num_samples`, ...)."""
    return dict(_read(saved_model_dir)["limits"])


def _read(saved_model_dir):
    path = os.path.join(str(saved_model_dir), EXAMPLES_PATH)
    if not os.path.exists(path):
        raise FileNotFoundError(
            f"No example requests in {saved_model_dir}: expected {path}, "
            "written by `keras_ar.export.export_saved_model`."
        )
    with open(path) as f:
        return json.load(f)


def _encode(array):
    values = array.ravel().tolist()
    return {
        "dtype": array.dtype.name,
        "shape": list(array.shape),
        "values": values,
    }


def _decode(value):
    return np.asarray(value["values"], value["dtype"]).reshape(value["shape"])
