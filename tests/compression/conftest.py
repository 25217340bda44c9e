import numpy as np


def perturb(model, scale, seed=0):
    """Moves every trainable weight off its initial value."""
    rng = np.random.default_rng(seed)
    for weight in model.trainable_weights:
        value = np.asarray(weight.numpy())
        weight.assign(value + scale * rng.standard_normal(value.shape))
    return model
