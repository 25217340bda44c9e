"""Image completion: fill the masked part of images with any image model."""

import numpy as np

from keras_ar.utils import validation

#: The named masks of `completion_mask` (`random-P` takes any P in 1..99).
MASKS = ("bottom-half", "right-half", "center", "random-50")


def completion_mask(kind, image_shape, num=1, seed=0):
    """Which pixels of each image are known (kept) for a completion.

    Args:
        kind: `"bottom-half"` (the bottom half is unknown), `"right-half"`,
            `"center"` (a centred square of half the height and width),
            or `"random-P"`: each pixel unknown with probability P percent
            (1 to 99), drawn per image from `seed`.
        image_shape: `(height, width)` or `(height, width, channels)`.
        num: number of images.
        seed: seed of the random masks.

    Returns:
        A bool array `(num, height, width)`: `True` = known. A pixel's
        channels are known or unknown together.

    Example:

    >>> completion_mask("bottom-half", (4, 2))[0].astype(int).tolist()
    [[1, 1], [1, 1], [0, 0], [0, 0]]
    """
    num = validation.check_positive_int(num, "num")
    if len(image_shape) not in (2, 3):
        raise ValueError(
            "`image_shape` must be (height, width) or (height, width, "
            f"channels). Received: image_shape={image_shape}"
        )
    height, width = (int(v) for v in image_shape[:2])
    known = np.ones((num, height, width), bool)
    if kind == "bottom-half":
        known[:, height // 2 :] = False
    elif kind == "right-half":
        known[:, :, width // 2 :] = False
    elif kind == "center":
        top, left = height // 4, width // 4
        rows, cols = max(1, height // 2), max(1, width // 2)
        known[:, top : top + rows, left : left + cols] = False
    elif isinstance(kind, str) and kind.startswith("random-"):
        percent = _random_percent(kind)
        rng = np.random.default_rng(seed)
        known = rng.random((num, height, width)) >= percent / 100.0
    else:
        raise ValueError(
            f"Unknown mask {kind!r}. Expected one of {', '.join(MASKS)} "
            "(or random-P with P in 1..99)."
        )
    return known


def _random_percent(kind):
    try:
        percent = int(kind[len("random-") :])
    except ValueError:
        percent = -1
    if not 1 <= percent <= 99:
        raise ValueError(
            "A random mask is `random-P` with P an integer percent in "
            f"1..99. Received: {kind!r}"
        )
    return percent


def complete_images(
    model,
    images,
    known,
    samples=1,
    condition=None,
    seed=None,
    temperature=1.0,
    progress=False,
):
    """Several completions of each image, drawn in one batch.

    Unknown pixels are sampled in the model's order (raster order, R then
    G then B), each conditioned on every pixel before it, known or
    sampled: a known pixel after an unknown one is kept but cannot
    influence it (an autoregressive model gives `p(x_i | x_<i)`, not the
    posterior given the whole known area). A bottom-half mask is the
    exact conditional `p(bottom | top)`.

    Args:
        model: an image model (`event_shape` `(height, width, channels)`).
        images: `(num, height, width, channels)` values of the model's head.
        known: bool `(num, height, width)` or like `images`; `True` = keep.
        samples: completions per image.
        condition: per-image condition (e.g. class ids `(num,)`), repeated
            for each completion.
        seed, temperature, progress: as in `model.complete`.

    Returns:
        `(num, samples, height, width, channels)` NumPy array.

    Example:

    >>> import numpy as np
    >>> from keras_ar.models import PixelCNN
    >>> model = PixelCNN((4, 4, 1), head="bernoulli", filters=2,
    ...                  num_residual_blocks=1, output_filters=4)
    >>> x = np.ones((2, 4, 4, 1), "int32")
    >>> known = completion_mask("bottom-half", (4, 4), num=2)
    >>> out = complete_images(model, x, known, samples=3, seed=0)
    >>> out.shape, bool((out[:, :, :2] == 1).all())
    ((2, 3, 4, 4, 1), True)
    """
    samples = validation.check_positive_int(samples, "samples")
    images = np.asarray(images)
    known = np.asarray(known, bool)
    if images.ndim != 4:
        raise ValueError(
            "`images` must have shape (num, height, width, channels). "
            f"Received shape {images.shape}."
        )
    if known.shape not in (images.shape, images.shape[:-1]):
        raise ValueError(
            f"`known` must have shape {images.shape[:-1]} or "
            f"{images.shape}. Received shape {known.shape}."
        )
    if known.shape != images.shape:
        known = np.broadcast_to(known[..., None], images.shape)
    if condition is not None:
        condition = _repeat(condition, samples)
    filled = model.complete(
        np.repeat(images, samples, axis=0),
        np.repeat(known, samples, axis=0),
        condition=condition,
        seed=seed,
        temperature=temperature,
        progress=progress,
    )
    return filled.reshape((len(images), samples) + images.shape[1:])


def _repeat(condition, samples):
    if isinstance(condition, dict):
        return {k: _repeat(v, samples) for k, v in condition.items()}
    return np.repeat(np.asarray(condition), samples, axis=0)
