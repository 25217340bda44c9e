"""Tests for keras_ar.data.audio: WAV I/O, speech, music and segmenting."""

import doctest
import hashlib
import os
import shutil
import sys
import tempfile

import numpy as np
import pytest
from scipy.io import wavfile

from keras_ar.data import SPEECH_SAMPLE_RATE
from keras_ar.data import DataSourceError
from keras_ar.data import audio as audio_module
from keras_ar.data import audio_segments
from keras_ar.data import load_music
from keras_ar.data import load_speech
from keras_ar.data import read_wav
from keras_ar.data import wav as wav_module
from keras_ar.data import write_wav

SPEECH_MANIFEST_SHA256 = (
    "e174ff1ac32aeeab70102092a45c0d17895a5d60e8a7019d648e9096605ea488"
)
MUSIC_MANIFEST_SHA256 = (
    "70579a869b5113ae828f6988da0ae9c4832f781382fdab4386009b08fc52c8f8"
)
MUSIC_LENGTHS = [1954191, 1509854, 2232088, 584771, 2573886]


def _wav(tmp_path, name, rate, data):
    path = os.path.join(tmp_path, name)
    wavfile.write(path, rate, data)
    return path


# --- read_wav / write_wav -------------------------------------------------


def test_round_trip_float_mono(tmp_path):
    rng = np.random.default_rng(0)
    audio = rng.uniform(-1, 1, 1000).astype(np.float32)
    path = tmp_path / "x.wav"
    write_wav(path, audio, 8000)
    back, rate = read_wav(path)
    assert rate == 8000 and back.dtype == np.float32 and back.shape == (1000,)
    np.testing.assert_allclose(back, audio, atol=1 / 65536 + 1e-9)


def test_round_trip_exact_on_the_int16_grid(tmp_path):
    audio = np.arange(-32768, 32768, 7, dtype=np.int16)
    path = tmp_path / "grid.wav"
    write_wav(path, audio.astype(np.float64) / 32768, 16000)
    back, _ = read_wav(path)
    np.testing.assert_array_equal(back, audio / np.float32(32768))
    _, raw = wavfile.read(path)
    assert raw.dtype == np.int16
    np.testing.assert_array_equal(raw, audio)


def test_round_trip_int16_stereo(tmp_path):
    audio = np.array([[0, 100], [-32768, 32767], [5, -5]], np.int16)
    path = tmp_path / "stereo.wav"
    write_wav(path, audio, 44100)
    back, rate = read_wav(path)
    assert rate == 44100 and back.shape == (3, 2)
    np.testing.assert_array_equal(back * 32768, audio)


def test_write_clips_floats(tmp_path):
    path = tmp_path / "clip.wav"
    write_wav(path, [3.0, -3.0, 1.0, -1.0], 8000)
    _, raw = wavfile.read(path)
    assert raw.tolist() == [32767, -32768, 32767, -32768]


@pytest.mark.parametrize(
    "dtype,data,expected",
    [
        (np.uint8, [0, 128, 255], [-1.0, 0.0, 127 / 128]),
        (np.int16, [-32768, 0, 16384], [-1.0, 0.0, 0.5]),
        (np.int32, [-(2**31), 0, 2**30], [-1.0, 0.0, 0.5]),
        (np.float32, [-2.0, 0.25, 1.5], [-1.0, 0.25, 1.0]),
    ],
)
def test_read_sample_types(tmp_path, dtype, data, expected):
    path = _wav(tmp_path, "t.wav", 22050, np.array(data, dtype))
    audio, rate = read_wav(path)
    assert rate == 22050 and audio.dtype == np.float32
    np.testing.assert_allclose(audio, expected)


def test_read_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.wav"):
        read_wav(tmp_path / "nope.wav")


def test_read_bad_file(tmp_path):
    path = tmp_path / "bad.wav"
    path.write_bytes(b"not a wav file at all")
    with pytest.raises(ValueError, match="Could not read .*bad.wav"):
        read_wav(path)


def test_read_nan_float_wav(tmp_path):
    path = _wav(tmp_path, "nan.wav", 8000, np.array([0.0, np.nan], "<f4"))
    with pytest.raises(ValueError, match="NaN"):
        read_wav(path)


@pytest.mark.parametrize(
    "audio,rate,match",
    [
        (np.zeros((2, 2, 2)), 8000, r"\(time,\).*received shape \(2, 2, 2\)"),
        (np.float32(0.5), 8000, r"received shape \(\)"),
        (np.array([0.0, np.nan]), 8000, "NaN"),
        (np.zeros(4, np.int32), 8000, "int16 array; received dtype int32"),
        (np.zeros(4), 0, "positive integer .*received 0"),
        (np.zeros(4), 8000.0, "received 8000.0"),
        (np.zeros(4), True, "received True"),
    ],
)
def test_write_bad_inputs(tmp_path, audio, rate, match):
    with pytest.raises(ValueError, match=match):
        write_wav(tmp_path / "bad.wav", audio, rate)
    assert not (tmp_path / "bad.wav").exists()


# --- load_speech -----------------------------------------------------------


def test_speech_counts_and_format():
    everything = load_speech("all")
    train, test = load_speech("train"), load_speech("test")
    assert (len(everything), len(train), len(test)) == (568, 512, 56)
    assert SPEECH_SAMPLE_RATE == 8000
    for clip in everything:
        assert clip.dtype == np.float32 and clip.ndim == 1
        assert not clip.flags.writeable
    total = sum(len(clip) for clip in everything)
    assert 25 * 60 * 8000 < total < 26 * 60 * 8000  # 25.5 minutes
    peak = max(float(np.abs(clip).max()) for clip in everything)
    assert 0.1 < peak <= 1.0


def test_speech_split_is_every_tenth_file():
    everything = load_speech("all")
    train, test = load_speech("train"), load_speech("test")
    assert [id(c) for c in test] == [id(c) for c in everything[9::10]]
    in_test = {id(c) for c in test}
    assert [id(c) for c in train] == [
        id(c) for c in everything if id(c) not in in_test
    ]


def test_speech_reads_subdirectories_and_sorted_names():
    root = os.path.realpath("/usr/share/asterisk/sounds/en")
    rows = audio_module._manifest(root)
    names = [name for name, _ in rows]
    assert names == sorted(names)
    assert "digits/1.wav" in names and "letters/a.wav" in names
    text = "".join(f"{name}\t{size}\n" for name, size in rows)
    digest = hashlib.sha256(text.encode()).hexdigest()
    assert digest == SPEECH_MANIFEST_SHA256
    # The clips are the files in this order.
    _, first = wavfile.read(os.path.join(root, names[0]))
    np.testing.assert_array_equal(load_speech("all")[0] * 32768, first)


def test_speech_missing_package(monkeypatch, tmp_path):
    missing = (str(tmp_path / "nothing"),)
    monkeypatch.setattr(audio_module, "SPEECH_DIRS", missing)
    with pytest.raises(
        DataSourceError, match="apt-get install asterisk-core-sounds-en-wav"
    ):
        load_speech("train")
    with pytest.raises(DataSourceError, match="not found"):
        load_speech("train", data_dir=tmp_path / "nothing")


def test_speech_wrong_files_fail_verification(tmp_path):
    source = os.path.realpath("/usr/share/asterisk/sounds/en")
    root = tmp_path / "en"
    root.mkdir()
    names = sorted(audio_module._manifest(source))
    for name, _ in names[:3]:
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(os.path.join(source, name), target)
    with pytest.raises(DataSourceError, match="expected 568 .wav files"):
        load_speech("all", data_dir=root)


def test_speech_manifest_mismatch(monkeypatch):
    monkeypatch.setattr(audio_module, "SPEECH_MANIFEST_SHA256", "0" * 64)
    with pytest.raises(DataSourceError, match="manifest SHA-256") as error:
        load_speech("test")
    assert "asterisk-core-sounds-en-wav" in str(error.value)


def test_wrong_sample_rate_fails_verification(tmp_path):
    path = _wav(tmp_path, "a.wav", 16000, np.zeros(10, np.int16))
    text = f"a.wav\t{os.path.getsize(path)}\n"
    digest = hashlib.sha256(text.encode()).hexdigest()
    with pytest.raises(DataSourceError, match="8000 Hz, received 1 .*16000"):
        audio_module._read_clips.__wrapped__(
            str(tmp_path), 1, digest, "test audio", "apt-get install x"
        )


def test_bad_split():
    with pytest.raises(ValueError, match=r"'all'\); received 'valid'"):
        load_speech("valid")
    with pytest.raises(ValueError, match="received 'valid'"):
        load_music("valid")


# --- load_music ------------------------------------------------------------


def test_music_tracks_and_split():
    everything = load_music("all")
    train, test = load_music("train"), load_music("test")
    assert [len(t) for t in everything] == MUSIC_LENGTHS
    assert len(train) == len(test) == 5
    for whole, head, tail in zip(everything, train, test):
        assert whole.dtype == np.float32 and whole.ndim == 1
        assert len(head) == len(whole) * 9 // 10
        assert len(head) + len(tail) == len(whole)
        np.testing.assert_array_equal(np.concatenate([head, tail]), whole)
        assert not head.flags.writeable and not tail.flags.writeable
    minutes = sum(MUSIC_LENGTHS) / 8000 / 60
    assert 18 < minutes < 19


def test_music_missing_package(monkeypatch, tmp_path):
    monkeypatch.setattr(audio_module, "MUSIC_DIRS", (str(tmp_path / "x"),))
    with pytest.raises(
        DataSourceError, match="apt-get install asterisk-moh-opsound-wav"
    ):
        load_music()


def test_music_manifest_mismatch(monkeypatch):
    monkeypatch.setattr(audio_module, "MUSIC_MANIFEST_SHA256", "f" * 64)
    with pytest.raises(DataSourceError, match="asterisk-moh-opsound-wav"):
        load_music("test")


def test_music_manifest_pinned():
    root = os.path.realpath("/usr/share/asterisk/moh")
    rows = audio_module._manifest(root)
    text = "".join(f"{name}\t{size}\n" for name, size in rows)
    assert len(rows) == 5
    assert hashlib.sha256(text.encode()).hexdigest() == MUSIC_MANIFEST_SHA256


def test_missing_scipy(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "scipy.io", None)
    with pytest.raises(DataSourceError, match="pip install scipy"):
        write_wav(tmp_path / "x.wav", np.zeros(3), 8000)


# --- audio_segments --------------------------------------------------------


def test_segments_windows_and_hop():
    clip = np.arange(10, dtype=np.float32)
    out = audio_segments([clip], 4)
    np.testing.assert_array_equal(out, [[0, 1, 2, 3], [4, 5, 6, 7]])
    out = audio_segments([clip, np.ones(3)], 4, hop=3)
    np.testing.assert_array_equal(
        out, [[0, 1, 2, 3], [3, 4, 5, 6], [6, 7, 8, 9]]
    )
    assert out.dtype == np.float32


def test_segments_skip_short_and_silent():
    loud = np.full(6, 0.5)
    quiet = np.full(6, 0.001)
    out = audio_segments([quiet, np.ones(2), loud], 3, min_rms=0.01)
    np.testing.assert_allclose(out, np.full((2, 3), 0.5))
    assert audio_segments([np.ones(2)], 3).shape == (0, 3)


def test_segments_on_real_speech():
    clips = load_speech("train")
    every = audio_segments(clips, 4000)
    voiced = audio_segments(clips, 4000, min_rms=0.01)
    assert every.shape[1] == 4000 and every.dtype == np.float32
    assert 0 < len(voiced) < len(every)
    expected = sum(len(c) // 4000 for c in clips)
    assert len(every) == expected


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"length": 0}, "length must be a positive integer; received 0"),
        ({"length": 2.0}, "received 2.0"),
        ({"length": 2, "hop": -1}, "hop must be a positive .*received -1"),
        ({"length": 2, "min_rms": -0.1}, "min_rms .*received -0.1"),
        ({"length": 2, "min_rms": float("nan")}, "received nan"),
    ],
)
def test_segments_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        audio_segments([np.zeros(8)], **kwargs)


def test_segments_rejects_stereo_clips():
    with pytest.raises(ValueError, match=r"received shape \(8, 2\)"):
        audio_segments([np.zeros((8, 2))], 2)


def test_docstring_examples(monkeypatch, tmp_path):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    for module in (audio_module, wav_module):
        result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
        assert result.attempted > 0 and result.failed == 0
