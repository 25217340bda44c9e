import numpy as np
import pytest

from keras_ar.ood.mutated_batches import MutatedBatches


def epoch(batches):
    out = [batches[i] for i in range(len(batches))]
    batches.on_epoch_end()
    return out


def test_each_epoch_is_a_permutation_of_the_rows():
    x = np.arange(10 * 3).reshape(10, 3) % 7
    batches = MutatedBatches(x, 0.0, 7, batch_size=4, seed=0)
    assert len(batches) == 3
    first, second = epoch(batches), epoch(batches)
    assert [len(b) for b in first] == [4, 4, 2]
    for drawn in (first, second):
        rows = np.concatenate(drawn)
        np.testing.assert_array_equal(
            np.sort(rows.view("V24"), axis=0), np.sort(x.view("V24"), axis=0)
        )
    assert not np.array_equal(np.concatenate(first), np.concatenate(second))
    ordered = MutatedBatches(x, 0.0, 7, batch_size=4, shuffle=False)
    np.testing.assert_array_equal(np.concatenate(epoch(ordered)), x)


def test_mutations_are_fresh_each_epoch_and_reproducible():
    x = np.zeros((500, 8, 8, 1), "int32")
    rate = 0.3
    batches = MutatedBatches(x, rate, 256, batch_size=100, seed=3)
    first, second = epoch(batches), epoch(batches)
    changed = np.mean(np.concatenate(first) != 0)
    # A mutated value is a uniform draw, which keeps 0 with 1/256.
    assert changed == pytest.approx(rate * 255 / 256, abs=0.01)
    assert not np.array_equal(np.concatenate(first), np.concatenate(second))
    again = MutatedBatches(x, rate, 256, batch_size=100, seed=3)
    for a, b in zip(first + second, epoch(again) + epoch(again)):
        np.testing.assert_array_equal(a, b)
    assert first[0].dtype == x.dtype


def test_a_dict_input_mutates_only_its_key_and_keeps_rows_aligned():
    n = 12
    x = {
        "image": np.repeat(np.arange(n), 4).reshape(n, 4),
        "label": np.arange(n),
    }
    batches = MutatedBatches(x, 0.0, n, batch_size=5, key="image", seed=1)
    for batch in epoch(batches):
        np.testing.assert_array_equal(batch["image"][:, 0], batch["label"])
    noisy = MutatedBatches(x, 1.0, n, batch_size=n, key="image", seed=1)
    (batch,) = epoch(noisy)
    assert np.mean(batch["image"] != batch["label"][:, None]) > 0.8
    np.testing.assert_array_equal(np.sort(batch["label"]), np.arange(n))


def test_errors_name_expected_and_received_values():
    x = np.zeros((4, 2), "int32")
    with pytest.raises(ValueError, match="batch_size=0"):
        MutatedBatches(x, 0.1, 2, batch_size=0)
    with pytest.raises(ValueError, match=r"rate=1.5"):
        MutatedBatches(x, 1.5, 2)
    with pytest.raises(ValueError, match=r"values in 0..1"):
        MutatedBatches(x + 2, 0.1, 2)
    with pytest.raises(ValueError, match="at least one example"):
        MutatedBatches(x[:0], 0.1, 2)
    with pytest.raises(ValueError, match=r"key='x'"):
        MutatedBatches({"image": x}, 0.1, 2, key="x")
    with pytest.raises(ValueError, match="same number of rows"):
        MutatedBatches({"image": x, "label": np.zeros(3)}, 0.1, 2, key="image")
    with pytest.raises(IndexError, match="0..1"):
        MutatedBatches(x, 0.1, 2, batch_size=2)[2]
