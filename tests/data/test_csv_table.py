import numpy as np
import pytest

from keras_ar.data.csv_table import columns_path
from keras_ar.data.csv_table import discrete_classes
from keras_ar.data.csv_table import read_csv_table
from keras_ar.data.csv_table import read_model_rows
from keras_ar.data.csv_table import write_columns


def _csv(tmp_path, text, name="t.csv"):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_header_text_columns_skipped_and_selection_order(tmp_path):
    path = _csv(tmp_path, 'a,name,b\n1,"x, y",2.5\n3,z,-4e1\n\n')
    table = read_csv_table(path)
    assert table.columns == ("a", "b") and table.skipped == ("name",)
    assert table.has_header
    np.testing.assert_array_equal(table.values, [[1, 2.5], [3, -40]])
    assert table.values.dtype == np.float32
    picked = read_csv_table(path, "b,0")  # a name, then an index
    assert picked.columns == ("b", "a") and picked.skipped == ()
    np.testing.assert_array_equal(picked.values, [[2.5, 1], [-40, 3]])


def test_headerless_columns_are_named_by_index(tmp_path):
    table = read_csv_table(_csv(tmp_path, "0,1\n1,2\n"), ["1"])
    assert not table.has_header and table.columns == ("1",)
    np.testing.assert_array_equal(table.values, [[1], [2]])


@pytest.mark.parametrize(
    "text, columns, message",
    [
        ("a,b\n1,2\n3,\n", None, "line 3, column 'b'"),
        ("a,b\n1,NA\n", "a,b", "'NA' at line 2, column 'b'"),
        ("a,b\n1,x\n", "b", "numbers in column 'b'. Line 2 holds 'x'"),
        ("a,b\n1,2\n", "c", "Unknown column 'c'"),
        ("a,b\n1,2\n", "a,0", "distinct columns"),
        ("a,b\n1,2\n3\n", None, "Line 3 of"),
        ("a,b\nx,y\n", None, "at least one numeric column"),
        ("a,a\n1,2\n", None, "repeats ['a']"),
        ("a,b\n", None, "data rows below the header"),
    ],
)
def test_bad_tables_name_the_problem(tmp_path, text, columns, message):
    with pytest.raises(ValueError, match=message.replace("[", r"\[")):
        read_csv_table(_csv(tmp_path, text), columns)


def test_missing_file(tmp_path):
    with pytest.raises(ValueError, match="existing CSV"):
        read_csv_table(str(tmp_path / "nope.csv"))


def test_discrete_classes():
    assert discrete_classes([[0, 1], [1, 1]]) == 2
    assert discrete_classes([[0, 0]]) == 2
    assert discrete_classes([[3, 0]]) == 4
    assert discrete_classes([[0.5, 1]]) is None
    assert discrete_classes([[-1, 1]]) is None
    assert discrete_classes([[0, 256]]) is None


def test_model_rows_follow_the_sidecar(tmp_path):
    model = str(tmp_path / "run" / "model.keras")
    (tmp_path / "run").mkdir()
    assert columns_path(model) == str(tmp_path / "run" / "model.columns.json")
    write_columns(model, ["c", "a"], source="x.csv")
    rows = _csv(tmp_path, "a,b,c,id\n1,2,3,u\n4,5,6,v\n")
    np.testing.assert_array_equal(
        read_model_rows(rows, model, num_values=2), [[3, 1], [6, 4]]
    )
    with pytest.raises(ValueError, match="Unknown column 'c'"):
        read_model_rows(_csv(tmp_path, "a,b\n1,2\n", "o.csv"), model)
    with pytest.raises(ValueError, match="header row"):
        read_model_rows(_csv(tmp_path, "1,2,3\n", "h.csv"), model)
    # A model without a sidecar reads every numeric column.
    other = str(tmp_path / "other.keras")
    with pytest.raises(ValueError, match="Expected 2 numeric columns"):
        read_model_rows(rows, other, num_values=2)
