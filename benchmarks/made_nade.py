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
3. TFP's `tfb.AutoregressiveNetwork` (tf_keras, run in its own subprocess
   with TF_USE_LEGACY_KERAS=1) against keras_ar's MADE with 1 mask: same
   data, width (one hidden layer), batch size, optimizer, epochs and XLA
   setting. Training examples/s after the first epoch (compilation
   excluded) and test NLL.

Run (CPU, budgets chosen for about 15 minutes on 2 shared cores):
    python benchmarks/made_nade.py
    python benchmarks/made_nade.py --quick      # smoke test, ~2 min

Writes benchmarks/results/made_nade.json (made_nade_quick.json with
--quick).
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

HERE = os.path.dirname(os.path.abspath(__file__))
PAPER = {"made_1_mask": 88.04, "made_32_masks": 86.64, "nade": 88.33}

FULL = {
    "train_size": 60000,
    "test_size": 10000,
    "hidden": 500,
    "made_epochs": 5,
    "nade_budget": 240.0,
    "nade_train_size": 60000,
    "batch_size": 100,
    "shuttle_epochs": 20,
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
}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
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
    """Wall time of every epoch (a Keras 3 or tf_keras callback body)."""

    def __init__(self):
        self.times = []

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.times.append(time.perf_counter() - self._start)


def steady_rate(times, examples):
    """Examples/s over the epochs after the first (compilation excluded)."""
    later = times[1:] or times
    return examples * len(later) / sum(later)


def _keras_timer():
    import keras

    class Timer(EpochTimer, keras.callbacks.Callback):
        def __init__(self):
            keras.callbacks.Callback.__init__(self)
            EpochTimer.__init__(self)

    return Timer()


def load_mnist(args):
    from keras_ar.data import load_binarized_mnist

    x_train, _ = load_binarized_mnist("train")
    x_test, _ = load_binarized_mnist("test")
    rng = np.random.default_rng(args.seed)
    order = rng.permutation(len(x_train))[: args.train_size]
    x_train = np.asarray(x_train)[order].reshape(-1, 784).astype("float32")
    x_test = np.asarray(x_test)[: args.test_size].reshape(-1, 784)
    return x_train, x_test.astype("float32")


def train_made(x_train, x_test, args, num_masks):
    import keras

    from keras_ar.models import MADE

    keras.utils.set_random_seed(args.seed)
    model = MADE(
        (784,),
        head="bernoulli",
        hidden_units=(args.hidden,),
        num_masks=num_masks,
        seed=args.seed,
    )
    model.compile(optimizer=keras.optimizers.Adam(1e-3), jit_compile=True)
    timer = _keras_timer()
    start = time.perf_counter()
    model.fit(
        x_train,
        epochs=args.made_epochs,
        batch_size=args.batch_size,
        callbacks=[timer],
        verbose=2,
    )
    seconds = time.perf_counter() - start
    result = {
        "num_masks": num_masks,
        "parameters": int(
            sum(int(np.prod(w.shape)) for w in model.trainable_weights)
        ),
        "train_seconds": seconds,
        "train_examples_per_second": steady_rate(timer.times, len(x_train)),
        "epoch_seconds": timer.times,
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
    """Runs in a subprocess with TF_USE_LEGACY_KERAS=1."""
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
        optimizer=tf.keras.optimizers.Adam(1e-3), loss=nll, jit_compile=True
    )

    class Timer(EpochTimer, tf.keras.callbacks.Callback):
        def __init__(self):
            tf.keras.callbacks.Callback.__init__(self)
            EpochTimer.__init__(self)

    timer = Timer()
    start = time.perf_counter()
    model.fit(
        x_train,
        x_train,
        epochs=settings["epochs"],
        batch_size=settings["batch_size"],
        callbacks=[timer],
        verbose=2,
    )
    seconds = time.perf_counter() - start
    test_logits = model.predict(x_test, batch_size=500, verbose=0)
    test_nll = float(np.mean(nll(x_test, test_logits).numpy()))
    result = {
        "keras": tf.keras.__name__,
        "parameters": int(model.count_params()),
        "train_seconds": seconds,
        "train_examples_per_second": steady_rate(timer.times, len(x_train)),
        "epoch_seconds": timer.times,
        "test_nll": test_nll,
    }
    with open(os.path.join(path, "result.json"), "w") as f:
        json.dump(result, f)


def run_tfp(x_train, x_test, args):
    with tempfile.TemporaryDirectory() as path:
        np.savez(os.path.join(path, "data.npz"), x_train=x_train, x_test=x_test)
        with open(os.path.join(path, "settings.json"), "w") as f:
            json.dump(
                {
                    "seed": args.seed,
                    "hidden": args.hidden,
                    "epochs": args.made_epochs,
                    "batch_size": args.batch_size,
                },
                f,
            )
        env = dict(os.environ, TF_USE_LEGACY_KERAS="1")
        env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        command = [sys.executable, __file__, "--tfp-worker", path]
        proc = subprocess.run(command, env=env, check=False)
        if proc.returncode:
            return {"error": f"TFP worker exited with {proc.returncode}"}
        with open(os.path.join(path, "result.json")) as f:
            return json.load(f)


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


def table(rows, headers):
    widths = [
        max(len(str(h)), *(len(str(r[i])) for r in rows))
        for i, h in enumerate(headers)
    ]
    line = " | ".join(h.ljust(w) for h, w in zip(headers, widths))
    print(line)
    print("-+-".join("-" * w for w in widths))
    for r in rows:
        print(" | ".join(str(c).ljust(w) for c, w in zip(r, widths)))
    print()


def main(argv=None):
    args = parse_args(argv)
    if args.tfp_worker:
        tfp_worker(args.tfp_worker)
        return 0
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.pop("TF_USE_LEGACY_KERAS", None)
    start = time.perf_counter()
    settings = {k: getattr(args, k) for k in FULL}
    print("settings:", settings, flush=True)
    x_train, x_test = load_mnist(args)

    print("== MADE, 1 mask", flush=True)
    made_1 = train_made(x_train, x_test, args, 1)
    print("== MADE, 32 masks (connectivity-agnostic)", flush=True)
    made_32 = train_made(x_train, x_test, args, 32)
    print("== NADE", flush=True)
    nade = train_nade(x_train, x_test, args)
    print("== TFP AutoregressiveNetwork (subprocess, tf_keras)", flush=True)
    tfp_result = run_tfp(x_train, x_test, args)
    print("== Shuttle", flush=True)
    shuttle_result = shuttle(args)

    print(
        "\nBinarized MNIST test NLL (nats). Our binarization is a fixed "
        "seeded Bernoulli draw, not the Larochelle & Murray file of the "
        "papers: the paper numbers are a reference only.\n"
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
    table(rows, ["model", "test NLL", "paper", "ours / paper"])

    print("Shuttle anomaly detection (test half, anomaly = positive)\n")
    rows = [
        [
            name,
            f"{r['roc_auc']:.4f}",
            f"{r['average_precision']:.4f}",
            f"{r['fit_seconds']:.1f}",
        ]
        for name, r in shuttle_result["results"].items()
    ]
    table(rows, ["model", "ROC-AUC", "AP", "fit s"])

    print(
        "keras_ar MADE vs TFP AutoregressiveNetwork (same data, width, "
        "batch, Adam 1e-3, epochs, XLA)\n"
    )
    rows = [
        [
            "keras_ar MADE (Keras 3)",
            f"{made_1['train_examples_per_second']:.0f}",
            f"{made_1['test_nll']:.2f}",
            made_1["parameters"],
        ]
    ]
    if "error" not in tfp_result:
        speed_ratio = (
            made_1["train_examples_per_second"]
            / tfp_result["train_examples_per_second"]
        )
        rows.append(
            [
                "TFP AutoregressiveNetwork (tf_keras)",
                f"{tfp_result['train_examples_per_second']:.0f}",
                f"{tfp_result['test_nll']:.2f}",
                tfp_result["parameters"],
            ]
        )
        rows.append(
            [
                "ratio keras_ar / TFP",
                f"{speed_ratio:.2f}",
                f"{made_1['test_nll'] / tfp_result['test_nll']:.3f}",
                "",
            ]
        )
    table(rows, ["model", "train ex/s", "test NLL", "params"])

    out = {
        "settings": settings,
        "machine": {
            "platform": platform.platform(),
            "processor": platform.processor(),
            "cpus": os.cpu_count(),
            "load_average": os.getloadavg(),
        },
        "binarization_note": (
            "keras_ar.data.load_binarized_mnist seed 0 (fixed Bernoulli "
            "draw), not the Larochelle & Murray binarization of the papers"
        ),
        "paper": PAPER,
        "made_1_mask": made_1,
        "made_32_masks": made_32,
        "nade": nade,
        "tfp_autoregressive_network": tfp_result,
        "shuttle": shuttle_result,
        "total_seconds": time.perf_counter() - start,
    }
    name = "made_nade_quick.json" if args.quick else "made_nade.json"
    path = os.path.join(HERE, "results", name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(out, f, indent=2)
    print(f"wrote {path} ({out['total_seconds']:.0f}s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
