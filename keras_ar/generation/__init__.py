"""Generation: the one sampling loop, its noise, progress and compiled
functions.

A model supplies a step protocol (`build_generation_cache`,
`call_with_cache`, `generation_positions`, `generation_steps`; see
`keras_ar.models.AutoregressiveModel`); `Sampler` runs it as one compiled
loop, `run_generation` draws the noise from a seed, compiles (through the
model's bounded `FunctionCache`) and reports progress in chunks.
"""

from keras_ar.generation.function_cache import FunctionCache
from keras_ar.generation.generate import draw_noise
from keras_ar.generation.generate import run_generation
from keras_ar.generation.sampler import Sampler
from keras_ar.generation.sampler import gather_positions
from keras_ar.generation.sampler import scatter_positions

__all__ = [
    "FunctionCache",
    "Sampler",
    "draw_noise",
    "gather_positions",
    "run_generation",
    "scatter_positions",
]
