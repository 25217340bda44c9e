"""MuLawCategorical: WaveNet's 256-way softmax over mu-law codes."""

import keras
import numpy as np
from keras import ops

from keras_ar.backend.tensors import check_value_range
from keras_ar.backend.tensors import is_numpy_like
from keras_ar.heads.categorical import Categorical


def _check_mu(mu):
    if isinstance(mu, bool) or not isinstance(mu, (int, np.integer)) or mu < 1:
        raise ValueError(f"mu must be an integer >= 1; received {mu!r}.")


def mu_law_encode(x, mu=255):
    """Mu-law companding and quantization of audio in [-1, 1] to 0..mu.

    `f(x) = sign(x) * ln(1 + mu |x|) / ln(1 + mu)`, then
    `code = floor((f(x) + 1) / 2 * mu + 0.5)`, as in WaveNet (van den Oord
    et al., 2016, eq. 2) with 256 levels for `mu=255`.

    Args:
        x: Float samples in [-1, 1]; NumPy array, scalar, list or tensor.
        mu: Companding parameter, an integer >= 1; codes take `mu + 1`
            values.

    Returns:
        int32 codes in [0, mu], a NumPy array for NumPy input, else a tensor.

    Raises:
        ValueError: If `mu` is not an integer >= 1 or values lie outside
            [-1, 1] (or are NaN).

    Example:

    >>> import numpy as np
    >>> mu_law_encode(np.array([-1.0, 0.0, 1.0]))
    array([  0, 128, 255], dtype=int32)
    """
    _check_mu(mu)
    check_value_range(x, -1, 1, "mu_law_encode")
    if is_numpy_like(x):
        x = np.asarray(x, np.float64)
        f = np.sign(x) * np.log1p(mu * np.abs(x)) / np.log1p(mu)
        return np.floor((f + 1) / 2 * mu + 0.5).astype(np.int32)
    x = ops.cast(x, "float32")
    f = ops.sign(x) * ops.log1p(mu * ops.abs(x)) / float(np.log1p(mu))
    return ops.cast(ops.floor((f + 1) / 2 * mu + 0.5), "int32")


def mu_law_decode(codes, mu=255):
    """Inverse of `mu_law_encode`: codes 0..mu back to floats in [-1, 1].

    `y = 2 code / mu - 1`, then `x = sign(y) ((1 + mu)^|y| - 1) / mu`. The
    round trip error is at most half a quantization step in the companded
    domain: about 1e-4 for |x| < 0.001 and 0.022 near +-1 for `mu=255`.

    Args:
        codes: Integer codes in [0, mu]; NumPy array, scalar, list or tensor.
        mu: Companding parameter used for encoding, an integer >= 1.

    Returns:
        float32 values in [-1, 1], a NumPy array for NumPy input, else a
        tensor.

    Raises:
        ValueError: If `mu` is not an integer >= 1 or codes are not integers
            in [0, mu].

    Example:

    >>> import numpy as np
    >>> x = np.array([-0.5, 0.0, 0.01, 0.9])
    >>> bool(np.all(np.abs(mu_law_decode(mu_law_encode(x)) - x) < 0.02))
    True
    """
    _check_mu(mu)
    check_value_range(codes, 0, mu, "mu_law_decode", integers=True)
    if is_numpy_like(codes):
        y = 2 * np.asarray(codes, np.float64) / mu - 1
        x = np.sign(y) * np.expm1(np.abs(y) * np.log1p(mu)) / mu
        return x.astype(np.float32)
    y = 2 * ops.cast(codes, "float32") / mu - 1
    return ops.sign(y) * ops.expm1(ops.abs(y) * float(np.log1p(mu))) / mu


@keras.saving.register_keras_serializable(package="keras_ar")
class MuLawCategorical(Categorical):
    """Categorical distribution over the `mu + 1` mu-law codes of audio.

    The values this head models are mu-law codes, integers `0..mu` (0..255
    for the default `mu=255`), not raw audio: encode waveforms in
    `[-1, 1]` with `head.encode` (`mu_law_encode`, also exported by
    `keras_ar.data`) before training or scoring, and turn sampled codes
    back into audio with `head.decode` (`mu_law_decode`). Mu-law companding
    spends the 256 levels logarithmically, so quiet sounds keep their
    detail; the softmax makes no assumption about the shape of the
    distribution. Otherwise the head is a `Categorical(mu + 1)`: stable
    `log_softmax` likelihoods equal to `tfp.distributions.Categorical`.

    Reference: van den Oord et al., "WaveNet: A Generative Model for Raw
    Audio", 2016, section 2.2 (softmax distributions, eq. 1).

    Args:
        mu: companding parameter, an integer >= 1; the head has `mu + 1`
            classes.
        **kwargs: `keras.layers.Layer` arguments.

    Example:

    >>> import numpy as np
    >>> head = MuLawCategorical()
    >>> codes = mu_law_encode(np.array([[-1.0], [0.0], [0.5]]))  # (3, 1)
    >>> params = head(np.zeros((3, 256), "float32"))
    >>> p = np.exp(np.asarray(head.log_prob(params, codes)))  # (3, 1)
    >>> bool(np.allclose(p, 1 / 256))
    True
    """

    names = ("mu_law", "mulaw", "mu_law_categorical")

    def __init__(self, mu=255, **kwargs):
        kwargs.pop("num_classes", None)
        if isinstance(mu, bool) or not isinstance(mu, (int, np.integer)):
            raise ValueError(
                f"`mu` must be an integer >= 1. Received: mu={mu!r}"
            )
        if mu < 1:
            raise ValueError(f"`mu` must be an integer >= 1. Received: mu={mu}")
        self.mu = int(mu)
        super().__init__(num_classes=self.mu + 1, **kwargs)

    @property
    def value_hint(self):
        return (
            "MuLawCategorical models mu-law codes: encode audio in [-1, 1] "
            "with head.encode (keras_ar.heads.mu_law_encode)."
        )

    def encode(self, audio):
        """Waveform in `[-1, 1]` -> int32 codes (`mu_law_encode`)."""
        return mu_law_encode(audio, mu=self.mu)

    def decode(self, codes):
        """Codes `0..mu` -> float32 waveform in `[-1, 1]` (`mu_law_decode`)."""
        return mu_law_decode(codes, mu=self.mu)

    def get_config(self):
        config = super().get_config()
        config.pop("num_classes", None)
        config["mu"] = self.mu
        return config
