"""PNG grids of image completions: original, masked input, completions."""

import numpy as np

from keras_ar.utils.image_grid import image_grid

#: The two colours of the checkerboard that marks unknown pixels.
MASK_COLOURS = ((40, 90, 220), (20, 45, 130))


def completion_grid(images, known, completions, max_value, scale=4):
    """One row per image: the original, the masked input (unknown pixels
    as a blue checkerboard) and its completions, as a uint8 RGB array.

    Args:
        images: `(num, height, width, 1 or 3)` originals.
        known: bool `(num, height, width)`; `True` = known.
        completions: `(num, samples, height, width, channels)`.
        max_value: the largest pixel value (1 for binary, 255 for bytes).
        scale: integer upscaling factor.

    Returns:
        uint8 array `(rows, columns, 3)`.

    Example:

    >>> import numpy as np
    >>> x = np.ones((2, 4, 4, 1))
    >>> known = np.ones((2, 4, 4), bool)
    >>> completion_grid(x, known, x[:, None], 1, scale=1).shape
    (11, 16, 3)
    """
    images = np.asarray(images, "float32")
    completions = np.asarray(completions, "float32")
    known = np.asarray(known, bool)
    if images.ndim != 4 or images.shape[-1] not in (1, 3):
        raise ValueError(
            "`images` must have shape (num, height, width, 1 or 3). "
            f"Received shape {images.shape}."
        )
    if known.shape != images.shape[:-1]:
        raise ValueError(
            f"`known` must have shape {images.shape[:-1]}. Received shape "
            f"{known.shape}."
        )
    if (
        completions.ndim != 5
        or completions.shape[0] != images.shape[0]
        or completions.shape[2:] != images.shape[1:]
    ):
        raise ValueError(
            "`completions` must have shape (num, samples) + "
            f"{images.shape[1:]} with num={images.shape[0]}. Received shape "
            f"{completions.shape}."
        )
    rgb = _rgb(images / max_value)
    masked = rgb.copy()
    height, width = images.shape[1:3]
    rows, cols = np.indices((height, width))
    colours = np.asarray(MASK_COLOURS, "float32") / 255.0
    board = colours[(rows + cols) % 2]
    masked[~known] = np.broadcast_to(board, masked.shape)[~known]
    tiles = [rgb[:, None], masked[:, None], _rgb(completions / max_value)]
    tiles = np.concatenate(tiles, axis=1)
    columns = tiles.shape[1]
    return image_grid(
        tiles.reshape((-1,) + tiles.shape[2:]),
        max_value=1.0,
        columns=columns,
        scale=scale,
    )


def save_completion_grid(path, images, known, completions, max_value):
    """Writes `completion_grid(...)` to a PNG file and returns `path`."""
    from PIL import Image

    grid = completion_grid(images, known, completions, max_value)
    Image.fromarray(grid).save(path)
    return path


def _rgb(images):
    if images.shape[-1] == 3:
        return images.copy()
    return np.repeat(images, 3, axis=-1)
