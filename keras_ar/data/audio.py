"""Offline audio: recorded speech and music, and segmenting clips.

Speech is the English prompt set of the Asterisk PBX (one female voice,
568 clips, 25.5 minutes) from the Debian package
`asterisk-core-sounds-en-wav`; music is Asterisk's music-on-hold set (5
tracks, 18.4 minutes) from `asterisk-moh-opsound-wav`. Both are 8 kHz mono
16-bit WAV files; nothing is downloaded. The loaders verify the number of
files, a SHA-256 over their sorted (relative name, byte size) manifest, the
sample rate and the channel count, and raise `DataSourceError` naming the
apt package when a source is missing or different. WAV files are read
by `keras_ar.data.wav.read_wav`.
"""

import functools
import hashlib
import math
import numbers
import os

import numpy as np

from keras_ar.data import _validation
from keras_ar.data.errors import DataSourceError
from keras_ar.data.wav import read_wav

SPEECH_SAMPLE_RATE = 8000

SPEECH_INSTALL = "apt-get install asterisk-core-sounds-en-wav"
MUSIC_INSTALL = "apt-get install asterisk-moh-opsound-wav"

# `en` is a Debian alternatives symlink to the installed voice
# (en_US_f_Allison); the voice directory itself is the fallback.
SPEECH_DIRS = (
    "/usr/share/asterisk/sounds/en",
    "/usr/share/asterisk/sounds/en_US_f_Allison",
)
MUSIC_DIRS = ("/usr/share/asterisk/moh",)

SPEECH_NUM_FILES = 568
MUSIC_NUM_FILES = 5

# SHA-256 of the manifest of `.wav` files under the source directory (links
# followed): one line "relative/posix/path<TAB>byte size<LF>" per file, in
# sorted order. Recorded from asterisk-core-sounds-en-wav and
# asterisk-moh-opsound-wav as shipped by Debian; other formats of the same
# sounds (.gsm, .ulaw, ...) installed beside them are ignored.
SPEECH_MANIFEST_SHA256 = (
    "e174ff1ac32aeeab70102092a45c0d17895a5d60e8a7019d648e9096605ea488"
)
MUSIC_MANIFEST_SHA256 = (
    "70579a869b5113ae828f6988da0ae9c4832f781382fdab4386009b08fc52c8f8"
)

AUDIO_SPLITS = ("train", "test", "all")


def load_speech(split="train", data_dir=None):
    """Loads recorded English speech: the 568 Asterisk voice prompts.

    One female voice (Allison) reading telephone prompts, digits, letters
    and the phonetic alphabet, 8 kHz mono, 25.5 minutes in all, from the
    Debian package `asterisk-core-sounds-en-wav` (subdirectories such as
    `digits/` and `letters/` included). Clips are sorted by relative path;
    every 10th clip in that order (index % 10 == 9, 56 clips) is the test
    split and the other 512 are the train split. The file manifest, sample
    rate and channel count are verified, and the clips are cached per
    process.

    Args:
        split: "train" (512 clips), "test" (56 clips) or "all" (568).
        data_dir: Directory holding the prompts; by default
            `/usr/share/asterisk/sounds/en` (or the voice directory it
            links to).

    Returns:
        A list of read-only float32 NumPy arrays of shape (time,), values in
        [-1, 1], sampled at `SPEECH_SAMPLE_RATE` (8000 Hz).

    Raises:
        ValueError: If `split` is not "train", "test" or "all".
        DataSourceError: If the package is missing or its files fail
            verification; the message says what to install.

    Example:

    >>> clips = load_speech("test")
    >>> len(clips), clips[0].dtype, clips[0].ndim
    (56, dtype('float32'), 1)
    """
    _check_split(split)
    what = "Asterisk speech prompts"
    root = _find_source(data_dir, SPEECH_DIRS, what, SPEECH_INSTALL)
    clips = _read_clips(
        root, SPEECH_NUM_FILES, SPEECH_MANIFEST_SHA256, what, SPEECH_INSTALL
    )
    if split == "all":
        return list(clips)
    test = split == "test"
    return [clip for i, clip in enumerate(clips) if (i % 10 == 9) == test]


def load_music(split="train", data_dir=None):
    """Loads music: the 5 Asterisk music-on-hold tracks (18.4 minutes).

    Creative-Commons electronic music by macroform, Manolo Camp and Reno
    Project, 8 kHz mono, from the Debian package `asterisk-moh-opsound-wav`,
    sorted by file name. With only 5 tracks, the split is within each
    track: its first 90 % (`len * 9 // 10` samples) is the train split and
    the rest the test split, so both splits hold all 5 tracks. The file
    manifest, sample rate and channel count are verified, and the tracks
    are cached per process.

    Args:
        split: "train", "test" or "all" (the whole tracks).
        data_dir: Directory holding the tracks; by default
            `/usr/share/asterisk/moh`.

    Returns:
        A list of 5 read-only float32 NumPy arrays of shape (time,), values
        in [-1, 1], sampled at `SPEECH_SAMPLE_RATE` (8000 Hz).

    Raises:
        ValueError: If `split` is not "train", "test" or "all".
        DataSourceError: If the package is missing or its files fail
            verification; the message says what to install.

    Example:

    >>> train, test = load_music("train"), load_music("test")
    >>> len(train), len(test), len(train[0]) + len(test[0])
    (5, 5, 1954191)
    """
    _check_split(split)
    what = "Asterisk music on hold"
    root = _find_source(data_dir, MUSIC_DIRS, what, MUSIC_INSTALL)
    tracks = _read_clips(
        root, MUSIC_NUM_FILES, MUSIC_MANIFEST_SHA256, what, MUSIC_INSTALL
    )
    if split == "all":
        return list(tracks)
    cuts = [len(track) * 9 // 10 for track in tracks]
    if split == "train":
        return [track[:cut] for track, cut in zip(tracks, cuts)]
    return [track[cut:] for track, cut in zip(tracks, cuts)]


def audio_segments(clips, length, hop=None, min_rms=0.0):
    """Cuts fixed-length windows from audio clips (WaveNet training batches).

    Windows start at 0, `hop`, `2 * hop`, ... in each clip and end inside
    it (no padding); clips shorter than `length` give no window. Windows
    whose root-mean-square amplitude is below `min_rms` (near-silence) are
    dropped.

    Args:
        clips: A list of 1-D arrays (e.g. from `load_speech`) or one 1-D
            array.
        length: Window length in samples, a positive integer.
        hop: Step between window starts, a positive integer; defaults to
            `length` (non-overlapping windows).
        min_rms: Drop windows with RMS below this (>= 0; 0 keeps all).

    Returns:
        A float32 NumPy array of shape (num_windows, length), windows in
        clip order, then time order.

    Raises:
        ValueError: If `length`, `hop` or `min_rms` is invalid, or a clip
            is not 1-D.

    Example:

    >>> import numpy as np
    >>> clip = np.array([0.0, 0.0, 0.5, -0.5, 0.2, 0.1, 0.3])
    >>> audio_segments([clip], length=2)
    array([[ 0. ,  0. ],
           [ 0.5, -0.5],
           [ 0.2,  0.1]], dtype=float32)
    >>> audio_segments(clip, length=2, hop=3, min_rms=0.1)
    array([[-0.5,  0.2]], dtype=float32)
    """
    _check_positive_int(length, "length")
    hop = length if hop is None else hop
    _check_positive_int(hop, "hop")
    if (
        isinstance(min_rms, bool)
        or not isinstance(min_rms, numbers.Real)
        or not math.isfinite(min_rms)
        or min_rms < 0
    ):
        raise ValueError(
            f"min_rms must be a finite number >= 0; received {min_rms!r}."
        )
    if isinstance(clips, np.ndarray) and clips.ndim == 1:
        clips = [clips]
    windows = []
    for index, clip in enumerate(clips):
        clip = np.asarray(clip, np.float32)
        if clip.ndim != 1:
            raise ValueError(
                "Each clip must be 1-D (mono, shape (time,)); received shape "
                f"{clip.shape} for clip {index}."
            )
        if len(clip) < length:
            continue
        view = np.lib.stride_tricks.sliding_window_view(clip, length)[::hop]
        if min_rms > 0:
            rms = np.sqrt(np.mean(np.square(view, dtype=np.float64), axis=1))
            view = view[rms >= min_rms]
        windows.append(view)
    if not windows:
        return np.zeros((0, length), np.float32)
    return np.concatenate(windows).astype(np.float32, copy=False)


def _check_split(split):
    """Returns `split` if it is "train", "test" or "all"."""
    if not isinstance(split, str) or split not in AUDIO_SPLITS:
        raise ValueError(
            f"split must be one of {AUDIO_SPLITS}; received {split!r}."
        )
    return split


def _check_positive_int(value, name):
    """Raises ValueError unless `value` is a positive integer."""
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Integral)
        or value < 1
    ):
        raise ValueError(
            f"{name} must be a positive integer; received {value!r}."
        )


def _find_source(data_dir, default_dirs, what, install):
    """The first existing directory of `default_dirs` (or `data_dir`)."""
    candidates = default_dirs if data_dir is None else (os.fspath(data_dir),)
    for candidate in candidates:
        if os.path.isdir(candidate):
            return os.path.realpath(candidate)
    raise DataSourceError(
        f"{what} not found: none of {list(candidates)} is a directory.",
        install=install,
    )


def _manifest(root):
    """Sorted (relative posix path, byte size) of the `.wav` files."""
    rows = []
    for directory, _, names in os.walk(root, followlinks=True):
        for name in names:
            if name.lower().endswith(".wav"):
                path = os.path.join(directory, name)
                relative = os.path.relpath(path, root).replace(os.sep, "/")
                rows.append((relative, os.path.getsize(path)))
    return sorted(rows)


@functools.cache
def _read_clips(root, num_files, manifest_sha256, what, install):
    """Verifies and reads every clip under `root`; cached, read-only."""
    rows = _manifest(root)
    if len(rows) != num_files:
        raise DataSourceError(
            f"{what} in {root} failed verification: expected {num_files} "
            f".wav files, found {len(rows)}.",
            install=install,
        )
    text = "".join(f"{name}\t{size}\n" for name, size in rows)
    actual = hashlib.sha256(text.encode("utf-8")).hexdigest()
    if actual != manifest_sha256:
        raise DataSourceError(
            f"{what} in {root} failed verification: file manifest SHA-256 "
            f"{actual} does not match the expected {manifest_sha256}; the "
            "source is corrupt or a different version.",
            install=install,
        )
    clips = []
    for name, _ in rows:
        path = os.path.join(root, *name.split("/"))
        try:
            audio, rate = read_wav(path)
        except (OSError, ValueError) as error:
            raise DataSourceError(
                f"{what}: could not read {path}: {error}", install=install
            ) from error
        if rate != SPEECH_SAMPLE_RATE or audio.ndim != 1:
            channels = 1 if audio.ndim == 1 else audio.shape[1]
            raise DataSourceError(
                f"{what} failed verification: expected mono audio at "
                f"{SPEECH_SAMPLE_RATE} Hz, received {channels} channel(s) at "
                f"{rate} Hz in {path}.",
                install=install,
            )
        clips.append(_validation.read_only(audio))
    return tuple(clips)
