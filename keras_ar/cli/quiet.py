"""Quiet start: a command prints only keras_ar's own output.

TensorFlow writes start-up lines while it is imported (absl's "WARNING: All
log messages before absl::InitializeLog() is called are written to STDERR",
the oneDNN notice, cpu_feature_guard) from C++ straight to file descriptor
2, before its logging is set up, so `TF_CPP_MIN_LOG_LEVEL` cannot hide
them. Unless `--verbose` is given, `quiet_session` therefore:

- redirects descriptor 2 to /dev/null while the `tensorflow` package is
  imported, whoever imports it and whenever (Keras's TensorFlow backend at
  start, or the SavedModel export on the JAX backend later), and restores it
  as soon as that import is done, so errors and tracebacks still show (a
  crash inside that import itself, e.g. on a CPU without the instructions
  TensorFlow was built for, shows its message with `--verbose`);
- sets `TF_CPP_MIN_LOG_LEVEL` to 3 for the C++ lines logged later (XLA's
  "Compiled cluster using XLA!", and grappler's harmless "remapper
  failed" ERROR lines while sampling); real failures still raise Python
  exceptions, whose messages and tracebacks show;
- sets the Python loggers of TensorFlow, absl and JAX to ERROR and ignores
  Python warnings (deprecation notices of dependencies).

Everything is restored when the session ends (the tests run commands in
the same process).
"""

import contextlib
import importlib.abc
import logging
import os
import sys
import warnings

#: Packages whose import writes to descriptor 2.
NOISY_PACKAGES = ("tensorflow",)

#: Python loggers of dependencies, set to ERROR in a quiet session.
LOGGERS = ("tensorflow", "absl", "jax", "jax._src.xla_bridge", "h5py")

_LEVEL = "TF_CPP_MIN_LOG_LEVEL"


@contextlib.contextmanager
def stderr_to_devnull():
    """Points file descriptor 2 (C/C++ writes too) at /dev/null, then back."""
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):  # no descriptor 2: nothing to silence
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        try:
            sys.stderr.flush()
        except (OSError, ValueError):
            pass
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


class _SilentLoader(importlib.abc.Loader):
    """Runs another loader's `exec_module` with descriptor 2 silenced."""

    def __init__(self, loader):
        self.loader = loader

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def exec_module(self, module):
        try:
            with stderr_to_devnull():
                self.loader.exec_module(module)
        finally:
            # Leave no trace: the module keeps its own loader.
            module.__loader__ = self.loader
            if getattr(module, "__spec__", None) is not None:
                module.__spec__.loader = self.loader


class SilentImportFinder(importlib.abc.MetaPathFinder):
    """A `sys.meta_path` hook: the top-level packages in `names` are found
    by the other finders as usual and imported with descriptor 2 silenced.
    """

    def __init__(self, names=NOISY_PACKAGES):
        self.names = frozenset(names)

    def find_spec(self, fullname, path=None, target=None):
        if fullname not in self.names:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None:
                break
        else:
            return None
        if spec.loader is not None and hasattr(spec.loader, "exec_module"):
            spec.loader = _SilentLoader(spec.loader)
        return spec


@contextlib.contextmanager
def quiet_session(verbose=False):
    """Silences dependencies' start-up lines, logs and warnings (see the
    module docstring); does nothing when `verbose`."""
    if verbose:
        yield
        return
    saved_level = os.environ.get(_LEVEL)
    os.environ[_LEVEL] = "3"
    loggers = {name: logging.getLogger(name) for name in LOGGERS}
    levels = {name: logger.level for name, logger in loggers.items()}
    finder = SilentImportFinder()
    sys.meta_path.insert(0, finder)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for logger in loggers.values():
                logger.setLevel(logging.ERROR)
            yield
    finally:
        sys.meta_path.remove(finder)
        for name, logger in loggers.items():
            logger.setLevel(levels[name])
        if saved_level is None:
            os.environ.pop(_LEVEL, None)
        else:
            os.environ[_LEVEL] = saved_level


def import_keras_ar():
    """Imports all of keras_ar, which registers its serializable classes
    with Keras (the console script imported `keras_ar.cli` lazily)."""
    import keras_ar

    keras_ar._import_subpackages()
