"""FunctionCache: a bounded cache of compiled functions."""

import collections

from keras_ar.backend import compile_function


class FunctionCache:
    """Compiled functions of one model, least recently used dropped first.

    Compiling (tracing, XLA) costs far more than running, so the compiled
    sampling loops and scorers are kept; the cache is bounded (lengths of
    WaveNet samples or MADE ensemble sizes would otherwise grow it without
    end) and cleared when the model is re-`compile()`d.

    Args:
        model: the model whose variables the functions read.
        max_size: most functions kept.

    Example:

    >>> import numpy as np
    >>> from keras_ar.models import NADE
    >>> cache = FunctionCache(NADE((3,), hidden_units=2), max_size=2)
    >>> f = cache.get("double", lambda x: 2 * x)
    >>> float(f(np.float32(3.0)))
    6.0
    >>> len(cache)
    1
    """

    def __init__(self, model, max_size=16):
        self.model = model
        self.max_size = int(max_size)
        self._functions = collections.OrderedDict()

    def get(self, key, fn, jit_compile=False):
        """The compiled `fn` stored under `key` (compiled on first use)."""
        key = (key, bool(jit_compile))
        if key in self._functions:
            self._functions.move_to_end(key)
            return self._functions[key]
        compiled = compile_function(self.model, fn, jit_compile=jit_compile)
        self._functions[key] = compiled
        while len(self._functions) > self.max_size:
            self._functions.popitem(last=False)
        return compiled

    def clear(self):
        """Drops every compiled function."""
        self._functions.clear()

    def __len__(self):
        return len(self._functions)

    def __contains__(self, key):
        return any(k[0] == key for k in self._functions)
