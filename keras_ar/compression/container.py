"""The byte layout of a compressed stream, with its integrity checks."""

import json
import struct
import zlib

import numpy as np

#: First bytes of every stream.
MAGIC = b"KARZ"

#: Layout version written after the magic.
VERSION = 1


class CompressionError(ValueError):
    """A stream that cannot be decoded into the data it was made from:
    damaged, truncated, not a keras_ar stream, or for another model."""


def pack(header, condition, words):
    """Serializes one stream.

    Layout: `MAGIC`, version (1 byte), header length (4 bytes, little
    endian), the header as zlib-compressed UTF-8 JSON, the condition
    arrays' bytes (their dtypes and shapes are in the header), every
    block's ANS words (uint32, little endian), and a CRC-32 of everything
    before it (4 bytes).

    Args:
        header: JSON-able dict (the codec's metadata).
        condition: dict of NumPy arrays, or `None`.
        words: list of uint32 arrays, one per example.

    Returns:
        bytes.
    """
    header = dict(header)
    arrays = {
        key: np.ascontiguousarray(value)
        for key, value in sorted((condition or {}).items())
    }
    header["condition"] = {
        key: [value.dtype.str, list(value.shape)]
        for key, value in arrays.items()
    }
    condition_bytes = b"".join(value.tobytes() for value in arrays.values())
    header["words"] = [int(len(w)) for w in words]
    text = zlib.compress(json.dumps(header, sort_keys=True).encode(), 9)
    body = b"".join(
        [MAGIC, bytes([VERSION]), struct.pack("<I", len(text)), text]
        + [condition_bytes]
        + [np.asarray(w, "<u4").tobytes() for w in words]
    )
    return body + struct.pack("<I", zlib.crc32(body))


def _condition_size(description):
    return sum(
        np.dtype(dtype).itemsize * int(np.prod(shape))
        for dtype, shape in description.values()
    )


def unpack(data):
    """Parses and checks a stream from `pack`.

    Args:
        data: bytes.

    Returns:
        `(header, condition, words)`: condition is a dict of arrays or
        `None`, words a list of uint32 arrays.

    Raises:
        CompressionError: naming what is wrong (not a stream, another
            version, truncated, damaged).
    """
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise CompressionError(
            f"Expected the bytes of a compressed stream; received "
            f"{type(data).__name__}."
        )
    data = bytes(data)
    if len(data) < 13 or data[:4] != MAGIC:
        raise CompressionError(
            f"Not a keras_ar compressed stream: expected it to start with "
            f"{MAGIC!r}; received {data[:4]!r} ({len(data)} bytes)."
        )
    if data[4] != VERSION:
        raise CompressionError(
            f"Unsupported stream version {data[4]}; this keras_ar reads "
            f"version {VERSION}."
        )
    (length,) = struct.unpack("<I", data[5:9])
    try:
        header = json.loads(zlib.decompress(data[9 : 9 + length]).decode())
        expected = (
            9
            + length
            + _condition_size(header["condition"])
            + 4 * sum(header["words"])
            + 4
        )
    except (ValueError, KeyError, TypeError, zlib.error):
        expected = None
    if expected is None or len(data) != expected:
        raise CompressionError(
            f"The stream is truncated or damaged: expected "
            f"{expected if expected else 'a readable header and'} bytes, "
            f"received {len(data)}."
        )
    (crc,) = struct.unpack("<I", data[-4:])
    if zlib.crc32(data[:-4]) != crc:
        raise CompressionError(
            "The stream is damaged: its CRC-32 does not match its bytes."
        )
    offset = 9 + length
    condition = None
    if header["condition"]:
        condition = {}
        for key, (dtype, shape) in sorted(header["condition"].items()):
            dtype = np.dtype(dtype)
            stop = offset + dtype.itemsize * int(np.prod(shape))
            condition[key] = np.frombuffer(data[offset:stop], dtype).reshape(
                shape
            )
            offset = stop
    words = []
    for count in header["words"]:
        stop = offset + 4 * count
        words.append(np.frombuffer(data[offset:stop], "<u4").astype("uint32"))
        offset = stop
    return header, condition, words
