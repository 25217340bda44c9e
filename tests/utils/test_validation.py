import math

import numpy as np
import pytest

from keras_ar.utils import validation as v


@pytest.mark.parametrize("value", [0, -1, 1.5, True, "3", None])
def test_positive_int_refused(value):
    with pytest.raises(ValueError, match=r"`steps` must be a positive int"):
        v.check_positive_int(value, "steps")


def test_positive_int_accepts_numpy_ints():
    assert v.check_positive_int(np.int64(4), "n") == 4
    assert isinstance(v.check_positive_int(np.int64(4), "n"), int)


@pytest.mark.parametrize(
    "value", [0.0, -1.0, math.nan, math.inf, 1e-39, "hot", True, None]
)
def test_temperature_refused(value):
    with pytest.raises(ValueError, match=r"temperature.*1\.175e-38"):
        v.check_temperature(value)


def test_temperature_accepts_the_smallest_normal_float32():
    assert v.check_temperature(v.MIN_TEMPERATURE) == v.MIN_TEMPERATURE
    assert v.check_temperature(2) == 2.0


@pytest.mark.parametrize("seed", [-1, 2**31 - 1, 2**40, 1.0, "1", True])
def test_seed_refused(seed):
    with pytest.raises(ValueError, match=r"`seed` must be None or an int"):
        v.check_seed(seed)


def test_seed_range():
    assert v.check_seed(None) is None
    assert v.check_seed(0) == 0
    assert v.check_seed(v.MAX_SEED) == 2**31 - 2


def test_permutation():
    np.testing.assert_array_equal(v.check_permutation([2, 0, 1], 3), [2, 0, 1])
    for bad in ([0, 0, 1], [0, 1], [0.0, 1.0, 2.0], [1, 2, 3]):
        with pytest.raises(ValueError, match=r"permutation of range\(3\)"):
            v.check_permutation(bad, 3)


def test_choice_split_probability_levels():
    assert v.check_split("train") == "train"
    with pytest.raises(ValueError, match=r"\('train', 'test'\).*valid"):
        v.check_split("valid")
    assert v.check_probability(0.5, "q") == 0.5
    for bad in (0.0, 1.0, 2, "x", True):
        with pytest.raises(
            ValueError, match=r"`q` must be a float in \(0, 1\)"
        ):
            v.check_probability(bad, "q")
    np.testing.assert_array_equal(
        v.check_quantile_levels([0.1, 0.9]), [0.1, 0.9]
    )
    for bad in ([], [1.5], "x"):
        with pytest.raises(ValueError, match="levels in"):
            v.check_quantile_levels(bad)


def test_event_shape_and_array_shape():
    assert v.check_event_shape([4, 4, 1]) == (4, 4, 1)
    for bad in ((), (0, 2), (2.5,), None):
        with pytest.raises(ValueError, match="event_shape"):
            v.check_event_shape(bad)
    x = np.zeros((2, 4, 4))
    with pytest.raises(ValueError, match=r"rank 4.*x\[\.\.\., None\]"):
        v.check_array_shape(x, (4, 4, 1), "x", "M")
    with pytest.raises(ValueError, match=r"\(batch, 4, 4, 1\).*\(2, 4, 5, 1\)"):
        v.check_array_shape(np.zeros((2, 4, 5, 1)), (4, 4, 1), "x", "M")
    v.check_array_shape(np.zeros((2, 9, 1)), (4, 1), "x", "M", any_length=True)


def test_known_mask():
    known = v.check_known_mask(np.ones((2, 3)), (2, 3, 4))
    assert known.shape == (2, 3, 4) and known.dtype == bool
    with pytest.raises(ValueError, match=r"\(2, 3, 4\) or \(2, 3\)"):
        v.check_known_mask(np.ones((2, 4)), (2, 3, 4))
    with pytest.raises(ValueError, match="boolean"):
        v.check_known_mask(np.full((2, 3, 4), 2), (2, 3, 4))


def test_numeric():
    with pytest.raises(ValueError, match="numeric"):
        v.check_numeric(np.array(["a"]), "x")
    with pytest.raises(ValueError, match=r"NaN or infinite values \(1 of 2\)"):
        v.check_numeric(np.array([0.0, np.nan]), "x")


def test_condition_args_are_checked_once_for_every_model():
    assert v.check_condition_args(None, None) == (None, None)
    assert v.check_condition_args(10, None) == (10, None)
    assert v.check_condition_args(None, 4) == (None, 4)
    with pytest.raises(ValueError, match="not both.*classes=10.*size=4"):
        v.check_condition_args(10, 4)
    with pytest.raises(ValueError, match="condition_size"):
        v.check_condition_args(None, 0)


def test_channel_groups_name_the_width_and_the_channels():
    v.check_channel_groups(3, at_least={"filters": 3}, multiple={"f": 6})
    with pytest.raises(
        ValueError, match=r"`filters` must be at least .*\(3\).*filters=2"
    ):
        v.check_channel_groups(3, at_least={"filters": 2})
    with pytest.raises(
        ValueError, match=r"`f` must be a multiple .*\(3\).*f=4"
    ):
        v.check_channel_groups(3, multiple={"f": 4})
