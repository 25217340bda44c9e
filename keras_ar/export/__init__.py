"""Export to SavedModel and TF Serving.

- `export_saved_model(model, path)`: a SavedModel with a signature per
  task (`log_prob` = `serving_default`, `sample`, `complete`,
  `anomaly_score`, `is_anomaly`, `forecast`; `signature_names(model)`),
  every request checked in the graph within `ServingLimits`; loadable
  with TensorFlow alone (also `model.export(path)`; from a JAX model, the
  export runs in a TensorFlow-backend subprocess).
- `export_for_serving(model, base_path)`: a new version in TF Serving's
  `base_path/NAME/VERSION/` layout.
- `read_example_requests(path)`: the valid example request per signature
  that the export stores (NumPy only).
- `client`: a standard-library REST client for TF Serving
  (`client.predict`, `client.build_request_body`); `grpc_client`: the same
  over gRPC (`tensorflow-serving-api`).
- `write_models_config` (module `models_config`): TF Serving's
  `--model_config_file` for several models and versions.
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
from keras_ar.export import grpc_client
from keras_ar.export import models_config
from keras_ar.export.client import ServingError
from keras_ar.export.client import build_request_body
from keras_ar.export.client import predict
from keras_ar.export.example_requests import read_example_requests
from keras_ar.export.example_requests import read_limits
from keras_ar.export.models_config import write_models_config
from keras_ar.export.saved_model import export_saved_model
from keras_ar.export.saved_model import signature_names
from keras_ar.export.serving_layout import existing_versions
from keras_ar.export.serving_layout import export_for_serving
from keras_ar.export.serving_limits import ServingLimits

__all__ = [
    "ServingError",
    "ServingLimits",
    "build_request_body",
    "client",
    "existing_versions",
    "export_for_serving",
    "export_saved_model",
    "grpc_client",
    "models_config",
    "predict",
    "read_example_requests",
    "read_limits",
    "signature_names",
    "write_models_config",
]
