"""Completions of partially masked real images, as labelled examples."""

import sys

import numpy as np

from keras_ar.augment.class_samples import _chunk_seed
from keras_ar.utils import validation


def _mask_name(mask):
    """`"bottom_half"` and `"bottom-half"` alike."""
    return mask.replace("_", "-") if isinstance(mask, str) else mask


def completions(
    model,
    x,
    y,
    mask="bottom_half",
    samples=1,
    seed=None,
    temperature=1.0,
    batch_size=64,
    progress=False,
):
    """Keeps part of each real image and samples the rest.

    Each image keeps its label; a class-conditional model is given it as
    the condition. Reuses `keras_ar.tasks.complete_images` (see there for
    what the mask means for an autoregressive order: `bottom_half` is the
    exact conditional `p(bottom | top)`).

    Args:
        model: an image model (`event_shape` `(height, width, channels)`).
        x: real images `(num,) + event_shape` in the head's values.
        y: their integer labels `(num,)`.
        mask: `"bottom_half"`, `"right_half"`, `"center"` or `"random_P"`
            (P percent of pixels unknown); hyphens work too.
        samples: completions per image.
        seed: int for reproducible completions (each batch uses
            `seed + i`; the random masks use `seed`), or `None`.
        temperature: sampling temperature.
        batch_size: images completed per compiled call.
        progress: show a `keras.utils.Progbar` over the images.

    Returns:
        `(x_completed, y)`: `(num * samples,) + event_shape` completions,
        image by image, and their labels (int32).

    Example:

    >>> import numpy as np
    >>> from keras_ar.models import PixelCNN
    >>> model = PixelCNN((4, 4, 1), head="bernoulli", filters=2,
    ...                  num_residual_blocks=1, output_filters=4)
    >>> x = np.ones((2, 4, 4, 1), "int32")
    >>> out, labels = completions(model, x, [3, 5], samples=2, seed=0)
    >>> out.shape, labels.tolist(), bool((out[:, :2] == 1).all())
    ((4, 4, 4, 1), [3, 3, 5, 5], True)
    """
    import keras

    from keras_ar.tasks import complete_images
    from keras_ar.tasks import completion_mask

    x, y = np.asarray(x), np.asarray(y)
    shape = tuple(model.event_shape)
    if len(shape) != 3 or x.shape[1:] != shape:
        raise ValueError(
            f"Expected images (num, height, width, channels) of the model's "
            f"event_shape {shape}. Received x of shape {x.shape}."
        )
    if y.shape != (len(x),) or not np.issubdtype(y.dtype, np.integer):
        raise ValueError(
            f"Expected one integer label per image, shape ({len(x)},). "
            f"Received y of shape {y.shape}, dtype {y.dtype}."
        )
    samples = validation.check_positive_int(samples, "samples")
    batch_size = validation.check_positive_int(batch_size, "batch_size")
    seed = validation.check_seed(seed)
    known = completion_mask(_mask_name(mask), shape, max(len(x), 1), seed or 0)
    bar = None
    if progress:
        verbose = 1 if sys.stdout.isatty() else 2
        bar = keras.utils.Progbar(len(x), verbose=verbose, unit_name="image")
    parts = []
    for index, start in enumerate(range(0, len(x), batch_size)):
        part = slice(start, start + batch_size)
        filled = complete_images(
            model,
            x[part],
            known[part],
            samples=samples,
            condition=y[part] if model.is_conditional else None,
            seed=_chunk_seed(seed, index),
            temperature=temperature,
        )
        parts.append(filled.reshape((-1,) + shape))
        if bar is not None:
            bar.add(len(x[part]))
    if not parts:
        return np.zeros((0,) + shape, x.dtype), np.zeros((0,), "int32")
    return np.concatenate(parts), np.repeat(y.astype("int32"), samples)
