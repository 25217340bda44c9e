import keras
import numpy as np
import pytest

from keras_ar.backend import check_value_range
from keras_ar.backend import concrete_numpy


def test_concrete_numpy_of_numpy_and_backend_tensors():
    np.testing.assert_array_equal(concrete_numpy([1, 2]), [1, 2])
    tensor = keras.ops.convert_to_tensor(np.array([1.0, 2.0]))
    np.testing.assert_array_equal(concrete_numpy(tensor), [1.0, 2.0])


def test_concrete_numpy_of_traced_values_is_none():
    seen = []

    def fn(x):
        seen.append(concrete_numpy(x))
        return x

    keras.layers.Lambda(fn)(keras.Input((2,)))
    assert seen and seen[0] is None


def test_check_value_range():
    check_value_range(np.array([0, 1]), 0, 1, "f")
    with pytest.raises(ValueError, match=r"f expects values in \[0, 1\]"):
        check_value_range(np.array([0, 2]), 0, 1, "f")
    with pytest.raises(ValueError, match="integer values"):
        check_value_range(np.array([0.5]), 0, 1, "f", integers=True)
    with pytest.raises(ValueError, match="expects values"):
        check_value_range(np.array([np.nan]), 0, 1, "f")
    tensor = keras.ops.convert_to_tensor(np.array([3.0]))
    with pytest.raises(ValueError, match=r"received values in \[3\.0, 3\.0\]"):
        check_value_range(tensor, 0, 1, "f")
