"""Tests for keras_ar.data.series (statsmodels and pmdarima time series)."""

import dataclasses
import doctest
import hashlib
import sys

import numpy as np
import pytest

from keras_ar.data import DataSourceError
from keras_ar.data import TimeSeries
from keras_ar.data import available_series
from keras_ar.data import load_series
from keras_ar.data import series as series_module
from keras_ar.data import train_test_split_series

EXPECTED = {
    # name: (length, period, frequency, first value, last value)
    "airpassengers": (144, 12, "monthly", 112.0, 432.0),
    "co2": (2284, 52, "weekly", 316.1, 371.5),
    "elnino": (732, 12, "monthly", 23.11, 22.07),
    "lynx": (114, 10, "yearly", 269.0, 3396.0),
    "nile": (100, 1, "yearly", 1120.0, 740.0),
    "sunspots": (309, 11, "yearly", 5.0, 2.9),
    "taylor": (4032, 48, "half-hourly", 22262.0, 23132.0),
    "wineind": (176, 12, "monthly", 15136.0, 23356.0),
}


def test_available_series():
    assert available_series() == tuple(sorted(EXPECTED))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_load_series(name):
    length, period, frequency, first, last = EXPECTED[name]
    series = load_series(name)
    assert isinstance(series, TimeSeries)
    assert series.name == name
    assert series.values.shape == (length,)
    assert series.values.dtype == np.float64
    assert not np.isnan(series.values).any()
    assert not series.values.flags.writeable
    assert (series.period, series.frequency) == (period, frequency)
    assert series.values[0] == pytest.approx(first)
    assert series.values[-1] == pytest.approx(last)
    assert series.description
    digest = hashlib.sha256(series.values.tobytes()).hexdigest()
    assert digest == series_module._SPECS[name].sha256
    with pytest.raises(dataclasses.FrozenInstanceError):
        series.period = 2


def test_co2_nan_interpolated_linearly():
    from statsmodels.datasets import co2

    raw = co2.load_pandas().data["co2"].to_numpy()
    missing = np.isnan(raw)
    assert missing.sum() == 59
    values = load_series("co2").values
    np.testing.assert_array_equal(values[~missing], raw[~missing])
    # Index 6 is a single missing week between 5 and 7.
    assert missing[6] and not missing[5] and not missing[7]
    assert values[6] == pytest.approx((raw[5] + raw[7]) / 2)
    assert "interpolat" in load_series("co2").description


def test_elnino_is_flattened_year_by_month():
    from statsmodels.datasets import elnino

    table = elnino.load_pandas().data
    values = load_series("elnino").values
    assert values[12] == table["JAN"].iloc[1]
    assert values[11] == table["DEC"].iloc[0]


def test_unknown_name():
    with pytest.raises(ValueError, match="received 'airline'") as error:
        load_series("airline")
    assert "'taylor'" in str(error.value)


@pytest.mark.parametrize(
    "name,module,install",
    [
        ("co2", "statsmodels.datasets", "pip install statsmodels"),
        ("taylor", "pmdarima.datasets", "pip install pmdarima"),
    ],
)
def test_missing_package(monkeypatch, name, module, install):
    monkeypatch.setitem(sys.modules, module, None)
    spec = series_module._SPECS[name]
    with pytest.raises(DataSourceError, match=install):
        series_module._read_series.__wrapped__(name, spec)


def test_checksum_mismatch(monkeypatch):
    spec = dataclasses.replace(series_module._SPECS["nile"], sha256="0" * 64)
    monkeypatch.setitem(series_module._SPECS, "nile", spec)
    with pytest.raises(DataSourceError, match="failed verification"):
        load_series("nile")


def test_length_mismatch(monkeypatch):
    spec = dataclasses.replace(series_module._SPECS["wineind"], length=7)
    monkeypatch.setitem(series_module._SPECS, "wineind", spec)
    with pytest.raises(DataSourceError, match=r"expected shape \(7,\)"):
        load_series("wineind")


def test_split_int_and_fraction():
    head, tail = train_test_split_series(np.arange(10.0), 3)
    np.testing.assert_array_equal(head, np.arange(7.0))
    np.testing.assert_array_equal(tail, [7.0, 8.0, 9.0])
    head, tail = train_test_split_series(load_series("taylor"), 0.25)
    assert (len(head), len(tail)) == (3024, 1008)
    head, tail = train_test_split_series([1, 2, 3], 0.01)
    assert (len(head), len(tail)) == (2, 1)
    head, tail = train_test_split_series(np.zeros((5, 2)), 2)
    assert head.shape == (3, 2) and tail.shape == (2, 2)


@pytest.mark.parametrize(
    "values,test_size,match",
    [
        (np.arange(10), 10, r"\[1, 9\] .*received 10"),
        (np.arange(10), 0, "received 0"),
        (np.arange(10), 1.0, r"\(0, 1\); received 1.0"),
        (np.arange(10), "3", "received '3'"),
        (np.arange(10), True, "received True"),
        (np.arange(1), 1, r"at least 2 .*received shape \(1,\)"),
        (np.float64(3.0), 1, r"received shape \(\)"),
    ],
)
def test_split_bad_arguments(values, test_size, match):
    with pytest.raises(ValueError, match=match):
        train_test_split_series(values, test_size)


def test_docstring_examples():
    result = doctest.testmod(series_module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
