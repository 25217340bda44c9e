"""Likelihood-ratio OOD score (Ren et al. 2019) and `ood_score`."""

import numpy as np

METHODS = ("likelihood", "likelihood_ratio", "input_complexity")


def _log_prob(model, x, condition, batch_size):
    return np.asarray(
        model.log_prob(x, condition=condition, batch_size=batch_size),
        dtype="float64",
    )


def likelihood_ratio(model, background, x, condition=None, batch_size=None):
    """`log p(x) - log p_background(x)` per example, in nats.

    Convention: HIGHER means MORE in-distribution (the semantic part of
    the input is better explained by the model than by its background
    model). `ood_score(..., method="likelihood_ratio")` returns the
    negative, where higher means more out-of-distribution.

    Reference: Ren et al., "Likelihood Ratios for Out-of-Distribution
    Detection", NeurIPS 2019, equation 3.

    Args:
        model: the keras_ar model trained on the in-distribution data.
        background: its background model (`train_background`), same
            event shape.
        x: events `(batch,) + event_shape`.
        condition: the condition of both models, if conditional.
        batch_size: score in chunks of this size with a progress bar.

    Returns:
        `(batch,)` float64 NumPy array.

    Example:

    >>> import numpy as np
    >>> from keras_ar.models import MADE
    >>> from keras_ar.ood import clone_untrained, likelihood_ratio
    >>> x = np.random.default_rng(0).integers(0, 2, (3, 6))
    >>> model = MADE((6,), hidden_units=[16])
    >>> background = clone_untrained(model)  # or train_background(...)
    >>> likelihood_ratio(model, background, x).shape
    (3,)
    """
    if tuple(background.event_shape) != tuple(model.event_shape):
        raise ValueError(
            "Expected a background model of the model's event shape "
            f"{tuple(model.event_shape)}. Received a background model of "
            f"event shape {tuple(background.event_shape)}."
        )
    return _log_prob(model, x, condition, batch_size) - _log_prob(
        background, x, condition, batch_size
    )


def ood_score(
    model,
    x,
    method="likelihood_ratio",
    background=None,
    compressor="png",
    condition=None,
    batch_size=None,
):
    """An out-of-distribution score per example: HIGHER = MORE OOD.

    - `"likelihood"`: the negative log-likelihood `-log p(x)` (nats), the
      naive score that fails when OOD data is simpler than the training
      data (Nalisnick et al. 2019);
    - `"likelihood_ratio"`: `-(log p(x) - log p_background(x))` (Ren et al.
      2019), needs `background`;
    - `"input_complexity"`: `S(x) = NLL_bits(x) - L(x)` (Serra et al. 2020),
      `L` the code length of `compressor` in bits.

    Args:
        model: a trained keras_ar model.
        x: events `(batch,) + event_shape`.
        method: one of `"likelihood"`, `"likelihood_ratio"`,
            `"input_complexity"`.
        background: the background model, for `"likelihood_ratio"`.
        compressor: for `"input_complexity"`: `"png"`, `"zlib"`, `"bz2"`
            or `"lzma"`.
        condition: the model's condition, if conditional.
        batch_size: score in chunks of this size with a progress bar.

    Returns:
        `(batch,)` float64 NumPy array.

    Example:

    >>> import numpy as np
    >>> from keras_ar.models import MADE
    >>> from keras_ar.ood import ood_score
    >>> x = np.random.default_rng(0).integers(0, 2, (8, 6))
    >>> model = MADE((6,), hidden_units=[16])
    >>> ood_score(model, x, "input_complexity", compressor="zlib").shape
    (8,)
    """
    if method == "likelihood":
        return -_log_prob(model, x, condition, batch_size)
    if method == "likelihood_ratio":
        if background is None:
            raise ValueError(
                "method='likelihood_ratio' needs a `background` model "
                "(`keras_ar.ood.train_background`). Received: "
                "background=None"
            )
        return -likelihood_ratio(model, background, x, condition, batch_size)
    if method == "input_complexity":
        from keras_ar.ood.input_complexity import input_complexity_score

        return input_complexity_score(
            model, x, compressor, condition=condition, batch_size=batch_size
        )
    raise ValueError(
        f"Expected `method` in {METHODS}. Received: method={method!r}"
    )
