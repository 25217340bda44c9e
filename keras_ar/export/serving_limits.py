"""Bounds on what one request to an exported model may ask for."""

from keras_ar.utils import validation

#: Default bound on generated examples per request.
DEFAULT_MAX_NUM_SAMPLES = 256
#: Default bound on scored examples per request.
DEFAULT_MAX_BATCH_SIZE = 4096
#: A variable-length model's default bound is this many training lengths.
DEFAULT_LENGTH_FACTOR = 4


class ServingLimits:
    """The limits an exported SavedModel enforces in its graph.

    A request beyond a limit fails with `InvalidArgumentError` before any
    work is done, so no request can make the server allocate without
    bound.

    Args:
        max_num_samples: most events one generation request produces:
            `num_samples` of `sample`, the batch of `complete`, and
            `batch * num_paths` of `forecast`.
        max_batch_size: most events one scoring request (`log_prob`,
            `anomaly_score`, `is_anomaly`) holds.
        max_length: sequence models (`variable_length`, WaveNet): most
            time steps of a requested or scored sequence; the generation
            signatures allocate this length. Default: 4 training lengths.
            Must be `None` for other models.

    Example:

    >>> from keras_ar.models import NADE
    >>> limits = ServingLimits.for_model(NADE((4,), hidden_units=2))
    >>> limits.max_num_samples, limits.max_length
    (256, None)
    """

    def __init__(
        self,
        max_num_samples=DEFAULT_MAX_NUM_SAMPLES,
        max_batch_size=DEFAULT_MAX_BATCH_SIZE,
        max_length=None,
    ):
        self.max_num_samples = validation.check_positive_int(
            max_num_samples, "max_num_samples"
        )
        self.max_batch_size = validation.check_positive_int(
            max_batch_size, "max_batch_size"
        )
        self.max_length = (
            None
            if max_length is None
            else validation.check_positive_int(max_length, "max_length")
        )

    @classmethod
    def for_model(
        cls,
        model,
        max_num_samples=DEFAULT_MAX_NUM_SAMPLES,
        max_batch_size=DEFAULT_MAX_BATCH_SIZE,
        max_length=None,
    ):
        """Limits for `model`, with its default `max_length`."""
        if not model.variable_length:
            if max_length is not None:
                raise ValueError(
                    f"`max_length` applies to sequence models of any "
                    f"length (WaveNet); {model.__class__.__name__} events "
                    f"have the fixed shape {tuple(model.event_shape)}. "
                    f"Received: max_length={max_length!r}"
                )
            return cls(max_num_samples, max_batch_size)
        if max_length is None:
            max_length = DEFAULT_LENGTH_FACTOR * int(model.event_shape[0])
        return cls(max_num_samples, max_batch_size, max_length)

    def get_config(self):
        return {
            "max_num_samples": self.max_num_samples,
            "max_batch_size": self.max_batch_size,
            "max_length": self.max_length,
        }
