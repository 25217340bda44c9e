"""One training step of a tiny model, for the distributed-equality tests.

    python one_step_worker.py STRATEGY WORKDIR MODEL[,MODEL...]

STRATEGY: none | mirrored (two logical CPU devices) | multi-worker
(TF_CONFIG) | multi-worker-keras (the same without keras_ar's upstream
workaround) | jax-data-parallel (KERAS_DISTRIBUTION_*); the backend is
KERAS_BACKEND's. MODEL: pixelcnn | wavenet | made | sequential (a stock
keras.Sequential). For each model: its initial weights are
WORKDIR/MODEL.weights.h5, written when missing (the one-device run) and
loaded otherwise; WORKDIR/STRATEGY-MODEL.npz (".i.npz" for worker i of
several) holds the loss `fit` reported and the weights before and after
one SGD step on the same global batch of 8.
"""

import contextlib
import os
import sys

import numpy as np

GLOBAL_BATCH = 8
LEARNING_RATE = 0.1


def data(name):
    rng = np.random.default_rng(7)
    if name == "pixelcnn":
        return rng.integers(0, 2, (GLOBAL_BATCH, 4, 4, 1)).astype("float32")
    if name == "wavenet":
        return rng.integers(0, 4, (GLOBAL_BATCH, 12, 1)).astype("float32")
    if name == "made":
        return rng.integers(0, 2, (GLOBAL_BATCH, 6)).astype("float32")
    return rng.normal(size=(GLOBAL_BATCH, 3)).astype("float32")


def build(name):
    import keras

    from keras_ar.models import MADE
    from keras_ar.models import PixelCNN
    from keras_ar.models import WaveNet

    if name == "pixelcnn":
        model = PixelCNN(
            (4, 4, 1),
            head="bernoulli",
            filters=4,
            num_residual_blocks=1,
            output_filters=8,
            first_kernel_size=3,
        )
    elif name == "wavenet":
        model = WaveNet(
            (12, 1),
            head=4,
            residual_channels=4,
            skip_channels=6,
            num_stacks=1,
            layers_per_stack=3,
        )
    elif name == "made":
        model = MADE((6,), hidden_units=(16,))
    else:
        model = keras.Sequential(
            [keras.Input((3,)), keras.layers.Dense(4), keras.layers.Dense(1)]
        )
    model(data(name)[:1])
    return model


def main(argv):
    strategy_name, workdir, models = argv[0], argv[1], argv[2].split(",")
    import keras

    from keras_ar.distribute import get_strategy
    from keras_ar.distribute import split_cpu
    from keras_ar.distribute import worker_index

    strategy_name = None if strategy_name == "none" else strategy_name
    cpu_devices = 2 if strategy_name == "mirrored" else None
    if cpu_devices:
        split_cpu(cpu_devices)  # before TensorFlow starts (the seed does)
    # One strategy per process (MultiWorkerMirroredStrategy can only be
    # created once).
    if strategy_name == "multi-worker-keras":
        # Keras's own MultiWorkerMirroredStrategy, without keras_ar's
        # workaround (to show the upstream failure).
        import tensorflow as tf

        strategy = tf.distribute.MultiWorkerMirroredStrategy()
    else:
        strategy = get_strategy(strategy_name, cpu_devices)
    for name in models:
        keras.utils.set_random_seed(0)
        scope = strategy.scope() if strategy else contextlib.nullcontext()
        with scope:
            result = one_step(name, strategy_name, strategy, workdir)
        index = worker_index(strategy)
        suffix = "" if strategy_name in (None, "mirrored") else f".{index}"
        tag = strategy_name or "none"
        np.savez(os.path.join(workdir, f"{tag}-{name}{suffix}.npz"), **result)
        print(
            f"worker {index} {name}: loss {float(result['loss'])}", flush=True
        )


def one_step(name, strategy_name, strategy, workdir):
    """Builds `name` (loading or writing its initial weights), trains one
    SGD step on the global batch and returns the loss and the weights."""
    import keras

    from keras_ar.distribute import process_shard

    weights = os.path.join(workdir, f"{name}.weights.h5")
    model = build(name)
    if strategy_name == "multi-worker-keras":
        pass  # only shows Keras's failure: any initial weights will do
    elif os.path.exists(weights):
        model.load_weights(weights)
    else:
        model.save_weights(weights)
    before = [np.array(w) for w in model.get_weights()]
    kwargs = {"loss": "mse"} if name == "sequential" else {}
    # jit_compile="auto": no XLA under tf.distribute (XLA and
    # MirroredStrategy fail or hang, see keras_ar.distribute).
    model.compile(keras.optimizers.SGD(LEARNING_RATE), **kwargs)
    replicas = getattr(strategy, "num_replicas_in_sync", 1)
    x, batch = data(name), GLOBAL_BATCH
    if strategy_name == "jax-data-parallel":
        replicas = len(keras.distribution.list_devices())
        if name == "sequential":
            # keras_ar models slice every global batch per process
            # themselves; a stock model needs its process's rows.
            x, batch = process_shard(x, GLOBAL_BATCH)
    y = (np.sum(x, axis=1, keepdims=True),) if name == "sequential" else ()
    history = model.fit(
        x, *y, batch_size=batch, epochs=1, shuffle=False, verbose=0
    )
    after = [np.array(w) for w in model.get_weights()]
    return {
        "loss": np.float64(history.history["loss"][0]),
        "replicas": np.int64(replicas),
        **{f"before_{i}": w for i, w in enumerate(before)},
        **{f"after_{i}": w for i, w in enumerate(after)},
    }


if __name__ == "__main__":
    main(sys.argv[1:])
