"""The eager side of generation: noise from a seed, compiled functions,
progress in chunks."""

import math

import keras
import numpy as np
from keras import ops

from keras_ar.generation.sampler import Sampler
from keras_ar.utils.progress import step_progbar

#: Chunks of a generation run with a progress bar.
PROGRESS_CHUNKS = 50


def draw_noise(model, shape, seed=None):
    """All the randomness of one generation: uniform noise of
    `model.generation_noise_shape(shape)` drawn from `seed`.

    `keras.random.uniform(shape, seed=s)`; on TensorFlow this is
    `tf.random.stateless_uniform(shape, seed=[s, 0])`, which is how the
    exported signatures reproduce `model.sample(..., seed=s)`.
    """
    return keras.random.uniform(model.generation_noise_shape(shape), seed=seed)


def run_generation(
    model,
    x,
    known,
    condition=None,
    seed=None,
    temperature=1.0,
    use_cache=True,
    progress=False,
):
    """Generates the unknown values of checked NumPy inputs.

    Args:
        model: an `AutoregressiveModel`.
        x: float32 NumPy events `(batch,) + shape`.
        known: bool NumPy mask like `x`.
        condition: checked condition dict or `None`.
        seed: checked seed or `None`.
        temperature: checked positive float.
        use_cache: the model's cached step or the naive full pass.
        progress: run the loop in about 50 compiled chunks with a
            `keras.utils.Progbar` between them (same values).

    Returns:
        NumPy values like `x` (int32 for discrete heads).
    """
    if len(x) == 0:
        return _finish(model, np.zeros(x.shape, "float32"))
    shape = tuple(x.shape[1:])
    noise = draw_noise(model, x.shape, seed)
    temperature = np.asarray(temperature, "float32")
    sampler = Sampler(model)
    # One compiled function per event shape: a sequence model's loop bound
    # is the (static) length, and a retrace with a `None` length would lose
    # it.
    functions = model.generation_functions
    jit = getattr(model, "jit_generation", None)
    if jit is None:
        jit = model.generation_jit_compile(use_cache)
    xla = bool(jit) or keras.backend.backend() == "jax"
    if not progress:
        generate = functions.get(
            ("generate", use_cache, shape),
            lambda x, k, n, t, c: sampler.generate(
                x, k, n, t, c, use_cache, xla
            ),
            jit_compile=jit,
        )
        return _finish(model, generate(x, known, noise, temperature, condition))
    build = functions.get(
        ("generation_cache", use_cache, shape),
        lambda x, k, n, c: sampler.build_cache(x, k, n, c, use_cache, xla),
    )
    run = functions.get(
        ("generation_steps", use_cache, shape),
        lambda x, k, n, t, a, b, cache: sampler.run(
            x, k, n, t, cache, a, b, use_cache
        ),
        jit_compile=jit,
    )
    cache = build(x, known, noise, condition)
    total = model.generation_steps(shape)
    chunk = max(1, math.ceil(total / PROGRESS_CHUNKS))
    progbar = step_progbar(total)
    for start in range(0, total, chunk):
        stop = min(start + chunk, total)
        x, cache = run(
            x, known, noise, temperature, np.int32(start), np.int32(stop), cache
        )
        progbar.update(stop)
    return _finish(model, x)


def _finish(model, values):
    values = ops.convert_to_numpy(values)
    if model.head.is_discrete:
        return np.rint(values).astype("int32")
    return values
