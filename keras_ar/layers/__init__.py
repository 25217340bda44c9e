"""Autoregressive building blocks (keras.ops only)."""

from keras_ar.layers.masked_conv2d import MaskedConv2D
from keras_ar.layers.masked_conv2d import pixelcnn_mask
from keras_ar.layers.pixelcnn_residual_block import PixelCNNResidualBlock

__all__ = ["MaskedConv2D", "PixelCNNResidualBlock", "pixelcnn_mask"]
