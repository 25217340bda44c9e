"""Small utilities: image grids, plots and forecast metrics."""

from keras_ar.utils.audio_plot import save_audio_plot
from keras_ar.utils.forecast_metrics import crps_from_samples
from keras_ar.utils.forecast_metrics import mase
from keras_ar.utils.forecast_metrics import seasonal_naive_forecast
from keras_ar.utils.image_grid import image_grid
from keras_ar.utils.image_grid import save_image_grid
from keras_ar.utils.plots import save_forecast_plot
from keras_ar.utils.plots import save_history_plot

__all__ = [
    "crps_from_samples",
    "image_grid",
    "mase",
    "save_audio_plot",
    "save_forecast_plot",
    "save_history_plot",
    "save_image_grid",
    "seasonal_naive_forecast",
]
