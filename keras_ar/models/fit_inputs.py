"""What `fit` and `evaluate` hand to Keras, for every kind of input.

- NumPy arrays (and dicts of them) are value-checked in Python, then fed
  to `fit` as one endless `ArrayStream` with `steps_per_epoch` (no stall
  at each epoch's start on TensorFlow; each epoch's order is a function of
  `(seed, epoch)`, so resumed runs see the same batches).
- `tf.data.Dataset`s are checked batch by batch in the graph.
- Python generators and `keras.utils.PyDataset`s are checked batch by
  batch in Python.
- Weights: `sample_weight=` with arrays, or `(x, None, weights)` elements
  in a dataset or generator (Keras's convention; the models take no
  targets). Keras 3.15 drops `sample_weight` given with `y=None`, and
  `tf.distribute` cannot place a `None`, so weighted data reaches Keras
  as `(x, weights, weights)`; the loss ignores `y`.
"""

import keras
import numpy as np

from keras_ar.backend.array_stream import ArrayStream
from keras_ar.models import model_inputs


def check_sample_weight(weight, count, name="sample_weight"):
    """Checks per-example weights: shape `(count,)`, finite, `>= 0`, not
    all zero. Returns float32 NumPy (or `None`)."""
    if weight is None:
        return None
    values = np.asarray(weight)
    if values.ndim == 2 and values.shape[1] == 1:
        values = values[:, 0]
    if values.shape != (count,):
        raise ValueError(
            f"`{name}` must hold one weight per example, shape ({count},). "
            f"Received shape {values.shape}."
        )
    if not np.issubdtype(values.dtype, np.number) or values.dtype == bool:
        raise ValueError(
            f"`{name}` must be numeric. Received dtype {values.dtype}."
        )
    values = values.astype("float32")
    if not np.all(np.isfinite(values)) or np.any(values < 0):
        bad = values[~(np.isfinite(values) & (values >= 0))][:3]
        raise ValueError(
            f"`{name}` must be finite and >= 0. Received values such as "
            f"{bad.tolist()}."
        )
    if count and not np.any(values > 0):
        raise ValueError(f"`{name}` is all zeros: nothing would be learned.")
    return values


def training_input(
    model, x, sample_weight, batch_size, shuffle, seed, epoch, steps=None
):
    """The data arguments of `keras.Model.fit`: a dict with `x`, `y`,
    `sample_weight`, `batch_size`, `shuffle` and `steps_per_epoch`.

    Arrays become an endless `ArrayStream` (`steps_per_epoch` batches an
    epoch), unless the model runs several steps per execution and they do
    not divide an epoch's batches: Keras would then pull the next epoch's
    first batches into this epoch, so Keras's own array feed is used.
    """
    feed = dict(
        y=None,
        sample_weight=None,
        batch_size=batch_size,
        shuffle=shuffle,
        steps_per_epoch=steps,
    )
    x = model_inputs.as_array(x)
    kind = input_kind(x)
    if kind != "arrays":
        _no_weights_argument(sample_weight, kind)
        # A dataset or generator shuffles itself (Keras warns otherwise).
        return dict(feed, x=checked_input(model, x, kind), shuffle=False)
    x = model_inputs.check_fit_data(model, x)
    weight = check_sample_weight(sample_weight, _count(model, x))
    # `(x,)` or `(x, weights, weights)`: no `None` leaves, which
    # `tf.distribute` cannot place on devices.
    elements = (x,) if weight is None else (x, weight, weight)
    stream = ArrayStream(elements, batch_size or 32, shuffle, seed, epoch)
    per_execution = int(getattr(model, "steps_per_execution", 1) or 1)
    if stream.steps_per_epoch % per_execution:
        return dict(feed, x=x, y=weight, sample_weight=weight)
    return dict(
        feed,
        x=stream.data(),
        batch_size=None,
        shuffle=False,
        steps_per_epoch=steps or stream.steps_per_epoch,
    )


def evaluation_input(model, x, sample_weight):
    """`(x, y, sample_weight)` for `keras.Model.evaluate` or a
    `validation_data` tuple (arrays: weights as `y` too, see above)."""
    x = model_inputs.as_array(x)
    kind = input_kind(x)
    if kind != "arrays":
        _no_weights_argument(sample_weight, kind)
        return checked_input(model, x, kind), None, None
    x = model_inputs.check_fit_data(model, x)
    weight = check_sample_weight(sample_weight, _count(model, x))
    return x, weight, weight


def validation_input(model, validation_data):
    """Keras's `validation_data` (`x`, `(x, None, weights)` or a dataset
    or generator) checked like `evaluate`'s input."""
    if validation_data is None:
        return None
    validation_data, weight = _unpack_weighted(
        validation_data,
        "`validation_data` for an autoregressive model is `x` or "
        "`(x, None, sample_weight)`: the data is its own target.",
    )
    x, y, weight = evaluation_input(model, validation_data, weight)
    if y is None:
        return x
    return (x, y, weight)


def split_validation(x, sample_weight, fraction):
    """Keras's `validation_split` for arrays: the last `fraction` of the
    examples (before any shuffling) are held out."""
    if not fraction:
        return x, sample_weight, None
    if not 0.0 < float(fraction) < 1.0:
        raise ValueError(
            f"`validation_split` must be in (0, 1). Received {fraction}."
        )
    if input_kind(x) != "arrays":
        raise ValueError(
            "`validation_split` needs NumPy arrays; pass `validation_data` "
            "with a dataset or generator."
        )
    count = len(_first_leaf(x))
    cut = int(count * (1.0 - float(fraction)))

    def take(value, part):
        if value is None:
            return None
        if isinstance(value, dict):
            return {k: take(v, part) for k, v in value.items()}
        if isinstance(value, tuple):
            return tuple(take(v, part) for v in value)
        return np.asarray(value)[part]

    train, held = slice(0, cut), slice(cut, count)
    validation = (take(x, held), None, take(sample_weight, held))
    return take(x, train), take(sample_weight, train), validation


def input_kind(x):
    """"dataset", "generator" (generators and `PyDataset`s) or "arrays"."""
    if model_inputs.is_dataset(x):
        return "dataset"
    if hasattr(x, "__next__") or _is_py_dataset(x):
        return "generator"
    return "arrays"


def checked_input(model, x, kind):
    """A dataset or generator whose batches are value-checked."""
    if kind == "dataset":
        return model_inputs.check_fit_data(model, x)
    if _is_py_dataset(x):
        return _CheckedPyDataset(model, x)
    return _checked_batches(model, x)


def _checked_batches(model, batches):
    for batch in batches:
        yield _check_batch(model, batch)


def _check_batch(model, batch):
    x, weight = _unpack_weighted(
        batch,
        "Batches for an autoregressive model are `x` or "
        "`(x, None, sample_weight)`.",
    )
    x = model_inputs.check_fit_data(model, model_inputs.as_array(x))
    count = _count(model, x)
    if count is not None:
        weight = check_sample_weight(weight, count)
    return (x,) if weight is None else (x, weight, weight)


def _unpack_weighted(value, expected):
    """`(x, weights)` from `x` or `(x, None, weights)`; a target in the
    middle raises `ValueError` with `expected` (what is accepted)."""
    if not (isinstance(value, tuple) and len(value) == 3):
        return value, None
    x, target, weight = value
    if target is not None:
        raise ValueError(
            f"{expected} Received a target of type {type(target).__name__}."
        )
    return x, weight


def _is_py_dataset(x):
    return isinstance(x, keras.utils.PyDataset)


class _CheckedPyDataset(keras.utils.PyDataset):
    """A `PyDataset` whose batches are value-checked."""

    def __init__(self, model, dataset):
        super().__init__(
            workers=dataset.workers,
            use_multiprocessing=dataset.use_multiprocessing,
            max_queue_size=dataset.max_queue_size,
        )
        self.model, self.dataset = model, dataset

    @property
    def num_batches(self):
        return self.dataset.num_batches

    def __getitem__(self, index):
        return _check_batch(self.model, self.dataset[index])

    def on_epoch_begin(self):
        self.dataset.on_epoch_begin()

    def on_epoch_end(self):
        self.dataset.on_epoch_end()


def _no_weights_argument(sample_weight, kind):
    if sample_weight is not None:
        raise ValueError(
            f"`sample_weight` cannot be given beside a {kind}: put the "
            "weights in its elements, `(x, None, sample_weight)`."
        )


def _count(model, x):
    events, _ = model.condition_spec.split_inputs(x)
    shape = getattr(events, "shape", None)
    return None if shape is None else shape[0]


def _first_leaf(x):
    if isinstance(x, dict):
        return _first_leaf(next(iter(x.values())))
    if isinstance(x, tuple):
        return _first_leaf(x[0])
    return np.asarray(x)
