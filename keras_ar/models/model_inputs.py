"""Checking and preparing the data a model receives at its boundary."""

import sys

import numpy as np

from keras_ar.backend.tensors import concrete_numpy
from keras_ar.utils.validation import check_array_shape


def as_array(x):
    """A pandas DataFrame (or Series) as a float32 NumPy array."""
    if hasattr(x, "to_numpy") and hasattr(x, "columns"):
        return x.to_numpy(dtype="float32")
    return x


def is_dataset(x):
    """True for a `tf.data.Dataset` (without importing TensorFlow)."""
    return type(x).__module__.startswith("tensorflow") and hasattr(
        x, "element_spec"
    )


def check_events(model, x, name="x"):
    """Checks events: shape always, values when they are concrete.

    Args:
        model: an `AutoregressiveModel`.
        x: NumPy data or a tensor `(batch,) + event_shape` (any length on
            the first event axis for models with `variable_length`).
        name: the argument's name, for messages.

    Returns:
        The values as NumPy when they are concrete, else `None`.
    """
    check_array_shape(
        x,
        model.event_shape,
        name,
        model.__class__.__name__,
        any_length=model.variable_length,
    )
    values = concrete_numpy(x)
    if values is not None:
        values = model.head.check_values(values, name)
    return values


def check_fit_data(model, x):
    """Validates `fit`/`evaluate` data and returns it ready for Keras.

    NumPy events and conditions are checked in Python; a `tf.data.Dataset`
    is wrapped so that every batch is checked in the graph (the head's
    value rules). The first `fit` of a model whose head needs data
    statistics (`Standardized`) records them, from arrays or a dataset.
    """
    spec = model.condition_spec
    if is_dataset(x):
        from keras_ar.backend.graph_checks import checked_dataset

        def split(element):
            return spec.split_inputs(element_inputs(element))

        _adapt(model, lambda: _dataset_events(x, split))
        return checked_dataset(x, split, model.head, model.event_shape)
    events, condition = spec.split_inputs(x)
    values = check_events(model, events)
    if values is not None:
        spec.check(condition, len(values), _length(model, values))
        _adapt(model, lambda: values)
    return x


def _length(model, values):
    return values.shape[1] if values.ndim > 1 else None


def element_inputs(element):
    """The model inputs of a dataset element: `x` of Keras's
    `(x, None, sample_weight)` (or the element itself)."""
    if isinstance(element, tuple) and len(element) == 3:
        return element[0]
    return element


def _dataset_events(dataset, split):
    for element in dataset:
        yield np.asarray(split(element)[0])


def _adapt(model, data):
    adapt = getattr(model.head, "adapt", None)
    if adapt is not None and not model.head.is_adapted:
        adapt(data())


def score_in_chunks(fn, values, condition, batch_size, take):
    """`fn(chunk, condition)` over NumPy `values` in chunks of
    `batch_size` (all at once for `None`), with a progress bar when there
    is more than one chunk; the results concatenated as NumPy."""
    import keras

    count = len(values)
    size = max(count if batch_size is None else int(batch_size), 1)
    progbar = None
    if batch_size is not None and count > size:
        progbar = keras.utils.Progbar(
            count, verbose=1 if sys.stdout.isatty() else 2, unit_name="ex"
        )
    results = []
    for start in range(0, count, size):
        part = slice(start, start + size)
        chunk = values[part].astype("float32")
        out = fn(chunk, take(condition, part))
        results.append(keras.ops.convert_to_numpy(out))
        if progbar is not None:
            progbar.add(len(chunk))
    return np.concatenate(results) if results else np.zeros((0,))
