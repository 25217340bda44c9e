"""TF Serving's --model_config_file writer, parsed back with its proto."""

import os

import pytest
from google.protobuf import text_format
from tensorflow_serving.config import model_server_config_pb2

from keras_ar.export.models_config import models_config
from keras_ar.export.models_config import write_models_config


def _parse(text):
    return text_format.Parse(text, model_server_config_pb2.ModelServerConfig())


def _configs(text):
    return {c.name: c for c in _parse(text).model_config_list.config}


def test_every_policy_parses_into_the_fields(tmp_path):
    text = models_config(
        {
            "latest_default": "/models/a",
            "pinned": {
                "base_path": "/models/b",
                "versions": [2, 1],
                "labels": {"stable": 1, "canary": 2},
            },
            "newest_two": {"base_path": "/models/c", "latest": 2},
            "every": {"base_path": "/models/d", "all": True},
        }
    )
    configs = _configs(text)
    assert list(configs) == ["latest_default", "pinned", "newest_two", "every"]
    for config in configs.values():
        assert config.model_platform == "tensorflow"
    default = configs["latest_default"]
    assert default.base_path == "/models/a"
    assert not default.HasField("model_version_policy")
    pinned = configs["pinned"]
    assert pinned.base_path == "/models/b"
    policy = pinned.model_version_policy
    assert policy.WhichOneof("policy_choice") == "specific"
    assert list(policy.specific.versions) == [1, 2]
    assert dict(pinned.version_labels) == {"stable": 1, "canary": 2}
    latest = configs["newest_two"].model_version_policy
    assert latest.WhichOneof("policy_choice") == "latest"
    assert latest.latest.num_versions == 2
    every = configs["every"].model_version_policy
    assert every.WhichOneof("policy_choice") == "all"


def test_relative_base_paths_become_absolute(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    configs = _configs(
        models_config({"m": "saved_models/m", "q": {"base_path": tmp_path}})
    )
    assert configs["m"].base_path == str(tmp_path / "saved_models" / "m")
    assert configs["q"].base_path == str(tmp_path)


def test_quotes_and_backslashes_in_paths_are_escaped():
    path = '/models/we"ird\\dir'
    configs = _configs(models_config({"m": path}))
    assert configs["m"].base_path == path


def test_write_models_config(tmp_path):
    path = tmp_path / "models.config"
    models = {"a": "/m/a", "b": {"base_path": "/m/b", "versions": 3}}
    assert write_models_config(path, models) == str(path)
    text = path.read_text()
    assert text == models_config(models)
    configs = _configs(text)
    assert list(configs["b"].model_version_policy.specific.versions) == [3]
    assert os.path.isabs(configs["a"].base_path)


@pytest.mark.parametrize(
    "models, expected, received",
    [
        ({}, "non-empty dict", "{}"),
        ([("a", "/m")], "non-empty dict", "[('a', '/m')]"),
        ({"": "/m"}, "non-empty string", "''"),
        ({"a/b": "/m"}, "without '/'", "'a/b'"),
        ({"a": 3}, "a base path or a dict", "3"),
        ({"a": {"versions": [1]}}, "non-empty 'base_path'", "None"),
        ({"a": {"base_path": ""}}, "non-empty 'base_path'", "''"),
        ({"a": {"base_path": "/m", "version": 1}}, "among", "['version']"),
        (
            {"a": {"base_path": "/m", "versions": [1], "latest": 2}},
            "at most one",
            "['versions', 'latest']",
        ),
        ({"a": {"base_path": "/m", "versions": []}}, "positive ints", "[]"),
        ({"a": {"base_path": "/m", "versions": [0]}}, "positive ints", "[0]"),
        (
            {"a": {"base_path": "/m", "versions": [1.5]}},
            "positive ints",
            "[1.5]",
        ),
        ({"a": {"base_path": "/m", "latest": 0}}, "positive int", "latest=0"),
        (
            {"a": {"base_path": "/m", "latest": True}},
            "positive int",
            "latest=True",
        ),
        ({"a": {"base_path": "/m", "all": 1}}, "all=True", "all=1"),
        (
            {"a": {"base_path": "/m", "labels": {"s": 1}}},
            "need versions",
            "labels={'s': 1}",
        ),
        (
            {"a": {"base_path": "/m", "versions": [1], "labels": {"s": 2}}},
            "one of the versions [1]",
            "Received: 2",
        ),
        (
            {"a": {"base_path": "/m", "versions": [1], "labels": [1]}},
            "a dict label",
            "[1]",
        ),
    ],
)
def test_bad_models_raise_value_error(models, expected, received):
    with pytest.raises(ValueError) as info:
        models_config(models)
    assert expected in str(info.value)
    assert received in str(info.value)
