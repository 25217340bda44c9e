"""Helpers shared by the benchmark scripts: machine load and provenance.

The scripts run as `python benchmarks/NAME.py`, so this folder is on
`sys.path` and they import it as `common`.
"""

import json
import os
import platform
import subprocess
import time
from importlib import metadata

HERE = os.path.dirname(os.path.abspath(__file__))

#: Packages whose versions every results JSON records (when installed).
PACKAGES = (
    "keras-ar",
    "keras",
    "tensorflow",
    "tensorflow-cpu",
    "tensorflow-probability",
    "tf-keras",
    "jax",
    "numpy",
)


def uptime():
    """The `uptime` line (load averages), for the results JSON."""
    try:
        return subprocess.run(
            ["uptime"], capture_output=True, text=True, check=False
        ).stdout.strip()
    except OSError:
        return "load average: {:.2f}, {:.2f}, {:.2f}".format(*os.getloadavg())


def versions(packages=PACKAGES):
    """`{package: version}` of the installed `packages`."""
    found = {}
    for package in packages:
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            pass
    return found


def provenance():
    """Where keras_ar was imported from and the repo's commit."""
    import importlib.util

    spec = importlib.util.find_spec("keras_ar")
    info = {"keras_ar_path": spec and os.path.dirname(spec.origin)}
    git = ["git", "-C", HERE]
    try:
        info["repo_commit"] = subprocess.run(
            git + ["rev-parse", "HEAD"], capture_output=True, text=True
        ).stdout.strip()
        info["repo_dirty_files"] = subprocess.run(
            # Paths after `--` are relative to `-C`: this folder.
            git + ["status", "--porcelain", "--", "../keras_ar"],
            capture_output=True,
            text=True,
        ).stdout.count("\n")
    except OSError:
        pass
    return info


def results_header(settings):
    """The start of a results JSON: the machine (with its load now), the
    package versions, provenance and the run's `settings`; pass it to
    `finish_machine` when the run ends."""
    return {
        "machine": {
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "load_average_start": os.getloadavg(),
            "uptime_start": uptime(),
        },
        "versions": versions(),
        "provenance": provenance(),
        "settings": settings,
    }


def finish_machine(results):
    """Records the machine's load at the end of the run in `results`."""
    results["machine"]["load_average_end"] = os.getloadavg()
    results["machine"]["uptime_end"] = uptime()


def write_results(results, name):
    """Ends the run: `finish_machine`, then writes
    `benchmarks/results/NAME.json` and prints its path."""
    finish_machine(results)
    os.makedirs(os.path.join(HERE, "results"), exist_ok=True)
    path = os.path.join(HERE, "results", name + ".json")
    with open(path, "w") as f:
        json.dump(results, f, indent=2, default=float)
    print(f"\nwrote {path}")
    return path


def time_limit(budget, max_steps=None):
    """Stops training after `budget` seconds or `max_steps` batches."""
    import keras

    class TimeLimit(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.start, self.steps = time.perf_counter(), 0

        def on_train_batch_end(self, batch, logs=None):
            self.steps += 1
            if max_steps is not None:
                if self.steps >= max_steps:
                    self.model.stop_training = True
            elif time.perf_counter() - self.start >= budget:
                self.model.stop_training = True

    return TimeLimit()


def image_pixelcnn(args, shape=(28, 28, 1)):
    """The benchmarks' 256-way PixelCNN (`args.filters`, `args.blocks`,
    `args.output_filters`), compiled with Adam."""
    from keras_ar.models import PixelCNN

    model = PixelCNN(
        shape,
        head=256,
        filters=args.filters,
        num_residual_blocks=args.blocks,
        output_filters=args.output_filters,
    )
    model.compile(optimizer="adam")
    return model
