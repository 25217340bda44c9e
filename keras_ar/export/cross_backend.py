"""Export from any Keras backend: the SavedModel is written by a
TensorFlow-backend process.

A model trained with `KERAS_BACKEND=jax` is saved to a temporary `.keras`
file (weights, config, fitted anomaly threshold), which a subprocess with
`KERAS_BACKEND=tensorflow` loads and exports. The `.keras` format is
backend-independent, so the SavedModel computes what the JAX model
computes (to float32 rounding).
"""

import json
import os
import subprocess
import sys
import tempfile

_SCRIPT = """
import json, sys
import keras
import keras_ar  # registers the classes
from keras_ar.export import export_saved_model
model = keras.saving.load_model(sys.argv[1])
options = json.loads(sys.argv[3])
export_saved_model(model, sys.argv[2], **options)
"""


def export_in_tensorflow(model, filepath, timeout=1800, **options):
    """Exports `model` from a TensorFlow-backend subprocess.

    Args:
        model: a `keras_ar` model on any backend.
        filepath: the SavedModel directory to write.
        timeout: seconds before the subprocess is stopped.
        **options: `export_saved_model` keyword arguments (`verbose`,
            `max_num_samples`, ...).

    Returns:
        `filepath` as a string.

    Example:

    >>> from keras_ar.models import NADE
    >>> export_in_tensorflow(NADE((4,), hidden_units=2), "nade_tf",
    ...                      verbose=False)
    'nade_tf'

    Under `KERAS_BACKEND=jax`, `export_saved_model` calls this itself.
    """
    filepath = str(filepath)
    with tempfile.TemporaryDirectory() as workdir:
        saved = os.path.join(workdir, "model.keras")
        model.save(saved)
        env = dict(
            os.environ, KERAS_BACKEND="tensorflow", TF_CPP_MIN_LOG_LEVEL="2"
        )
        result = subprocess.run(
            [
                sys.executable,
                "-c",
                _SCRIPT,
                saved,
                os.path.abspath(filepath),
                json.dumps(options),
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    if result.returncode != 0:
        raise RuntimeError(
            "Exporting in a TensorFlow-backend process failed (exit code "
            f"{result.returncode}):\n{result.stderr[-4000:]}"
        )
    if options.get("verbose", True):
        print(result.stdout, end="")
    return filepath
