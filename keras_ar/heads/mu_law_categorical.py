"""MuLawCategorical: WaveNet's 256-way softmax over mu-law codes."""

import keras
import numpy as np

from keras_ar.heads.categorical import Categorical


@keras.saving.register_keras_serializable(package="keras_ar")
class MuLawCategorical(Categorical):
    """Categorical distribution over the `mu + 1` mu-law codes of audio.

    The values this head models are mu-law codes, integers `0..mu` (0..255
    for the default `mu=255`), not raw audio: encode waveforms in
    `[-1, 1]` with `keras_ar.data.mu_law_encode` (or `head.encode`) before
    training or scoring, and turn sampled codes back into audio with
    `keras_ar.data.mu_law_decode` (or `head.decode`). Mu-law companding
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
    >>> from keras_ar.data import mu_law_encode
    >>> head = MuLawCategorical()
    >>> codes = mu_law_encode(np.array([[-1.0], [0.0], [0.5]]))  # (3, 1)
    >>> params = head(np.zeros((3, 256), "float32"))
    >>> p = np.exp(np.asarray(head.log_prob(params, codes)))  # (3, 1)
    >>> bool(np.allclose(p, 1 / 256))
    True
    """

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

    def log_prob(self, params, x):
        if isinstance(x, (np.ndarray, list)):
            codes = np.asarray(x)
            if codes.size and (
                codes.min() < 0
                or codes.max() > self.mu
                or not np.all(np.equal(np.mod(codes, 1), 0))
            ):
                raise ValueError(
                    f"MuLawCategorical expects mu-law codes, integers in "
                    f"[0, {self.mu}] (encode audio with "
                    "keras_ar.data.mu_law_encode). Received values in "
                    f"[{codes.min()}, {codes.max()}]."
                )
        return super().log_prob(params, x)

    def encode(self, audio):
        """Waveform in `[-1, 1]` -> int32 codes (`mu_law_encode`)."""
        from keras_ar.data.transforms import mu_law_encode

        return mu_law_encode(audio, mu=self.mu)

    def decode(self, codes):
        """Codes `0..mu` -> float32 waveform in `[-1, 1]` (`mu_law_decode`)."""
        from keras_ar.data.transforms import mu_law_decode

        return mu_law_decode(codes, mu=self.mu)

    def get_config(self):
        config = super().get_config()
        config.pop("num_classes", None)
        config["mu"] = self.mu
        return config
