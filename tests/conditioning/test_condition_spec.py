import numpy as np
import pytest

from keras_ar.conditioning import ClassCondition
from keras_ar.conditioning import ConditionSpec
from keras_ar.conditioning import LocalCondition
from keras_ar.conditioning import VectorCondition


def test_unconditional_spec_refuses_a_condition():
    spec = ConditionSpec.from_args()
    assert not spec.is_conditional
    assert spec.check(None, 3) is None
    with pytest.raises(ValueError, match="not conditional"):
        spec.check(np.zeros(3), 3)
    with pytest.raises(ValueError, match="not conditional"):
        spec.normalize({"label": [1]})


def test_class_condition_checks_and_broadcasts():
    spec = ConditionSpec.from_args(condition_classes=4)
    out = spec.check(2, 3, broadcast=True)
    assert out["condition"].tolist() == [2, 2, 2]
    assert out["condition"].dtype == np.int32
    assert spec.check([[1], [2]], 2)["condition"].tolist() == [1, 2]
    with pytest.raises(ValueError, match=r"\[0, 3\].*\[0, 4\]"):
        spec.check([0, 4], 2)
    with pytest.raises(ValueError, match=r"shape \(3,\).*\(2,\)"):
        spec.check([0, 1], 3)
    with pytest.raises(ValueError, match="integer class ids"):
        spec.check([0.5, 1.0], 2)
    with pytest.raises(ValueError, match="conditional: pass `condition=`"):
        spec.check(None, 2)


def test_vector_condition():
    spec = ConditionSpec.from_args(condition_size=3)
    out = spec.check([0.0, 1.0, 2.0], 2, broadcast=True)["condition"]
    assert out.shape == (2, 3) and out.dtype == np.float32
    with pytest.raises(ValueError, match=r"\(2, 3\).*\(2, 4\)"):
        spec.check(np.zeros((2, 4)), 2)
    with pytest.raises(ValueError, match="NaN"):
        spec.check(np.full((2, 3), np.nan), 2)
    with pytest.raises(ValueError, match="not both"):
        ConditionSpec.from_args(condition_classes=2, condition_size=3)


def test_local_condition_frames():
    part = LocalCondition(2, upsample_factor=4)
    assert part.frames(8) == 2 and part.frames(9) == 3
    spec = ConditionSpec([part])
    assert spec.check(np.zeros((1, 3, 2)), 1, length=9)["local_condition"].shape
    with pytest.raises(ValueError, match=r"\(1, 3, 2\): 3 frames"):
        spec.check(np.zeros((1, 2, 2)), 1, length=9)


def test_several_parts_by_name_key_alias_or_tuple():
    spec = ConditionSpec([ClassCondition(3), LocalCondition(2)])
    ids, local = np.array([1]), np.zeros((1, 4, 2))
    for condition in (
        {"condition": ids, "local_condition": local},
        {"global": ids, "local": local},
        {"label": ids, "local": local},
        (ids, local),
    ):
        out = spec.check(condition, 1, length=4)
        assert sorted(out) == ["condition", "local_condition"]
    with pytest.raises(ValueError, match="several conditions"):
        spec.check(ids, 1, length=4)
    with pytest.raises(ValueError, match="Missing: local_condition"):
        spec.check({"label": ids}, 1, length=4)
    with pytest.raises(ValueError, match="Unknown condition key 'speaker'"):
        spec.check({"speaker": ids}, 1, length=4)


def test_split_inputs_reads_declared_keys_only():
    spec = ConditionSpec([VectorCondition(2)])
    x, condition = spec.split_inputs(
        {"image": np.zeros((2, 3)), "embedding": np.ones((2, 2)), "id": 7}
    )
    assert x.shape == (2, 3) and condition["condition"].shape == (2, 2)
    x, condition = spec.split_inputs((np.zeros(1), np.ones(1)))
    assert condition.tolist() == [1.0]
    unconditional = ConditionSpec()
    x, condition = unconditional.split_inputs(
        {"image": np.zeros(2), "label": np.ones(2)}
    )
    assert condition is None  # a TFDS label an unconditional model ignores
    with pytest.raises(ValueError, match="keys"):
        spec.split_inputs({"pixels": np.zeros(2)})


def test_distinct_names():
    with pytest.raises(ValueError, match="distinct names"):
        ConditionSpec([ClassCondition(2), VectorCondition(3)])
