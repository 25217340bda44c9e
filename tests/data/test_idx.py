"""Tests for keras_ar.data.read_idx / write_idx."""

import gzip

import numpy as np
import pytest

from keras_ar.data import read_idx
from keras_ar.data import write_idx


@pytest.mark.parametrize(
    "dtype", ["uint8", "int8", "int16", "int32", "float32", "float64"]
)
@pytest.mark.parametrize("name", ["x-idx", "x-idx.gz"])
def test_round_trip(dtype, name, tmp_path):
    array = (np.arange(24) - 5).reshape(2, 3, 4).astype(dtype)
    write_idx(tmp_path / name, array)
    result = read_idx(tmp_path / name, expected_shape=(2, 3, 4))
    assert result.dtype == np.dtype(dtype)
    assert result.dtype.isnative
    assert result.flags.writeable
    np.testing.assert_array_equal(result, array)


def test_header_layout(tmp_path):
    write_idx(tmp_path / "a", np.zeros((2, 3), np.int16))
    data = (tmp_path / "a").read_bytes()
    assert data[:12] == bytes([0, 0, 0x0B, 2, 0, 0, 0, 2, 0, 0, 0, 3])
    assert len(data) == 12 + 2 * 3 * 2


def test_gzip_detected_by_content(tmp_path):
    # A gzip file without .gz suffix is still read.
    path = tmp_path / "labels-idx1-ubyte"
    with gzip.open(path, "wb") as file:
        file.write(bytes([0, 0, 8, 1, 0, 0, 0, 2, 7, 9]))
    assert read_idx(path).tolist() == [7, 9]


def _write(tmp_path, data):
    path = tmp_path / "bad-idx"
    path.write_bytes(bytes(data))
    return path


@pytest.mark.parametrize(
    "data,message",
    [
        ([0, 0], "shorter than the 4-byte magic"),
        ([1, 0, 8, 1, 0, 0, 0, 1, 5], "magic number 0x01000801"),
        ([0, 0, 7, 1, 0, 0, 0, 1, 5], "unknown IDX type code 0x07"),
        ([0, 0, 8, 0], "0 dimensions"),
        ([0, 0, 8, 2, 0, 0, 0, 1], "truncated IDX header"),
        ([0, 0, 8, 1, 0, 0, 0, 3, 1, 2], r"need 3 data bytes; the file has 2"),
        ([0, 0, 8, 1, 0, 0, 0, 1, 1, 2], r"need 1 data bytes; the file has 2"),
    ],
)
def test_invalid_files(data, message, tmp_path):
    with pytest.raises(ValueError, match=message):
        read_idx(_write(tmp_path, data))


def test_expected_shape_mismatch(tmp_path):
    write_idx(tmp_path / "x", np.zeros((4, 2), np.uint8))
    with pytest.raises(ValueError, match=r"\(4, 2\) differ from the expected"):
        read_idx(tmp_path / "x", expected_shape=(4, 3))


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        read_idx(tmp_path / "missing")


def test_write_rejects_unsupported(tmp_path):
    with pytest.raises(ValueError, match="received int64"):
        write_idx(tmp_path / "x", np.zeros(3, np.int64))
    with pytest.raises(ValueError, match="at least 1 dimension"):
        write_idx(tmp_path / "x", np.uint8(3))
