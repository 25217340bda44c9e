"""DESIGN principle 1: keras_ar imports and trains on JAX without
TensorFlow. Runs in a subprocess where importing TensorFlow fails."""

import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent(
    """
    import importlib.abc
    import os
    import sys

    BLOCKED = ("tensorflow", "tensorflow_probability", "tf_keras",
               "tensorflow_datasets")

    class Block(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path, target=None):
            if name.split(".")[0] in BLOCKED:
                raise ImportError(f"{name} is blocked in this test")

    sys.meta_path.insert(0, Block())
    os.environ["KERAS_BACKEND"] = "jax"

    import keras
    import numpy as np

    import keras_ar
    from keras_ar.models import PixelCNN

    assert keras.backend.backend() == "jax"
    model = PixelCNN((6, 6, 1), head="bernoulli", filters=8,
                     num_residual_blocks=1, output_filters=16,
                     condition_classes=2)
    model.compile(jit_compile=True)
    x = np.random.default_rng(0).integers(0, 2, (64, 6, 6, 1))
    inputs = {"image": x, "label": np.arange(64) % 2}
    history = model.fit(inputs, epochs=2, batch_size=16, verbose=0)
    assert history.history["loss"][1] < history.history["loss"][0]
    cond = np.array([0, 1, 0, 1])
    before = model.log_prob(x[:4], condition=cond)
    fast = model.sample(4, condition=1, seed=3)
    slow = model.sample(4, condition=1, seed=3, use_cache=False)
    assert fast.shape == (4, 6, 6, 1) and (fast == slow).all()
    model.fit(inputs, epochs=1, verbose=0)
    after = model.log_prob(x[:4], condition=cond)
    # The compiled scorer sees the new weights.
    assert not np.allclose(before, after)
    path = os.path.join(sys.argv[1], "jax.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    np.testing.assert_allclose(loaded.log_prob(x[:4], condition=cond), after)
    assert not [m for m in sys.modules if m.startswith("tensorflow")]
    print("JAX OK", keras_ar.__version__)
    """
)


def test_train_sample_save_on_jax_without_tensorflow(tmp_path):
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "JAX OK" in result.stdout
