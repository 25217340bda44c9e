"""ConditionSpec: what a model is conditioned on, declared once."""

import numpy as np

from keras_ar.backend.tensors import concrete_numpy
from keras_ar.backend.tensors import is_numpy_like
from keras_ar.conditioning.class_condition import ClassCondition
from keras_ar.conditioning.local_condition import LocalCondition
from keras_ar.conditioning.vector_condition import VectorCondition

#: Keys of the event in a dict of features, in order of preference (TFDS
#: uses "image" and "audio").
EVENT_KEYS = ("image", "audio", "x", "series", "text", "features", "inputs")


class ConditionSpec:
    """The conditioning inputs of a model, read everywhere from here.

    A spec holds zero or more `ConditionPart`s (`ClassCondition`,
    `VectorCondition`, `LocalCondition`) with distinct names. It is the one
    place that knows how a condition is passed and checked:

    - `split_inputs` unpacks `fit`/`log_prob` inputs: a dict of features
      (`{"image": x, "label": y}`, TFDS style) or a tuple `(x, condition)`;
    - `normalize` turns what a user passes as `condition=` (one value for a
      one-part spec, a dict by name or key, a tuple in part order) into a
      dict `{name: value}`: the form models receive;
    - `check` validates concrete values (`ValueError` naming what was
      expected and received), and refuses a condition for a model that
      takes none;
    - `tensor_specs` and `graph_checks` give the exported signatures their
      condition inputs and in-graph checks.

    Args:
        parts: the `ConditionPart`s (distinct names).

    Example:

    >>> spec = ConditionSpec.from_args(condition_classes=10)
    >>> x, c = spec.split_inputs({"image": np.zeros((2, 4)), "label": [1, 2]})
    >>> spec.check(c, batch_size=2)["condition"].tolist()
    [1, 2]
    >>> ConditionSpec([]).check(None, batch_size=2) is None
    True
    """

    def __init__(self, parts=()):
        self.parts = tuple(parts)
        names = [part.name for part in self.parts]
        if len(set(names)) != len(names):
            raise ValueError(
                f"Condition parts need distinct names. Received {names}."
            )

    @classmethod
    def from_args(
        cls,
        condition_classes=None,
        condition_size=None,
        local_condition_channels=None,
        local_upsample_factor=1,
    ):
        """The spec of the usual model arguments.

        Args:
            condition_classes: classes of a class condition, or `None`.
            condition_size: length of a vector condition, or `None` (not
                both with `condition_classes`).
            local_condition_channels: channels of a local condition, or
                `None`.
            local_upsample_factor: sequence steps per local frame.
        """
        if condition_classes is not None and condition_size is not None:
            raise ValueError(
                "Pass `condition_classes` (class ids) or `condition_size` "
                "(vectors), not both. Received: condition_classes="
                f"{condition_classes}, condition_size={condition_size}"
            )
        parts = []
        if condition_classes is not None:
            parts.append(ClassCondition(condition_classes))
        if condition_size is not None:
            parts.append(VectorCondition(condition_size))
        if local_condition_channels is not None:
            parts.append(
                LocalCondition(local_condition_channels, local_upsample_factor)
            )
        return cls(parts)

    @property
    def is_conditional(self):
        return bool(self.parts)

    @property
    def names(self):
        return tuple(part.name for part in self.parts)

    def part(self, name):
        """The part called `name`, or `None`."""
        return next((p for p in self.parts if p.name == name), None)

    def describe(self):
        """How to pass the condition, for error messages."""
        if not self.parts:
            return "no condition"
        if len(self.parts) == 1:
            return self.parts[0].describe()
        return "a dict " + ", ".join(
            f"{p.name!r}: {p.describe()}" for p in self.parts
        )

    # ------------------------------------------------------------------
    # Unpacking
    # ------------------------------------------------------------------
    def split_inputs(self, inputs, condition=None):
        """`(events, condition)` from model inputs.

        Args:
            inputs: events; a dict of features with an event key
                (`EVENT_KEYS`) and condition keys (each part's `keys`;
                other keys are ignored); or a tuple `(events, condition)`.
            condition: a condition passed separately (wins over the dict).

        Returns:
            `(events, condition)`; the condition is as found (not checked),
            a dict `{name: value}` when it came from a dict of features.
        """
        if isinstance(inputs, dict):
            key = next((k for k in EVENT_KEYS if k in inputs), None)
            if key is None:
                raise ValueError(
                    f"A dict input needs one of the keys {EVENT_KEYS} for "
                    f"the event. Received keys: {sorted(inputs)}"
                )
            if condition is None:
                found = {}
                for part in self.parts:
                    value = next(
                        (inputs[k] for k in part.keys if k in inputs), None
                    )
                    if value is not None:
                        found[part.name] = value
                condition = found or None
            return inputs[key], condition
        if isinstance(inputs, tuple) and len(inputs) == 2:
            events, found = inputs
            return events, condition if condition is not None else found
        return inputs, condition

    def normalize(self, condition):
        """A user's `condition=` as a dict `{name: value}` (or `None`)."""
        if condition is None:
            return None
        if not self.parts:
            raise ValueError(
                "This model is not conditional, but a condition was "
                f"passed (a {type(condition).__name__}). Remove "
                "`condition=` (or the condition keys of the input dict)."
            )
        if isinstance(condition, dict):
            out = {}
            for key, value in condition.items():
                part = next(
                    (p for p in self.parts if key == p.name or key in p.keys),
                    None,
                )
                if part is None:
                    raise ValueError(
                        f"Unknown condition key {key!r}. This model takes "
                        f"{self.describe()}."
                    )
                out[part.name] = value
            return out
        if isinstance(condition, tuple) and len(self.parts) > 1:
            if len(condition) != len(self.parts):
                raise ValueError(
                    f"A condition tuple needs {len(self.parts)} entries "
                    f"({', '.join(self.names)}). Received "
                    f"{len(condition)}."
                )
            return dict(zip(self.names, condition))
        if len(self.parts) > 1:
            raise ValueError(
                f"This model takes several conditions: pass {self.describe()}"
                f". Received a {type(condition).__name__}."
            )
        return {self.parts[0].name: condition}

    # ------------------------------------------------------------------
    # Checks
    # ------------------------------------------------------------------
    def check(self, condition, batch_size, length=None, broadcast=False):
        """Validates a condition for `batch_size` examples.

        Concrete values (NumPy, eager tensors) are checked and returned as
        NumPy; symbolic tensors are returned as they are.

        Args:
            condition: what the user passed (see `normalize`).
            batch_size: the number of events.
            length: the events' length (local conditions).
            broadcast: accept one example's value (e.g. `condition=3`)
                for the whole batch.

        Returns:
            `None` for an unconditional model, else a dict `{name: value}`.
        """
        condition = self.normalize(condition)
        if not self.parts:
            return None
        if condition is None:
            condition = {}
        missing = [p for p in self.parts if condition.get(p.name) is None]
        if missing:
            raise ValueError(
                "This model is conditional: pass `condition=` with "
                f"{self.describe()} (in a dict input: a "
                f"{missing[0].keys[0]!r} entry). Missing: "
                f"{', '.join(p.name for p in missing)}."
            )
        out = {}
        for part in self.parts:
            value = condition[part.name]
            array = concrete_numpy(value)
            if array is None:  # traced: checked in the graph, if anywhere
                out[part.name] = value
                continue
            checked = part.check(array, batch_size, length, broadcast)
            # Tensors stay tensors (differentiable); NumPy is normalized.
            out[part.name] = checked if is_numpy_like(value) else value
        return out

    def dummy(self, batch_size=1, length=None):
        """Valid zero conditions (building a model), or `None`."""
        if not self.parts:
            return None
        return {p.name: p.dummy(batch_size, length) for p in self.parts}

    # ------------------------------------------------------------------
    # Batch helpers
    # ------------------------------------------------------------------
    @staticmethod
    def take(condition, index):
        """`condition` with every value indexed by `index` (a slice)."""
        if condition is None:
            return None
        return {k: v[index] for k, v in condition.items()}

    @staticmethod
    def repeat(condition, times):
        """Every example's condition repeated `times` times (NumPy)."""
        if condition is None:
            return None
        return {
            k: np.repeat(np.asarray(v), times, axis=0)
            for k, v in condition.items()
        }

    # ------------------------------------------------------------------
    # Export
    # ------------------------------------------------------------------
    def tensor_specs(self, tf):
        """The condition inputs of exported signatures, in part order."""
        return [part.tensor_spec(tf) for part in self.parts]

    def graph_checks(self, tf, condition, batch_size, length):
        """In-graph assertions for a dict of condition tensors."""
        checks = []
        for part in self.parts:
            checks += part.graph_checks(
                tf, condition[part.name], batch_size, length
            )
        return checks
