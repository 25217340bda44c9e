import json
import os
import sys

import pytest

from keras_ar.distribute import LocalCluster


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_tensorflow_workers_get_tf_config_on_loopback():
    cluster = LocalCluster(2, kind="tensorflow")
    assert len(set(cluster.ports)) == 2
    for index in (0, 1):
        config = json.loads(cluster.environment(index)["TF_CONFIG"])
        assert config["task"] == {"type": "worker", "index": index}
        assert all(
            a.startswith("127.0.0.1:") for a in config["cluster"]["worker"]
        )


def test_jax_processes_get_keras_distribution_variables():
    cluster = LocalCluster(3, kind="jax")
    env = cluster.environment(2)
    assert env["KERAS_DISTRIBUTION_JOB_ADDRESSES"] == cluster.addresses[0]
    assert env["KERAS_DISTRIBUTION_NUM_PROCESSES"] == "3"
    assert env["KERAS_DISTRIBUTION_PROCESS_ID"] == "2"
    assert "TF_CONFIG" not in env


def test_run_returns_every_workers_output():
    code = (
        "import os; print('rank', os.environ['KERAS_DISTRIBUTION_PROCESS_ID'])"
    )
    with LocalCluster(2, kind="jax") as cluster:
        results = cluster.run([sys.executable, "-c", code], timeout=60)
    assert [r.returncode for r in results] == [0, 0]
    assert [r.output.strip() for r in results] == ["rank 0", "rank 1"]


def test_a_failing_worker_stops_the_others_and_is_reported():
    def command(index):
        if index == 0:
            return [sys.executable, "-c", "raise SystemExit('worker broke')"]
        return [sys.executable, "-c", "import time; time.sleep(600)"]

    with LocalCluster(2) as cluster:
        with pytest.raises(RuntimeError, match="worker broke"):
            cluster.run(command, timeout=60)
        pids = [p.pid for p in cluster.processes]
    assert not any(_alive(pid) for pid in pids)


def test_a_worker_that_hangs_is_killed_at_the_timeout():
    command = [sys.executable, "-c", "import time; time.sleep(600)"]
    with LocalCluster(1) as cluster:
        with pytest.raises(RuntimeError, match="did not finish in 1s"):
            cluster.run(command, timeout=1)
        pid = cluster.processes[0].pid
    assert not _alive(pid)


def test_bad_arguments():
    with pytest.raises(ValueError, match="kind='torch'"):
        LocalCluster(2, kind="torch")
    with pytest.raises(ValueError, match="num_workers=0"):
        LocalCluster(0)
