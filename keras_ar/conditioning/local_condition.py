"""LocalCondition: a feature sequence at a lower rate than the events."""

import numpy as np

from keras_ar.conditioning.condition_part import ConditionPart
from keras_ar.utils.validation import check_positive_int


class LocalCondition(ConditionPart):
    """Features over time, `(batch, frames, channels)`, one frame per
    `upsample_factor` steps of the sequence.

    WaveNet's local conditioning (van den Oord et al., 2016, section 2.5),
    e.g. linguistic features or a mel spectrogram for speech: the model
    upsamples the frames to the signal's rate; a sequence of `length`
    steps needs `ceil(length / upsample_factor)` frames. In a dict of
    features it is found under `"local_condition"` or `"local"`.

    Args:
        channels: features per frame, a positive int.
        upsample_factor: sequence steps per frame, a positive int.

    Example:

    >>> part = LocalCondition(2, upsample_factor=4)
    >>> part.frames(10)
    3
    >>> part.check(np.zeros((1, 3, 2)), batch_size=1, length=10).shape
    (1, 3, 2)
    """

    name = "local_condition"
    keys = ("local_condition", "local")
    dtype = "float32"

    def __init__(self, channels, upsample_factor=1):
        self.channels = check_positive_int(channels, "local_condition_channels")
        self.upsample_factor = check_positive_int(
            upsample_factor, "local_upsample_factor"
        )

    def frames(self, length):
        """Frames needed to cover `length` steps."""
        return -(-int(length) // self.upsample_factor)

    def example_shape(self, length=None):
        frames = None if length is None else self.frames(length)
        return (frames, self.channels)

    def describe(self):
        return f"local features (batch, frames, {self.channels})"

    def check_values(self, value, shape):
        if value.shape != shape:
            raise ValueError(
                f"The local condition must have shape {shape}: {shape[1]} "
                f"frames of {self.channels} features, upsampled "
                f"x{self.upsample_factor} to the sequence's steps. Received "
                f"shape {value.shape}."
            )
        if value.dtype.kind == "f" and not np.all(np.isfinite(value)):
            raise ValueError(
                "The local condition contains NaN or infinite values."
            )
        return value

    def graph_checks(self, tf, value, batch_size, length):
        # `length` may be a tensor (a requested sequence length).
        factor = self.upsample_factor
        frames = (length + factor - 1) // factor
        return [
            tf.debugging.assert_equal(
                tf.shape(value)[0],
                batch_size,
                message="`local_condition` needs one sequence per example",
            ),
            tf.debugging.Assert(
                tf.shape(value)[1] >= frames,
                [
                    f"`local_condition` needs a frame per {factor} steps. "
                    "Frames needed:",
                    frames,
                    "received:",
                    tf.shape(value)[1],
                ],
            ),
            tf.debugging.assert_all_finite(
                value, "`local_condition` has NaN or inf values"
            ),
        ]

    def get_config(self):
        return {
            "channels": self.channels,
            "upsample_factor": self.upsample_factor,
        }
