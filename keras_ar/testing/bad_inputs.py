"""Bad inputs a model must refuse with a clear `ValueError`."""

import re

import keras
import numpy as np


def _refuses(fn, match, what):
    try:
        fn()
    except ValueError as error:
        if not re.search(match, str(error)):
            raise AssertionError(
                f"{what}: the ValueError does not say what was expected "
                f"({match!r}): {error}"
            ) from error
        return
    raise AssertionError(f"{what}: no ValueError was raised.")


def assert_bad_inputs_refused(model, x, condition=None):
    """Asserts `model` refuses bad inputs at its boundary.

    Checks wrong ranks and event shapes, values outside the head's range
    (NumPy and backend tensors), NaN, a condition given to an
    unconditional model or missing from a conditional one, bad
    temperatures, seeds and sample counts, wrong known masks; and that an
    empty `complete` returns an empty array.

    Args:
        model: a built `AutoregressiveModel`.
        x: valid events `(batch,) + event_shape`.
        condition: the condition of `x`, if the model is conditional.

    Example:

    >>> import numpy as np
    >>> from keras_ar.models import NADE
    >>> assert_bad_inputs_refused(NADE((3,), hidden_units=2),
    ...                           np.zeros((2, 3)))
    """
    x = np.asarray(x, "float32")[:2]
    spec = model.condition_spec
    cond = None
    if condition is not None:
        cond = {
            k: np.asarray(v)[:2] for k, v in spec.normalize(condition).items()
        }
    name = model.__class__.__name__

    def log_prob(values, c=cond):
        return model.log_prob(values, condition=c)

    _refuses(lambda: log_prob(x[0]), r"rank|shape", "a missing batch axis")
    if not model.variable_length:
        bigger = np.concatenate([x, x], axis=1)
        _refuses(lambda: log_prob(bigger), r"shape", "a wrong event shape")
    if model.head.is_discrete:
        high = model.head.num_values
        bad = x.copy()
        bad.flat[0] = high
        _refuses(lambda: log_prob(bad), rf"\[0, {high - 1}\]", "out of range")
        tensor = keras.ops.convert_to_tensor(bad)
        _refuses(lambda: log_prob(tensor), r"\[0, ", "an out-of-range tensor")
        half = x.copy()
        half.flat[0] = 0.5
        _refuses(lambda: log_prob(half), r"whole numbers", "a non-integer")
    nan = x.copy()
    nan.flat[0] = np.nan
    _refuses(lambda: log_prob(nan), r"NaN", "a NaN value")
    if spec.is_conditional:
        _refuses(lambda: log_prob(x, None), r"conditional", "no condition")
    else:
        _refuses(
            lambda: log_prob(x, np.zeros(len(x), "int32")),
            r"not conditional",
            f"a condition given to an unconditional {name}",
        )
    one = None if cond is None else {k: v[:1] for k, v in cond.items()}
    for temperature in (0.0, -1.0, float("nan"), 1e-39, "hot"):
        _refuses(
            lambda t=temperature: model.sample(1, condition=one, temperature=t),
            r"temperature",
            f"temperature={temperature!r}",
        )
    for seed in (-1, 2**40, 1.5):
        _refuses(
            lambda s=seed: model.sample(1, condition=one, seed=s),
            r"seed",
            f"seed={seed!r}",
        )
    for count in (0, -2, 1.5, True):
        _refuses(
            lambda n=count: model.sample(n, condition=one),
            r"num_samples",
            f"num_samples={count!r}",
        )
    _refuses(
        lambda: model.complete(x, np.ones((len(x), 1), bool), condition=cond),
        r"known_mask",
        "a known mask of the wrong shape",
    )
    empty = model.complete(
        x[:0],
        np.zeros(x[:0].shape, bool),
        condition=None if cond is None else {k: v[:0] for k, v in cond.items()},
    )
    if empty.shape != x[:0].shape:
        raise AssertionError(
            f"`complete` of an empty batch returned shape {empty.shape}, "
            f"expected {x[:0].shape}."
        )
