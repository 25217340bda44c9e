"""LocalCluster: the worker processes of one multi-worker run, on this
machine."""

import collections
import os
import signal
import socket
import subprocess
import tempfile
import time

from keras_ar.distribute.jax_processes import JOB_ADDRESSES
from keras_ar.distribute.jax_processes import NUM_PROCESSES
from keras_ar.distribute.jax_processes import PROCESS_ID
from keras_ar.distribute.tf_config import make_tf_config

KINDS = ("tensorflow", "jax")


class LocalCluster:
    """Starts, watches and always stops `num_workers` local processes of
    one multi-worker run (`MultiWorkerMirroredStrategy` via `TF_CONFIG`,
    or JAX processes via `KERAS_DISTRIBUTION_*`), on free ports of
    127.0.0.1.

    Each worker's output goes to a file (never a pipe that could fill);
    `stop` (and leaving the `with` block) kills every worker still alive
    by its process id, with its process group.

    Args:
        num_workers: the number of processes (>= 1).
        kind: `"tensorflow"` (sets `TF_CONFIG`) or `"jax"` (sets
            `KERAS_DISTRIBUTION_JOB_ADDRESSES`, `..._NUM_PROCESSES`,
            `..._PROCESS_ID`).
        env: extra environment variables for every worker.
        host: the loopback address the workers listen on.

    Example:

    ```python
    import sys
    from keras_ar.distribute import LocalCluster

    with LocalCluster(2, kind="tensorflow") as cluster:
        results = cluster.run(
            lambda i: [sys.executable, "train.py"], timeout=120
        )
    print(results[0].output)
    ```
    """

    def __init__(self, num_workers, kind="tensorflow", env=None, host=None):
        from keras_ar.utils.validation import check_positive_int

        self.num_workers = check_positive_int(num_workers, "num_workers")
        if kind not in KINDS:
            raise ValueError(
                f"`kind` must be one of {KINDS}. Received: kind={kind!r}"
            )
        self.kind = kind
        self.env = dict(env or {})
        self.host = host or "127.0.0.1"
        count = self.num_workers if kind == "tensorflow" else 1
        self.ports = free_ports(count, self.host)
        self.processes = []
        self._logs = []

    @property
    def addresses(self):
        """`host:port` of every worker (JAX: of the coordinator)."""
        return [f"{self.host}:{port}" for port in self.ports]

    def environment(self, index):
        """The environment variables that make a process worker `index`."""
        env = {"TF_CPP_MIN_LOG_LEVEL": "2", **self.env}
        if self.kind == "tensorflow":
            env["TF_CONFIG"] = make_tf_config(self.addresses, index)
        else:
            env[JOB_ADDRESSES] = self.addresses[0]
            env[NUM_PROCESSES] = str(self.num_workers)
            env[PROCESS_ID] = str(index)
        return env

    def start(self, command):
        """Starts every worker.

        Args:
            command: the argument list of every worker, or a function of
                the worker index that returns it.
        """
        if self.processes:
            raise ValueError("This LocalCluster has already started.")
        base = {
            k: v
            for k, v in os.environ.items()
            if k not in ("TF_CONFIG", JOB_ADDRESSES, NUM_PROCESSES, PROCESS_ID)
        }
        try:
            for index in range(self.num_workers):
                args = command(index) if callable(command) else command
                log = tempfile.TemporaryFile(mode="w+")
                self._logs.append(log)
                self.processes.append(
                    subprocess.Popen(
                        [str(a) for a in args],
                        env={**base, **self.environment(index)},
                        stdout=log,
                        stderr=subprocess.STDOUT,
                        start_new_session=True,
                    )
                )
        except BaseException:
            self.stop()
            raise

    def wait(self, timeout):
        """Waits up to `timeout` seconds for every worker; kills them all
        if one fails or time runs out.

        Returns:
            One `WorkerResult` per worker (`returncode`, `output`).

        Raises:
            RuntimeError: a worker exited with a non-zero status or did not
                finish in time (the message quotes every worker's output).
        """
        deadline = time.monotonic() + timeout
        failed = False
        while time.monotonic() < deadline:
            codes = [p.poll() for p in self.processes]
            failed = any(code not in (None, 0) for code in codes)
            if failed or all(code is not None for code in codes):
                break
            time.sleep(0.1)
        timed_out = any(p.poll() is None for p in self.processes)
        self.stop()
        results = [
            WorkerResult(p.returncode, self._read(i))
            for i, p in enumerate(self.processes)
        ]
        if failed or timed_out:
            reason = (
                f"did not finish in {timeout}s"
                if timed_out and not failed
                else "failed"
            )
            tails = "\n".join(
                f"--- worker {i} (exit {r.returncode}) ---\n{r.output[-3000:]}"
                for i, r in enumerate(results)
            )
            raise RuntimeError(
                f"A local {self.kind} cluster {reason}:\n{tails}"
            )
        return results

    def run(self, command, timeout):
        """`start(command)` then `wait(timeout)`; stops the workers in all
        cases."""
        try:
            self.start(command)
            return self.wait(timeout)
        finally:
            self.stop()

    def stop(self):
        """Kills every worker still running, by its process id (and its
        process group), and reaps it."""
        for process in self.processes:
            if process.poll() is None:
                try:
                    os.killpg(process.pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    process.kill()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                pass

    def _read(self, index):
        log = self._logs[index]
        log.seek(0)
        return log.read()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
        for log in self._logs:
            log.close()
        return False


#: A finished worker: its exit status and its output (stdout and stderr).
WorkerResult = collections.namedtuple("WorkerResult", ["returncode", "output"])


def free_ports(count, host="127.0.0.1"):
    """`count` distinct ports of `host` that are free now."""
    sockets = []
    try:
        for _ in range(count):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind((host, 0))
            sockets.append(s)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()
