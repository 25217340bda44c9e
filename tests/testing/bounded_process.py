"""run_bounded: a subprocess with a deadline, killed by its pid whatever
happens (the tests that start training processes share it)."""

import os
import signal
import subprocess


def run_bounded(command, timeout, env=None, cwd=None, merge_output=False):
    """Runs `command` and waits at most `timeout` seconds.

    Args:
        command: the argument list.
        timeout: seconds; past it `subprocess.TimeoutExpired` is raised.
        env: the environment (default: this process's).
        cwd: the working directory.
        merge_output: send stderr into stdout.

    Returns:
        `(returncode, stdout, stderr)` as text (`stderr` is `None` with
        `merge_output`). The process is SIGKILLed in any case if it is
        still running when this returns or raises.
    """
    process = subprocess.Popen(
        command,
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT if merge_output else subprocess.PIPE,
        text=True,
    )
    try:
        out, err = process.communicate(timeout=timeout)
    finally:
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
            process.wait()
    return process.returncode, out, err
