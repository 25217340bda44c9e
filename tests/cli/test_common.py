import argparse

import keras

from keras_ar.cli import common


def test_export_is_skipped_with_a_note_off_tensorflow(monkeypatch, capsys):
    args = argparse.Namespace(no_export=False, export_dir="x", name=None)
    monkeypatch.setattr(keras.backend, "backend", lambda: "jax")
    assert common.export_model(object(), args, "m") is None
    assert "export needs the TensorFlow backend" in capsys.readouterr().out
    args.no_export = True
    assert common.export_model(object(), args, "m") is None
    assert capsys.readouterr().out == ""
