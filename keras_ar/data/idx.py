"""Reader and writer for the IDX format of the MNIST family of datasets.

IDX (http://yann.lecun.com/exdb/mnist/): a 4-byte magic number - two zero
bytes, a type code, the number of dimensions - then one big-endian uint32 per
dimension, then the values in C order, big-endian.
"""

import gzip
import os

import numpy as np

# IDX type code -> big-endian NumPy dtype.
_DTYPES = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_GZIP_MAGIC = b"\x1f\x8b"


def read_idx(path, expected_shape=None):
    """Reads an IDX file, plain or gzip-compressed, into a NumPy array.

    Compression is detected from the content (gzip magic bytes), not the file
    name. The header is validated: the magic number must start with two zero
    bytes and carry a known type code, and the number of data bytes must equal
    the product of the dimensions times the item size.

    Args:
        path: Path of the `.idx`/`-ubyte` file, optionally gzip-compressed.
        expected_shape: If given, the dimensions the file must declare.

    Returns:
        A writable, native-endian NumPy array with the declared shape and
        type (uint8 for the MNIST family).

    Raises:
        FileNotFoundError: If `path` does not exist.
        ValueError: If the file is not valid IDX, is truncated or has extra
            bytes, or its dimensions differ from `expected_shape`.

    Example:

    >>> import os, tempfile
    >>> import numpy as np
    >>> path = os.path.join(tempfile.mkdtemp(), "x-idx3-ubyte.gz")
    >>> write_idx(path, np.arange(6, dtype=np.uint8).reshape(1, 2, 3))
    >>> read_idx(path, expected_shape=(1, 2, 3))
    array([[[0, 1, 2],
            [3, 4, 5]]], dtype=uint8)
    """
    path = os.fspath(path)
    with open(path, "rb") as file:
        compressed = file.read(2) == _GZIP_MAGIC
    opener = gzip.open if compressed else open
    with opener(path, "rb") as file:
        data = file.read()
    return _parse_idx(data, path, expected_shape)


def write_idx(path, array):
    """Writes an array as an IDX file, gzip-compressed if `path` ends in .gz.

    Args:
        path: Destination path.
        array: Array of dtype uint8, int8, int16, int32, float32 or float64
            with at least one dimension.

    Returns:
        None.

    Raises:
        ValueError: If the dtype has no IDX type code or the array is 0-d.

    Example:

    >>> import os, tempfile
    >>> import numpy as np
    >>> path = os.path.join(tempfile.mkdtemp(), "labels-idx1-ubyte")
    >>> write_idx(path, np.array([7, 2, 1], dtype=np.uint8))
    >>> open(path, "rb").read(8).hex()
    '0000080100000003'
    """
    array = np.asarray(array)
    codes = {dtype.newbyteorder("="): code for code, dtype in _DTYPES.items()}
    code = codes.get(array.dtype.newbyteorder("="))
    if code is None:
        raise ValueError(
            "write_idx supports dtypes "
            f"{sorted(str(d.newbyteorder('=')) for d in codes)}; received "
            f"{array.dtype}."
        )
    if array.ndim == 0:
        raise ValueError("write_idx needs an array with at least 1 dimension.")
    header = bytes([0, 0, code, array.ndim])
    header += np.asarray(array.shape, dtype=">u4").tobytes()
    payload = np.ascontiguousarray(array, dtype=_DTYPES[code]).tobytes()
    opener = gzip.open if os.fspath(path).endswith(".gz") else open
    with opener(path, "wb") as file:
        file.write(header + payload)


def _parse_idx(data, name, expected_shape):
    if len(data) < 4:
        raise ValueError(
            f"{name} is not an IDX file: {len(data)} bytes is shorter than "
            "the 4-byte magic number."
        )
    magic = int.from_bytes(data[:4], "big")
    if data[0] != 0 or data[1] != 0:
        raise ValueError(
            f"{name} is not an IDX file: magic number 0x{magic:08x} must "
            "start with two zero bytes (e.g. 0x00000803 for uint8 images)."
        )
    code, ndim = data[2], data[3]
    if code not in _DTYPES:
        known = ", ".join(f"0x{c:02x}" for c in _DTYPES)
        raise ValueError(
            f"{name}: unknown IDX type code 0x{code:02x} in magic number "
            f"0x{magic:08x}; expected one of {known}."
        )
    if ndim == 0:
        raise ValueError(f"{name}: IDX header declares 0 dimensions.")
    header_size = 4 + 4 * ndim
    if len(data) < header_size:
        raise ValueError(
            f"{name}: truncated IDX header: {ndim} dimensions need "
            f"{header_size} header bytes, the file has {len(data)}."
        )
    shape = tuple(
        int(d) for d in np.frombuffer(data[4:header_size], dtype=">u4")
    )
    if expected_shape is not None and shape != tuple(expected_shape):
        raise ValueError(
            f"{name}: IDX dimensions {shape} differ from the expected "
            f"{tuple(expected_shape)}."
        )
    dtype = _DTYPES[code]
    expected_bytes = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    received_bytes = len(data) - header_size
    if received_bytes != expected_bytes:
        raise ValueError(
            f"{name}: IDX dimensions {shape} of {dtype.newbyteorder('=')} "
            f"need {expected_bytes} data bytes; the file has "
            f"{received_bytes}."
        )
    array = np.frombuffer(data, dtype=dtype, offset=header_size)
    return array.reshape(shape).astype(dtype.newbyteorder("="))
