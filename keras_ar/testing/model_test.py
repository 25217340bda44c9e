"""run_model_test: the one test every keras_ar model passes."""

import contextlib
import io
import json
import os
import subprocess
import sys
import tempfile

import keras
import numpy as np

from keras_ar.testing import distribution_checks
from keras_ar.testing.bad_inputs import assert_bad_inputs_refused
from keras_ar.testing.perturbation import assert_autoregressive
from keras_ar.testing.perturbation import dependency_matrix


def run_model_test(
    cls,
    init_kwargs,
    x,
    condition=None,
    *,
    normalization=True,
    chi_square=True,
    save=True,
    cross_backend=True,
    export=True,
    num_samples=4,
    seed=3,
):
    """Checks a model class end to end, as Keras's `run_layer_test` does
    for layers (and KerasHub's `run_task_test` for tasks).

    On a model built from `init_kwargs`, trained one epoch on `x` and then
    given perturbed weights (so that every connection matters):

    1. the autoregressive property, by perturbing each input value and
       recording which positions' parameters move (in the model's order,
       `model.sampling_order()` when it has one), and that the last
       position depends on something;
    2. exact normalization: on a tiny event space the probabilities of all
       events sum to 1 (continuous heads with 1 or 2 values: integrated on
       a grid);
    3. the sampler draws from the distribution `log_prob` reports
       (chi-square test on the same space, p > 1e-4);
    4. cached sampling equals the naive path (`use_cache=False`), for
       `sample` and `complete`, and a chunked loop (`progress=True`)
       equals one loop;
    5. `.keras` round trip (same scores, same samples, training resumes);
       on TensorFlow also loading the TF-saved file on JAX (a subprocess);
    6. on TensorFlow: SavedModel export parity (`log_prob`, `sample` for a
       seed, `complete`);
    7. bad inputs raise `ValueError` naming what was expected (wrong rank
       or shape, values out of the head's range, NaN, backend tensors,
       conditions, temperature, seed, sizes, known masks; an empty
       `complete` returns an empty array).

    Args:
        cls: the model class.
        init_kwargs: constructor arguments (a tiny model: the exact checks
            enumerate the event space, at most 4096 events).
        x: training events `(batch,) + event_shape` (NumPy).
        condition: the condition of `x` (one per example), if any.
        normalization: run check 2 (needs a tiny space).
        chi_square: run check 3 (needs a tiny space).
        save: run check 5.
        cross_backend: in check 5 on TensorFlow, also load the file on JAX
            (a subprocess: about 10 s).
        export: run check 6 (TensorFlow backend only).
        num_samples: samples compared in check 4.
        seed: seed of samples and perturbations.

    Returns:
        The model (trained, perturbed) for further checks.

    Example:

    >>> import numpy as np
    >>> from keras_ar.models import NADE
    >>> x = np.random.default_rng(0).integers(0, 2, (16, 3))
    >>> model = run_model_test(NADE, {"event_shape": (3,),
    ...                               "hidden_units": 4}, x,
    ...                        save=False, export=False)
    """
    x = np.asarray(x)
    model = cls(**init_kwargs)
    _fit(model, x, condition)
    perturb_weights(model, seed)
    _check_autoregressive(model, x[:3], _take(model, condition, 3))
    if normalization:
        distribution_checks.assert_normalized(model, condition)
    if chi_square:
        p_value, tv = distribution_checks.chi_square_p_value(
            model, condition, seed=seed
        )
        if not p_value > 1e-4:
            raise AssertionError(
                f"{cls.__name__} samples do not follow its log_prob: "
                f"chi-square p={p_value:.3g}, total variation {tv:.3f}."
            )
    _check_cached_equals_naive(model, x, condition, num_samples, seed)
    with tempfile.TemporaryDirectory() as directory:
        if save:
            _check_save_load(
                model, x, condition, directory, seed, cross_backend,
                num_samples,
            )  # fmt: skip
        if export and keras.backend.backend() == "tensorflow":
            from keras_ar.testing.export_checks import assert_export_matches

            assert_export_matches(
                model, x[:num_samples], os.path.join(directory, "export"),
                _take(model, condition, num_samples), seed=seed,
            )  # fmt: skip
    assert_bad_inputs_refused(model, x, condition)
    return model


def perturb_weights(model, seed=0, scale=0.5):
    """Adds Gaussian noise to every trainable weight (statistics, masks
    and degrees are non-trainable and kept)."""
    rng = np.random.default_rng(seed)
    for weight in model.trainable_weights:
        value = keras.ops.convert_to_numpy(weight)
        spread = scale * (value.std() + 0.3)
        noise = rng.normal(0.0, spread, value.shape)
        weight.assign((value + noise).astype(value.dtype))


def _take(model, condition, count):
    if condition is None:
        return None
    condition = model.condition_spec.normalize(condition)
    return {k: np.asarray(v)[:count] for k, v in condition.items()}


def _inputs(model, x, condition):
    """`x` as a dict of features with the condition under its dict key."""
    if condition is None:
        return x
    condition = model.condition_spec.normalize(condition)
    features = {"x": x}
    for part in model.condition_spec.parts:
        features[part.keys[0]] = np.asarray(condition[part.name])
    return features


def _fit(model, x, condition):
    model.compile(optimizer=keras.optimizers.Adam(1e-2))
    history = model.fit(
        _inputs(model, x, condition), epochs=1, batch_size=8, verbose=0
    )
    loss = history.history["loss"][-1]
    if not np.isfinite(loss):
        raise AssertionError(f"Training gave a non-finite loss: {loss}")


def _check_autoregressive(model, x, condition):
    size = model.num_dims
    order = getattr(model, "sampling_order", lambda: None)()
    rank = np.arange(size) if order is None else np.argsort(order)
    positions = rank.reshape(model.event_shape)
    discrete = model.head.is_discrete
    high = model.head.num_values if discrete else None

    def perturb(value):
        return (value + 1) % high if discrete else value + 1.5

    first = _take(model, condition, 1)

    def params(v):  # a batch of perturbed copies of one example
        cond = None
        if first is not None:
            cond = {k: np.repeat(c, len(v), axis=0) for k, c in first.items()}
        out = keras.ops.convert_to_numpy(
            model(v.astype("float32"), condition=cond)
        )
        return out.reshape((len(v), size, -1))

    matrix = np.zeros((size, size), bool)
    for example in x:
        base = example[None].astype("float32")
        matrix |= dependency_matrix(
            params,
            base,
            positions,
            np.broadcast_to(rank[:, None], params(base).shape[1:]),
            perturb,
        )
    assert_autoregressive(matrix, strict=True)
    if size > 1 and not matrix[:, size - 1].any():
        raise AssertionError(
            "The last position in the model's order depends on no earlier "
            "value: the perturbation test would be vacuous."
        )


def _assert_same(model, a, b, what):
    if model.head.is_discrete:
        np.testing.assert_array_equal(a, b, err_msg=what)
    else:
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5, err_msg=what)


def _check_cached_equals_naive(model, x, condition, count, seed):
    cond = _take(model, condition, count)
    kwargs = {"condition": cond, "seed": seed}
    fast = model.sample(count, **kwargs)
    _assert_same(
        model, fast, model.sample(count, use_cache=False, **kwargs), "naive"
    )
    with contextlib.redirect_stdout(io.StringIO()):  # the progress bar
        chunked = model.sample(count, progress=True, **kwargs)
    _assert_same(model, fast, chunked, "chunked")
    known = np.random.default_rng(seed).random(x[:count].shape) < 0.4
    fast = model.complete(x[:count], known, **kwargs)
    np.testing.assert_array_equal(
        fast[known], x[:count][known].astype(fast.dtype)
    )
    _assert_same(
        model,
        fast,
        model.complete(x[:count], known, use_cache=False, **kwargs),
        "complete naive",
    )


def _check_save_load(
    model, x, condition, directory, seed, cross_backend, num_samples
):
    path = os.path.join(directory, "model.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    cond = _take(model, condition, len(x))
    np.testing.assert_allclose(
        loaded.log_prob(x, condition=cond),
        model.log_prob(x, condition=cond),
        rtol=1e-6,
        atol=1e-6,
    )
    # As many samples as check 4 drew: the model's compiled loop is reused.
    cond = _take(model, condition, num_samples)
    _assert_same(
        model,
        loaded.sample(num_samples, condition=cond, seed=seed),
        model.sample(num_samples, condition=cond, seed=seed),
        "sample after loading",
    )
    cond = _take(model, condition, len(x))
    loaded.fit(_inputs(model, x, condition), epochs=1, verbose=0)
    if cross_backend and keras.backend.backend() == "tensorflow":
        _check_loads_on_jax(model, x, cond, path, directory)


_JAX_SCRIPT = """
import importlib, json, os, sys
os.environ["KERAS_BACKEND"] = "jax"
import keras, numpy as np
import keras_ar
sys.path.insert(0, sys.argv[4])
importlib.import_module(sys.argv[3])  # registers the model's class
path, data = sys.argv[1], np.load(sys.argv[2], allow_pickle=True).item()
model = keras.saving.load_model(path)
scores = model.log_prob(data["x"], condition=data["condition"])
print(json.dumps({"backend": keras.backend.backend(),
                  "log_prob": np.asarray(scores).tolist()}))
"""


def _check_loads_on_jax(model, x, condition, path, directory):
    data = os.path.join(directory, "data.npy")
    np.save(data, {"x": x, "condition": condition}, allow_pickle=True)
    env = dict(os.environ, KERAS_BACKEND="jax", TF_CPP_MIN_LOG_LEVEL="3")
    module = sys.modules[type(model).__module__]
    folder = os.path.dirname(os.path.abspath(getattr(module, "__file__", ".")))
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            _JAX_SCRIPT,
            path,
            data,
            module.__name__,
            folder,
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    if result.returncode != 0:
        raise AssertionError(
            "Loading the TF-saved model on JAX failed:\n"
            + result.stderr[-3000:]
        )
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert answer["backend"] == "jax"
    np.testing.assert_allclose(
        answer["log_prob"],
        model.log_prob(x, condition=condition),
        rtol=1e-4,
        atol=1e-4,
    )
