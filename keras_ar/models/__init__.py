"""Autoregressive models."""

from keras_ar.models.autoregressive_model import AutoregressiveModel
from keras_ar.models.gated_pixelcnn import GatedPixelCNN
from keras_ar.models.gated_pixelcnn_backbone import GatedPixelCNNBackbone
from keras_ar.models.image_model import ImageModel
from keras_ar.models.made import MADE
from keras_ar.models.made_backbone import MADEBackbone
from keras_ar.models.nade import NADE
from keras_ar.models.nade_backbone import NADEBackbone
from keras_ar.models.pixelcnn import PixelCNN
from keras_ar.models.pixelcnn_backbone import PixelCNNBackbone
from keras_ar.models.pixelcnnpp import PixelCNNPlusPlus
from keras_ar.models.pixelcnnpp_backbone import PixelCNNPlusPlusBackbone
from keras_ar.models.pixelrnn import PixelRNN
from keras_ar.models.pixelrnn_backbone import PixelRNNBackbone
from keras_ar.models.pixelsnail import PixelSNAIL
from keras_ar.models.pixelsnail_backbone import PixelSNAILBackbone
from keras_ar.models.wavenet import WaveNet

__all__ = [
    "GatedPixelCNN",
    "GatedPixelCNNBackbone",
    "ImageModel",
    "MADE",
    "MADEBackbone",
    "NADE",
    "NADEBackbone",
    "AutoregressiveModel",
    "PixelCNN",
    "PixelCNNBackbone",
    "PixelCNNPlusPlus",
    "PixelCNNPlusPlusBackbone",
    "PixelRNN",
    "PixelRNNBackbone",
    "PixelSNAIL",
    "PixelSNAILBackbone",
    "WaveNet",
]
