"""VectorCondition: one dense vector per example (e.g. an embedding)."""

import numpy as np

from keras_ar.conditioning.condition_part import ConditionPart
from keras_ar.utils.validation import check_positive_int


class VectorCondition(ConditionPart):
    """A real vector per example, `(batch, size)` finite floats.

    The `h` of the conditional PixelCNN (van den Oord et al., "Conditional
    Image Generation with PixelCNN Decoders", 2016, eq. 4): any embedding
    (of a face, a sentence, a latent code) mapped by a learned projection
    into every layer. In a dict of features it is found under
    `"condition"`, `"embedding"` or `"global"`.

    Args:
        size: length of the vector, a positive int.

    Example:

    >>> part = VectorCondition(3)
    >>> part.check([0.5, 0.0, 1.0], batch_size=2, broadcast=True).shape
    (2, 3)
    """

    name = "condition"
    keys = ("condition", "embedding", "global")
    dtype = "float32"

    def __init__(self, size):
        self.size = check_positive_int(size, "condition_size")

    def example_shape(self, length=None):
        return (self.size,)

    def describe(self):
        return f"vectors (batch, {self.size})"

    def check_values(self, value, shape):
        if value.shape != shape:
            raise ValueError(
                f"`condition` must have shape {shape}: one vector of "
                f"{self.size} values per example. Received shape "
                f"{value.shape}."
            )
        if value.dtype.kind == "f" and not np.all(np.isfinite(value)):
            raise ValueError("`condition` contains NaN or infinite values.")
        return value

    def graph_checks(self, tf, value, batch_size, length):
        return [
            tf.debugging.assert_equal(
                tf.shape(value)[0],
                batch_size,
                message="`condition` needs one vector per example",
            ),
            tf.debugging.assert_all_finite(
                value, "`condition` has NaN or inf values"
            ),
        ]

    def get_config(self):
        return {"size": self.size}
