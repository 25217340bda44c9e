"""The progress bar of keras_ar's step loops (sampling, coding)."""

import sys

import keras


def step_progbar(total):
    """A `keras.utils.Progbar` over `total` model steps.

    It redraws in place on a terminal and prints one line at the end
    otherwise (logs, CI), as `fit(verbose="auto")` does.

    Args:
        total: the number of steps.

    Returns:
        A `keras.utils.Progbar` counting "step"s.

    Example:

    >>> bar = step_progbar(10)
    >>> bar.target
    10
    """
    verbose = 1 if sys.stdout.isatty() else 2
    return keras.utils.Progbar(total, verbose=verbose, unit_name="step")
