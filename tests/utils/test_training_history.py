import doctest

import numpy as np

from keras_ar.utils import TrainingHistory
from keras_ar.utils import training_history


def _feed(history, batches, epoch=0, val=None):
    """Replays Keras's running (example-weighted) means of `batches`, a
    list of `(batch_size, value)`, into the callback's hooks."""
    history.on_epoch_begin(epoch)
    total, seen = 0.0, 0
    for index, (size, value) in enumerate(batches):
        total += size * value
        seen += size
        history.on_train_batch_end(index, {"bits_per_dim": total / seen})
    logs = {"bits_per_dim": total / seen}
    if val is not None:
        logs["val_bits_per_dim"] = val
    history.on_epoch_end(epoch, logs)


def test_recovers_each_steps_value_from_running_means():
    history = TrainingHistory(num_dims=4, num_examples=136, batch_size=64)
    _feed(history, [(64, 5.0), (64, 3.0), (8, 1.0)], val=2.5)
    _feed(history, [(64, 2.0), (64, 1.5), (8, 4.0)], epoch=1, val=1.75)
    curve = history.curve
    assert curve["step"] == [1, 2, 3, 4, 5, 6]
    np.testing.assert_allclose(curve["train"], [5, 3, 1, 2, 1.5, 4])
    assert curve["epoch_step"] == [3, 6] and curve["val"] == [2.5, 1.75]
    np.testing.assert_allclose(
        curve["epoch_train"], [(320 + 192 + 8) / 136, (128 + 96 + 32) / 136]
    )


def test_uses_the_loss_in_nats_when_no_metric_is_logged():
    history = TrainingHistory(num_dims=2)
    history.on_epoch_begin(0)
    history.on_train_batch_end(0, {"loss": 2 * np.log(2.0)})
    history.on_epoch_end(0, {"loss": 2 * np.log(2.0)})
    np.testing.assert_allclose(history.curve["train"], [1.0])
    assert history.curve["val"] == []


def test_records_a_real_fit_with_validation():
    from keras_ar.models import MADE

    model = MADE(event_shape=(4,), hidden_units=(8,))
    model.compile()
    x = np.random.default_rng(0).integers(0, 2, (20, 4))
    history = TrainingHistory(num_dims=4, num_examples=20, batch_size=8)
    fitted = model.fit(
        x,
        batch_size=8,
        epochs=2,
        verbose=0,
        validation_data=x[:8],
        callbacks=[history],
    )
    curve = history.curve
    assert curve["step"] == [1, 2, 3, 4, 5, 6]
    np.testing.assert_allclose(
        curve["val"], fitted.history["val_bits_per_dim"], rtol=1e-6
    )
    for epoch in range(2):
        steps = curve["train"][3 * epoch : 3 * epoch + 3]
        np.testing.assert_allclose(
            np.average(steps, weights=[8, 8, 4]),
            fitted.history["bits_per_dim"][epoch],
            rtol=1e-5,
        )
    assert history.validation_seconds > 0


def test_docstring_examples():
    result = doctest.testmod(training_history, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
