"""Bounds fixed at export time on what one serving request may ask for."""

import dataclasses

#: Default bound on `num_samples` (and on the examples one generating
#: request may hold).
DEFAULT_MAX_NUM_SAMPLES = 1024


@dataclasses.dataclass(frozen=True)
class ServingLimits:
    """What one request to an exported model may ask for.

    Args:
        max_num_samples: most examples one generating request (`sample`,
            `complete`, `forecast` paths times series) may produce.
        max_length: most steps a variable-length model (WaveNet) may
            generate in one request (`None`: the model's `event_shape[0]`
            times 4).
    """

    max_num_samples: int = DEFAULT_MAX_NUM_SAMPLES
    max_length: int | None = None
