"""Uses of autoregressive models that work over any model: forecasting
(with its metrics and a series forecaster), anomaly detection, image
completion."""

from keras_ar.tasks.anomaly_detection import anomaly_score
from keras_ar.tasks.anomaly_detection import fit_anomaly_threshold
from keras_ar.tasks.anomaly_detection import is_anomaly
from keras_ar.tasks.forecast_metrics import crps_from_samples
from keras_ar.tasks.forecast_metrics import mase
from keras_ar.tasks.forecast_metrics import seasonal_naive_forecast
from keras_ar.tasks.forecasting import forecast
from keras_ar.tasks.image_completion import complete_images
from keras_ar.tasks.image_completion import completion_mask
from keras_ar.tasks.series_forecasting import fit_series_wavenet
from keras_ar.tasks.series_forecasting import forecast_series
from keras_ar.tasks.series_forecasting import series_windows

__all__ = [
    "anomaly_score",
    "complete_images",
    "completion_mask",
    "crps_from_samples",
    "fit_anomaly_threshold",
    "fit_series_wavenet",
    "forecast",
    "forecast_series",
    "is_anomaly",
    "mase",
    "seasonal_naive_forecast",
    "series_windows",
]
