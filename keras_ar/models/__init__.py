"""Autoregressive models."""

from keras_ar.models.autoregressive_model import AutoregressiveModel
from keras_ar.models.pixelcnn import PixelCNN

__all__ = ["AutoregressiveModel", "PixelCNN"]
