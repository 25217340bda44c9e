"""Small utilities: image and completion grids, plots, training curves, argument
validation."""

from keras_ar.utils.audio_plot import save_audio_plot
from keras_ar.utils.completion_grid import completion_grid
from keras_ar.utils.completion_grid import save_completion_grid
from keras_ar.utils.image_grid import image_grid
from keras_ar.utils.image_grid import save_image_grid
from keras_ar.utils.plots import save_forecast_plot
from keras_ar.utils.plots import save_history_plot
from keras_ar.utils.training_history import TrainingHistory
from keras_ar.utils.training_plot import save_training_plot
from keras_ar.utils.training_plot import smooth

__all__ = [
    "TrainingHistory",
    "completion_grid",
    "image_grid",
    "save_audio_plot",
    "save_completion_grid",
    "save_forecast_plot",
    "save_history_plot",
    "save_image_grid",
    "save_training_plot",
    "smooth",
]
