"""Every `>>>` example in keras_ar's docstrings runs and passes.

The modules are discovered, not listed: a new module's examples run
without anyone remembering to add it here.
"""

import doctest
import importlib
import os
import pkgutil

import numpy as np
import pytest

import keras_ar

#: Modules whose examples need TensorFlow itself (export, tf.data, TFDS).
NEEDS_TENSORFLOW = (
    "keras_ar.backend.graph_checks",
    "keras_ar.data.tfds_builders",
    "keras_ar.data.tf_dataset",
    "keras_ar.export",
    "keras_ar.testing.export_checks",
    "keras_ar.testing.model_test",
)


def _modules_with_examples():
    root = os.path.dirname(keras_ar.__file__)
    names = ["keras_ar"]
    for info in pkgutil.walk_packages([root], prefix="keras_ar."):
        names.append(info.name)
    found = []
    for name in sorted(names):
        path = importlib.util.find_spec(name).origin
        if path and path.endswith(".py"):
            with open(path, encoding="utf-8") as f:
                if ">>>" in f.read():
                    marks = ()
                    if name.startswith(NEEDS_TENSORFLOW):
                        marks = (pytest.mark.tensorflow,)
                    found.append(pytest.param(name, marks=marks, id=name))
    return found


def test_every_public_module_is_covered():
    names = {p.values[0] for p in _modules_with_examples()}
    for required in (
        "keras_ar.layers.masked_conv2d",
        "keras_ar.heads.bernoulli",
        "keras_ar.export.saved_model",
        "keras_ar.models.pixelcnn",
        "keras_ar.models.made",
        "keras_ar.models.nade",
        "keras_ar.tasks.anomaly_detection",
    ):
        assert required in names


@pytest.mark.parametrize("name", _modules_with_examples())
def test_docstring_examples(name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # examples may write files
    module = importlib.import_module(name)
    result = doctest.testmod(
        module,
        extraglobs={"np": np},
        optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
    )
    assert result.attempted > 0
    assert result.failed == 0
