"""Look-up of heads by name: every head class lists its own `names`."""

import keras

from keras_ar.heads.bernoulli import Bernoulli
from keras_ar.heads.categorical import Categorical
from keras_ar.heads.discretized_logistic_mixture import (
    DiscretizedLogisticMixture,
)
from keras_ar.heads.gaussian import Gaussian
from keras_ar.heads.head import DistributionHead
from keras_ar.heads.mixture_of_gaussians import MixtureOfGaussians
from keras_ar.heads.mu_law_categorical import MuLawCategorical

#: The head classes `get_head` knows by name.
HEAD_CLASSES = (
    Bernoulli,
    Categorical,
    MuLawCategorical,
    DiscretizedLogisticMixture,
    Gaussian,
    MixtureOfGaussians,
)


def head_names():
    """Every name `get_head` resolves, canonical names first.

    Example:

    >>> head_names()[:3]
    ('bernoulli', 'categorical', 'mu_law')
    """
    canonical = tuple(cls.names[0] for cls in HEAD_CLASSES)
    aliases = tuple(n for cls in HEAD_CLASSES for n in cls.names[1:])
    return canonical + aliases


def get_head(identifier, default_classes=256):
    """Returns a head from an instance, a name, a config or a class count.

    Args:
        identifier: a `DistributionHead`; `None` (a 256-way categorical);
            a name from `head_names()` (`"bernoulli"`, `"categorical"`,
            `"mu_law"`, `"logistic_mixture"`, `"gaussian"`,
            `"mixture_of_gaussians"`, and aliases; case, `-` and spaces are
            ignored), built with its default arguments; an int number of
            classes (2 gives `Bernoulli`); or a serialized head config dict.
        default_classes: classes of `"categorical"` and `None`.

    Returns:
        A `DistributionHead`.

    Raises:
        ValueError: for anything else, listing the known names.

    Example:

    >>> get_head("bernoulli").num_values
    2
    >>> get_head("Mu-Law").num_values
    256
    >>> get_head("logistic_mixture").num_components
    10
    """
    if isinstance(identifier, DistributionHead):
        return identifier
    if identifier is None:
        return Categorical(default_classes)
    if isinstance(identifier, dict):
        head = keras.saving.deserialize_keras_object(identifier)
        if isinstance(head, DistributionHead):
            return head
    elif isinstance(identifier, str):
        name = identifier.strip().lower().replace("-", "_").replace(" ", "_")
        for cls in HEAD_CLASSES:
            if name in cls.names:
                if cls is Categorical:
                    return Categorical(default_classes)
                return cls()
    elif isinstance(identifier, int) and not isinstance(identifier, bool):
        if identifier >= 2:
            return Bernoulli() if identifier == 2 else Categorical(identifier)
    raise ValueError(
        "`head` must be a DistributionHead, one of the names "
        f"{head_names()}, or a number of classes >= 2. Received: "
        f"head={identifier!r}"
    )
