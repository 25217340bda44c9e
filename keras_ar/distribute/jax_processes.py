"""JAX across processes: `keras.distribution.initialize` from environment
variables, and each process's share of NumPy data.

A JAX multi-process run starts the same program once per process (one
per host, or several on one host), each with:

- `KERAS_DISTRIBUTION_JOB_ADDRESSES`: the coordinator's `host:port`
  (process 0's; a comma-separated list of every process's address is
  accepted too, its first entry is the coordinator);
- `KERAS_DISTRIBUTION_NUM_PROCESSES`: the number of processes;
- `KERAS_DISTRIBUTION_PROCESS_ID`: this process's id, 0 to N - 1.

These are Keras's own variables (`keras.distribution.initialize` reads
them). On CPUs the processes exchange gradients with Gloo (JAX's
`jax_cpu_collectives_implementation`, already the default in jax 0.10).
"""

import os

JOB_ADDRESSES = "KERAS_DISTRIBUTION_JOB_ADDRESSES"
NUM_PROCESSES = "KERAS_DISTRIBUTION_NUM_PROCESSES"
PROCESS_ID = "KERAS_DISTRIBUTION_PROCESS_ID"
ENVIRONMENT = (JOB_ADDRESSES, NUM_PROCESSES, PROCESS_ID)


def read_process_settings(environ=None):
    """`(job_addresses, num_processes, process_id)` from the environment.

    Args:
        environ: the environment (default `os.environ`).

    Returns:
        The coordinator address (or `None`), the number of processes (1
        when unset) and this process's id (0 when unset).

    Example:

    >>> read_process_settings({"KERAS_DISTRIBUTION_NUM_PROCESSES": "1"})
    (None, 1, 0)
    """
    environ = os.environ if environ is None else environ
    address = environ.get(JOB_ADDRESSES) or None
    try:
        count = int(environ.get(NUM_PROCESSES, "1") or 1)
        index = int(environ.get(PROCESS_ID, "0") or 0)
    except ValueError:
        raise ValueError(
            f"{NUM_PROCESSES} and {PROCESS_ID} must be ints. Received: "
            f"{NUM_PROCESSES}={environ.get(NUM_PROCESSES)!r}, "
            f"{PROCESS_ID}={environ.get(PROCESS_ID)!r}"
        ) from None
    if count < 1 or not 0 <= index < count:
        raise ValueError(
            f"Expected {NUM_PROCESSES} >= 1 and 0 <= {PROCESS_ID} < "
            f"{NUM_PROCESSES}. Received: {NUM_PROCESSES}={count}, "
            f"{PROCESS_ID}={index}"
        )
    if count > 1 and address is None:
        raise ValueError(
            f"{count} JAX processes need the coordinator's host:port in "
            f"{JOB_ADDRESSES} (process 0's address, the same on every "
            f"process). Received: {JOB_ADDRESSES} unset"
        )
    return address, count, index


def initialize_jax_processes(
    job_addresses=None, num_processes=None, process_id=None
):
    """Joins this process to a JAX multi-process run.

    Arguments left `None` are read from the environment (see
    `read_process_settings`). With one process nothing is initialised.
    Call it before any JAX computation; calling it again is a no-op.

    Args:
        job_addresses: the coordinator's `"host:port"`.
        num_processes: the number of processes.
        process_id: this process's id in `[0, num_processes)`.

    Returns:
        `(num_processes, process_id)`.

    Example:

    ```python
    # In process i of 2 (KERAS_BACKEND=jax):
    from keras_ar.distribute import initialize_jax_processes

    initialize_jax_processes("127.0.0.1:1234", 2, i)
    ```
    """
    import keras

    if keras.backend.backend() != "jax":
        raise ValueError(
            "JAX processes need the JAX backend (KERAS_BACKEND=jax). "
            f"Received: backend={keras.backend.backend()!r}"
        )
    import jax

    address, count, index = read_process_settings(
        {
            JOB_ADDRESSES: job_addresses or os.environ.get(JOB_ADDRESSES, ""),
            NUM_PROCESSES: str(
                num_processes or os.environ.get(NUM_PROCESSES, "1")
            ),
            PROCESS_ID: str(
                process_id
                if process_id is not None
                else os.environ.get(PROCESS_ID, "0")
            ),
        }
    )
    if count == 1:
        return 1, 0
    if jax.distributed.is_initialized():
        return jax.process_count(), jax.process_index()
    if jax.config.jax_cpu_collectives_implementation in (None, "", "none"):
        # Older JAX: no cross-process collectives on CPU unless asked.
        jax.config.update("jax_cpu_collectives_implementation", "gloo")
    keras.distribution.initialize(address, count, index)
    return jax.process_count(), jax.process_index()


def process_shard(x, global_batch_size, num_processes=None, process_id=None):
    """This process's rows of `x` and its batch size, for data parallel
    training across processes.

    Every process passes the same `x`; process `p` keeps, of each global
    batch of `global_batch_size` consecutive rows, the `p`-th of
    `num_processes` equal slices. Keras assembles the processes' local
    batches in process order, so (with `shuffle=False`) each step sees
    the same global batch as one device training on `x` with
    `batch_size=global_batch_size`. The rows of a last, partial global
    batch are split the same way; at most `num_processes - 1` of them
    are dropped so that every process has as many rows.

    Args:
        x: a NumPy array, or a dict of arrays with the same first axis.
        global_batch_size: the batch size summed over processes; must be
            divisible by `num_processes`.
        num_processes: default: the running JAX process count (1 off JAX).
        process_id: default: this JAX process's index (0 off JAX).

    Returns:
        `(x_local, local_batch_size)`.

    Example:

    >>> import numpy as np
    >>> x = np.arange(10)
    >>> process_shard(x, 4, num_processes=2, process_id=1)
    (array([2, 3, 6, 7, 9]), 2)
    """
    if num_processes is None or process_id is None:
        count, index = _running_processes()
        num_processes = count if num_processes is None else num_processes
        process_id = index if process_id is None else process_id
    if global_batch_size % num_processes:
        raise ValueError(
            f"`global_batch_size` must be divisible by the {num_processes} "
            f"processes. Received: global_batch_size={global_batch_size}"
        )
    if num_processes == 1:
        return x, global_batch_size
    import numpy as np

    local = global_batch_size // num_processes
    values = x if isinstance(x, dict) else {None: x}
    length = len(next(iter(values.values())))
    rows = _rows(length, global_batch_size, num_processes)[process_id]
    shard = {key: np.asarray(value)[rows] for key, value in values.items()}
    return (shard if isinstance(x, dict) else shard[None]), local


def _rows(length, batch, count):
    """Row indices of each process."""
    import numpy as np

    full = length // batch
    index = np.arange(full * batch).reshape(full, count, batch // count)
    tail = (length - full * batch) // count
    start = full * batch
    return [
        np.concatenate(
            [
                index[:, p].reshape(-1),
                np.arange(start + p * tail, start + (p + 1) * tail),
            ]
        ).astype("int64")
        for p in range(count)
    ]


def _running_processes():
    import keras

    if keras.backend.backend() != "jax":
        return 1, 0
    import jax

    return jax.process_count(), jax.process_index()
