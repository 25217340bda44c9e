"""The `>>>` examples in the docstrings of the newer modules run."""

import doctest
import importlib

import pytest

MODULES = [
    "keras_ar.utils.audio_plot",
    "keras_ar.utils.forecast_metrics",
    "keras_ar.utils.plots",
    "keras_ar.models.series_wavenet",
    "keras_ar.models.wavenet",
    "keras_ar.testing.export_checks",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0
