"""PNG grids of image samples."""

import math

import numpy as np


def image_grid(images, max_value, columns=None, padding=1, scale=1):
    """Tiles images into one uint8 array.

    Args:
        images: `(n, height, width, channels)` with values in
            `[0, max_value]`; 1 or 3 channels.
        max_value: the largest pixel value (1 for binary, 255 for bytes).
        columns: images per row (default: about a square).
        padding: pixels of grey between images.
        scale: integer upscaling factor (nearest neighbour).

    Returns:
        A uint8 array `(rows * h', columns * w', channels)`.

    Example:

    >>> image_grid(np.ones((4, 2, 2, 1)), max_value=1, padding=0).shape
    (4, 4, 1)
    """
    images = np.asarray(images, dtype="float32")
    if images.ndim != 4 or images.shape[-1] not in (1, 3):
        raise ValueError(
            "`images` must have shape (n, height, width, 1 or 3). Received "
            f"shape {images.shape}."
        )
    if max_value <= 0:
        raise ValueError(f"`max_value` must be > 0. Received: {max_value}")
    n, height, width, channels = images.shape
    columns = columns or max(1, math.ceil(math.sqrt(n)))
    rows = max(1, math.ceil(n / columns))
    pixels = np.clip(images / max_value * 255.0, 0, 255).astype("uint8")
    cell_h, cell_w = height + padding, width + padding
    grid = np.full(
        (rows * cell_h + padding, columns * cell_w + padding, channels),
        128,
        "uint8",
    )
    for k in range(n):
        r, c = divmod(k, columns)
        top, left = padding + r * cell_h, padding + c * cell_w
        grid[top : top + height, left : left + width] = pixels[k]
    if scale > 1:
        grid = grid.repeat(scale, axis=0).repeat(scale, axis=1)
    return grid


def save_image_grid(images, path, max_value, columns=None, scale=4):
    """Writes `image_grid(images, ...)` to a PNG file and returns `path`.

    Args:
        images: `(n, height, width, 1 or 3)` array.
        path: output file name (`.png`).
        max_value: the largest pixel value.
        columns: images per row.
        scale: integer upscaling factor.

    Returns:
        `path`.
    """
    from PIL import Image

    grid = image_grid(images, max_value, columns=columns, scale=scale)
    if grid.shape[-1] == 1:
        grid = grid[..., 0]
    Image.fromarray(grid).save(path)
    return path
