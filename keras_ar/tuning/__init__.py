"""KerasTuner hypermodels of keras_ar's models (`pip install keras-ar[tf]`).

One `keras_tuner.HyperModel` per model family, each building a compiled
model from a search space named after the model's arguments:
`ImageHyperModel` (PixelCNN, Gated PixelCNN, PixelRNN), `WaveNetHyperModel`,
`MADEHyperModel` and `NADEHyperModel`. Tuners minimise `val_bits_per_dim`
(`OBJECTIVE`); `make_tuner` builds a random, Bayesian or Hyperband tuner,
which also runs in KerasTuner's distributed mode (chief and workers, see
`make_tuner`). `keras-ar tune` is the command-line search.

Importing this package makes KerasTuner's string objective
`"val_bits_per_dim"` work (`keras_ar.upstream.keras_tuner_objective`).

Example:

>>> import numpy as np, tempfile
>>> from keras_ar.tuning import ImageHyperModel, make_tuner
>>> x = np.random.default_rng(0).integers(0, 2, (32, 4, 4, 1))
>>> hypermodel = ImageHyperModel(
...     "pixelcnn", (4, 4, 1), head=2,
...     search_space={"filters": [2, 4], "num_residual_blocks": [1],
...                   "kernel_size": [3], "first_kernel_size": [3],
...                   "output_filters": [4]})
>>> tuner = make_tuner(hypermodel, max_trials=2,
...                    directory=tempfile.mkdtemp())
>>> tuner.search(x, validation_data=x[:8], epochs=1, verbose=0)
>>> len(tuner.oracle.trials)
2
"""

from keras_ar.tuning.autoregressive_hypermodel import AutoregressiveHyperModel
from keras_ar.tuning.image_hypermodel import IMAGE_MODELS
from keras_ar.tuning.image_hypermodel import ImageHyperModel
from keras_ar.tuning.made_hypermodel import MADEHyperModel
from keras_ar.tuning.nade_hypermodel import NADEHyperModel
from keras_ar.tuning.search_results import best_rows
from keras_ar.tuning.search_results import format_table
from keras_ar.tuning.search_results import save_search_plot
from keras_ar.tuning.search_results import trial_rows
from keras_ar.tuning.tuners import OBJECTIVE
from keras_ar.tuning.tuners import TUNERS
from keras_ar.tuning.tuners import is_distributed_worker
from keras_ar.tuning.tuners import make_tuner
from keras_ar.tuning.wavenet_hypermodel import WaveNetHyperModel
from keras_ar.upstream import keras_tuner_objective

keras_tuner_objective.install()

__all__ = [
    "AutoregressiveHyperModel",
    "IMAGE_MODELS",
    "ImageHyperModel",
    "MADEHyperModel",
    "NADEHyperModel",
    "OBJECTIVE",
    "TUNERS",
    "WaveNetHyperModel",
    "best_rows",
    "format_table",
    "is_distributed_worker",
    "make_tuner",
    "save_search_plot",
    "trial_rows",
]
