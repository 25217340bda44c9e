"""Lossless compression with autoregressive models (ANS coding).

`encode(model, x) -> bytes` and `decode(model, data) -> x` code every value
with the model's own conditional distribution, using the ANS coder of the
`constriction` package; the stream costs about the model's negative
log-likelihood in bits.
"""

from keras_ar.compression.codec import decode
from keras_ar.compression.codec import encode
from keras_ar.compression.codec import read_header
from keras_ar.compression.container import CompressionError
from keras_ar.compression.fingerprint import model_fingerprint
from keras_ar.compression.quantization import PRECISION
from keras_ar.compression.quantization import code_length_bits
from keras_ar.compression.quantization import quantize_log_probs
from keras_ar.compression.step_scorer import StepScorer

__all__ = [
    "PRECISION",
    "CompressionError",
    "StepScorer",
    "code_length_bits",
    "decode",
    "encode",
    "model_fingerprint",
    "quantize_log_probs",
    "read_header",
]
