"""Input-complexity OOD score (Serra et al. 2020) and code lengths."""

import bz2
import io
import lzma
import math
import zlib

import numpy as np

COMPRESSORS = ("png", "webp", "zlib", "bz2", "lzma")

#: The compressors that take images only.
IMAGE_COMPRESSORS = ("png", "webp")

_BYTE_COMPRESSORS = {
    "zlib": lambda data: zlib.compress(data, 9),
    "bz2": lambda data: bz2.compress(data, 9),
    "lzma": lambda data: lzma.compress(data, preset=9 | lzma.PRESET_EXTREME),
}

_PNG_MODES = {1: "L", 3: "RGB", 4: "RGBA"}


def _as_integers(x):
    """`x` as the narrowest unsigned integer array that holds it exactly,
    or float32 for other values."""
    x = np.asarray(x)
    if x.size == 0 or not np.all(np.isfinite(x)):
        return x.astype("float32")
    if np.all(np.mod(x, 1) == 0) and x.min() >= 0:
        if x.max() <= 255:
            return x.astype("uint8")
        if x.max() <= 65535:
            return x.astype("uint16")
    return x.astype("float32")


def _png_bytes(image):
    from PIL import Image

    if image.dtype == np.uint16:
        if image.shape[-1] != 1:
            raise ValueError(
                "PNG stores values above 255 only for one channel. Received "
                f"{image.shape[-1]} channels with values up to {image.max()}."
            )
        pil = Image.fromarray(image[..., 0])  # 16-bit grey, "I;16"
    else:
        pil = Image.fromarray(image[..., 0] if image.shape[-1] == 1 else image)
    buffer = io.BytesIO()
    pil.save(buffer, format="PNG", optimize=True, compress_level=9)
    return buffer.getvalue()


def _webp_bytes(image):
    from PIL import Image

    pil = Image.fromarray(image[..., 0] if image.shape[-1] == 1 else image)
    buffer = io.BytesIO()
    # method=6: the slowest and smallest lossless encoding.
    pil.save(buffer, format="WEBP", lossless=True, quality=100, method=6)
    return buffer.getvalue()


def _check_image_input(x, compressor):
    if x.ndim == 3:
        x = x[..., None]
    if x.ndim != 4 or x.shape[-1] not in _PNG_MODES:
        raise ValueError(
            f"compressor={compressor!r} needs images (batch, height, width, "
            f"channels) with 1, 3 or 4 channels. Received shape {x.shape}; "
            "use compressor='zlib', 'bz2' or 'lzma' for other data."
        )
    top = 65535 if compressor == "png" else 255
    dtypes = (np.uint8, np.uint16) if compressor == "png" else (np.uint8,)
    if x.dtype not in dtypes:
        raise ValueError(
            f"compressor={compressor!r} needs whole values in 0..{top}. "
            f"Received values of dtype {x.dtype} in {x.min()}..{x.max()}."
        )
    return x


def code_length_bits(x, compressor="png", progress=False):
    """Code length in bits of each example under a general compressor.

    `"png"`: each image saved as a PNG with maximum compression
    (`optimize=True, compress_level=9`, via Pillow), whole file; values
    0..255 as 8-bit, 0..65535 as 16-bit grey. `"webp"`: lossless WebP
    (`method=6`, via Pillow), whole file, values 0..255; a stronger image
    coder than PNG, in the class of the FLIF coder that Serra et al.
    (2020) found best. `"zlib"` (level 9), `"bz2"`
    (level 9) and `"lzma"` (preset 9, extreme): the example's raw bytes
    (`uint8` for values 0..255, `uint16` up to 65535, else `float32`).

    Args:
        x: examples `(batch, ...)`.
        compressor: one of `"png"`, `"webp"`, `"zlib"`, `"bz2"`,
            `"lzma"`.
        progress: show a `keras.utils.Progbar`.

    Returns:
        `(batch,)` float64 array of bits (8 x compressed bytes).

    Example:

    >>> import numpy as np
    >>> from keras_ar.ood import code_length_bits
    >>> flat = np.zeros((1, 28, 28, 1), "uint8")
    >>> noise = np.random.default_rng(0).integers(0, 256, (1, 28, 28, 1))
    >>> bool(code_length_bits(flat)[0] < code_length_bits(noise)[0])
    True
    """
    if compressor not in COMPRESSORS:
        raise ValueError(
            f"Expected `compressor` in {COMPRESSORS}. Received: "
            f"compressor={compressor!r}"
        )
    x = _as_integers(x)
    if x.ndim < 2:
        raise ValueError(
            "Expected a batch of examples, shape (batch, ...). Received "
            f"shape {x.shape}."
        )
    if compressor in IMAGE_COMPRESSORS:
        x = _check_image_input(x, compressor)
        encode = _png_bytes if compressor == "png" else _webp_bytes
    else:
        compress = _BYTE_COMPRESSORS[compressor]

        def encode(example):
            return compress(np.ascontiguousarray(example).tobytes())

    bar = None
    if progress:
        import keras

        bar = keras.utils.Progbar(len(x), unit_name="example")
    bits = np.empty(len(x), "float64")
    for i, example in enumerate(x):
        bits[i] = 8.0 * len(encode(example))
        if bar is not None and ((i + 1) % 256 == 0 or i + 1 == len(x)):
            bar.update(i + 1)
    return bits


def input_complexity_score(
    model, x, compressor="png", condition=None, batch_size=None
):
    """The input-complexity score `S(x) = NLL_bits(x) - L(x)`.

    Serra et al. (2020) observe that generative models give simple inputs
    high likelihoods; subtracting the code length `L(x)` of a general
    lossless compressor (a universal model of complexity) from the
    model's code length `-log2 p(x)` leaves how much better the model
    explains `x` than the compressor does (with a minus sign). Higher
    means MORE out-of-distribution. Both terms are whole-example bits;
    dividing both by the number of values (the paper's bits/dim) does not
    change the ranking.

    Reference: Serra, Alvarez, Gomez, Slizovskaia, Nunez & Luque, "Input
    Complexity and Out-of-distribution Detection with Likelihood-based
    Generative Models", ICLR 2020, equation 2.

    Args:
        model: a trained keras_ar model.
        x: events `(batch,) + event_shape`.
        compressor: `"png"` or `"webp"` (images), `"zlib"`, `"bz2"` or
            `"lzma"` (`code_length_bits`).
        condition: the model's condition, if conditional.
        batch_size: score in chunks of this size with progress bars.

    Returns:
        `(batch,)` float64 array of bits.

    Example:

    >>> import numpy as np
    >>> from keras_ar.models import PixelCNN
    >>> from keras_ar.ood import input_complexity_score
    >>> model = PixelCNN((8, 8, 1), head="bernoulli", filters=4,
    ...                  num_residual_blocks=1, output_filters=8)
    >>> x = np.random.default_rng(0).integers(0, 2, (4, 8, 8, 1))
    >>> input_complexity_score(model, x).shape
    (4,)
    """
    log_prob = model.log_prob(x, condition=condition, batch_size=batch_size)
    nll_bits = -np.asarray(log_prob, "float64") / math.log(2.0)
    events = np.asarray(x)
    return nll_bits - code_length_bits(
        events, compressor, progress=batch_size is not None
    )
