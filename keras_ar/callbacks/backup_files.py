"""Files of a `keras_ar.callbacks.BackupAndRestore` backup: variable
states packed into `.npz` arrays, and writes that survive a SIGKILL
(fsync, atomic replace)."""

import os

import keras
import numpy as np


def pack(variables, prefix):
    return {
        f"{prefix}_{i}": np.array(v.numpy()) for i, v in enumerate(variables)
    }


def unpack(state, prefix):
    count = sum(1 for name in state.files if name.startswith(prefix + "_"))
    return [state[f"{prefix}_{i}"] for i in range(count)]


def variable_shapes(variables):
    return [tuple(v.shape) for v in variables]


def assign(variables, values, what):
    shapes = [np.shape(v) for v in values]
    expected = variable_shapes(variables)
    if expected != shapes:
        raise ValueError(
            f"The backup's {what} do not fit the model (was it built with "
            f"other arguments?). Expected shapes: {expected}. "
            f"Received: {shapes}"
        )
    for variable, value in zip(variables, values):
        variable.assign(value)


def to_floats(logs):
    floats = {}
    for name, value in logs.items():
        value = np.asarray(keras.ops.convert_to_numpy(value))
        floats[name] = float(value) if value.size == 1 else value
    return floats


def fsync(path):
    flags = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0)
    fd = os.open(path, flags if os.path.isdir(path) else os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomically(path, text):
    temporary = f"{path}.tmp"
    with open(temporary, "w") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(temporary, path)
    fsync(os.path.dirname(path) or ".")
