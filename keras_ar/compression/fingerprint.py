"""A model's identity: a hash of its configuration and weights."""

import hashlib
import json

import numpy as np
from keras import ops


def _without_names(config):
    if isinstance(config, dict):
        return {
            key: _without_names(value)
            for key, value in config.items()
            if key != "name"
        }
    if isinstance(config, (list, tuple)):
        return [_without_names(value) for value in config]
    return config


def model_fingerprint(model):
    """SHA-256 (hex) of a model's class, configuration and weights.

    Two models with this fingerprint compute the same probabilities, so a
    compressed stream records it and a decoder refuses any other model.
    Layer names are left out (a model rebuilt from the same config and
    weights in another process may be named differently); everything else
    in `get_config()` and every weight's shape, dtype and bytes count.

    Args:
        model: a built `keras.Model`.

    Returns:
        64 hex characters.

    Example:

    >>> from keras_ar.models import NADE
    >>> model = NADE((3,), hidden_units=2)
    >>> model.build()
    >>> len(model_fingerprint(model))
    64
    """
    digest = hashlib.sha256()
    digest.update(type(model).__name__.encode())
    config = json.dumps(
        _without_names(model.get_config()), sort_keys=True, default=repr
    )
    digest.update(config.encode())
    for weight in model.weights:
        value = np.ascontiguousarray(ops.convert_to_numpy(weight))
        digest.update(f"{value.shape}{value.dtype}".encode())
        digest.update(value.tobytes())
    return digest.hexdigest()
