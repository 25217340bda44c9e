"""Class-conditional samples of a model, `per_class` of every class."""

import sys

import numpy as np

from keras_ar.utils import validation


def class_count(model):
    """Classes of a model's class condition; `ValueError` for a model
    without one (or with other condition parts too)."""
    spec = model.condition_spec
    classes = getattr(model, "condition_classes", None)
    if classes is None or len(spec.parts) != 1:
        raise ValueError(
            "Expected a model with a class condition only (built with "
            f"`condition_classes=K`). Received a {model.__class__.__name__} "
            f"conditioned on {spec.describe()}."
        )
    return int(classes)


def _chunk_seed(seed, index):
    if seed is None:
        return None
    return (seed + index) % (validation.MAX_SEED + 1)


def class_conditional_samples(
    model,
    per_class,
    seed=None,
    temperature=1.0,
    batch_size=256,
    classes=None,
    progress=False,
):
    """Draws `per_class` samples of every class of a class-conditional
    model, in batches.

    The everyday use of a generative model for augmentation: add labelled
    synthetic examples to a small training set (e.g. Antoniou, Storkey &
    Edwards, "Data Augmentation Generative Adversarial Networks", 2017;
    here with an exact-likelihood model).

    Args:
        model: an `AutoregressiveModel` with `condition_classes`.
        per_class: samples of each class (positive int).
        seed: int for reproducible samples (each batch uses `seed + i`),
            or `None`.
        temperature: sampling temperature (`< 1`: more likely samples).
        batch_size: samples drawn per compiled call.
        classes: the class ids to sample (default: all).
        progress: show a `keras.utils.Progbar` over the samples.

    Returns:
        `(x, y)`: samples `(len(classes) * per_class,) + event_shape` in
        the head's values, and their int32 class ids, class by class.

    Raises:
        ValueError: for a model without a class condition, or bad
            arguments.

    Example:

    >>> from keras_ar.models import PixelCNN
    >>> model = PixelCNN((4, 4, 1), head="bernoulli", filters=2,
    ...                  num_residual_blocks=1, output_filters=4,
    ...                  condition_classes=3)
    >>> x, y = class_conditional_samples(model, per_class=2, seed=0)
    >>> x.shape, y.tolist()
    ((6, 4, 4, 1), [0, 0, 1, 1, 2, 2])
    """
    import keras

    num_classes = class_count(model)
    per_class = validation.check_positive_int(per_class, "per_class")
    batch_size = validation.check_positive_int(batch_size, "batch_size")
    seed = validation.check_seed(seed)
    validation.check_temperature(temperature)
    if classes is None:
        classes = range(num_classes)
    classes = [int(c) for c in classes]
    bad = [c for c in classes if not 0 <= c < num_classes]
    if bad or not classes:
        raise ValueError(
            f"Expected class ids in [0, {num_classes - 1}]. Received: "
            f"classes={classes}"
        )
    labels = np.repeat(np.asarray(classes, "int32"), per_class)
    bar = None
    if progress:
        verbose = 1 if sys.stdout.isatty() else 2
        bar = keras.utils.Progbar(len(labels), verbose=verbose, unit_name="ex")
    parts = []
    for index, start in enumerate(range(0, len(labels), batch_size)):
        chunk = labels[start : start + batch_size]
        parts.append(
            np.asarray(
                model.sample(
                    len(chunk),
                    condition=chunk,
                    seed=_chunk_seed(seed, index),
                    temperature=temperature,
                )
            )
        )
        if bar is not None:
            bar.add(len(chunk))
    return np.concatenate(parts), labels
