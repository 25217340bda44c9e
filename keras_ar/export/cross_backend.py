"""Export from a process whose Keras backend is not TensorFlow (JAX):
the model is saved as `.keras` and exported by a TensorFlow-backend
subprocess, so the SavedModel is the one TensorFlow would write."""


def export_in_tensorflow_process(model, filepath, **export_kwargs):
    """Exports `model` (any backend) with `export_saved_model` run in a
    `KERAS_BACKEND=tensorflow` subprocess; returns `filepath`."""
    raise NotImplementedError(
        "Exporting from a non-TensorFlow backend is not implemented yet."
    )
