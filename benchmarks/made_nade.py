"""MADE and NADE: binarized MNIST NLL, Shuttle anomaly detection, and a
side-by-side with TFP's `tfb.AutoregressiveNetwork`.

1. Binarized MNIST (keras_ar's fixed Bernoulli binarization, seed 0, see
   DATA.md: NOT the Larochelle & Murray file the papers use, so the paper
   numbers are a reference, not a like-for-like comparison). Test NLL in
   nats on the 10,000 test images for MADE with 1 mask, MADE trained
   connectivity-agnostic with 32 masks (test: ensemble of 32 masks and
   mask 0 alone), and NADE, next to 88.04 / 86.64 (MADE) and 88.33 (NADE).
2. Shuttle (river's ODDS version, 49,097 x 9, 7.2 % anomalies): a seeded
   50/50 split; MADE and NADE (mixture-of-Gaussians heads, standardised)
   and scikit-learn's IsolationForest are fitted on the normal rows of the
   training half and scored on the whole test half: ROC-AUC and average
   precision (anomaly = positive).
3. TFP's `tfb.AutoregressiveNetwork` (tf_keras, in its own subprocess with
   TF_USE_LEGACY_KERAS=1) against keras_ar's MADE with 1 mask: same data
   (same seeded permutation), width (one hidden layer), batch size, Adam
   1e-3, epochs, XLA (`jit_compile=True`) and `steps_per_execution` (1,
   both libraries' default, unless `--steps-per-execution` is given: it is
   then given to both). Reported: training examples/s over epochs 2..E
   (epoch 1 compiles) counted from the end of each epoch's first step,
   the same over whole epochs, process CPU seconds per 1000 examples, and
   test NLL. The first step of an epoch is left out of the main figure
   because Keras 3 can stall there for seconds, waiting on a tf.data
   thread of an iterator it discards (see `EpochTimer`), a wait the turn
   taking makes much longer than in a run alone; the whole-epoch column
   keeps it. The MADE row of section 1 is this run's keras_ar model.

   The two trainings run turn about, one epoch at a time (keras_ar epoch 0,
   TFP 0, TFP 1, keras_ar 1, keras_ar 2, TFP 2, ...: each waits, idle, for
   the other's epoch to end), so that both see the same load on a shared
   machine; each side times its own epochs. Both `fit` with `verbose=0`
   (this script prints one line per epoch itself): with `verbose=2`
   Keras 3 still runs its progress-bar callback after every batch, while
   tf_keras skips batch callbacks entirely, which would charge keras_ar
   for the harness' printing. `--repeats N` repeats the pair with seeds
   `seed, seed + 1, ...` (data order and initialisation); the table shows
   every repeat and the mean, since a single 5-epoch run varies by about
   +-0.6 nats from seed to seed.

Run (CPU, budgets chosen for about 15 minutes on 2 shared cores):
    python benchmarks/made_nade.py
    python benchmarks/made_nade.py --only tfp   # section 3 alone, ~4 min
    python benchmarks/made_nade.py --quick      # smoke test, ~2 min
    KERAS_BACKEND=jax python benchmarks/made_nade.py --only tfp
                    # keras_ar on JAX against TFP on tf_keras/TensorFlow

Writes benchmarks/results/made_nade.json and made_nade.log (the printed
tables); `--only SECTION` writes made_nade_SECTION.json/.log,
`--steps-per-execution K` adds `_speK`, a keras_ar backend other than
TensorFlow adds `_jax`, and `--quick` adds `_quick` to the names.
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time

import numpy as np
from common import provenance
from common import uptime
from common import versions

HERE = os.path.dirname(os.path.abspath(__file__))
PAPER = {"made_1_mask": 88.04, "made_32_masks": 86.64, "nade": 88.33}
SECTIONS = ("mnist", "shuttle", "tfp")

FULL = {
    "train_size": 60000,
    "test_size": 10000,
    "hidden": 500,
    "made_epochs": 5,
    "nade_budget": 240.0,
    "nade_train_size": 60000,
    "batch_size": 100,
    "shuttle_epochs": 20,
    "repeats": 1,
    "steps_per_execution": 1,
}
QUICK = {
    "train_size": 3000,
    "test_size": 1000,
    "hidden": 100,
    "made_epochs": 2,
    "nade_budget": 15.0,
    "nade_train_size": 3000,
    "batch_size": 100,
    "shuttle_epochs": 2,
    "repeats": 1,
    "steps_per_execution": 1,
}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument(
        "--only",
        choices=SECTIONS,
        default=None,
        help="run one section: mnist, shuttle or tfp (the comparison)",
    )
    parser.add_argument("--tfp-worker", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--seed", type=int, default=0)
    for key, value in FULL.items():
        parser.add_argument(
            "--" + key.replace("_", "-"), type=type(value), default=None
        )
    args = parser.parse_args(argv)
    defaults = QUICK if args.quick else FULL
    for key, value in defaults.items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    return args


class EpochTimer:
    """Wall and process CPU time of every epoch, whole and without its
    first step (a Keras 3 or tf_keras callback body).

    The first step of an epoch is timed apart: it waits for the epoch's
    data pipeline, and in Keras 3 (TF backend, NumPy input) it also
    destroys the iterator Keras 3 made ahead at the end of the previous
    epoch and then discarded. That destructor waits for the iterator's
    tf.data autotuning thread (seen with gdb:
    `UnboundedThreadPool::LogicalThreadWrapper::~LogicalThreadWrapper`
    under `RootDataset::Iterator::~Iterator`, the thread sleeping in
    `Model::OptimizeLoop`), which here blocked for up to about 9 s with no
    CPU use when another process had run in between (the other side's
    turn). tf_keras uses the iterator it makes ahead, so TFP's epochs do
    not have this wait. `on_train_batch_begin` is the hook used: Keras 3
    keeps dispatching batch-end callbacks asynchronously, and tf_keras
    skips converting logs (`_supports_tf_logs`).
    """

    _supports_tf_logs = True

    def __init__(self, first_examples=0):
        self.first_examples = first_examples
        self.times = []
        self.cpu_times = []
        self.steady_times = []
        self.steady_cpu_times = []
        self.losses = []
        self.loads = []
        self.idle_cpu_times = []
        self._end_cpu = None

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()
        self._cpu = time.process_time()
        self._calls = 0
        if self._end_cpu is not None:
            # CPU this process used between two of its epochs (while the
            # other side trained): background work, not counted above.
            self.idle_cpu_times.append(self._cpu - self._end_cpu)

    def on_train_batch_begin(self, batch, logs=None):
        self._calls += 1
        if self._calls == 2:  # the first step has run
            self._steady_start = time.perf_counter()
            self._steady_cpu = time.process_time()

    def on_epoch_end(self, epoch, logs=None):
        now, cpu = time.perf_counter(), time.process_time()
        self.times.append(now - self._start)
        self.cpu_times.append(cpu - self._cpu)
        if self._calls >= 2:
            self.steady_times.append(now - self._steady_start)
            self.steady_cpu_times.append(cpu - self._steady_cpu)
        self.losses.append(float((logs or {}).get("loss", float("nan"))))
        self.loads.append(os.getloadavg()[0])
        self._end_cpu = time.process_time()


def steady_rate(times, examples):
    """Examples/s over the epochs after the first (compilation excluded)."""
    later = times[1:] or times
    return examples * len(later) / sum(later)


def steady_cpu(cpu_times, examples):
    """Process CPU seconds per 1000 examples after the first epoch."""
    later = cpu_times[1:] or cpu_times
    return 1000.0 * sum(later) / (examples * len(later))


def timing_result(timer, examples):
    steady_examples = examples - timer.first_examples
    result = {
        "train_examples_per_second": steady_rate(
            timer.steady_times, steady_examples
        ),
        "cpu_seconds_per_1000_examples": steady_cpu(
            timer.steady_cpu_times, steady_examples
        ),
        "whole_epoch_examples_per_second": steady_rate(timer.times, examples),
        "whole_epoch_cpu_seconds_per_1000_examples": steady_cpu(
            timer.cpu_times, examples
        ),
        "first_step_seconds": [
            a - b for a, b in zip(timer.times, timer.steady_times)
        ],
        "epoch_seconds": timer.times,
        "epoch_cpu_seconds": timer.cpu_times,
        "epoch_seconds_without_first_step": timer.steady_times,
        "epoch_loss": timer.losses,
        "epoch_load_1min": timer.loads,
        "cpu_seconds_between_epochs": timer.idle_cpu_times,
    }
    return result


def _keras_timer(cls=EpochTimer, **kwargs):
    import keras

    class Timer(cls, keras.callbacks.Callback):
        def __init__(self):
            keras.callbacks.Callback.__init__(self)
            cls.__init__(self, **kwargs)

    return Timer()


def load_mnist(args, seed=None):
    from keras_ar.data import load_binarized_mnist

    x_train, _ = load_binarized_mnist("train")
    x_test, _ = load_binarized_mnist("test")
    rng = np.random.default_rng(args.seed if seed is None else seed)
    order = rng.permutation(len(x_train))[: args.train_size]
    x_train = np.asarray(x_train)[order].reshape(-1, 784).astype("float32")
    x_test = np.asarray(x_test)[: args.test_size].reshape(-1, 784)
    return x_train, x_test.astype("float32")


def build_made(args, num_masks, seed):
    import keras

    from keras_ar.models import MADE

    keras.utils.set_random_seed(seed)
    model = MADE(
        (784,),
        head="bernoulli",
        hidden_units=(args.hidden,),
        num_masks=num_masks,
        seed=seed,
    )
    model.compile(
        optimizer=keras.optimizers.Adam(1e-3),
        jit_compile=True,
        steps_per_execution=args.steps_per_execution,
    )
    return model


def made_result(model, timer, x_train, x_test, seconds):
    num_masks = model.num_masks
    result = {
        "num_masks": num_masks,
        "parameters": int(
            sum(int(np.prod(w.shape)) for w in model.trainable_weights)
        ),
        "train_seconds": seconds,
        **timing_result(timer, len(x_train)),
    }
    if num_masks > 1:
        model.ensemble_size = 1
        result["test_nll_mask_0"] = float(
            -model.log_prob(x_test, batch_size=500).mean()
        )
        model.ensemble_size = num_masks
    start = time.perf_counter()
    result["test_nll"] = float(-model.log_prob(x_test, batch_size=500).mean())
    result["test_seconds"] = time.perf_counter() - start
    return result


def train_made(x_train, x_test, args, num_masks):
    model = build_made(args, num_masks, args.seed)
    timer = _keras_timer(
        first_examples=args.batch_size * args.steps_per_execution
    )
    start = time.perf_counter()
    model.fit(
        x_train,
        epochs=args.made_epochs,
        batch_size=args.batch_size,
        callbacks=[timer],
        verbose=2,
    )
    seconds = time.perf_counter() - start
    return made_result(model, timer, x_train, x_test, seconds)


def train_nade(x_train, x_test, args):
    import keras

    from keras_ar.models import NADE

    keras.utils.set_random_seed(args.seed)
    model = NADE((784,), head="bernoulli", hidden_units=args.hidden)
    model.compile(optimizer=keras.optimizers.Adam(1e-3), jit_compile=True)
    x_train = x_train[: args.nade_train_size]
    chunk = 2000
    seen = 0
    start = time.perf_counter()
    while time.perf_counter() - start < args.nade_budget:
        s = seen % len(x_train)
        part = x_train[s : s + chunk]
        model.fit(part, epochs=1, batch_size=args.batch_size, verbose=0)
        seen += len(part)
    seconds = time.perf_counter() - start
    print(f"NADE: {seen} examples in {seconds:.0f}s", flush=True)
    start = time.perf_counter()
    nll = float(-model.log_prob(x_test, batch_size=500).mean())
    return {
        "train_examples_seen": seen,
        "train_seconds": seconds,
        "train_examples_per_second": seen / seconds,
        "test_nll": nll,
        "test_seconds": time.perf_counter() - start,
    }


def tfp_worker(path):
    """TFP's side of the comparison; runs in a subprocess with
    TF_USE_LEGACY_KERAS=1.

    Talks to the parent over its stdin/stdout: prints `ready` once built,
    then runs one epoch per `go` line read, answering each with a JSON
    line, and `done` at the end (anything else printed goes to stderr).
    """
    channel = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)
    import tensorflow as tf
    import tensorflow_probability as tfp

    with open(os.path.join(path, "settings.json")) as f:
        settings = json.load(f)
    data = np.load(os.path.join(path, "data.npz"))
    x_train, x_test = data["x_train"], data["x_test"]
    tf.keras.utils.set_random_seed(settings["seed"])
    made = tfp.bijectors.AutoregressiveNetwork(
        params=1,
        event_shape=[784],
        hidden_units=[settings["hidden"]],
        activation="relu",
    )
    inputs = tf.keras.Input((784,))
    logits = made(inputs)[..., 0]
    model = tf.keras.Model(inputs, logits)

    def nll(y, logits):
        return tf.reduce_sum(
            tf.nn.sigmoid_cross_entropy_with_logits(labels=y, logits=logits),
            axis=-1,
        )

    model.compile(
        optimizer=tf.keras.optimizers.Adam(1e-3),
        loss=nll,
        jit_compile=True,
        steps_per_execution=settings["steps_per_execution"],
    )

    class Turn(EpochTimer, tf.keras.callbacks.Callback):
        """Waits for the parent's `go` before each epoch (at the start of
        training and at the end of the previous epoch)."""

        def __init__(self):
            tf.keras.callbacks.Callback.__init__(self)
            EpochTimer.__init__(
                self,
                settings["batch_size"] * settings["steps_per_execution"],
            )

        def _wait(self):
            if sys.stdin.readline().strip() != "go":
                raise SystemExit("TFP worker: parent went away")

        def on_train_begin(self, logs=None):
            self._wait()

        def on_epoch_end(self, epoch, logs=None):
            EpochTimer.on_epoch_end(self, epoch, logs)
            line = {
                "epoch": epoch,
                "seconds": self.times[-1],
                "cpu_seconds": self.cpu_times[-1],
                "loss": self.losses[-1],
            }
            channel.write(json.dumps(line) + "\n")
            if epoch + 1 < settings["epochs"]:
                self._wait()

    timer = Turn()
    channel.write("ready\n")
    start = time.perf_counter()
    model.fit(
        x_train,
        x_train,
        epochs=settings["epochs"],
        batch_size=settings["batch_size"],
        callbacks=[timer],
        verbose=0,
    )
    seconds = time.perf_counter() - start
    test_logits = model.predict(x_test, batch_size=500, verbose=0)
    test_nll = float(np.mean(nll(x_test, test_logits).numpy()))
    result = {
        "keras": tf.keras.__name__,
        "parameters": int(model.count_params()),
        "train_seconds_incl_waiting": seconds,
        **timing_result(timer, len(x_train)),
        "test_nll": test_nll,
    }
    with open(os.path.join(path, "result.json"), "w") as f:
        json.dump(result, f)
    channel.write("done\n")


class TfpPeer:
    """The TFP worker subprocess, driven one epoch at a time."""

    def __init__(self, path, x_train, x_test, settings):
        self.path = path
        np.savez(os.path.join(path, "data.npz"), x_train=x_train, x_test=x_test)
        with open(os.path.join(path, "settings.json"), "w") as f:
            json.dump(settings, f)
        env = dict(
            os.environ, TF_USE_LEGACY_KERAS="1", KERAS_BACKEND="tensorflow"
        )
        env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        self.proc = subprocess.Popen(
            [sys.executable, os.path.abspath(__file__), "--tfp-worker", path],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            bufsize=1,
        )
        self.epochs = []
        self._expect("ready")

    def _read(self):
        line = self.proc.stdout.readline()
        if not line:
            code = self.proc.wait()
            raise RuntimeError(f"TFP worker exited with {code}")
        return line.strip()

    def _expect(self, word):
        line = self._read()
        if line != word:
            raise RuntimeError(f"TFP worker said {line!r}, expected {word}")

    def run_epoch(self):
        self.proc.stdin.write("go\n")
        self.proc.stdin.flush()
        record = json.loads(self._read())
        self.epochs.append(record)
        return record

    def finish(self):
        self._expect("done")
        self.proc.wait()
        with open(os.path.join(self.path, "result.json")) as f:
            return json.load(f)

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


class TurnTaking(EpochTimer):
    """keras_ar's epoch timer; hands the machine to TFP between epochs, in
    ABBA order: keras_ar 0, TFP 0, TFP 1, keras_ar 1, keras_ar 2, TFP 2,
    TFP 3, ... Both sides wait only at the end of an epoch (or before
    training), never inside a timed span."""

    def __init__(self, peer, epochs, first_examples):
        EpochTimer.__init__(self, first_examples)
        self.peer = peer
        self.epochs = epochs

    def _peer_epoch(self):
        record = self.peer.run_epoch()
        print(
            f"  TFP      epoch {record['epoch'] + 1}/{self.epochs}: "
            f"{record['seconds']:.1f}s, loss {record['loss']:.2f}, "
            f"load {os.getloadavg()[0]:.2f}",
            flush=True,
        )

    def on_epoch_end(self, epoch, logs=None):
        EpochTimer.on_epoch_end(self, epoch, logs)
        print(
            f"  keras_ar epoch {epoch + 1}/{self.epochs}: "
            f"{self.times[-1]:.1f}s, loss {self.losses[-1]:.2f}, "
            f"load {self.loads[-1]:.2f}",
            flush=True,
        )
        if epoch % 2 == 0:
            for _ in range(min(2, self.epochs - len(self.peer.epochs))):
                self._peer_epoch()


def compare_with_tfp(args, seed):
    """One keras_ar MADE / TFP AutoregressiveNetwork pair, turn about."""
    x_train, x_test = load_mnist(args, seed)
    settings = {
        "seed": seed,
        "hidden": args.hidden,
        "epochs": args.made_epochs,
        "batch_size": args.batch_size,
        "steps_per_execution": args.steps_per_execution,
    }
    with tempfile.TemporaryDirectory() as path:
        peer = TfpPeer(path, x_train, x_test, settings)
        try:
            model = build_made(args, 1, seed)
            timer = _keras_timer(
                TurnTaking,
                peer=peer,
                epochs=args.made_epochs,
                first_examples=args.batch_size * args.steps_per_execution,
            )
            start = time.perf_counter()
            model.fit(
                x_train,
                epochs=args.made_epochs,
                batch_size=args.batch_size,
                callbacks=[timer],
                verbose=0,
            )
            seconds = time.perf_counter() - start
            while len(peer.epochs) < args.made_epochs:
                timer._peer_epoch()
            ours = made_result(model, timer, x_train, x_test, seconds)
            ours["train_seconds_incl_waiting"] = ours.pop("train_seconds")
            theirs = peer.finish()
        finally:
            peer.kill()
    return {"seed": seed, "keras_ar": ours, "tfp": theirs}


def comparison(args):
    runs = []
    for r in range(args.repeats):
        seed = args.seed + r
        print(f"== keras_ar MADE vs TFP, seed {seed}", flush=True)
        runs.append(compare_with_tfp(args, seed))
    return runs


def load_shuttle(seed):
    try:
        from river import datasets
    except ImportError as error:
        raise SystemExit(
            "The Shuttle data ships inside river: pip install river"
        ) from error
    rows, labels = [], []
    for x, y in datasets.Shuttle():
        rows.append([x[k] for k in sorted(x)])
        labels.append(int(y))
    x = np.asarray(rows, "float32")
    y = np.asarray(labels, "int32")
    order = np.random.default_rng(seed).permutation(len(x))
    half = len(x) // 2
    train, test = order[:half], order[half:]
    return x[train], y[train], x[test], y[test]


def shuttle(args):
    import keras
    from sklearn.ensemble import IsolationForest
    from sklearn.metrics import average_precision_score
    from sklearn.metrics import roc_auc_score

    from keras_ar.models import MADE
    from keras_ar.models import NADE

    x_train, y_train, x_test, y_test = load_shuttle(args.seed)
    normal = x_train[y_train == 0]
    info = {
        "rows": int(len(x_train) + len(x_test)),
        "features": int(x_train.shape[1]),
        "anomaly_rate": float(np.mean(np.concatenate([y_train, y_test]))),
        "train_normal_rows": int(len(normal)),
        "test_rows": int(len(x_test)),
        "test_anomalies": int(y_test.sum()),
    }
    results = {}

    def report(name, scores, seconds, **extra):
        results[name] = {
            "roc_auc": float(roc_auc_score(y_test, scores)),
            "average_precision": float(average_precision_score(y_test, scores)),
            "fit_seconds": seconds,
            **extra,
        }
        print(name, results[name], flush=True)

    keras.utils.set_random_seed(args.seed)
    builders = {
        "MADE (MoG, 2x64, 5 comp.)": lambda: MADE(
            (9,),
            head=keras_mog(),
            hidden_units=(64, 64),
            seed=args.seed,
        ),
        "NADE (RNADE-style MoG, 64, 5 comp.)": lambda: NADE(
            (9,), head=keras_mog(), hidden_units=64
        ),
    }
    for name, build in builders.items():
        model = build()
        model.compile(optimizer=keras.optimizers.Adam(1e-3), jit_compile=True)
        start = time.perf_counter()
        model.fit(normal, epochs=args.shuttle_epochs, batch_size=256, verbose=0)
        seconds = time.perf_counter() - start
        threshold = model.fit_anomaly_threshold(normal, quantile=0.95)
        scores = model.anomaly_score(x_test)
        flagged = model.is_anomaly(x_test)
        report(
            name,
            scores,
            seconds,
            threshold_q95=threshold,
            recall_at_threshold=float(flagged[y_test == 1].mean()),
            false_positive_rate=float(flagged[y_test == 0].mean()),
        )
    start = time.perf_counter()
    forest = IsolationForest(n_estimators=200, random_state=args.seed)
    forest.fit(normal)
    seconds = time.perf_counter() - start
    report(
        "IsolationForest (200 trees)", -forest.score_samples(x_test), seconds
    )
    return {"data": info, "results": results}


def keras_mog():
    from keras_ar.heads import MixtureOfGaussians

    return MixtureOfGaussians(5)


def table(rows, headers, out):
    """Prints a Markdown table and appends it to `out` (a list of lines)."""
    widths = [
        max(len(str(h)), *(len(str(r[i])) for r in rows))
        for i, h in enumerate(headers)
    ]
    lines = [
        "| " + " | ".join(h.ljust(w) for h, w in zip(headers, widths)) + " |",
        "|-" + "-|-".join("-" * w for w in widths) + "-|",
    ]
    for r in rows:
        lines.append(
            "| " + " | ".join(str(c).ljust(w) for c, w in zip(r, widths)) + " |"
        )
    say(out, "\n".join(lines) + "\n")


def say(out, text=""):
    print(text, flush=True)
    out.append(text)


def comparison_table(runs, out):
    say(
        out,
        "keras_ar MADE vs TFP AutoregressiveNetwork (same data, width, "
        "batch, Adam 1e-3, epochs, XLA, steps_per_execution; epochs run "
        "turn about). ex/s over epochs 2..E without each epoch's first "
        "step; 'whole' keeps it.\n",
    )
    keys = {
        "speed": "train_examples_per_second",
        "whole": "whole_epoch_examples_per_second",
        "cpu": "cpu_seconds_per_1000_examples",
    }
    rows = []
    ratios = {"speed": [], "whole": [], "cpu": [], "nll": []}
    for run in runs:
        ours, theirs = run["keras_ar"], run["tfp"]
        for name, key in keys.items():
            ratios[name].append(ours[key] / theirs[key])
        ratios["nll"].append(ours["test_nll"] - theirs["test_nll"])
        for name, r in (
            (f"keras_ar MADE (Keras 3, {_backend()})", ours),
            ("TFP AutoregressiveNetwork (tf_keras)", theirs),
        ):
            rows.append(
                [
                    run["seed"],
                    name,
                    f"{r[keys['speed']]:.0f}",
                    f"{r[keys['whole']]:.0f}",
                    f"{r[keys['cpu']]:.3f}",
                    f"{r['test_nll']:.2f}",
                    r["parameters"],
                ]
            )
        rows.append(
            [
                run["seed"],
                "keras_ar / TFP",
                f"{ratios['speed'][-1]:.3f}",
                f"{ratios['whole'][-1]:.3f}",
                f"{ratios['cpu'][-1]:.3f}",
                f"{ratios['nll'][-1]:+.2f}",
                "",
            ]
        )
    summary = {k: float(np.mean(v)) for k, v in ratios.items()}
    summary["test_nll_mean"] = {
        side: float(np.mean([run[side]["test_nll"] for run in runs]))
        for side in ("keras_ar", "tfp")
    }
    if len(runs) > 1:
        mean_nll = summary["test_nll_mean"]
        rows.append(
            [
                "mean",
                "keras_ar / TFP",
                f"{summary['speed']:.3f}",
                f"{summary['whole']:.3f}",
                f"{summary['cpu']:.3f}",
                f"{summary['nll']:+.2f} ({mean_nll['keras_ar']:.2f} vs "
                f"{mean_nll['tfp']:.2f})",
                "",
            ]
        )
    table(
        rows,
        [
            "seed",
            "model",
            "train ex/s",
            "whole-epoch ex/s",
            "CPU s / 1000 ex",
            "test NLL (nats)",
            "params",
        ],
        out,
    )
    return summary


def _backend():
    """The Keras backend of keras_ar's side (KERAS_BACKEND; TFP's worker
    always runs tf_keras on TensorFlow)."""
    import keras

    return keras.backend.backend()


def main(argv=None):
    args = parse_args(argv)
    if args.tfp_worker:
        tfp_worker(args.tfp_worker)
        return 0
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.pop("TF_USE_LEGACY_KERAS", None)
    sections = SECTIONS if args.only is None else (args.only,)
    start = time.perf_counter()
    settings = {k: getattr(args, k) for k in FULL}
    settings["seed"] = args.seed
    before = uptime()
    print("settings:", settings, flush=True)
    print("uptime before:", before, flush=True)
    out = [f"settings: {settings}", f"uptime before: {before}", ""]
    result = {"settings": settings, "sections": list(sections)}

    runs = made_1 = None
    if "tfp" in sections:
        runs = comparison(args)
        made_1 = runs[0]["keras_ar"]
        result["tfp_comparison"] = runs
    if "mnist" in sections:
        x_train, x_test = load_mnist(args)
        if made_1 is None:
            print("== MADE, 1 mask", flush=True)
            made_1 = train_made(x_train, x_test, args, 1)
        print("== MADE, 32 masks (connectivity-agnostic)", flush=True)
        made_32 = train_made(x_train, x_test, args, 32)
        print("== NADE", flush=True)
        nade = train_nade(x_train, x_test, args)
        result.update(
            made_1_mask=made_1, made_32_masks=made_32, nade=nade, paper=PAPER
        )
    if "shuttle" in sections:
        print("== Shuttle", flush=True)
        result["shuttle"] = shuttle(args)
    after = uptime()

    say(out)
    if "mnist" in sections:
        say(
            out,
            "Binarized MNIST test NLL (nats). Our binarization is a fixed "
            "seeded Bernoulli draw, not the Larochelle & Murray file of the "
            "papers: the paper numbers are a reference only.\n",
        )
        rows = [
            [
                "MADE, 1 mask",
                f"{made_1['test_nll']:.2f}",
                PAPER["made_1_mask"],
                f"{made_1['test_nll'] / PAPER['made_1_mask']:.3f}",
            ],
            [
                "MADE, 32 masks, ensemble of 32",
                f"{made_32['test_nll']:.2f}",
                PAPER["made_32_masks"],
                f"{made_32['test_nll'] / PAPER['made_32_masks']:.3f}",
            ],
            [
                "MADE, 32 masks, mask 0 alone",
                f"{made_32['test_nll_mask_0']:.2f}",
                "",
                "",
            ],
            [
                "NADE",
                f"{nade['test_nll']:.2f}",
                PAPER["nade"],
                f"{nade['test_nll'] / PAPER['nade']:.3f}",
            ],
        ]
        table(rows, ["model", "test NLL", "paper", "ours / paper"], out)
    if "shuttle" in sections:
        say(out, "Shuttle anomaly detection (test half, anomaly = positive)\n")
        rows = [
            [
                name,
                f"{r['roc_auc']:.4f}",
                f"{r['average_precision']:.4f}",
                f"{r['fit_seconds']:.1f}",
            ]
            for name, r in result["shuttle"]["results"].items()
        ]
        table(rows, ["model", "ROC-AUC", "AP", "fit s"], out)
    if runs is not None:
        result["tfp_summary"] = comparison_table(runs, out)
    say(out, f"uptime after: {after}")

    result.update(
        machine={
            "platform": platform.platform(),
            "processor": platform.processor(),
            "cpus": os.cpu_count(),
            "load_average_end": os.getloadavg(),
        },
        uptime_before=before,
        uptime_after=after,
        versions=versions(),
        provenance=provenance(),
        binarization_note=(
            "keras_ar.data.load_binarized_mnist seed 0 (fixed Bernoulli "
            "draw), not the Larochelle & Murray binarization of the papers"
        ),
        total_seconds=time.perf_counter() - start,
    )
    name = "made_nade" + ("" if args.only is None else f"_{args.only}")
    if args.steps_per_execution != 1:
        name += f"_spe{args.steps_per_execution}"
    if _backend() != "tensorflow":
        name += f"_{_backend()}"
    name += "_quick" if args.quick else ""
    base = os.path.join(HERE, "results", name)
    os.makedirs(os.path.dirname(base), exist_ok=True)
    with open(base + ".json", "w") as f:
        json.dump(result, f, indent=2)
    with open(base + ".log", "w") as f:
        f.write("\n".join(out) + "\n")
    print(f"wrote {base}.json and .log ({result['total_seconds']:.0f}s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
