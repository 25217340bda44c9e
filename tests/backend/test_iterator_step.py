"""The lean TensorFlow train function: same training as Keras's."""

import numpy as np
import pytest


@pytest.mark.tensorflow
def test_lean_iterator_step_trains_as_keras_train_function():
    import keras

    from keras_ar.backend import iterator_step
    from keras_ar.models import MADE

    x = (np.random.default_rng(0).random((64, 10)) < 0.3).astype("float32")

    def train(lean):
        keras.utils.set_random_seed(0)
        model = MADE((10,), hidden_units=(8,), seed=0)
        model.compile(optimizer="adam")
        original = iterator_step.uses_iterator_step
        if not lean:
            iterator_step.uses_iterator_step = lambda model: False
        try:
            history = model.fit(
                x, epochs=2, batch_size=16, verbose=0,
                validation_data=x[:16],
            )  # fmt: skip
        finally:
            iterator_step.uses_iterator_step = original
        name = getattr(model.train_function, "__qualname__", "")
        return model, history.history, name

    lean, lean_history, lean_name = train(True)
    stock, stock_history, stock_name = train(False)
    assert "lean_function" in lean_name and "lean_function" not in stock_name
    assert lean_history == stock_history
    for a, b in zip(lean.weights, stock.weights):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
