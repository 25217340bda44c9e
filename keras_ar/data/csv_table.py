"""Numeric tables from CSV files, for the tabular models (MADE, NADE).

Reads with the standard `csv` module (no pandas needed), picks columns by
name or 0-based index, skips non-numeric columns (or rejects them when they
were asked for by name), and reports missing values with their line and
column. A model trained by `keras-ar train made|nade --csv` keeps its column
names in a sidecar file beside the `.keras` file (`model.columns.json` for
`model.keras`), so that scoring reads the same columns in the same order.
"""

import csv
import dataclasses
import json
import math
import os

import numpy as np

#: Fields read as missing values (compared after stripping, ignoring case).
MISSING_TOKENS = ("", "na", "nan", "n/a", "null", "none", "?")

#: Largest number of classes a column of integers gets a categorical head
#: for; columns with larger integers are modelled as continuous.
MAX_DISCRETE_CLASSES = 256


@dataclasses.dataclass
class CsvTable:
    """The numeric columns of a CSV file.

    Attributes:
        columns: the column names, in the order of `values`' columns (the
            header's names, or `"0"`, `"1"`, ... for a file without one).
        values: float32 array `(rows, len(columns))`.
        skipped: names of the non-numeric columns left out.
        has_header: whether the file's first line was a header.
    """

    columns: tuple
    values: np.ndarray
    skipped: tuple = ()
    has_header: bool = True


def _is_missing(field):
    return field.strip().lower() in MISSING_TOKENS


def _is_number(field):
    try:
        float(field)
    except ValueError:
        return False
    return True


def _read_rows(path):
    if not os.path.exists(path):
        raise ValueError(f"Expected an existing CSV file. Received: {path!r}")
    rows = []
    with open(path, newline="") as f:
        reader = csv.reader(f)
        for row in reader:
            if any(c.strip() for c in row):  # blank lines are skipped
                rows.append((reader.line_num, row))
    if not rows:
        raise ValueError(f"Expected a CSV with data rows. {path!r} is empty.")
    return rows


def _header(rows):
    """`(names, has_header)`: a first row with a non-numeric, non-missing
    field is a header."""
    first = rows[0][1]
    if any(not _is_missing(c) and not _is_number(c) for c in first):
        names = [c.strip() for c in first]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(
                f"Expected unique column names. The header repeats "
                f"{duplicates}."
            )
        return names, True
    return [str(i) for i in range(len(first))], False


def _resolve(columns, names):
    """Indices of the requested columns (names, or 0-based indices)."""
    if isinstance(columns, str):
        columns = [c.strip() for c in columns.split(",") if c.strip()]
    indices = []
    for column in columns:
        key = str(column).strip()
        if key in names:
            indices.append(names.index(key))
        elif key.isdigit() and int(key) < len(names):
            indices.append(int(key))
        else:
            raise ValueError(
                f"Unknown column {key!r}: expected a column name or 0-based "
                f"index of {names}."
            )
    if not indices:
        raise ValueError(f"Expected at least one column. Received: {columns}")
    if len(set(indices)) != len(indices):
        chosen = [names[i] for i in indices]
        raise ValueError(f"Expected distinct columns. Received: {chosen}")
    return indices


def _first_text(rows, index):
    """`(line, field)` of the first non-numeric, non-missing field."""
    for line, row in rows:
        field = row[index]
        if not _is_missing(field) and not _is_number(field):
            return line, field
    return None


def read_csv_table(path, columns=None):
    """Reads the numeric columns of a CSV file.

    Args:
        path: a CSV file. Its first line is a header when one of its
            fields is not a number; without a header the columns are named
            `"0"`, `"1"`, ...
        columns: names or 0-based indices (a list, or one comma-separated
            string), in the order wanted; `None` takes every numeric
            column and skips the others (listed in `skipped`).

    Returns:
        A `CsvTable`.

    Raises:
        ValueError: for an unknown or repeated column, a requested column
            holding text, a missing or non-finite value (naming its line
            and column), a row with the wrong number of fields, or a file
            without data rows or numeric columns.

    Example:

    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "t.csv")
    >>> with open(path, "w") as f:
    ...     _ = f.write("a,name,b\\n1,x,2.5\\n3,y,4\\n")
    >>> table = read_csv_table(path)
    >>> table.columns, table.skipped, table.values.tolist()
    (('a', 'b'), ('name',), [[1.0, 2.5], [3.0, 4.0]])
    """
    rows = _read_rows(path)
    names, has_header = _header(rows)
    body = rows[1:] if has_header else rows
    if not body:
        raise ValueError(f"Expected data rows below the header of {path!r}.")
    for line, row in body:
        if len(row) != len(names):
            raise ValueError(
                f"Expected {len(names)} fields per row. Line {line} of "
                f"{path!r} has {len(row)}."
            )
    if columns is None:
        indices = [i for i in range(len(names)) if not _first_text(body, i)]
        skipped = tuple(names[i] for i in range(len(names)) if i not in indices)
        if not indices:
            raise ValueError(
                f"Expected at least one numeric column in {path!r}. "
                f"Received only text columns: {names}"
            )
    else:
        indices, skipped = _resolve(columns, names), ()
        for i in indices:
            text = _first_text(body, i)
            if text:
                raise ValueError(
                    f"Expected numbers in column {names[i]!r}. Line "
                    f"{text[0]} holds {text[1]!r}."
                )
    values = np.empty((len(body), len(indices)), "float64")
    for r, (line, row) in enumerate(body):
        for c, i in enumerate(indices):
            field = row[i]
            value = math.nan if _is_missing(field) else float(field)
            if not math.isfinite(value):
                raise ValueError(
                    f"Expected a finite number in every row. Missing value "
                    f"{field.strip()!r} at line {line}, column {names[i]!r}"
                    f" of {path!r}: fill or drop that row."
                )
            values[r, c] = value
    return CsvTable(
        columns=tuple(names[i] for i in indices),
        values=values.astype("float32"),
        skipped=skipped,
        has_header=has_header,
    )


def discrete_classes(values, max_classes=MAX_DISCRETE_CLASSES):
    """Number of classes when every value is an integer in
    `[0, max_classes)` (2 for binary data), else `None` (continuous).

    Example:

    >>> discrete_classes(np.array([[0, 1], [1, 0]]))
    2
    >>> discrete_classes(np.array([[0, 4]])), discrete_classes([[0.5]])
    (5, None)
    """
    values = np.asarray(values, "float64")
    if values.size == 0 or values.min() < 0 or values.max() >= max_classes:
        return None
    if not np.all(values == np.round(values)):
        return None
    return max(int(values.max()) + 1, 2)


def columns_path(model_path):
    """The sidecar of a model file: `run/model.keras` ->
    `run/model.columns.json`."""
    return os.path.splitext(model_path)[0] + ".columns.json"


def write_columns(model_path, columns, **extra):
    """Writes the column names of a model trained on a CSV beside it.

    Args:
        model_path: the `.keras` file.
        columns: the column names, in the model's value order.
        **extra: other JSON entries (e.g. `head`, `source`).

    Returns:
        The sidecar's path.
    """
    path = columns_path(model_path)
    with open(path, "w") as f:
        json.dump({"columns": list(columns), **extra}, f, indent=2)
    return path


def read_columns(model_path):
    """The column names recorded beside a model file, or `None`."""
    path = columns_path(model_path)
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return list(json.load(f)["columns"])


def read_model_rows(csv_path, model_path, num_values=None):
    """The rows of a CSV as a model trained by `keras-ar train --csv`
    reads them: the columns recorded beside `model_path`, in its order
    (other columns of the CSV are ignored), or, for a model without a
    sidecar, every numeric column.

    Args:
        csv_path: the CSV of rows to score.
        model_path: the `.keras` file.
        num_values: values per row the model expects (checked when given).

    Returns:
        float32 array `(rows, num_values)`.
    """
    columns = read_columns(model_path)
    if columns is not None and not _header(_read_rows(csv_path))[1]:
        if not all(c.isdigit() for c in columns):
            raise ValueError(
                f"Expected a header row with the model's columns {columns}. "
                f"{csv_path!r} has no header."
            )
    table = read_csv_table(csv_path, columns)
    if num_values is not None and table.values.shape[1] != num_values:
        raise ValueError(
            f"Expected {num_values} numeric columns per row (the model's "
            f"values). {csv_path!r} gives {table.values.shape[1]}: "
            f"{list(table.columns)}."
        )
    return table.values
