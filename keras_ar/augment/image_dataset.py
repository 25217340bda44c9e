"""Writes labelled images as a folder `image_dataset_from_directory`
reads, with `samples.npz` and a preview grid."""

import os

import numpy as np


def class_folder_names(num_classes, class_names=None):
    """Folder name of each class: `class_names`, or the class ids
    zero-padded so that sorting keeps their order ("01" < "10")."""
    if class_names is None:
        width = len(str(max(num_classes - 1, 0)))
        return [f"{i:0{width}d}" for i in range(num_classes)]
    names = [str(n) for n in class_names]
    if len(names) < num_classes or len(set(names)) != len(names):
        raise ValueError(
            f"Expected {num_classes} or more distinct class names (labels "
            f"go up to {num_classes - 1}). Received: {names}"
        )
    bad = [n for n in names if not n or os.sep in n or n in (".", "..")]
    if bad:
        raise ValueError(f"Expected folder-safe class names. Received: {bad}")
    return names


def _pixels(x, max_value):
    return np.clip(np.rint(x / max_value * 255.0), 0, 255).astype("uint8")


def write_image_dataset(
    x,
    y,
    out_dir,
    class_names=None,
    max_value=None,
    preview_per_class=10,
    overwrite=False,
    extra=None,
):
    """Writes `out_dir/<class>/<i>.png`, `samples.npz` and `preview.png`.

    `keras.utils.image_dataset_from_directory(out_dir)` then loads the
    images with their labels (its class order is the sorted folder names:
    the class ids, zero-padded, unless `class_names` sorts otherwise).
    Pixel values are scaled from `[0, max_value]` to 0..255 in the PNGs;
    `samples.npz` keeps `x` and `y` as given.

    Args:
        x: images `(num, height, width, 1 or 3)` in `[0, max_value]`.
        y: integer labels `(num,)`.
        out_dir: the folder (created; must be empty unless `overwrite`).
        class_names: a folder name per class id (default: the ids).
        max_value: the largest pixel value (default: 1 if `x <= 1`, else
            255).
        preview_per_class: images of each class in `preview.png` (one
            row per class).
        overwrite: write into a non-empty folder (files of the same name
            are replaced, others kept).
        extra: more arrays for `samples.npz` (e.g. `completed`).

    Returns:
        A dict: `counts` (images per class folder), `npz`, `preview`.

    Example:

    >>> import numpy as np, tempfile
    >>> x = np.random.default_rng(0).integers(0, 2, (6, 4, 4, 1))
    >>> out = write_image_dataset(x, [0, 1, 2, 0, 1, 2], tempfile.mkdtemp())
    >>> out["counts"]
    {'0': 2, '1': 2, '2': 2}
    """
    from PIL import Image

    from keras_ar.utils import save_image_grid

    x, y = np.asarray(x), np.asarray(y)
    if x.ndim != 4 or x.shape[-1] not in (1, 3):
        raise ValueError(
            "Expected images of shape (num, height, width, 1 or 3). "
            f"Received shape {x.shape}."
        )
    if y.shape != (len(x),) or not np.issubdtype(y.dtype, np.integer):
        raise ValueError(
            f"Expected one integer label per image, shape ({len(x)},). "
            f"Received y of shape {y.shape}, dtype {y.dtype}."
        )
    if len(y) and y.min() < 0:
        raise ValueError(f"Expected labels >= 0. Received {int(y.min())}.")
    if os.path.isdir(out_dir) and os.listdir(out_dir) and not overwrite:
        raise ValueError(
            f"Expected an empty or new output folder. {out_dir!r} holds "
            "files (pass overwrite=True / --overwrite to write into it)."
        )
    if max_value is None:
        max_value = 1 if len(x) == 0 or x.max() <= 1 else 255
    num_classes = int(y.max()) + 1 if len(y) else 0
    if class_names is not None:
        num_classes = max(num_classes, len(class_names))
    names = class_folder_names(num_classes, class_names)
    pixels = _pixels(x, max_value)
    width = len(str(max(len(x) - 1, 0)))
    counts = {}
    for label, name in enumerate(names):
        folder = os.path.join(out_dir, name)
        os.makedirs(folder, exist_ok=True)
        indices = np.flatnonzero(y == label)
        for i in indices:
            image = pixels[i]
            image = image[..., 0] if image.shape[-1] == 1 else image
            Image.fromarray(image).save(
                os.path.join(folder, f"{i:0{width}d}.png")
            )
        counts[name] = int(len(indices))
    npz = os.path.join(out_dir, "samples.npz")
    np.savez_compressed(
        npz,
        x=x,
        y=y.astype("int32"),
        class_names=np.asarray(names),
        **(extra or {}),
    )
    preview = None
    columns = min(preview_per_class, max(counts.values(), default=0))
    if columns:
        grid = np.zeros((len(names) * columns,) + x.shape[1:], "float32")
        for label in range(len(names)):
            shown = x[y == label][:columns]
            grid[label * columns : label * columns + len(shown)] = shown
        preview = save_image_grid(
            grid, os.path.join(out_dir, "preview.png"), max_value, columns
        )
    return {"counts": counts, "npz": npz, "preview": preview}
