"""Trains a tiny MADE on JAX and exports it (used as a subprocess).

Usage: KERAS_BACKEND=jax python train_on_jax.py WORKDIR

Writes WORKDIR/model.keras, the SavedModel WORKDIR/saved_model (through
`export_saved_model`, which runs the export in a TensorFlow-backend
process) and WORKDIR/jax.npz with the JAX model's answers.
"""

import os
import sys

import keras
import numpy as np

from keras_ar.export import export_saved_model
from keras_ar.models import MADE


def main(workdir):
    assert keras.config.backend() == "jax"
    rng = np.random.default_rng(0)
    x = (rng.random((256, 8)) < np.linspace(0.2, 0.8, 8)).astype("float32")
    keras.utils.set_random_seed(0)
    model = MADE((8,), hidden_units=(16,), order="natural")
    model.compile(optimizer=keras.optimizers.Adam(0.05))
    model.fit(x, epochs=3, batch_size=64, verbose=0)
    model.fit_anomaly_threshold(x, quantile=0.9)
    scored = x[:16]
    model.save(os.path.join(workdir, "model.keras"))
    export_saved_model(
        model, os.path.join(workdir, "saved_model"), verbose=False
    )
    np.savez(
        os.path.join(workdir, "jax.npz"),
        x=scored,
        log_prob=model.log_prob(scored),
        is_anomaly=model.is_anomaly(scored),
        threshold=np.float32(model.anomaly_threshold),
        untrained=MADE((8,), hidden_units=(16,), order="natural").log_prob(
            scored
        ),
    )


if __name__ == "__main__":
    main(sys.argv[1])
