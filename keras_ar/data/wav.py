"""WAV files as float32 samples: `read_wav` and `write_wav`.

scipy (for `scipy.io.wavfile`) is imported only when a WAV file is read or
written.
"""

import numbers
import os

import numpy as np

from keras_ar.data.errors import DataSourceError

SCIPY_INSTALL = "pip install scipy"


def read_wav(path):
    """Reads a WAV file as float32 samples in [-1, 1].

    Integer PCM is scaled by its full range: int16 by 1/32768, int32 (also
    24-bit files, which scipy left-aligns in int32) by 1/2**31, unsigned
    8-bit as `(x - 128) / 128`. Float WAVs are returned as float32, clipped
    to [-1, 1].

    Args:
        path: Path of the `.wav` file (str or path-like).

    Returns:
        `(audio, sample_rate)`: `audio` is a float32 NumPy array of shape
        (time,) for mono files and (time, channels) otherwise;
        `sample_rate` is an int in Hz.

    Raises:
        FileNotFoundError: If `path` does not exist.
        ValueError: If the file is not a readable WAV file, or holds an
            unsupported sample type or NaN samples.
        DataSourceError: If scipy is not installed.

    Example:

    >>> import os, tempfile
    >>> import numpy as np
    >>> path = os.path.join(tempfile.mkdtemp(), "tone.wav")
    >>> write_wav(path, np.array([0.0, 0.5, -0.5, -1.0]), 8000)
    >>> read_wav(path)
    (array([ 0. ,  0.5, -0.5, -1. ], dtype=float32), 8000)
    """
    wavfile = _wavfile()
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"WAV file not found: {path!r}.")
    try:
        sample_rate, data = wavfile.read(path)
    except Exception as error:
        raise ValueError(
            f"Could not read {path!r} as a WAV file: {error}"
        ) from error
    return _to_float32(np.asarray(data), path), int(sample_rate)


def write_wav(path, audio, sample_rate):
    """Writes audio as a 16-bit PCM WAV file.

    Float input is clipped to [-1, 1] and scaled by 32768 (rounded, with
    +1.0 stored as 32767), so `read_wav` returns float input that is a
    multiple of 1/32768 exactly, and any other value within 1/65536.
    int16 input is written unchanged.

    Args:
        path: Destination path (str or path-like); its directory must exist.
        audio: Samples: a float array (values outside [-1, 1] are clipped)
            or an int16 array, of shape (time,) for mono or
            (time, channels).
        sample_rate: Sample rate in Hz, a positive integer.

    Raises:
        ValueError: If `audio` is not 1-D or 2-D, has another dtype, holds
            NaN, or `sample_rate` is not a positive integer.
        DataSourceError: If scipy is not installed.

    Example:

    >>> import os, tempfile
    >>> import numpy as np
    >>> path = os.path.join(tempfile.mkdtemp(), "clipped.wav")
    >>> write_wav(path, np.array([2.0, -2.0, 0.25], np.float32), 16000)
    >>> audio, rate = read_wav(path)
    >>> audio.tolist(), rate
    ([0.999969482421875, -1.0, 0.25], 16000)
    """
    if (
        isinstance(sample_rate, bool)
        or not isinstance(sample_rate, numbers.Integral)
        or sample_rate <= 0
    ):
        raise ValueError(
            "sample_rate must be a positive integer (Hz); received "
            f"{sample_rate!r}."
        )
    audio = np.asarray(audio)
    if audio.ndim not in (1, 2):
        raise ValueError(
            "audio must have shape (time,) or (time, channels); received "
            f"shape {audio.shape}."
        )
    if audio.dtype == np.int16:
        pcm = audio
    elif np.issubdtype(audio.dtype, np.floating):
        if np.isnan(audio).any():
            raise ValueError(
                "audio must not contain NaN; received "
                f"{int(np.isnan(audio).sum())} NaN samples."
            )
        scaled = np.round(np.clip(audio.astype(np.float64), -1.0, 1.0) * 32768)
        pcm = np.clip(scaled, -32768, 32767).astype(np.int16)
    else:
        raise ValueError(
            "audio must be a float array in [-1, 1] or an int16 array; "
            f"received dtype {audio.dtype}."
        )
    _wavfile().write(os.fspath(path), int(sample_rate), pcm)


def _wavfile():
    """Imports scipy.io.wavfile, or raises DataSourceError."""
    try:
        from scipy.io import wavfile
    except ImportError as error:
        raise DataSourceError(
            "Reading and writing WAV files needs scipy, which is not "
            "installed.",
            install=SCIPY_INSTALL,
        ) from error
    return wavfile


def _to_float32(data, path):
    """Scales integer PCM (or clips float) samples to float32 in [-1, 1]."""
    if data.dtype == np.uint8:
        return ((data.astype(np.float32) - 128.0) / 128.0).astype(np.float32)
    if np.issubdtype(data.dtype, np.signedinteger):
        scale = -float(np.iinfo(data.dtype).min)
        return (data.astype(np.float64) / scale).astype(np.float32)
    if np.issubdtype(data.dtype, np.floating):
        if np.isnan(data).any():
            raise ValueError(f"WAV file {path!r} contains NaN samples.")
        return np.clip(data, -1.0, 1.0).astype(np.float32)
    raise ValueError(
        f"WAV file {path!r} holds unsupported samples of dtype {data.dtype}; "
        "expected uint8, int16, int32 or float."
    )
