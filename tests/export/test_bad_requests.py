"""Bad requests, table-driven, through every loader (`tf.saved_model.load`,
a TF1 session, TF Serving's C++ `LoadSavedModel`) in keras-free processes:
each is refused with a clean error that names the expected and received
values, within bounded memory and time, and the process keeps serving
afterwards. Empty batches give empty results."""

import numpy as np
import pytest

#: One worker runs both files under `pytest -n 2 --dist loadgroup`, so the
#: exports and the three loader processes they share run once.
pytestmark = pytest.mark.xdist_group("export_loaders")

LOADERS = ("saved_model", "tf1", "cpp")
MODELS = ("pixelcnn", "wavenet", "made")
SEED = 5
#: No loader process may grow past this, whatever it was asked.
MAX_RSS_MB = 1500
#: A refused request fails before any work.
MAX_REFUSAL_SECONDS = 2.0
HUGE = 10**9


def good_inputs(model, signature, helpers):
    """A valid request of batch 2 for `signature`."""
    rng = np.random.default_rng(SEED)
    length = int(model.event_shape[0])
    x = helpers.events(model, 2, rng)
    condition = helpers.condition(model, 2, length, rng)
    seed = np.array([SEED, 0], "int32")
    one = np.float32(1.0)
    if signature in ("log_prob", "anomaly_score", "is_anomaly"):
        return {"x": x, **condition}
    if signature == "sample":
        inputs = {"num_samples": np.int32(2), "seed": seed, "temperature": one}
        if model.variable_length:
            inputs["length"] = np.int32(length)
        return {**inputs, **condition}
    if signature == "complete":
        known = np.zeros(x.shape, bool)
        known[:, 0] = True
        return {
            "x": x,
            "known_mask": known,
            "seed": seed,
            "temperature": one,
            **condition,
        }
    if signature == "forecast":
        return {
            "context": helpers.events(model, 2, rng, length=3),
            "steps": np.int32(2),
            "num_paths": np.int32(3),
            "quantiles": np.array([0.1, 0.9], "float32"),
            "seed": seed,
            "temperature": one,
            **helpers.condition(model, 2, 5, rng),
        }
    raise AssertionError(signature)


def replace(**changes):
    """A change of a valid request: `name=value`, or `name=fn(value)`."""

    def change(inputs):
        inputs = dict(inputs)
        for name, value in changes.items():
            inputs[name] = value(inputs[name]) if callable(value) else value
        return inputs

    return change


def at(index, value):
    """`x` with one value replaced."""

    def change(x):
        x = np.array(x, copy=True)
        x[index] = value
        return x

    return change


def rows(n):
    """Every batched input cut (or tiled) to `n` rows."""

    def change(inputs):
        out = dict(inputs)
        for name, value in inputs.items():
            value = np.asarray(value)
            if value.ndim == 0 or name in ("seed", "quantiles"):
                continue  # not batched
            reps = max(-(-n // len(value)), 1)
            out[name] = np.concatenate([value] * reps)[:n]
        return out

    return change


class Refused:
    """Every loader refuses with an `InvalidArgumentError` whose message
    holds all `fragments`."""

    def __init__(self, *fragments):
        self.fragments = fragments


class WrongDtype:
    """A request whose input has another dtype than its signature's:
    `tf.saved_model.load` and the C++ loader (Session::Run) refuse it
    (`InvalidArgumentError`); a TF1 `Session.run` converts fed NumPy
    arrays to the placeholder's dtype, so it answers as to the converted
    request."""

    def __init__(self, expected, received):
        self.expected, self.received = expected, received


class Empty:
    """Answered with empty outputs of these shapes."""

    def __init__(self, **shapes):
        self.shapes = shapes


# (label, model, signature, change of the valid request, expectation)
BAD_REQUESTS = [
    # Shapes and ranks.
    (
        "event_shape_5x4x1",
        "pixelcnn",
        "log_prob",
        replace(x=np.zeros((2, 5, 4, 1), "float32")),
        Refused("`x` must have shape (batch, 4, 4, 1)", "[2 5 4 1]"),
    ),
    (
        "rank_3",
        "pixelcnn",
        "log_prob",
        replace(x=np.zeros((2, 4, 4), "float32")),
        Refused("`x` must have shape (batch, 4, 4, 1)", "[2 4 4]"),
    ),
    (
        "num_samples_not_scalar",
        "pixelcnn",
        "sample",
        replace(num_samples=np.array([2], "int32")),
        Refused("`num_samples` must have shape ()", "[1]"),
    ),
    (
        "seed_of_3",
        "pixelcnn",
        "sample",
        replace(seed=np.array([1, 2, 3], "int32")),
        Refused("`seed` must have shape (2,)", "[3]"),
    ),
    (
        "known_mask_other_shape",
        "pixelcnn",
        "complete",
        replace(known_mask=np.ones((1, 4, 4, 1), bool)),
        Refused("`known_mask` must have the shape of `x`"),
    ),
    (
        "local_condition_channels",
        "wavenet",
        "log_prob",
        replace(local_condition=np.zeros((2, 3, 3), "float32")),
        Refused("`local_condition` must have shape (batch, time, 2)", "3"),
    ),
    (
        "local_condition_too_short",
        "wavenet",
        "log_prob",
        replace(local_condition=np.zeros((2, 2, 2), "float32")),
        Refused("`local_condition` needs a frame per 4 steps", "[3]", "[2]"),
    ),
    (
        "context_rank",
        "made",
        "forecast",
        replace(context=np.zeros((2, 3, 1), "float32")),
        Refused("`context` must have shape (batch, time)", "[2 3 1]"),
    ),
    # Dtypes.
    (
        "x_float64",
        "pixelcnn",
        "log_prob",
        replace(x=lambda x: x.astype("float64")),
        WrongDtype("float", "double"),
    ),
    (
        "x_int32",
        "pixelcnn",
        "log_prob",
        replace(x=lambda x: x.astype("int32")),
        WrongDtype("float", "int32"),
    ),
    (
        "num_samples_float",
        "wavenet",
        "sample",
        replace(num_samples=np.float32(2.0)),
        WrongDtype("int32", "float"),
    ),
    # Values.
    (
        "value_above_range",
        "pixelcnn",
        "log_prob",
        replace(x=at((0, 1, 1, 0), 4.0)),
        Refused("`x` values must be <= 3"),
    ),
    (
        "value_below_range",
        "pixelcnn",
        "complete",
        replace(x=at((1, 0, 0, 0), -1.0)),
        Refused("`x` values must be >= 0"),
    ),
    (
        "value_not_whole",
        "wavenet",
        "log_prob",
        replace(x=at((0, 3, 0), 2.5)),
        Refused("`x` must hold whole numbers in [0, 15]"),
    ),
    (
        "nan_discrete",
        "pixelcnn",
        "log_prob",
        replace(x=at((0, 0, 0, 0), np.nan)),
        Refused("`x` has NaN or inf values"),
    ),
    (
        "nan_continuous",
        "made",
        "log_prob",
        replace(x=at((1, 2), np.nan)),
        Refused("`x` has NaN or inf values"),
    ),
    (
        "inf_continuous",
        "made",
        "anomaly_score",
        replace(x=at((0, 0), np.inf)),
        Refused("`x` has NaN or inf values"),
    ),
    (
        "temperature_zero",
        "made",
        "sample",
        replace(temperature=np.float32(0.0)),
        Refused("`temperature` must be"),
    ),
    (
        "temperature_nan",
        "pixelcnn",
        "sample",
        replace(temperature=np.float32(np.nan)),
        Refused("`temperature` must be"),
    ),
    (
        "quantile_above_1",
        "wavenet",
        "forecast",
        replace(quantiles=np.array([0.5, 1.5], "float32")),
        Refused("`quantiles` must be levels in [0, 1]", "1.5"),
    ),
    # Conditions.
    (
        "class_id_out_of_range",
        "pixelcnn",
        "log_prob",
        replace(condition=np.array([0, 3], "int32")),
        Refused("`condition` class ids must be < 3"),
    ),
    (
        "class_id_negative",
        "wavenet",
        "sample",
        replace(condition=np.array([-1, 0], "int32")),
        Refused("`condition` class ids must be >= 0"),
    ),
    (
        "condition_length",
        "pixelcnn",
        "sample",
        replace(condition=np.array([0, 1, 2], "int32")),
        Refused("`condition` needs one class id per example"),
    ),
    (
        "local_condition_batch",
        "wavenet",
        "complete",
        replace(local_condition=lambda c: c[:1]),
        Refused("`local_condition` needs one sequence per example"),
    ),
    # Limits: no request may allocate without bound.
    (
        "huge_num_samples",
        "pixelcnn",
        "sample",
        replace(num_samples=np.int32(HUGE)),
        Refused(
            "`num_samples` must be in [0, 256] (max_num_samples", str(HUGE)
        ),
    ),
    (
        "negative_num_samples",
        "made",
        "sample",
        replace(num_samples=np.int32(-1)),
        Refused("`num_samples` must be in [0, 256]", "[-1]"),
    ),
    (
        "huge_length",
        "wavenet",
        "sample",
        replace(length=np.int32(HUGE)),
        Refused("`length` must be in [1, 48] (max_length", str(HUGE)),
    ),
    (
        "zero_length",
        "wavenet",
        "sample",
        replace(length=np.int32(0)),
        Refused("`length` must be in [1, 48]", "[0]"),
    ),
    (
        "huge_num_paths",
        "wavenet",
        "forecast",
        replace(num_paths=np.int32(HUGE)),
        Refused("`num_paths` must be in [1, 256] (max_num_samples", str(HUGE)),
    ),
    (
        "huge_steps",
        "wavenet",
        "forecast",
        replace(steps=np.int32(HUGE)),
        Refused(
            "`steps` must be in [1, 48] (max_length, chosen at export)",
            str(HUGE),
        ),
    ),
    (
        "context_and_steps_past_the_event",
        "made",
        "forecast",
        replace(steps=np.int32(4)),
        Refused(
            "Context + `steps` (the event length of the model) must be <= 6",
            "[7]",
        ),
    ),
    (
        "batch_over_max_batch_size",
        "made",
        "log_prob",
        rows(4097),
        Refused("The batch of `x` (max_batch_size) must be <= 4096", "4097"),
    ),
    # Empty batches.
    ("empty_log_prob", "pixelcnn", "log_prob", rows(0), Empty(log_prob=(0,))),
    (
        "empty_sample",
        "pixelcnn",
        "sample",
        lambda inputs: rows(0)(replace(num_samples=np.int32(0))(inputs)),
        Empty(samples=(0, 4, 4, 1)),
    ),
    (
        "empty_complete",
        "pixelcnn",
        "complete",
        rows(0),
        Empty(samples=(0, 4, 4, 1)),
    ),
    (
        "empty_anomaly_score",
        "made",
        "anomaly_score",
        rows(0),
        Empty(anomaly_score=(0,)),
    ),
    (
        "empty_wavenet_sample",
        "wavenet",
        "sample",
        lambda inputs: rows(0)(replace(num_samples=np.int32(0))(inputs)),
        Empty(samples=(0, 12, 1)),
    ),
]
LABELS = [row[0] for row in BAD_REQUESTS]
assert len(set(LABELS)) == len(LABELS)


def loader_requests(zoo, exports, helpers):
    """Per model: one valid request per signature used ("good:"), the bad
    requests, then the valid ones again ("again:"), all in one process
    per loader (see conftest's `loader_answers`)."""
    requests = {}
    for name in MODELS:
        model = zoo[name]
        signatures = sorted(
            {sig for _, m, sig, _, _ in BAD_REQUESTS if m == name}
        )
        good = [
            (sig, sig, good_inputs(model, sig, helpers)) for sig in signatures
        ]
        bad = [
            (label, sig, change(good_inputs(model, sig, helpers)))
            for label, m, sig, change, _ in BAD_REQUESTS
            if m == name
        ]
        requests[name] = (
            [(f"good:{label}", sig, inputs) for label, sig, inputs in good]
            + bad
            + [(f"again:{label}", sig, inputs) for label, sig, inputs in good]
        )
    return requests


@pytest.fixture(scope="module")
def answers(loader_answers):
    return loader_answers[__name__]


def _without_stats(result):
    return {k: v for k, v in result.items() if k not in ("seconds", "rss_kb")}


@pytest.mark.parametrize(
    "label, name, signature, change, expect",
    BAD_REQUESTS,
    ids=LABELS,
)
@pytest.mark.parametrize("loader", LOADERS)
def test_bad_request(answers, loader, label, name, signature, change, expect):
    results = answers[name]["results"][loader]
    result = results[label]
    if isinstance(expect, Empty):
        assert "error" not in result, result["error"]
        for key, shape in expect.shapes.items():
            assert result[key].shape == shape, key
        return
    if isinstance(expect, WrongDtype):
        if loader == "tf1":
            # Session.run fed the request converted to the right dtype.
            assert "error" not in result, result["error"]
            converted = results[f"good:{signature}"]
            for key, value in _without_stats(converted).items():
                np.testing.assert_array_equal(result[key], value)
            return
        error = result["error"]
        if loader == "saved_model":
            assert error.startswith("InvalidArgumentError: ")
        assert expect.expected in error and expect.received in error, error
        return
    error = result.get("error")
    assert error is not None, f"{label} was answered: {result}"
    if loader != "cpp":
        assert error.startswith("InvalidArgumentError: "), error
    for fragment in expect.fragments:
        assert fragment in error, error
    if loader != "cpp":  # the C++ loader times successful runs only
        assert result["seconds"] < MAX_REFUSAL_SECONDS


@pytest.mark.parametrize("loader", LOADERS)
@pytest.mark.parametrize("name", MODELS)
def test_loader_still_serves_after_bad_requests(answers, loader, name):
    results = answers[name]["results"][loader]
    again = [label for label in results if label.startswith("again:")]
    assert again
    for label in again:
        first = results[label.replace("again:", "good:")]
        assert "error" not in first and "error" not in results[label]
        for key, value in _without_stats(first).items():
            np.testing.assert_array_equal(results[label][key], value)


@pytest.mark.parametrize("loader", LOADERS)
def test_memory_stays_bounded(answers, loader_answers, loader):
    for name in MODELS:
        for label, result in answers[name]["results"][loader].items():
            assert result["rss_kb"] < MAX_RSS_MB * 1024, (name, label)
    # The runner caps its address space (and its C++ loaders'): a request
    # that tried to allocate beyond the cap shows in TensorFlow's log.
    log = loader_answers["processes"][loader]["stderr"]
    failed = [line for line in log.splitlines() if "OOM when" in line]
    assert "ran out of memory" not in log, "\n".join(failed)
