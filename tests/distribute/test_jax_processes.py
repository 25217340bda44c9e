import numpy as np
import pytest

from keras_ar.distribute import ENVIRONMENT
from keras_ar.distribute import process_shard
from keras_ar.distribute import read_process_settings

ADDRESS, COUNT, INDEX = ENVIRONMENT


def test_settings_default_to_one_process():
    assert read_process_settings({}) == (None, 1, 0)


def test_settings_are_read_from_keras_variables():
    environ = {ADDRESS: "127.0.0.1:1234", COUNT: "2", INDEX: "1"}
    assert read_process_settings(environ) == ("127.0.0.1:1234", 2, 1)
    assert ENVIRONMENT == (
        "KERAS_DISTRIBUTION_JOB_ADDRESSES",
        "KERAS_DISTRIBUTION_NUM_PROCESSES",
        "KERAS_DISTRIBUTION_PROCESS_ID",
    )


@pytest.mark.parametrize(
    "environ, match",
    [
        ({COUNT: "two"}, "must be ints"),
        ({COUNT: "2", INDEX: "2", ADDRESS: "h:1"}, "PROCESS_ID=2"),
        ({COUNT: "0"}, "NUM_PROCESSES=0"),
        ({COUNT: "2", INDEX: "0"}, "JOB_ADDRESSES unset"),
    ],
)
def test_bad_settings_are_clear_errors(environ, match):
    with pytest.raises(ValueError, match=match):
        read_process_settings(environ)


@pytest.mark.parametrize("length", [16, 19, 22])
def test_process_shards_rebuild_every_global_batch(length):
    x = np.arange(length)
    count, batch = 2, 8
    shards = [process_shard(x, batch, count, p) for p in range(count)]
    assert {size for _, size in shards} == {batch // count}
    assert len({len(rows) for rows, _ in shards}) == 1  # as many rows each
    kept = sum(len(rows) for rows, _ in shards)
    assert length - kept < count
    # Each step's global batch, in process order, is one device's batch.
    local = batch // count
    steps = -(-len(shards[0][0]) // local)
    rebuilt = []
    for step in range(steps):
        part = slice(step * local, (step + 1) * local)
        rebuilt.extend(np.concatenate([rows[part] for rows, _ in shards]))
    np.testing.assert_array_equal(rebuilt, x[:kept])


def test_process_shard_of_a_dict_and_of_one_process():
    x = {"image": np.arange(8), "label": np.arange(8) * 10}
    shard, size = process_shard(x, 4, num_processes=2, process_id=1)
    assert size == 2
    np.testing.assert_array_equal(shard["image"], [2, 3, 6, 7])
    np.testing.assert_array_equal(shard["label"], [20, 30, 60, 70])
    same, size = process_shard(x["image"], 4, num_processes=1, process_id=0)
    assert same is x["image"] and size == 4


def test_process_shard_needs_a_divisible_batch():
    with pytest.raises(ValueError, match="global_batch_size=5"):
        process_shard(np.arange(8), 5, num_processes=2, process_id=0)
