import numpy as np
from toy_models import ToyModel

from keras_ar.generation import FunctionCache


def test_bounded_and_cleared():
    model = ToyModel((3,))
    cache = FunctionCache(model, max_size=2)
    for k in range(4):
        cache.get(f"f{k}", lambda x, k=k: x + k)
    assert len(cache) == 2
    assert "f3" in cache and "f0" not in cache
    cache.clear()
    assert len(cache) == 0


def test_compile_clears_the_models_functions():
    model = ToyModel((3,))
    model.sample(2, seed=0)
    model.log_prob(np.zeros((1, 3)))
    assert len(model.generation_functions) >= 2
    model.compile(optimizer="adam")
    assert len(model.generation_functions) == 0


def test_compiled_functions_see_new_weights():
    model = ToyModel((3,))
    x = np.array([[0, 1, 2]])
    before = model.log_prob(x)
    for weight in model.trainable_weights:
        weight.assign(np.ones(weight.shape, "float32"))
    assert not np.allclose(model.log_prob(x), before)
