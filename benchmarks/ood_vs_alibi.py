"""OOD detection beside alibi-detect's `LLR`: Fashion-MNIST in, MNIST out.

The likelihood ratio of Ren et al. (2019), "Likelihood Ratios for
Out-of-Distribution Detection" (NeurIPS), two ways on the same data:
keras_ar's (`benchmarks/ood.py`, run here with its defaults: a 256-way
PixelCNN trained for `--budget` seconds, its background model for as
many batches) and alibi-detect's `LLR` detector with alibi's PixelCNN++
(`alibi_detect.models.tensorflow.PixelCNN`, its documented
Fashion-MNIST settings scaled down to a comparable parameter count).
alibi-detect needs tf_keras, so it runs in its own process with the
Python of its own virtual environment (`--alibi-python`); its model and
its background model train on the same Fashion-MNIST images, batch size,
mutation rate and L2 weight (on the background model only, as keras_ar's
`train_background`), twice: for as many batches as each keras_ar model
saw (capped at `--alibi-max-seconds`) and for as many seconds. Both
score the same test images; AUROCs (higher score = more OOD) are printed
beside the paper's (raw likelihood 0.089, likelihood ratio 0.994).
Training images/s count the whole `fit`, graph tracing included.

Set up alibi-detect once (keeps the main environment as it is; --no-deps
because alibi pins numpy<2, numba<0.60 and TensorFlow<2.19, while the
system's TensorFlow 2.21 and tf-keras serve it; a current numba works):
    python -m venv --system-site-packages /tmp/alibi_venv
    /tmp/alibi_venv/bin/pip install alibi-detect==0.13.0 --no-deps
    /tmp/alibi_venv/bin/pip install "transformers<5" "dill<0.4" \\
        catalogue numba

Run (about 21 minutes on 2 shared cores):
    python benchmarks/ood_vs_alibi.py --alibi-python /tmp/alibi_venv/bin/python
    python benchmarks/ood_vs_alibi.py --quick   # smoke test, ~3 min

Writes benchmarks/results/ood_vs_alibi.json, keras_ar's side as
ood.py writes it (ood_vs_alibi_keras_ar.json and _histograms.png) and
alibi's score histograms (ood_vs_alibi_alibi_batches.png,
_alibi_seconds.png); `_quick` names with --quick.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))

#: AUROCs of Ren et al. 2019, table 2 (Fashion-MNIST in, MNIST out).
PAPER = {"likelihood": 0.089, "likelihood_ratio": 0.994}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n")[0],
        epilog="Other options (--budget, --train-size, --mutation-rate, "
        "...) go to benchmarks/ood.py.",
    )
    parser.add_argument("--alibi-python", default="/tmp/alibi_venv/bin/python")
    parser.add_argument("--alibi-resnet", type=int, default=1)
    parser.add_argument("--alibi-hierarchies", type=int, default=2)
    parser.add_argument("--alibi-filters", type=int, default=10)
    parser.add_argument("--alibi-mixtures", type=int, default=1)
    parser.add_argument("--alibi-dropout", type=float, default=0.3)
    parser.add_argument(
        "--alibi-budget",
        choices=("batches", "seconds", "both"),
        default="both",
        help="alibi trains as many batches as keras_ar's models, as many "
        "seconds, or both runs (default)",
    )
    parser.add_argument(
        "--alibi-max-seconds",
        type=float,
        default=400.0,
        help="cap on each alibi model's training with --alibi-budget batches",
    )
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--name", default="ood_vs_alibi")
    parser.add_argument("--worker", nargs=2, help=argparse.SUPPRESS)
    args, rest = parser.parse_known_args(argv)
    if args.worker:
        return args, None
    import ood

    stem = args.name + "_keras_ar"
    ood_args = ood.parse_args(
        rest + ["--name", stem] + (["--quick"] if args.quick else [])
    )
    return args, ood_args


def alibi_worker(data_path, out_path):
    """alibi-detect's side, run by the alibi virtual environment's Python:
    reads the images and settings from `data_path` (npz), writes the
    scores and timings to `out_path` (npz)."""
    os.environ["TF_USE_LEGACY_KERAS"] = "1"
    import tensorflow as tf
    from alibi_detect.models.tensorflow import PixelCNN
    from alibi_detect.od import LLR

    data = np.load(data_path)
    s = json.loads(str(data["settings"]))
    tf.keras.utils.set_random_seed(s["seed"])
    x_train = data["x_train"].astype("float32")
    arch = dict(
        image_shape=x_train.shape[1:],
        num_resnet=s["resnet"],
        num_hierarchies=s["hierarchies"],
        num_filters=s["filters"],
        num_logistic_mix=s["mixtures"],
        dropout_p=s["dropout"],
    )
    model = PixelCNN(l2_weight=0.0, **arch)
    background = PixelCNN(l2_weight=s["l2"], **arch)

    class Budget(tf.keras.callbacks.Callback):
        """Stops the i-th fit after `s["budgets"][i]` = (batches,
        seconds), whichever comes first; logs each fit."""

        fits = []

        def on_train_begin(self, logs=None):
            self.start, self.steps = time.perf_counter(), 0

        def on_train_batch_end(self, batch, logs=None):
            self.steps += 1
            steps, max_seconds = s["budgets"][len(self.fits)]
            seconds = time.perf_counter() - self.start
            if self.steps >= steps or seconds >= max_seconds:
                self.model.stop_training = True

        def on_train_end(self, logs=None):
            seconds = time.perf_counter() - self.start
            self.fits.append((seconds, self.steps))

    budget = Budget()
    od = LLR(threshold=None, model=model, model_background=background)
    mutation = dict(rate=s["mutation_rate"], seed=s["seed"])
    mutation["feature_range"] = (0, 255)
    od.fit(
        x_train,
        mutate_fn_kwargs=mutation,
        mutate_batch_size=1000,
        optimizer=tf.keras.optimizers.Adam(),
        epochs=1000,
        batch_size=s["batch_size"],
        verbose=2,
        callbacks=[budget],
    )
    out = {"fits": np.array(budget.fits)}
    out["parameters"] = np.array(
        [model.network.count_params(), background.network.count_params()]
    )
    start = time.perf_counter()
    for name in ("in", "out"):
        x = data["x_" + name].astype("float32")
        # LLR.llr's two terms: log p(x) and the background's log p(x).
        logp = od.logp(od.dist_s, x, batch_size=256)
        logp_background = od.logp(od.dist_b, x, batch_size=256)
        out["likelihood_" + name] = -logp
        out["likelihood_ratio_" + name] = -(logp - logp_background)
        # The detector's own instance score, to check the above against.
        check = od.instance_score(x[:256], batch_size=256)
        out["instance_score_" + name] = check
    out["scoring_seconds"] = np.array(time.perf_counter() - start)
    np.savez(out_path, **out)


def run_alibi(args, ood_args, budgets):
    """Runs `alibi_worker` in `args.alibi_python`, its model and
    background model trained for `budgets` = [(batches, seconds)] * 2;
    returns its npz as a dict and the settings."""
    from keras_ar import data

    settings = dict(
        seed=ood_args.seed,
        budgets=budgets,
        batch_size=ood_args.batch_size,
        mutation_rate=ood_args.mutation_rate,
        l2=ood_args.l2,
        resnet=args.alibi_resnet,
        hierarchies=args.alibi_hierarchies,
        filters=args.alibi_filters,
        mixtures=args.alibi_mixtures,
        dropout=args.alibi_dropout,
    )
    n, m = ood_args.train_size, ood_args.test_size
    with tempfile.TemporaryDirectory() as tmp:
        data_path = os.path.join(tmp, "data.npz")
        out_path = os.path.join(tmp, "scores.npz")
        np.savez(
            data_path,
            x_train=data.load("fashion_mnist", split="train")[0][:n],
            x_in=data.load("fashion_mnist", split="test")[0][:m],
            x_out=data.load("mnist", split="test")[0][:m],
            settings=json.dumps(settings),
        )
        command = [args.alibi_python, os.path.abspath(__file__)]
        command += ["--worker", data_path, out_path]
        env = dict(os.environ, TF_USE_LEGACY_KERAS="1")
        # Training within the budgets, plus tracing, mutation, scoring.
        timeout = sum(seconds for _, seconds in budgets) + 900
        subprocess.run(command, env=env, check=True, timeout=timeout)
        with np.load(out_path) as scores:
            return {key: scores[key] for key in scores.files}, settings


def alibi_side(args, ood_args, ours, mode, stem):
    """alibi-detect's LLR trained with keras_ar's budget: as many batches
    (`mode="batches"`) or as many seconds (`"seconds"`) as each keras_ar
    model had. Returns its AUROCs, timings and parameter count."""
    from keras_ar.ood import auroc
    from keras_ar.ood import plot_score_histograms

    budgets = []
    for name in ("model", "background"):
        timing = ours["timings"][name]
        if mode == "batches":
            budgets.append((timing["steps"], args.alibi_max_seconds))
        else:
            budgets.append((10**9, timing["seconds"]))
    alibi, settings = run_alibi(args, ood_args, budgets)
    check = alibi["instance_score_in"]
    assert np.allclose(
        check, alibi["likelihood_ratio_in"][: len(check)], rtol=1e-4
    ), "alibi's instance score differs from its likelihood ratio"
    scores = {
        name: (alibi[name + "_in"], alibi[name + "_out"])
        for name in ("likelihood", "likelihood_ratio")
    }
    png = os.path.join(HERE, "results", f"{stem}_alibi_{mode}.png")
    plot_score_histograms(scores, png, labels=("Fashion-MNIST", "MNIST"))
    timings = {
        name: {
            "seconds": float(seconds),
            "steps": int(steps),
            "images": int(steps) * ood_args.batch_size,
        }
        for name, (seconds, steps) in zip(
            ("model", "background"), alibi["fits"]
        )
    }
    timings["scoring_seconds"] = float(alibi["scoring_seconds"])
    return {
        "auroc": {name: auroc(*pair) for name, pair in scores.items()},
        "timings": timings,
        "parameters": int(alibi["parameters"][0]),
        "settings": settings,
        "histograms": os.path.relpath(png, HERE),
    }


def table_rows(ours, theirs):
    """The side-by-side rows: keras_ar, then each alibi run, then the
    paper."""
    runs = [ours] + list(theirs.values())
    rows = []
    for name in ("likelihood", "likelihood_ratio", "input_complexity"):
        row = [f"AUROC, {name.replace('_', ' ')}"]
        row += [
            f"{run['auroc'][name]:.3f}" if name in run["auroc"] else "-"
            for run in runs
        ]
        paper = PAPER.get(name)
        rows.append(row + [f"{paper:.3f}" if paper else "-"])
    row = ["parameters (each model)"]
    rows.append(row + [f"{run['parameters']:,}" for run in runs] + ["-"])
    for name in ("model", "background"):
        row = [f"{name}: images seen; training images/s"]
        for run in runs:
            timing = run["timings"][name]
            speed = timing["images"] / timing["seconds"]
            row.append(f"{timing['images']:,}; {speed:.0f}")
        rows.append(row + ["-"])
    row = ["scoring seconds"]
    for run in runs:
        row.append(f"{run['timings']['scoring_seconds']:.0f}")
    rows.append(row + ["-"])
    return rows


def main(argv=None):
    args, ood_args = parse_args(argv)
    if args.worker:
        alibi_worker(*args.worker)
        return 0
    import ood
    from common import results_header
    from common import write_results

    results = results_header(dict(vars(args), ood=vars(ood_args)))
    # keras_ar's side: benchmarks/ood.py as it runs on its own.
    ood.main(ood_args_list(ood_args))
    ours_stem = ood_args.name + ("_quick" if args.quick else "")
    with open(os.path.join(HERE, "results", ours_stem + ".json")) as f:
        ours = json.load(f)
    stem = args.name + ("_quick" if args.quick else "")
    modes = (
        ("batches", "seconds")
        if args.alibi_budget == "both"
        else (args.alibi_budget,)
    )
    theirs = {
        mode: alibi_side(args, ood_args, ours, mode, stem) for mode in modes
    }
    head = ["", "keras_ar"]
    head += [f"alibi-detect LLR, same {mode}" for mode in modes]
    lines = ["| " + " | ".join(head + ["paper"]) + " |"]
    lines.append("|---" + "|---:" * (len(head)) + "|")
    for row in table_rows(ours, theirs):
        lines.append("| " + " | ".join(row) + " |")
    print(
        f"\nFashion-MNIST (in) vs MNIST (out), {ood_args.test_size} + "
        f"{ood_args.test_size} test images, {ood_args.train_size} training "
        f"images, batch {ood_args.batch_size}, mutation rate "
        f"{ood_args.mutation_rate:g}, background L2 {ood_args.l2:g}, "
        f"{os.cpu_count()} CPUs\n"
    )
    print("\n".join(lines))
    results.update(
        keras_ar={key: ours[key] for key in ("auroc", "parameters", "timings")},
        keras_ar_results=f"results/{ours_stem}.json",
        alibi_detect=theirs,
        alibi_version=alibi_version(args.alibi_python),
        paper_auroc=PAPER,
        table=lines,
    )
    write_results(results, stem)
    return 0


def ood_args_list(ood_args):
    """`ood_args` back as benchmarks/ood.py's command line."""
    argv = []
    for key, value in vars(ood_args).items():
        if key == "quick":
            argv += ["--quick"] if value else []
        else:
            argv += ["--" + key.replace("_", "-"), str(value)]
    return argv


def alibi_version(python):
    """alibi-detect's version in `python`'s environment."""
    code = "import importlib.metadata as m; print(m.version('alibi-detect'))"
    done = subprocess.run(
        [python, "-c", code], capture_output=True, text=True, timeout=60
    )
    return done.stdout.strip()


if __name__ == "__main__":
    sys.path.insert(0, HERE)
    sys.exit(main())
