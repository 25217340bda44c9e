"""Autoregressive building blocks (keras.ops only)."""

from keras_ar.layers.causal_conv1d import CausalDilatedConv1D
from keras_ar.layers.causal_self_attention_2d import CausalSelfAttention2D
from keras_ar.layers.diagonal_bilstm import DiagonalBiLSTM
from keras_ar.layers.down_right_shifted_conv2d import DownRightShiftedConv2D
from keras_ar.layers.down_right_shifted_conv2d_transpose import (
    DownRightShiftedConv2DTranspose,
)
from keras_ar.layers.down_shifted_conv2d import DownShiftedConv2D
from keras_ar.layers.down_shifted_conv2d import data_init_scope
from keras_ar.layers.down_shifted_conv2d import down_shift
from keras_ar.layers.down_shifted_conv2d import right_shift
from keras_ar.layers.down_shifted_conv2d_transpose import (
    DownShiftedConv2DTranspose,
)
from keras_ar.layers.gated_pixelcnn_block import GatedPixelCNNBlock
from keras_ar.layers.gated_resnet_block import GatedResnetBlock
from keras_ar.layers.gated_resnet_block import concat_elu
from keras_ar.layers.made_masks import degree_mask
from keras_ar.layers.made_masks import made_degrees
from keras_ar.layers.made_masks import made_hidden_degrees
from keras_ar.layers.made_masks import made_input_degrees
from keras_ar.layers.made_masks import made_masks
from keras_ar.layers.masked_conv2d import MaskedConv2D
from keras_ar.layers.masked_conv2d import channel_groups_of
from keras_ar.layers.masked_conv2d import pixelcnn_mask
from keras_ar.layers.masked_dense import MaskedDense
from keras_ar.layers.pixelcnn_residual_block import PixelCNNResidualBlock
from keras_ar.layers.row_lstm import RowLSTM
from keras_ar.layers.wavenet_block import WaveNetBlock

__all__ = [
    "CausalDilatedConv1D",
    "CausalSelfAttention2D",
    "DownRightShiftedConv2D",
    "DownRightShiftedConv2DTranspose",
    "DownShiftedConv2D",
    "DownShiftedConv2DTranspose",
    "GatedResnetBlock",
    "concat_elu",
    "data_init_scope",
    "down_shift",
    "right_shift",
    "DiagonalBiLSTM",
    "RowLSTM",
    "WaveNetBlock",
    "MaskedConv2D",
    "channel_groups_of",
    "GatedPixelCNNBlock",
    "MaskedDense",
    "PixelCNNResidualBlock",
    "degree_mask",
    "made_degrees",
    "made_hidden_degrees",
    "made_input_degrees",
    "made_masks",
    "pixelcnn_mask",
]
