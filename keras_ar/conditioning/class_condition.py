"""ClassCondition: one integer class id per example."""

import numpy as np

from keras_ar.conditioning.condition_part import ConditionPart
from keras_ar.utils.validation import check_positive_int


class ClassCondition(ConditionPart):
    """A class id per example, `(batch,)` integers in `[0, num_classes)`.

    Models embed it (a learned vector per class) and add it to their
    features: the conditional PixelCNN and WaveNet's global condition (van
    den Oord et al., "Conditional Image Generation with PixelCNN Decoders",
    2016; "WaveNet", 2016, section 2.5). In a dict of features it is found
    under `"label"` (TFDS), `"condition"`, `"y"` or `"global"`.

    Args:
        num_classes: number of classes, a positive int.

    Example:

    >>> part = ClassCondition(10)
    >>> part.check(3, batch_size=2, broadcast=True).tolist()
    [3, 3]
    """

    name = "condition"
    keys = ("label", "condition", "y", "global")
    dtype = "int32"

    def __init__(self, num_classes):
        self.num_classes = check_positive_int(num_classes, "condition_classes")

    def example_shape(self, length=None):
        return ()

    def describe(self):
        return f"class ids (batch,) in [0, {self.num_classes - 1}]"

    def check_values(self, value, shape):
        if value.ndim == 2 and value.shape[-1] == 1:
            value = value[:, 0]
        if value.dtype.kind == "f" and not np.all(
            np.equal(np.mod(value, 1), 0)
        ):
            raise ValueError(
                "`condition` must hold integer class ids. Received "
                f"non-integer values of dtype {value.dtype}."
            )
        if value.dtype.kind not in "biuf":
            raise ValueError(
                "`condition` must hold integer class ids. Received dtype "
                f"{value.dtype}."
            )
        if value.shape != shape:
            raise ValueError(
                f"`condition` must have shape {shape}, one class id per "
                f"example. Received shape {value.shape}."
            )
        if value.size and (value.min() < 0 or value.max() >= self.num_classes):
            raise ValueError(
                f"`condition` class ids must lie in [0, "
                f"{self.num_classes - 1}]. Received values in "
                f"[{value.min()}, {value.max()}]."
            )
        return value

    def graph_checks(self, tf, value, batch_size, length):
        return [
            tf.debugging.assert_equal(
                tf.size(value),
                batch_size,
                message="`condition` needs one class id per example",
            ),
            tf.debugging.assert_non_negative(
                value, message="`condition` class ids must be >= 0"
            ),
            tf.debugging.assert_less(
                value,
                tf.constant(self.num_classes, value.dtype),
                message=f"`condition` class ids must be < {self.num_classes}",
            ),
        ]

    def get_config(self):
        return {"num_classes": self.num_classes}
