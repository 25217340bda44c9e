"""ConditionPart: one declared input a model is conditioned on."""

import numpy as np


class ConditionPart:
    """Base class of the parts of a `ConditionSpec`.

    A part declares one conditioning input: its `name` (the key models see
    and the exported signatures' input name), the dict `keys` under which
    `fit` and `log_prob` find it in a dict of features (TFDS style), its
    dtype and per-example shape, and how its values are checked: in Python
    (`check`, a `ValueError` naming what was expected and received) and in
    the graph of an exported signature (`graph_checks`).

    Subclasses set `name`, `keys`, `dtype` and implement `example_shape`,
    `check_values` and `graph_checks`.
    """

    name = "condition"
    keys = ("condition",)
    dtype = "float32"

    def example_shape(self, length=None):
        """Shape of one example's value (no batch axis)."""
        raise NotImplementedError

    def describe(self):
        """What a value looks like, for error messages."""
        raise NotImplementedError

    def check(self, value, batch_size, length=None, broadcast=False):
        """Validates a concrete value for `batch_size` examples.

        Args:
            value: array-like.
            batch_size: number of examples it must cover.
            length: event length (for sequence-rate parts).
            broadcast: accept one example's value for the whole batch.

        Returns:
            A C-contiguous NumPy array of `dtype`, `(batch_size,) +
            example_shape(length)`.
        """
        value = np.asarray(value)
        if value.dtype.kind not in "biuf":
            raise ValueError(
                f"`{self.name}` must be numeric ({self.describe()}). "
                f"Received dtype {value.dtype}."
            )
        shape = (batch_size,) + tuple(self.example_shape(length))
        if broadcast and value.shape == shape[1:]:
            value = np.broadcast_to(value, shape)
        value = self.check_values(value, shape)
        return np.ascontiguousarray(value, dtype=self.dtype)

    def check_values(self, value, shape):
        """Checks shape and values of `value` against `shape`."""
        raise NotImplementedError

    def dummy(self, batch_size=1, length=None):
        """A valid all-zero value (for building a model)."""
        shape = (batch_size,) + tuple(self.example_shape(length))
        return np.zeros(shape, self.dtype)

    def tensor_spec(self, tf):
        """The `tf.TensorSpec` of this input in exported signatures."""
        shape = (None,) + tuple(
            None if d is None else d for d in self.example_shape(None)
        )
        return tf.TensorSpec(shape, self.dtype, name=self.name)

    def graph_checks(self, tf, value, batch_size, length):
        """In-graph assertions (exported signatures) for `value`.

        Args:
            tf: the `tensorflow` module.
            value: the input tensor.
            batch_size: scalar tensor, the events' batch size.
            length: the events' (static) length.

        Returns:
            A list of assertion ops.
        """
        raise NotImplementedError

    def get_config(self):
        return {}
