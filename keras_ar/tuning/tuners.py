"""`OBJECTIVE` and `make_tuner`: KerasTuner tuners for keras_ar models."""

import os

import keras_tuner

#: What keras_ar's tuners minimise: the held-out bits per dimension.
OBJECTIVE = keras_tuner.Objective("val_bits_per_dim", direction="min")

#: Names `make_tuner` accepts.
TUNERS = ("random", "bayesian", "hyperband")


def is_distributed_worker():
    """Whether this process is a worker (not the chief) of KerasTuner's
    distributed mode (`KERASTUNER_ORACLE_IP` set and
    `KERASTUNER_TUNER_ID` not a chief).

    Example:

    >>> is_distributed_worker()  # one process: no KERASTUNER_* variables
    False
    """
    return "KERASTUNER_ORACLE_IP" in os.environ and "chief" not in (
        os.environ.get("KERASTUNER_TUNER_ID", "")
    )


def check_tensorboard():
    """Fails early, with what to install, where every trial would fail.

    KerasTuner 1.4.8 imports `tensorboard.plugins.hparams` in every
    trial on the TensorFlow backend; without the `tensorboard` package
    each trial fails (and a distributed chief waits for ever).

    Raises:
        ImportError: on the TensorFlow backend without `tensorboard`.

    Example:

    >>> check_tensorboard()  # installed here: nothing happens
    """
    import keras

    if keras.backend.backend() != "tensorflow":
        return
    try:
        from tensorboard.plugins.hparams import api  # noqa: F401
    except ImportError as error:
        raise ImportError(
            "KerasTuner on the TensorFlow backend needs the `tensorboard` "
            "package (keras-tuner imports tensorboard.plugins.hparams in "
            "every trial): pip install tensorboard, or keras-ar[tf]. "
            f"Import error: {error}"
        ) from error


def make_tuner(
    hypermodel,
    tuner="random",
    max_trials=10,
    directory="tuning",
    project_name="search",
    max_epochs=10,
    seed=None,
    overwrite=False,
    **kwargs,
):
    """A KerasTuner tuner minimising `val_bits_per_dim`.

    Distributed tuning is KerasTuner's own: set `KERASTUNER_TUNER_ID`
    (`chief`, `tuner0`, `tuner1`, ...), `KERASTUNER_ORACLE_IP` and
    `KERASTUNER_ORACLE_PORT` in every process and give them the same
    (shared) `directory`. A worker never deletes that directory:
    `overwrite` is ignored there (the chief's `overwrite` applies).

    Args:
        hypermodel: a `keras_tuner.HyperModel` (e.g. a
            `keras_ar.tuning.ImageHyperModel`) or a `build(hp)` function.
        tuner: `"random"` (`RandomSearch`), `"bayesian"`
            (`BayesianOptimization`) or `"hyperband"` (`Hyperband`).
        max_trials: the number of trials (models). Hyperband stops there
            too, or earlier when its brackets are done.
        directory: the tuner's folder (trial records, checkpoints).
        project_name: the search's subfolder of `directory`.
        max_epochs: Hyperband's most epochs for one model (its trials
            choose their own numbers of epochs); ignored by the others,
            which train for `search(..., epochs=...)`.
        seed: the search's seed: an int gives a reproducible search,
            `None` a random one. (KerasTuner 1.4.8's oracles take a seed of
            0 for "no seed", `seed or random.randint(1, 10000)`, so the
            oracle gets `seed + 1`.)
        overwrite: start again instead of resuming a saved search.
        **kwargs: more arguments of the KerasTuner class
            (`hyperparameters`, `tune_new_entries`, ...).

    Returns:
        A `keras_tuner.Tuner`.

    Raises:
        ImportError: on the TensorFlow backend without `tensorboard` (see
            `check_tensorboard`).

    Example:

    >>> import tempfile
    >>> from keras_ar.tuning import MADEHyperModel, make_tuner
    >>> hypermodel = MADEHyperModel((6,), search_space={"hidden_width": [8]})
    >>> tuner = make_tuner(hypermodel, "random", max_trials=2,
    ...                    directory=tempfile.mkdtemp())
    >>> tuner.oracle.objective.name, tuner.oracle.objective.direction
    ('val_bits_per_dim', 'min')
    """
    if tuner not in TUNERS:
        raise ValueError(
            f"`tuner` must be one of {TUNERS}. Received: tuner={tuner!r}"
        )
    for name, value in (("max_trials", max_trials), ("max_epochs", max_epochs)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(
                f"`{name}` must be an integer >= 1. Received: {name}={value!r}"
            )
    check_tensorboard()
    options = dict(
        objective=OBJECTIVE,
        seed=None if seed is None else int(seed) + 1,
        directory=directory,
        project_name=project_name,
        overwrite=bool(overwrite) and not is_distributed_worker(),
        **kwargs,
    )
    if tuner == "random":
        return keras_tuner.RandomSearch(
            hypermodel, max_trials=max_trials, **options
        )
    if tuner == "bayesian":
        return keras_tuner.BayesianOptimization(
            hypermodel, max_trials=max_trials, **options
        )
    search = keras_tuner.Hyperband(hypermodel, max_epochs=max_epochs, **options)
    # Hyperband's oracle takes no `max_trials`, but its base `Oracle`
    # stops creating trials at `max_trials` when it is set.
    search.oracle.max_trials = max_trials
    return search
