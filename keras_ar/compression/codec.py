"""encode / decode: lossless compression with any discrete model."""

import zlib

import numpy as np

from keras_ar.compression.container import CompressionError
from keras_ar.compression.container import pack
from keras_ar.compression.container import unpack
from keras_ar.compression.fingerprint import model_fingerprint
from keras_ar.compression.quantization import PRECISION
from keras_ar.compression.quantization import quantize_log_probs
from keras_ar.compression.step_scorer import StepScorer
from keras_ar.models import model_inputs
from keras_ar.utils import validation
from keras_ar.utils.progress import step_progbar

#: Hex digits of the model fingerprint a stream keeps (128 bits).
FINGERPRINT_CHARS = 32


def _coder():
    try:
        import constriction
    except ImportError as error:  # pragma: no cover - an install problem
        raise ImportError(
            "keras_ar.compression needs the `constriction` package: "
            "pip install constriction"
        ) from error
    return constriction


def _table_model():
    """constriction's categorical model family, probabilities per symbol
    (encoder and decoder must use the same setting of `perfect`)."""
    return _coder().stream.model.Categorical(perfect=False)


def _coder_probabilities(freq):
    """Integer frequencies as the float64 probabilities constriction
    takes: `freq / 2**PRECISION`, exact (dyadic), so the coder sees these
    frequencies on both sides."""
    return np.asarray(freq, "float64") / (1 << PRECISION)


def _check_model(model):
    head = model.head
    if not head.is_discrete:
        raise ValueError(
            f"Lossless compression needs a model with a discrete head "
            f"(Bernoulli, Categorical, MuLawCategorical, "
            f"DiscretizedLogisticMixture); {type(model).__name__} has "
            f"{type(head).__name__}, a continuous head."
        )
    if not model.built:
        model.build()


def _crc(values):
    return zlib.crc32(np.ascontiguousarray(values, "<i4").tobytes())


def _progbar(total, progress):
    if not progress:
        return None
    return step_progbar(total)


def encode(
    model, x, condition=None, block_size=32, progress=False, metadata=None
):
    """Compresses events losslessly with a model's own probabilities.

    Every value is coded with `constriction`'s ANS coder under the
    distribution the model gives it from the values before it
    (`keras_ar.compression.StepScorer`), quantized to integer frequencies
    (`quantize_log_probs`). The stream costs about the model's negative
    log-likelihood in bits, plus 32 to 64 bits of coder state per event
    and a header of a few hundred bytes. The stream records the model's
    fingerprint, the condition and a CRC-32 of every event: `decode`
    refuses another model and reports damage instead of returning wrong
    data.

    The model runs on blocks of exactly `block_size` events (the last one
    padded), which the stream records and `decode` repeats: CPU kernels
    (oneDNN) round differently at different batch shapes, so equal
    tables need equal shapes; the other events of a block do not change
    an event's numbers.

    Reference: Townsend, Bird & Barber, "Practical lossless compression
    with latent variables using bits back coding", ICLR 2019 (ANS with
    neural models); Duda, "Asymmetric numeral systems", 2013; Bamler,
    "Understanding Entropy Coding With Asymmetric Numeral Systems (ANS):
    a Statistician's Perspective", 2022 (the `constriction` coder).

    Args:
        model: an `AutoregressiveModel` with a discrete head.
        x: events `(batch,) + event_shape` of whole numbers in the head's
            value range (or a DataFrame / dict, as `log_prob` takes).
        condition: the model's condition for each event, if any.
        block_size: events run through the model together (the decoder
            runs the same blocks).
        progress: show a progress bar over the model's steps.
        metadata: a JSON-able dict stored in the stream (`read_header`
            returns it under "metadata"), e.g. how to write a file back.

    Returns:
        bytes.

    Example:

    >>> import numpy as np
    >>> from keras_ar.models import NADE
    >>> model = NADE((6,), hidden_units=4)
    >>> x = np.array([[1, 0, 1, 1, 0, 0], [0, 0, 0, 1, 1, 1]])
    >>> data = encode(model, x)
    >>> bool(np.array_equal(decode(model, data), x))
    True
    """
    _check_model(model)
    block = validation.check_positive_int(block_size, "block_size")
    x, condition = model.condition_spec.split_inputs(
        model_inputs.as_array(x), condition
    )
    values = model_inputs.check_events(model, np.asarray(x))
    if values is None or len(values) == 0:
        raise ValueError(
            f"Expected at least one event of shape {model.event_shape}; "
            f"received shape {np.shape(x)}."
        )
    values = np.rint(values).astype("int32")
    length = values.shape[1] if values.ndim > 2 else None
    condition = model.condition_spec.check(condition, len(values), length)
    shape = tuple(values.shape[1:])
    scorer = StepScorer(model, shape)
    family = _table_model()
    progbar = _progbar(scorer.steps * _chunks(len(values), block), progress)
    words = []
    for start in range(0, len(values), block):
        stop = min(start + block, len(values))
        words.append(
            _encode_block(
                scorer,
                family,
                values[start:stop],
                _block_condition(model, condition, start, stop, block),
                block,
                progbar,
            )
        )
    header = {
        "model": type(model).__name__,
        "fingerprint": model_fingerprint(model)[:FINGERPRINT_CHARS],
        "shape": list(shape),
        "count": len(values),
        "num_values": int(model.head.num_values),
        "block_size": block,
        "metadata": metadata,
        "crc32": [
            _crc(values[i : i + block]) for i in range(0, len(values), block)
        ],
    }
    return pack(header, condition, words)


def _block_condition(model, condition, start, stop, block):
    """The condition of events `[start, stop)`, padded to `block` rows
    with copies of the first."""
    if condition is None:
        return None
    part = model.condition_spec.take(condition, slice(start, stop))
    pad = block - (stop - start)
    return {
        key: np.concatenate([value] + [value[:1]] * pad, axis=0)
        for key, value in part.items()
    }


def _encode_block(scorer, family, values, condition, block, progbar):
    """One ANS stream of the events of `values` (one block, padded): the
    values of every step, event by event, coded in reverse so that the
    decoder reads them in order."""
    count = len(values)
    flat = np.zeros((block, values[0].size), "int32")
    flat[:count] = values.reshape(count, -1)
    tables, symbols = [], []

    def write(index, log_probs, positions):
        step_values = np.take_along_axis(flat, positions, axis=1)
        tables.append(quantize_log_probs(log_probs[:count]).astype("uint32"))
        symbols.append(step_values[:count])
        return step_values

    scorer.run(block, condition, write, progbar)
    size = tables[0].shape[-1]
    tables = np.stack(tables).reshape(-1, size)  # (steps * count * G, V)
    symbols = np.stack(symbols).reshape(-1)
    ans = _coder().stream.stack.AnsCoder()
    ans.encode_reverse(symbols, family, _coder_probabilities(tables))
    return ans.get_compressed()


def _chunks(count, batch_size):
    return -(-count // batch_size)


def read_header(data):
    """The metadata of a stream from `encode`: the model class and
    fingerprint, the event shape, the number of events and more.

    Raises:
        CompressionError: for damaged or foreign data.
    """
    header, _, _ = unpack(data)
    return header


def decode(model, data, progress=False, return_condition=False):
    """Decodes a stream from `encode` back to the exact events.

    Runs the model's generation steps on blocks of the encoder's
    `block_size`, decoding each value with the distribution the encoder
    used: the same steps on the same values and shapes give the same
    tables, in any process.

    Args:
        model: the model that encoded the stream (same config and weights).
        data: bytes from `encode`.
        progress: show a progress bar over the model's steps.
        return_condition: also return the stored condition.

    Returns:
        int32 events `(count,) + shape`; with `return_condition`, the pair
        `(events, condition)` (condition `None` for unconditional models).

    Raises:
        CompressionError: if the stream is damaged or truncated, was made
            by another model, or decodes to data whose checksum differs
            (the model computed other probabilities than the encoder's:
            another machine or library version).
    """
    _check_model(model)
    header, condition, words = unpack(data)
    fingerprint = model_fingerprint(model)[:FINGERPRINT_CHARS]
    if header["fingerprint"] != fingerprint:
        raise CompressionError(
            f"This stream was encoded with another model: expected a "
            f"{header['model']} with fingerprint {header['fingerprint']}; "
            f"received a {type(model).__name__} with fingerprint "
            f"{fingerprint}. Decode with the model that encoded it."
        )
    shape, count = tuple(header["shape"]), header["count"]
    block = header["block_size"]
    scorer = StepScorer(model, shape)
    family = _table_model()
    progbar = _progbar(scorer.steps * _chunks(count, block), progress)
    events = []
    for number, start in enumerate(range(0, count, block)):
        stop = min(start + block, count)
        decoded, exhausted = _decode_block(
            scorer,
            family,
            words[number],
            stop - start,
            _block_condition(model, condition, start, stop, block),
            block,
            progbar,
        )
        if not exhausted or _crc(decoded) != header["crc32"][number]:
            raise CompressionError(
                f"Events {start}..{stop - 1} decoded to data whose "
                f"checksum differs from the encoder's: this model "
                f"computed other probabilities than the encoder's "
                f"(another machine or library version), or the stream "
                f"was altered. Nothing was returned."
            )
        events.append(decoded)
    events = np.concatenate(events, axis=0)
    if return_condition:
        return events, condition
    return events


def _decode_block(scorer, family, words, count, condition, block, progbar):
    """The `count` events of one block from its ANS stream (padded rows
    write 0)."""
    ans = _coder().stream.stack.AnsCoder(words)

    def write(index, log_probs, positions):
        tables = _coder_probabilities(quantize_log_probs(log_probs[:count]))
        values = np.zeros(positions.shape, "int32")
        values[:count] = ans.decode(
            family, tables.reshape(-1, tables.shape[-1])
        ).reshape(count, -1)
        return values

    decoded = scorer.run(block, condition, write, progbar)[:count]
    return decoded, ans.is_empty()
