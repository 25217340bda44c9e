"""Export to SavedModel and TF Serving.

- `export_saved_model(model, path)`: a SavedModel with `log_prob`
  (`serving_default`), `sample` and `complete` signatures, loadable with
  TensorFlow alone (also `model.export(path)`).
- `export_for_serving(model, base_path)`: a new version in TF Serving's
  `base_path/NAME/VERSION/` layout.
- `client`: a standard-library REST client for TF Serving
  (`client.predict`, `client.build_request_body`).
- `serving_check`: loads a SavedModel with TF's C++ loader, as TF Serving
  does (import it explicitly; it needs g++).

TensorFlow is imported only when exporting.

Example:

>>> from keras_ar.export import export_for_serving
>>> from keras_ar.models import NADE
>>> model = NADE((4,), hidden_units=8)
>>> export_for_serving(model, "saved_models", name="nade")
'saved_models/nade/1'
"""

from keras_ar.export import client
from keras_ar.export.client import ServingError
from keras_ar.export.client import build_request_body
from keras_ar.export.client import predict
from keras_ar.export.saved_model import export_saved_model
from keras_ar.export.serving_layout import existing_versions
from keras_ar.export.serving_layout import export_for_serving

__all__ = [
    "ServingError",
    "build_request_body",
    "client",
    "existing_versions",
    "export_for_serving",
    "export_saved_model",
    "predict",
]
