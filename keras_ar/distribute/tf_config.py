"""`TF_CONFIG`: the cluster description `MultiWorkerMirroredStrategy`
reads (one JSON object per worker process)."""

import json
import os


def make_tf_config(addresses, index, task_type="worker"):
    """The `TF_CONFIG` value of worker `index` of a cluster.

    Args:
        addresses: `"host:port"` of every worker, in worker order.
        index: this worker's position in `addresses`.
        task_type: the task type of every address (`"worker"`).

    Returns:
        The JSON string to put in the worker's `TF_CONFIG`.

    Example:

    >>> make_tf_config(["127.0.0.1:2222", "127.0.0.1:2223"], 1)
    '{"cluster": {"worker": ["127.0.0.1:2222", "127.0.0.1:2223"]}, \
"task": {"type": "worker", "index": 1}}'
    """
    addresses = list(addresses)
    if not 0 <= int(index) < len(addresses):
        raise ValueError(
            f"`index` must be in [0, {len(addresses)}) for {len(addresses)} "
            f"addresses. Received: index={index}"
        )
    return json.dumps(
        {
            "cluster": {task_type: addresses},
            "task": {"type": task_type, "index": int(index)},
        }
    )


def read_tf_config(environ=None):
    """Parses and checks `TF_CONFIG`.

    Args:
        environ: the environment (default `os.environ`).

    Returns:
        `(num_workers, rank)`: the number of workers (a chief counts as
        one) and this task's place among them (the chief, or else worker
        0, is 0).

    Raises:
        ValueError: `TF_CONFIG` is unset, not JSON, or names no workers or
            no task of this process.
    """
    environ = os.environ if environ is None else environ
    raw = environ.get("TF_CONFIG")
    example = make_tf_config(["host1:2222", "host2:2222"], 0)
    if not raw:
        raise ValueError(
            "The multi-worker strategy reads the cluster from the TF_CONFIG "
            f"environment variable (on each worker), e.g. TF_CONFIG='{example}'"
            ". Received: TF_CONFIG unset"
        )
    try:
        config = json.loads(raw)
        cluster = config["cluster"]
        task_type = config["task"]["type"]
        index = int(config["task"]["index"])
        chiefs = len(cluster.get("chief", []))
        workers = len(cluster.get("worker", [])) + chiefs
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise ValueError(
            "TF_CONFIG must be JSON with a `cluster` (lists of host:port) "
            f"and a `task` (type and index), e.g. '{example}'. Received: "
            f"TF_CONFIG={raw!r} ({error!r})"
        ) from None
    if task_type not in ("chief", "worker") or not 0 <= index < len(
        cluster.get(task_type, [])
    ):
        raise ValueError(
            "TF_CONFIG's `task` must name one of its cluster's chief or "
            f"workers. Received: TF_CONFIG={raw!r}"
        )
    return workers, (0 if task_type == "chief" else index + chiefs)
