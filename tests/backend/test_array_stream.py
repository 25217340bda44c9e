"""ArrayStream: an endless stream of batches, epoch orders fixed by
`(seed, epoch)`, so resumed runs see the same batches."""

import numpy as np

from keras_ar.backend.array_stream import ArrayStream


def _first_batches(stream, count):
    data = stream.data()
    iterator = iter(data)
    return [np.asarray(next(iterator)[0]) for _ in range(count)]


def test_epochs_are_permutations_fixed_by_seed_and_epoch():
    x = np.arange(10.0)
    stream = ArrayStream((x,), batch_size=4, seed=7)
    assert stream.steps_per_epoch == 3
    batches = _first_batches(stream, 6)
    assert [len(b) for b in batches] == [4, 4, 2, 4, 4, 2]
    first, second = np.concatenate(batches[:3]), np.concatenate(batches[3:])
    assert sorted(first) == list(x) and sorted(second) == list(x)
    assert not np.array_equal(first, second)
    np.testing.assert_array_equal(first, x[stream.epoch_order(0)])
    # A stream started at epoch 1 yields epoch 1's batches first.
    resumed = ArrayStream((x,), batch_size=4, seed=7, start_epoch=1)
    np.testing.assert_array_equal(
        np.concatenate(_first_batches(resumed, 3)), second
    )
    other = ArrayStream((x,), batch_size=4, seed=8)
    assert not np.array_equal(
        np.concatenate(_first_batches(other, 3)), first
    )


def test_no_shuffle_keeps_the_order_and_structures_pass_through():
    x = {"x": np.arange(6.0), "label": np.arange(6) % 2}
    weight = np.linspace(0.0, 1.0, 6).astype("float32")
    stream = ArrayStream((x, weight, weight), batch_size=4, shuffle=False)
    iterator = iter(stream.data())
    first = next(iterator)
    np.testing.assert_array_equal(np.asarray(first[0]["x"]), [0, 1, 2, 3])
    np.testing.assert_array_equal(np.asarray(first[2]), weight[:4])
    second = next(iterator)
    np.testing.assert_array_equal(np.asarray(second[0]["label"]), [0, 1])
