"""Compressing PNG images, WAV audio and text files with a model."""

import json
import os

import numpy as np

from keras_ar.compression.codec import decode
from keras_ar.compression.codec import encode
from keras_ar.compression.codec import read_header

#: Longest text window coded as one sequence (a text file is cut into
#: equal windows of at most this many bytes, coded side by side).
TEXT_WINDOW = 4096
#: Events the model runs at once when coding a file.
FILE_BLOCK_SIZE = 128
_TEXT_PAD = ord("\n")


def _png_values(model, path):
    from PIL import Image

    with Image.open(path) as image:
        mode = image.mode
        if mode == "1":
            image = image.convert("L")
            mode = "L"
        if mode not in ("L", "RGB"):
            raise ValueError(
                f"Expected a greyscale (L), black-and-white (1) or RGB PNG; "
                f"{path!r} has mode {mode}."
            )
        pixels = np.asarray(image)
    if pixels.ndim == 2:
        pixels = pixels[..., None]
    if tuple(pixels.shape) != tuple(model.event_shape):
        raise ValueError(
            f"{type(model).__name__} models images of shape "
            f"{tuple(model.event_shape)}; {path!r} has shape {pixels.shape}."
        )
    count = model.head.num_values
    scale = 1
    if count == 2 and set(np.unique(pixels)) <= {0, 255}:
        scale = 255
    elif pixels.max() >= count:
        raise ValueError(
            f"{type(model).__name__} models values 0..{count - 1}; "
            f"{path!r} holds values up to {int(pixels.max())}."
            + (
                " A 2-value model takes images of 0 and 255 only."
                if count == 2
                else ""
            )
        )
    meta = {"kind": "png", "mode": mode, "scale": scale}
    return (pixels // scale)[None].astype("int32"), meta


def _wav_values(model, path, mu_law):
    from scipy.io import wavfile

    rate, data = wavfile.read(path)
    data = np.asarray(data)
    if data.ndim == 1:
        data = data[:, None]
    channels = model.event_shape[-1]
    if not model.variable_length or data.shape[1] != channels:
        raise ValueError(
            f"{type(model).__name__} models sequences of shape "
            f"{tuple(model.event_shape)}; {path!r} has {data.shape[1]} "
            f"channel(s) and {len(data)} samples."
        )
    count = model.head.num_values
    meta = {"kind": "wav", "sample_rate": int(rate), "dtype": data.dtype.str}
    if mu_law:
        if not hasattr(model.head, "encode"):
            raise ValueError(
                f"--mu-law needs a MuLawCategorical head; "
                f"{type(model).__name__} has {type(model.head).__name__}."
            )
        from keras_ar.data import read_wav

        audio, _ = read_wav(path)
        meta["encoding"] = "mu_law"
        values = model.head.encode(audio.reshape(len(data), channels))
        return values[None].astype("int32"), meta
    if data.dtype == np.uint8 and count == 256:
        values = data.astype("int32")
    elif data.dtype == np.int16 and count == 65536:
        values = data.astype("int32") + 32768
    else:
        raise ValueError(
            f"Lossless coding needs WAV samples the model's {count} values "
            f"hold exactly: 8-bit WAV for 256 values, 16-bit for 65536. "
            f"{path!r} holds {data.dtype} samples. For a mu-law model, "
            f"--mu-law codes the mu-law codes of the audio (lossy "
            f"conversion first, then lossless)."
        )
    meta["encoding"] = "pcm"
    return values[None], meta


def _text_values(model, path, window=None):
    """A byte file as `rows` equal windows `(rows, width, 1)` of at most
    `window` bytes; the last window is padded with newlines (fewer than
    `rows` of them), and the metadata keeps the true length."""
    channels = model.event_shape[-1]
    if (
        not model.variable_length
        or channels != 1
        or model.head.num_values != 256
    ):
        raise ValueError(
            "Text is coded byte by byte with a one-channel sequence model "
            "over 256 values (e.g. `keras-ar train wavenet --data "
            f"shakespeare`); {type(model).__name__} models events of shape "
            f"{tuple(model.event_shape)} with {model.head.num_values} values."
        )
    with open(path, "rb") as f:
        raw = np.frombuffer(f.read(), dtype=np.uint8)
    if raw.size == 0:
        raise ValueError(f"{path!r} is empty: there is nothing to compress.")
    rows = -(-raw.size // (window or TEXT_WINDOW))
    width = -(-raw.size // rows)
    values = np.full(rows * width, _TEXT_PAD, "int32")
    values[: raw.size] = raw
    meta = {"kind": "text", "length": int(raw.size)}
    return values.reshape(rows, width, 1), meta


def compress_file(model, in_path, out_path, mu_law=False, progress=False):
    """Compresses a PNG image, a WAV file or a text file into `out_path`.

    A PNG must have the model's event shape and values the head models
    (0..255 for 256 values; 0 and 255, or 0 and 1, for 2). A WAV must
    hold samples the model's values hold exactly (8-bit for 256 values,
    16-bit for 65536); `mu_law=True` instead codes the mu-law codes of the
    audio (lossy, then lossless) with a `MuLawCategorical` model.

    Args:
        model: an `AutoregressiveModel` with a discrete head.
        in_path: a `.png`, `.wav` or text file.
        out_path: the compressed stream's path.
        mu_law: code a WAV's mu-law codes.
        progress: show a progress bar.

    Returns:
        A dict: input bytes, compressed bytes, values, bits per value.
    """
    suffix = os.path.splitext(in_path)[1].lower()
    if not os.path.isfile(in_path):
        raise FileNotFoundError(f"No such file: {in_path!r}.")
    if suffix == ".png":
        values, meta = _png_values(model, in_path)
    elif suffix == ".wav":
        values, meta = _wav_values(model, in_path, mu_law)
    else:
        values, meta = _text_values(model, in_path)
    data = encode(
        model,
        values,
        block_size=min(len(values), FILE_BLOCK_SIZE),
        progress=progress,
        metadata=meta,
    )
    with open(out_path, "wb") as f:
        f.write(data)
    count = meta.get("length", int(values.size))  # text: without padding
    return {
        "input_bytes": os.path.getsize(in_path),
        "compressed_bytes": len(data),
        "values": count,
        "bits_per_value": 8 * len(data) / count,
    }


def decompress_file(model, in_path, out_path, progress=False):
    """Decodes a stream from `compress_file` and writes the PNG, WAV or
    text file.

    Returns:
        A dict: compressed bytes, output path, the file kind.
    """
    with open(in_path, "rb") as f:
        data = f.read()
    meta = read_header(data).get("metadata") or {}
    values = decode(model, data, progress=progress)
    kind = meta.get("kind")
    if kind == "text":
        raw = values.reshape(-1)[: meta["length"]].astype(np.uint8)
        with open(out_path, "wb") as f:
            f.write(raw.tobytes())
        return {"compressed_bytes": len(data), "output": out_path, "kind": kind}
    values = values[0]
    if kind == "png":
        from PIL import Image

        pixels = (values * meta["scale"]).astype("uint8")
        if meta["mode"] == "L":
            pixels = pixels[..., 0]
        Image.fromarray(pixels, mode=meta["mode"]).save(out_path)
    elif kind == "wav":
        from scipy.io import wavfile

        if meta["encoding"] == "mu_law":
            from keras_ar.data import write_wav

            write_wav(out_path, model.head.decode(values), meta["sample_rate"])
        else:
            dtype = np.dtype(meta["dtype"])
            samples = values - (32768 if dtype == np.int16 else 0)
            samples = samples.astype(dtype)
            wavfile.write(
                out_path,
                meta["sample_rate"],
                samples[:, 0] if samples.shape[1] == 1 else samples,
            )
    else:
        raise ValueError(
            f"The stream holds no file description (metadata "
            f"{json.dumps(meta)}); decode it with keras_ar.compression.decode."
        )
    return {"compressed_bytes": len(data), "output": out_path, "kind": kind}
