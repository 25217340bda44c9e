"""Look-up of heads by name."""

import keras

from keras_ar.heads.bernoulli import Bernoulli
from keras_ar.heads.categorical import Categorical
from keras_ar.heads.gaussian import Gaussian
from keras_ar.heads.head import DistributionHead
from keras_ar.heads.mixture_of_gaussians import MixtureOfGaussians


def get_head(identifier, default_classes=256):
    """Returns a head from an instance, a name, a config or a class count.

    Args:
        identifier: a `DistributionHead`; `None` (a 256-way categorical);
            `"bernoulli"`; `"categorical"`; `"gaussian"`;
            `"mixture_of_gaussians"` (10 components); an int number of
            classes (2 gives `Bernoulli`); or a serialized head config dict.
        default_classes: classes of `"categorical"` and `None`.

    Returns:
        A `DistributionHead`.

    Example:

    >>> get_head("bernoulli").num_values
    2
    """
    if isinstance(identifier, DistributionHead):
        return identifier
    if identifier is None:
        return Categorical(default_classes)
    if isinstance(identifier, dict):
        return keras.saving.deserialize_keras_object(identifier)
    if isinstance(identifier, str):
        name = identifier.lower()
        if name == "bernoulli":
            return Bernoulli()
        if name == "categorical":
            return Categorical(default_classes)
        if name == "gaussian":
            return Gaussian()
        if name in ("mixture_of_gaussians", "mog"):
            return MixtureOfGaussians()
    elif isinstance(identifier, int) and not isinstance(identifier, bool):
        return Bernoulli() if identifier == 2 else Categorical(identifier)
    raise ValueError(
        "`head` must be a DistributionHead, 'bernoulli', 'categorical', "
        "'gaussian', 'mixture_of_gaussians' or a number of classes. "
        f"Received: head={identifier!r}"
    )
