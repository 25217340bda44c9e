"""Offline univariate time series from statsmodels and pmdarima.

Classic forecasting benchmarks shipped inside the statsmodels and pmdarima
packages (nothing is downloaded), returned as `TimeSeries` records with the
seasonal period a seasonal-naive baseline needs. Every series is verified
by length and SHA-256; a missing package raises `DataSourceError` naming
what to install. statsmodels and pmdarima are imported only when a series
from them is loaded.
"""

import dataclasses
import functools
import numbers
from collections.abc import Callable

import numpy as np

from keras_ar.data import _validation
from keras_ar.data.errors import DataSourceError

STATSMODELS_INSTALL = "pip install statsmodels"
PMDARIMA_INSTALL = "pip install pmdarima"


@dataclasses.dataclass(frozen=True, eq=False)
class TimeSeries:
    """A univariate time series with what a forecaster needs to know.

    Instances compare by identity (`values` is an array).

    Attributes:
        name: Name accepted by `load_series`, e.g. "co2".
        values: Read-only float64 NumPy array of shape (time,), no NaN.
        period: Seasonal period in steps (11 for yearly sunspots, 12 for
            monthly data, 1 when there is no seasonality): the lag of the
            seasonal-naive forecast `y[t] = y[t - period]`.
        frequency: Sampling interval in words: "yearly", "monthly",
            "weekly" or "half-hourly".
        description: One paragraph about the data, its source and any
            processing (e.g. interpolated missing values).

    Example:

    >>> series = load_series("nile")
    >>> series.values.shape, series.period, series.frequency
    ((100,), 1, 'yearly')
    """

    name: str
    values: np.ndarray
    period: int
    frequency: str
    description: str


def _interpolate_nan(values):
    """Fills NaN by linear interpolation in the step index."""
    values = np.asarray(values, np.float64).copy()
    missing = np.isnan(values)
    if missing.any():
        steps = np.arange(len(values))
        values[missing] = np.interp(
            steps[missing], steps[~missing], values[~missing]
        )
    return values


def _statsmodels_sunspots():
    from statsmodels.datasets import sunspots

    return sunspots.load_pandas().data["SUNACTIVITY"].to_numpy()


def _statsmodels_co2():
    from statsmodels.datasets import co2

    return _interpolate_nan(co2.load_pandas().data["co2"].to_numpy())


def _statsmodels_nile():
    from statsmodels.datasets import nile

    return nile.load_pandas().data["volume"].to_numpy()


def _statsmodels_elnino():
    from statsmodels.datasets import elnino

    table = elnino.load_pandas().data
    months = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN"]
    months += ["JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
    return table[months].to_numpy().reshape(-1)


def _pmdarima_taylor():
    from pmdarima.datasets import load_taylor

    return load_taylor()


def _pmdarima_wineind():
    from pmdarima.datasets import load_wineind

    return load_wineind()


def _pmdarima_airpassengers():
    from pmdarima.datasets import load_airpassengers

    return load_airpassengers()


def _pmdarima_lynx():
    from pmdarima.datasets import load_lynx

    return load_lynx()


@dataclasses.dataclass(frozen=True)
class _Spec:
    """How to read and verify one series."""

    package: str
    install: str
    reader: Callable
    period: int
    frequency: str
    length: int
    sha256: str
    description: str


# SHA-256 of the float64 values returned by `load_series` (little-endian),
# recorded with statsmodels 0.15.0 and pmdarima 2.1.1.
_SPECS = {
    "airpassengers": _Spec(
        package="pmdarima",
        install=PMDARIMA_INSTALL,
        reader=_pmdarima_airpassengers,
        period=12,
        frequency="monthly",
        length=144,
        sha256=(
            "8eda0a52744e72ede03825fce5cb979a43af4b3479e2b0216bf907eee5d18056"
        ),
        description=(
            "Monthly international airline passengers (thousands), "
            "1949-1960 (Box & Jenkins series G), from pmdarima."
        ),
    ),
    "co2": _Spec(
        package="statsmodels",
        install=STATSMODELS_INSTALL,
        reader=_statsmodels_co2,
        period=52,
        frequency="weekly",
        length=2284,
        sha256=(
            "866a09cd8e1611423abe60da5a4a70c1bd0d16628548798bbde9b7c98e4c30d0"
        ),
        description=(
            "Weekly atmospheric CO2 (ppm) at Mauna Loa, 1958-03-29 to "
            "2001-12-29, from statsmodels. The 59 missing weeks are filled "
            "by linear interpolation between their neighbours."
        ),
    ),
    "elnino": _Spec(
        package="statsmodels",
        install=STATSMODELS_INSTALL,
        reader=_statsmodels_elnino,
        period=12,
        frequency="monthly",
        length=732,
        sha256=(
            "04cd82503f2284f490eb92e9bf30bfd475d3c12210aca925dc0978f62ce50780"
        ),
        description=(
            "Monthly mean sea surface temperature (degrees C) of the "
            "Pacific, 0-10 S and 90-80 W, 1950-2010 (NOAA), from "
            "statsmodels; its year x month table flattened in time order."
        ),
    ),
    "lynx": _Spec(
        package="pmdarima",
        install=PMDARIMA_INSTALL,
        reader=_pmdarima_lynx,
        period=10,
        frequency="yearly",
        length=114,
        sha256=(
            "de904febbe2487434e7a423e819dbb45723f54a4dbd27072539880d9be93964f"
        ),
        description=(
            "Annual Canadian lynx trappings, 1821-1934, from pmdarima; "
            "a cycle of about 10 years."
        ),
    ),
    "nile": _Spec(
        package="statsmodels",
        install=STATSMODELS_INSTALL,
        reader=_statsmodels_nile,
        period=1,
        frequency="yearly",
        length=100,
        sha256=(
            "eb0f1d6ec926d4062aedc93cdd321895a50cc431ac91b3ab2f5a953997426400"
        ),
        description=(
            "Annual flow of the Nile at Aswan (10^8 m^3), 1871-1970, from "
            "statsmodels; a change point near 1898, no seasonality."
        ),
    ),
    "sunspots": _Spec(
        package="statsmodels",
        install=STATSMODELS_INSTALL,
        reader=_statsmodels_sunspots,
        period=11,
        frequency="yearly",
        length=309,
        sha256=(
            "66c86ecdcd5950f61f6243f924fdfa10a44596e94816291062fdda266a31c86d"
        ),
        description=(
            "Yearly sunspot numbers, 1700-2008 (NGDC), from statsmodels; "
            "the solar cycle is about 11 years."
        ),
    ),
    "taylor": _Spec(
        package="pmdarima",
        install=PMDARIMA_INSTALL,
        reader=_pmdarima_taylor,
        period=48,
        frequency="half-hourly",
        length=4032,
        sha256=(
            "bf5e0b0766e3717ce810bb8f304ae7cff067f31ffa7d133dd005e05cf6f84d84"
        ),
        description=(
            "Half-hourly electricity demand (MW) in England and Wales, 12 "
            "weeks from June 5, 2000 (Taylor, 2003), from pmdarima; daily "
            "period 48, weekly period 336."
        ),
    ),
    "wineind": _Spec(
        package="pmdarima",
        install=PMDARIMA_INSTALL,
        reader=_pmdarima_wineind,
        period=12,
        frequency="monthly",
        length=176,
        sha256=(
            "2696a26c784a61d5d71f710d85a5e350371073970fa77962a39ad120e9283677"
        ),
        description=(
            "Monthly Australian wine sales by winemakers (bottles <= 1 "
            "litre), January 1980 to August 1994, from pmdarima."
        ),
    ),
}


def available_series():
    """Names accepted by `load_series`, sorted.

    Returns:
        A tuple of str.

    Example:

    >>> available_series()[:4]
    ('airpassengers', 'co2', 'elnino', 'lynx')
    >>> available_series()[4:]
    ('nile', 'sunspots', 'taylor', 'wineind')
    """
    return tuple(sorted(_SPECS))


def load_series(name):
    """Loads a verified univariate time series by name.

    statsmodels: "sunspots" (yearly, period 11), "co2" (weekly, period 52;
    its 59 missing values are linearly interpolated), "nile" (yearly, no
    season: period 1), "elnino" (monthly, period 12). pmdarima: "taylor"
    (half-hourly electricity demand, 4,032 steps, period 48), "wineind"
    (monthly, period 12), "airpassengers" (monthly, period 12) and "lynx"
    (yearly, period 10). Each is verified by length and SHA-256 and cached
    per process.

    Args:
        name: One of `available_series()`.

    Returns:
        A `TimeSeries` whose `values` is a read-only float64 array of shape
        (time,) without NaN.

    Raises:
        ValueError: If `name` is unknown.
        DataSourceError: If statsmodels or pmdarima (whichever holds the
            series) is missing or its data fails verification; the message
            says what to install.

    Example:

    >>> series = load_series("co2")
    >>> series.values.shape, series.period, series.frequency
    ((2284,), 52, 'weekly')
    >>> bool(np.isnan(series.values).any())
    False
    """
    if not isinstance(name, str) or name not in _SPECS:
        raise ValueError(
            f"name must be one of {available_series()}; received {name!r}."
        )
    spec = _SPECS[name]
    return TimeSeries(
        name=name,
        values=_read_series(name, spec),
        period=spec.period,
        frequency=spec.frequency,
        description=spec.description,
    )


def train_test_split_series(values, test_size):
    """Splits a series in time: everything but the last steps, then those.

    Args:
        values: Array-like of shape (time, ...) or a `TimeSeries`.
        test_size: Number of final steps to hold out (an int in
            [1, time - 1]) or their fraction (a float in (0, 1), rounded to
            the nearest step and kept in [1, time - 1]).

    Returns:
        `(head, tail)`: NumPy arrays, `values[:-n]` and `values[-n:]`.

    Raises:
        ValueError: If `values` is a scalar or has fewer than 2 steps, or
            `test_size` is out of range.

    Example:

    >>> train_test_split_series(np.arange(10), 3)
    (array([0, 1, 2, 3, 4, 5, 6]), array([7, 8, 9]))
    >>> head, tail = train_test_split_series(load_series("nile"), 0.2)
    >>> head.shape, tail.shape
    ((80,), (20,))
    """
    if isinstance(values, TimeSeries):
        values = values.values
    values = np.asarray(values)
    if values.ndim == 0 or len(values) < 2:
        raise ValueError(
            "values must have at least 2 time steps; received shape "
            f"{values.shape}."
        )
    length = len(values)
    if isinstance(test_size, bool) or not isinstance(test_size, numbers.Real):
        raise ValueError(
            f"test_size must be an int or a float; received {test_size!r}."
        )
    if isinstance(test_size, numbers.Integral):
        if not 1 <= test_size <= length - 1:
            raise ValueError(
                f"test_size must be in [1, {length - 1}] for a series of "
                f"{length} steps; received {test_size}."
            )
        n = int(test_size)
    else:
        if not 0.0 < test_size < 1.0:
            raise ValueError(
                "A float test_size must be a fraction in (0, 1); received "
                f"{test_size!r}."
            )
        n = min(max(int(round(length * test_size)), 1), length - 1)
    return values[:-n], values[-n:]


@functools.cache
def _read_series(name, spec):
    """Reads and verifies one series; cached, returns a read-only array."""
    try:
        values = spec.reader()
    except ImportError as error:
        raise DataSourceError(
            f"The {name!r} series needs {spec.package}, which is not "
            "installed.",
            install=spec.install,
        ) from error
    values = np.asarray(values, np.float64).reshape(-1)
    what = f"{spec.package} series {name!r}"
    _validation.verify_shape(values, (spec.length,), what, spec.install)
    if np.isnan(values).any():
        raise DataSourceError(
            f"{what} failed verification: it contains NaN.",
            install=spec.install,
        )
    _validation.verify_sha256(values, spec.sha256, what, spec.install)
    return _validation.read_only(np.ascontiguousarray(values))
