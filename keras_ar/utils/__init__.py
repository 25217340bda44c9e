"""Small utilities: image grids and plots."""

from keras_ar.utils.image_grid import image_grid
from keras_ar.utils.image_grid import save_image_grid
from keras_ar.utils.plots import save_history_plot

__all__ = ["image_grid", "save_history_plot", "save_image_grid"]
