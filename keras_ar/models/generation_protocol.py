"""GenerationProtocol: what a model tells the generation loop."""

import math

from keras import ops

from keras_ar.generation import Sampler
from keras_ar.generation import gather_positions
from keras_ar.utils import validation


class GenerationProtocol:
    """The step protocol every `AutoregressiveModel` gives
    `keras_ar.generation.Sampler` (after KerasHub's `call_with_cache`).

    The defaults describe the naive path: one value per step in row-major
    order of the event, every step running the full network
    (`call_without_cache`). A model with a fast path overrides
    `build_generation_cache` (activations, queues or running sums, built
    once per generation) and `call_with_cache` (only what the newly written
    values change); tests check that both paths give the same samples.
    Models that write several values per step (WaveNet: the channels of a
    time step) or follow another order (MADE) override
    `generation_positions` and `generation_steps`.
    """

    #: True for models whose first event axis may have any length at
    #: generation time (sequence models).
    variable_length = False

    #: `None` lets the model choose (`generation_jit_compile`); `True` or
    #: `False` forces compiling the sampling loop with XLA on TensorFlow or
    #: not (XLA compiles for a second or two, then runs the loop faster:
    #: worth it when a model samples many times).
    jit_generation = None

    def generation_shape(self, length=None):
        """The event shape to generate (`length` only for sequences)."""
        if length is None:
            return tuple(self.event_shape)
        if not self.variable_length:
            raise ValueError(
                f"{self.__class__.__name__} generates events of shape "
                f"{self.event_shape}; `length` applies to sequence models. "
                f"Received: length={length!r}"
            )
        length = validation.check_positive_int(length, "length")
        return (length,) + tuple(self.event_shape[1:])

    def generation_orders(self):
        """The orders generation may follow, each a permutation of the flat
        positions (first generated first); `[None]` is row-major order."""
        return [None]

    def generation_steps(self, shape):
        """Sequential steps to generate events of `shape` (no batch)."""
        return math.prod(shape)

    def generation_positions(self, index, cache, shape):
        """Flat (row-major) positions written at step `index`: an int32
        tensor `(1, G)`, shared by the batch, or `(batch, G)`."""
        return ops.reshape(ops.cast(index, "int32"), (1, 1))

    def generation_noise_shape(self, batch_shape):
        """Shape of the uniform noise of one generation: `(batch, values,
        noise_size)`; a model needing more randomness adds rows."""
        size = math.prod(batch_shape[1:])
        return (batch_shape[0], size, self.head.noise_size)

    def generation_jit_compile(self, use_cache):
        """Compile the loop with XLA on TensorFlow (many tiny ops per
        step; `jit_generation` overrides it); never used for exported
        signatures."""
        return False

    def build_generation_cache(
        self, x, known, condition, noise, use_cache=True, xla=False
    ):
        """The state carried by the steps: a dict of tensors.

        Args:
            x: float tensor `(batch,) + shape`, known values in place.
            known: bool tensor like `x`.
            condition: checked condition dict, or `None`.
            noise: the generation's uniform noise (for models that draw
                more than the values, e.g. a mixture component).
            use_cache: build the fast path's state too.
            xla: the steps will run compiled by XLA (JAX, or TensorFlow
                with `generation_jit_compile`); a model may lay its cache
                out differently for XLA (exported signatures never are).

        Returns:
            A dict (the default holds the condition).
        """
        return {} if condition is None else {"condition": condition}

    def call_with_cache(self, x, cache, index):
        """Parameters `(batch, G) + param_shape` of the values written at
        step `index`, and the updated cache. The default is the naive
        full pass (`call_without_cache`)."""
        return self.call_without_cache(x, cache, index)

    def call_without_cache(self, x, cache, index):
        """The naive step: the full network on the whole event, then the
        parameters at the step's positions."""
        params = self.naive_generation_params(x, cache)
        shape = tuple(x.shape[1:])
        tail = tuple(params.shape[1 + len(shape) :])
        flat = ops.reshape(params, (-1, math.prod(shape)) + tail)
        positions = self.generation_positions(index, cache, shape)
        return gather_positions(flat, positions), cache

    def naive_generation_params(self, x, cache):
        """Parameters of every position for the naive step."""
        return self._params(x, cache.get("condition"))

    def generate(
        self, x, known, noise, temperature, condition=None, use_cache=True
    ):
        """The whole generation on tensors (exported signatures):
        `keras_ar.generation.Sampler(self).generate`."""
        return Sampler(self).generate(
            x, known, noise, temperature, condition, use_cache
        )
