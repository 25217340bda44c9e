import keras
import pytest

from keras_ar.distribute import STRATEGIES
from keras_ar.distribute import get_strategy
from keras_ar.distribute import is_chief
from keras_ar.distribute import make_tf_config
from keras_ar.distribute import split_cpu
from keras_ar.distribute import strategy_scope
from keras_ar.distribute import worker_index


def test_no_strategy_is_none():
    assert get_strategy(None) is None
    with strategy_scope(None) as strategy:
        assert strategy is None


def test_an_unknown_strategy_is_a_clear_error():
    with pytest.raises(ValueError, match="strategy='horovod'"):
        get_strategy("horovod")
    assert STRATEGIES == ("mirrored", "multi-worker", "jax-data-parallel")


def test_a_strategy_of_the_other_backend_is_a_clear_error():
    other = {"tensorflow": "jax-data-parallel", "jax": "mirrored"}
    name = other[keras.backend.backend()]
    with pytest.raises(ValueError, match="backend"):
        get_strategy(name)


@pytest.mark.tensorflow
def test_multi_worker_needs_tf_config(monkeypatch):
    monkeypatch.delenv("TF_CONFIG", raising=False)
    with pytest.raises(ValueError, match="TF_CONFIG unset"):
        get_strategy("multi-worker")


def test_worker_index_reads_tf_config(monkeypatch):
    monkeypatch.delenv("TF_CONFIG", raising=False)
    assert worker_index() == 0 and is_chief()
    if keras.backend.backend() == "tensorflow":
        config = make_tf_config(["127.0.0.1:1", "127.0.0.1:2"], 1)
        monkeypatch.setenv("TF_CONFIG", config)
        assert worker_index() == 1 and not is_chief()


def test_split_cpu_after_tensorflow_started_is_a_clear_error(tf):
    # The test session has started TensorFlow with its devices.
    tf.constant(1.0) + 1.0
    count = len(tf.config.list_logical_devices("CPU"))
    assert len(split_cpu(count)) == count  # already so: fine
    with pytest.raises(ValueError, match=f"count={count + 1}"):
        split_cpu(count + 1)


def test_mirrored_without_split_runs_one_replica_per_gpu_or_one_cpu(tf):
    tf.constant(1.0) + 1.0
    gpus = len(tf.config.list_physical_devices("GPU"))
    with strategy_scope("mirrored") as strategy:
        assert isinstance(strategy, tf.distribute.MirroredStrategy)
        assert strategy.num_replicas_in_sync == max(gpus, 1)
