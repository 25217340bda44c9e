"""Workaround: KerasTuner cannot tell the direction of keras_ar's metrics.

Upstream behaviour (keras-tuner 1.4.8): a string objective such as
`keras_tuner.RandomSearch(hypermodel, objective="val_bits_per_dim")` goes
through `keras_tuner.src.engine.objective.create_objective`, which calls
`metrics_tracking.infer_metric_direction(name)`. That function only knows
`loss`, `acc`, `crossentropy` and the metrics and losses of `keras.metrics`
/ `keras.losses`; for any other name it returns `None` and the tuner
raises `ValueError: Could not infer optimization direction ("min" or
"max") for unknown metric "val_bits_per_dim"` (the error was introduced by
https://github.com/keras-team/keras-tuner/pull/117; upstream's advice is
to pass `keras_tuner.Objective(name, direction)`,
https://github.com/keras-team/keras-tuner/issues/588).

keras_ar's models report `bits_per_dim` (and `val_bits_per_dim`), which
are minimised. `install()` wraps `infer_metric_direction` in KerasTuner's
`metrics_tracking` module (where `create_objective` and
`MetricsTracker.register` look it up at call time) so that those names
give `"min"`; every other name is delegated to the original function.
`keras_ar.tuning` calls `install()` when it is imported; calling it again
does nothing.

Pinned to keras-tuner==1.4.8: on another version `install()` leaves
KerasTuner alone and warns (the wrapper is then not needed or may not fit:
pass `keras_tuner.Objective("val_bits_per_dim", "min")`, which is what
`keras_ar.tuning.OBJECTIVE` is).
"""

import warnings

#: The KerasTuner version this workaround is written for.
PINNED_VERSION = "1.4.8"

#: keras_ar's metric names that are minimised (a `val_` prefix is
#: allowed), beside `loss`, which KerasTuner already knows.
MINIMIZED_METRICS = ("bits_per_dim",)

#: Marks the wrapper so that `install` is idempotent.
_MARK = "_keras_ar_wrapped"


def metric_direction(name):
    """`"min"` for keras_ar's minimised metrics, else `None`.

    Args:
        name: a metric name, optionally with a `val_` prefix.

    Returns:
        `"min"` or `None` (not one of keras_ar's metrics).

    Example:

    >>> metric_direction("val_bits_per_dim")
    'min'
    >>> metric_direction("accuracy") is None
    True
    """
    if not isinstance(name, str):
        return None
    if name.startswith("val_"):
        name = name[len("val_") :]
    return "min" if name in MINIMIZED_METRICS else None


def _wrap(original):
    def infer_metric_direction(metric):
        return metric_direction(metric) or original(metric)

    infer_metric_direction.__doc__ = original.__doc__
    infer_metric_direction.__wrapped__ = original
    setattr(infer_metric_direction, _MARK, True)
    return infer_metric_direction


def install():
    """Makes KerasTuner's string objectives know keras_ar's metrics.

    Idempotent. On a KerasTuner other than 1.4.8 it changes nothing and
    warns (see the module docstring).

    Returns:
        `True` if the wrapper is installed (now or before), else `False`.

    Example:

    >>> install()
    True
    >>> from keras_tuner.src.engine.objective import create_objective
    >>> create_objective("val_bits_per_dim").direction
    'min'
    """
    import keras_tuner
    from keras_tuner.src.engine import metrics_tracking

    if keras_tuner.__version__ != PINNED_VERSION:
        warnings.warn(
            "keras_ar's KerasTuner objective workaround is written for "
            f"keras-tuner=={PINNED_VERSION}; found keras-tuner=="
            f"{keras_tuner.__version__}, so it is not installed. If a "
            'string objective such as "val_bits_per_dim" fails, pass '
            "keras_ar.tuning.OBJECTIVE instead.",
            stacklevel=2,
        )
        return False
    current = metrics_tracking.infer_metric_direction
    if not getattr(current, _MARK, False):
        metrics_tracking.infer_metric_direction = _wrap(current)
    return True
