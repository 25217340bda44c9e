"""Small utilities: image grids, plots, argument validation."""

from keras_ar.utils.audio_plot import save_audio_plot
from keras_ar.utils.image_grid import image_grid
from keras_ar.utils.image_grid import save_image_grid
from keras_ar.utils.plots import save_forecast_plot
from keras_ar.utils.plots import save_history_plot

__all__ = [
    "image_grid",
    "save_audio_plot",
    "save_forecast_plot",
    "save_history_plot",
    "save_image_grid",
]
