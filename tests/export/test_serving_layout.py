"""TF Serving's `BASE/NAME/VERSION/` layout."""

import os

import pytest

from keras_ar.export import existing_versions
from keras_ar.export import export_for_serving
from keras_ar.export import saved_model


def test_versions_increment_and_are_never_overwritten(models, tmp_path):
    model = models["binary"]
    model_dir = tmp_path / "pixelcnn"
    for name in ("1", "7", "notes", ".tmp-old"):
        (model_dir / name).mkdir(parents=True)
    (model_dir / "9").write_text("a file, not a version")
    assert existing_versions(str(model_dir)) == [1, 7]

    first = export_for_serving(model, tmp_path, name="pixelcnn")
    second = export_for_serving(model, str(tmp_path), name="pixelcnn")

    # The next free number: after 7, and after the file "9".
    assert first == os.path.join(str(tmp_path), "pixelcnn", "10")
    assert second == os.path.join(str(tmp_path), "pixelcnn", "11")
    for path in (first, second):
        assert os.path.isfile(os.path.join(path, "saved_model.pb"))
        assert os.path.isdir(os.path.join(path, "variables"))
    assert existing_versions(str(model_dir)) == [1, 7, 10, 11]
    hidden = [n for n in os.listdir(model_dir) if n.startswith(".")]
    assert hidden == [".tmp-old"]  # no staging directory left behind
    for taken in (7, 9):
        with pytest.raises(FileExistsError, match=f"Version {taken} "):
            export_for_serving(model, tmp_path, name="pixelcnn", version=taken)


def test_default_name_and_explicit_version(models, tmp_path):
    model = models["categorical"]
    path = export_for_serving(model, tmp_path, version=3)
    assert path == os.path.join(str(tmp_path), model.name, "3")
    assert os.path.isfile(os.path.join(path, "saved_model.pb"))
    assert existing_versions(str(tmp_path / "missing")) == []


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"version": 0}, "positive int"),
        ({"version": 1.5}, "positive int"),
        ({"version": True}, "positive int"),
        ({"name": "a/b"}, "plain directory name"),
        ({"name": ".hidden"}, "plain directory name"),
    ],
)
def test_invalid_name_or_version(models, tmp_path, kwargs, message):
    with pytest.raises(ValueError, match=message):
        export_for_serving(models["binary"], tmp_path, **kwargs)
    assert not any(tmp_path.rglob("saved_model.pb"))


def test_failed_export_leaves_no_version(models, tmp_path, monkeypatch):
    def failing_export(model, path, verbose=False):
        os.makedirs(path)
        open(os.path.join(path, "saved_model.pb"), "w").close()
        raise RuntimeError("disk full")

    monkeypatch.setattr(saved_model, "export_saved_model", failing_export)
    with pytest.raises(RuntimeError, match="disk full"):
        export_for_serving(models["binary"], tmp_path, name="m")
    assert os.listdir(tmp_path / "m") == []
