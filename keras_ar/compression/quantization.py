"""Deterministic quantization of probabilities to integer frequencies."""

import numpy as np

#: Bits of the integer frequencies: every table sums to `2**PRECISION`.
#: 24 is the precision of `constriction`'s ANS coder, so the coder sees
#: exactly these frequencies.
PRECISION = 24


def quantize_log_probs(log_probs, precision=PRECISION):
    """Integer frequencies of the values of each distribution.

    Every value gets at least 1 (so any value can be coded, at a cost of
    at most `precision` bits), the rest of `2**precision` is shared in
    proportion to the probabilities, rounded down, and what rounding
    leaves goes to the most probable value (the first, on ties). The
    arithmetic is float64 NumPy on the model's float32 log-probabilities:
    equal inputs give equal frequencies on every process, which is what
    lets a decoder rebuild the encoder's tables.

    The cost over the model's own code length is at most
    `log2(1 / (1 - V 2**-precision))` bits per value for `V` values
    (2.2e-5 bits for 256 values); values rarer than `2**-precision` cost
    less than under the model (`precision` bits).

    Args:
        log_probs: float array `(..., V)` of log-probabilities (nats);
            rows need not be exactly normalized.
        precision: bits of the total, `V < 2**precision`.

    Returns:
        int64 array `(..., V)`, each row summing to `2**precision`.

    Raises:
        ValueError: for a non-finite log-probability row or too many
            values for the precision.

    Example:

    >>> import numpy as np
    >>> freq = quantize_log_probs(np.log([[0.5, 0.25, 0.25]]), precision=4)
    >>> freq.tolist(), int(freq.sum())
    ([[8, 4, 4]], 16)
    """
    log_probs = np.asarray(log_probs, np.float64)
    count = log_probs.shape[-1]
    total = 1 << int(precision)
    if count >= total:
        raise ValueError(
            f"{count} values need more than {precision} bits of precision; "
            f"expected fewer than {total} values."
        )
    top = np.max(log_probs, axis=-1, keepdims=True)
    if not np.all(np.isfinite(top)):
        raise ValueError(
            "Every distribution needs a finite log-probability; received "
            "a row of NaN or infinite log-probabilities."
        )
    probs = np.exp(log_probs - top)
    probs /= np.sum(probs, axis=-1, keepdims=True)
    freq = np.floor(probs * (total - count)).astype(np.int64) + 1
    rest = total - np.sum(freq, axis=-1, keepdims=True)
    first = np.argmax(probs, axis=-1)[..., None]
    np.put_along_axis(
        freq, first, np.take_along_axis(freq, first, axis=-1) + rest, axis=-1
    )
    return freq


def code_length_bits(freq, symbols, precision=PRECISION):
    """Ideal code length in bits of `symbols` under the frequency tables
    `freq` (`(..., V)`, one table per symbol): what an exact entropy coder
    spends, before its few bits of final state.

    Example:

    >>> import numpy as np
    >>> code_length_bits(np.array([[8, 4, 4]]), np.array([1]), precision=4)
    2.0
    """
    freq = np.asarray(freq)
    symbols = np.asarray(symbols, np.int64)[..., None]
    chosen = np.take_along_axis(freq, symbols, axis=-1)[..., 0]
    return float(np.sum(precision - np.log2(chosen)))
