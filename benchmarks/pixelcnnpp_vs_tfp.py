"""keras_ar PixelCNN++ versus TFP's PixelCNN (PixelCNN++) at equal config.

Both sides build the same network (Salimans et al. 2017, as
`tfp.distributions.PixelCNN` implements it) with the SAME knobs: `filters`
(TFP `num_filters`), `num_resnet`, `num_hierarchies`, `num_logistic_mix`,
`dropout` (TFP `dropout_p`) and weight normalization on or off
(on by default, `--no-weight-norm` turns it off on both sides; TFP
`use_weight_norm`). With weight norm both sides run the data-dependent
initialisation on the first training batch, inside the budget (TFP
`use_data_init=True`, its default; keras_ar
`PixelCNNPlusPlus.initialize_from_data`; `--no-data-init` skips
keras_ar's).
keras_ar: `keras_ar.models.pixelcnnpp.PixelCNNPlusPlus` with its default
head, `DiscretizedLogisticMixture(num_logistic_mix, coupled=True)` over 256
values; TFP: its discretized logistic mixture with `low=0, high=255`. Both
are normalized distributions over {0..255} per pixel, so the NLLs compare
directly.

Data: 28x28 MNIST (or `--data fashion_mnist`) at 256 grey levels from
`keras_ar.data`: a fixed seeded subset of the training split (`--train-size`)
in a fixed batch order (no shuffling; the same `tf.data` pipeline feeds both
sides), and the first `--test-size` test images.

Every run is its own subprocess: keras_ar on Keras 3 (TensorFlow backend),
TFP with `TF_USE_LEGACY_KERAS=1` trained as TFP's docs do (a `tf_keras.Model`
from the image to `dist.log_prob(x)`, loss `-mean(log_prob)`, `fit`). Each
run trains for the same wall-clock budget (`--budget` seconds, counted from
the call to `fit`, so tracing, XLA compilation and TFP's data init count
against it), then scores the test images. `--repeats N` runs each side N
times, in alternating turns (keras_ar, TFP, TFP, keras_ar, keras_ar, ...),
so both see the same machine load; repeat r initialises both models with
seed `seed + r` (data and batch order stay the same).

keras_ar trains with XLA (`jit_compile=True`, as `keras-ar train` does;
`--jit auto` is Keras's default, which turns XLA off on a CPU-only
machine). TFP trains without: its `PixelCNN` under `jit_compile=True`
had not finished compiling its first step after 10 minutes (XLA's
"very slow compile" alarm), so XLA is no option for it in a 75 s budget.

Reported per side: training images/s in steady state (batch end times after
the first `--warmup-steps` batches), test bits/dim, each as median and
min-max over the repeats; the ratio keras_ar/TFP of the medians and of each
adjacent pair; trainable parameters of both (they should be close; the
table says how close).

Run:
    python benchmarks/pixelcnnpp_vs_tfp.py            # ~11 min, 2 CPU cores
    python benchmarks/pixelcnnpp_vs_tfp.py --quick    # smoke test, ~3 min
    python benchmarks/pixelcnnpp_vs_tfp.py --filters 64 --num-resnet 3 \\
        --budget 600 --repeats 3                      # bigger, longer

Writes benchmarks/results/pixelcnnpp_vs_tfp.json (`_quick` with --quick).
"""

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
from common import results_header
from common import write_results
from pixelcnn_vs_tfp import _budget_callback
from pixelcnn_vs_tfp import _fmt
from pixelcnn_vs_tfp import _steady_rate

HERE = os.path.dirname(os.path.abspath(__file__))
NAME = "pixelcnnpp_vs_tfp"
LN2 = math.log(2.0)
NUM_DIMS = 28 * 28
SIDES = ("keras_ar", "tfp")

# Values used when a flag is not given: the real run and the smoke test.
FULL = {
    "budget": 75.0,
    "batch_size": 16,
    "train_size": 10000,
    "test_size": 500,
    "filters": 32,
    "num_resnet": 1,
    "num_hierarchies": 3,
    "num_logistic_mix": 5,
    "repeats": 3,
    "warmup_steps": 5,
    "chunk_steps": 10,
}
QUICK = {
    "budget": 25.0,
    "batch_size": 8,
    "train_size": 256,
    "test_size": 16,
    "filters": 8,
    "num_resnet": 1,
    "num_hierarchies": 2,
    "num_logistic_mix": 2,
    "repeats": 2,
    "warmup_steps": 2,
    "chunk_steps": 5,
}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    add = parser.add_argument
    add("--quick", action="store_true", help="tiny smoke-test settings")
    add("--data", default="mnist", choices=("mnist", "fashion_mnist"))
    add("--budget", type=float, help="training seconds per run (75)")
    add("--repeats", type=int, help="runs per side, alternating (3)")
    add("--batch-size", type=int, help="training batch size (16)")
    add("--train-size", type=int, help="train subset size (10000)")
    add("--test-size", type=int, help="first N test images (500)")
    add("--filters", type=int, help="filters = TFP num_filters (32)")
    add("--num-resnet", type=int, help="gated resnets per hierarchy (1)")
    add("--num-hierarchies", type=int, help="hierarchies (3)")
    add("--num-logistic-mix", type=int, help="mixture components (5)")
    add("--dropout", type=float, default=0.0, help="dropout, both (0.0)")
    add(
        "--no-weight-norm",
        dest="weight_norm",
        action="store_false",
        help="weight normalization off on both sides (default: on)",
    )
    add(
        "--no-data-init",
        dest="data_init",
        action="store_false",
        help="keras_ar: skip weight norm's data-dependent init (TFP always "
        "runs its own, use_data_init=True)",
    )
    add(
        "--jit",
        default="true",
        choices=("auto", "true", "false"),
        help="keras_ar compile(jit_compile=...) (default true, as `keras-ar "
        "train`; Keras's auto means no XLA on a CPU-only machine)",
    )
    add("--lr", type=float, default=1e-3, help="Adam learning rate (both)")
    add("--seed", type=int, default=0)
    add("--warmup-steps", type=int, help="batches excluded from images/s")
    add("--chunk-steps", type=int, help="batches per point of the curve")
    add("--threads", type=int, default=0, help="TF intra-op threads (0: TF)")
    add("--only", choices=SIDES, help="run one side only")
    add("--out", help="JSON path (default benchmarks/results/<name>.json)")
    add(
        "--rerender",
        metavar="JSON",
        help="recompute the summary and tables of a results JSON, no runs",
    )
    add("--worker", choices=SIDES, help=argparse.SUPPRESS)
    add("--worker-seed", type=int, help=argparse.SUPPRESS)
    add("--worker-out", help=argparse.SUPPRESS)
    add("--data-file", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    for key, value in (QUICK if args.quick else FULL).items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    if args.repeats < 1:
        parser.error(f"--repeats must be >= 1, received {args.repeats}")
    if args.out is None:
        suffix = "_quick" if args.quick else ""
        args.out = os.path.join(HERE, "results", f"{NAME}{suffix}.json")
    return args


def config(args):
    """The one configuration both sides share."""
    return {
        "filters": args.filters,
        "num_resnet": args.num_resnet,
        "num_hierarchies": args.num_hierarchies,
        "num_logistic_mix": args.num_logistic_mix,
        "dropout": args.dropout,
        "weight_norm": args.weight_norm,
    }


# ----------------------------------------------------------------------
# Worker: one run of one side, in its own process.
# ----------------------------------------------------------------------
def _jit_value(text):
    return {"auto": "auto", "true": True, "false": False}[text]


def _build_keras_ar(cfg, args, seed):
    import keras

    from keras_ar.models.pixelcnnpp import PixelCNNPlusPlus

    keras.utils.set_random_seed(seed)
    model = PixelCNNPlusPlus(
        (28, 28, 1),
        filters=cfg["filters"],
        num_resnet=cfg["num_resnet"],
        num_hierarchies=cfg["num_hierarchies"],
        num_logistic_mix=cfg["num_logistic_mix"],
        dropout=cfg["dropout"],
        weight_norm=cfg["weight_norm"],
    )
    model.compile(
        optimizer=keras.optimizers.Adam(args.lr),
        jit_compile=_jit_value(args.jit),
    )
    model.build()
    params = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
    info = {
        "keras_backend": keras.backend.backend(),
        "head": repr(model.head),
        "jit_compile": getattr(model, "jit_compile", None),
        "data_init": bool(cfg["weight_norm"] and args.data_init),
    }

    def log_prob(x):
        return np.asarray(model.log_prob(x))

    return model, keras.callbacks.Callback, params, log_prob, info


def _build_tfp(cfg, args, seed):
    import tensorflow as tf
    import tensorflow_probability as tfp
    import tf_keras as tfk

    tfk.utils.set_random_seed(seed)
    dist = tfp.distributions.PixelCNN(
        image_shape=(28, 28, 1),
        num_resnet=cfg["num_resnet"],
        num_hierarchies=cfg["num_hierarchies"],
        num_filters=cfg["filters"],
        num_logistic_mix=cfg["num_logistic_mix"],
        dropout_p=cfg["dropout"],
        use_weight_norm=cfg["weight_norm"],
        high=255,
        low=0,
    )
    image = tfk.layers.Input(shape=(28, 28, 1))
    log_prob = dist.log_prob(image)
    model = tfk.Model(inputs=image, outputs=log_prob)
    model.add_loss(-tf.reduce_mean(log_prob))
    model.compile(optimizer=tfk.optimizers.Adam(args.lr))
    params = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
    log_prob_fn = tf.function(lambda x: dist.log_prob(x, training=False))

    def score(x):
        return log_prob_fn(tf.constant(x)).numpy()

    info = {"use_data_init": True, "tf_keras": tfk.__version__}
    return model, tfk.callbacks.Callback, params, score, info


def run_worker(args):
    import tensorflow as tf

    if args.threads:
        tf.config.threading.set_intra_op_parallelism_threads(args.threads)
    side, seed = args.worker, args.worker_seed
    cfg = config(args)
    load_start = os.getloadavg()
    data = np.load(args.data_file)
    x_train = data["x_train"].astype("float32")
    x_test = data["x_test"].astype("float32")
    builder = _build_keras_ar if side == "keras_ar" else _build_tfp
    model, callback_base, params, log_prob, info = builder(cfg, args, seed)
    print(f"  [{side}] {params:,} trainable parameters", flush=True)
    dataset = (
        tf.data.Dataset.from_tensor_slices(x_train)
        .batch(args.batch_size, drop_remainder=True)
        .repeat()
        .prefetch(2)
    )
    t0 = [0.0]
    budget = _budget_callback(callback_base, args.budget, side, t0)
    t0[0] = time.perf_counter()
    if side == "keras_ar" and cfg["weight_norm"] and args.data_init:
        # Weight norm's data-dependent init on the first training batch,
        # as TFP's `use_data_init=True` does (inside its first step):
        # inside the budget.
        model.initialize_from_data(x_train[: args.batch_size])
    model.fit(
        dataset,
        epochs=10**9,
        steps_per_epoch=args.chunk_steps,
        callbacks=[budget],
        shuffle=False,
        verbose=0,
    )
    train_s = time.perf_counter() - t0[0]
    steps = len(budget.times)
    start = time.perf_counter()
    nll = np.concatenate(
        [-log_prob(x_test[i : i + 100]) for i in range(0, len(x_test), 100)]
    )
    eval_s = time.perf_counter() - start
    # TFP's convolutions are 3x3 (and 5x3, 4x4) kernels masked by a
    # kernel constraint, applied after every update: its masked-out entries
    # are exactly zero after training. keras_ar's shifted kernels have none.
    nonzero = sum(
        int(np.count_nonzero(np.asarray(w))) for w in model.trainable_weights
    )
    result = {
        "side": side,
        "seed": seed,
        "trainable_params": params,
        "nonzero_params": nonzero,
        "train_wall_s": train_s,
        "steps": steps,
        "images_seen": steps * args.batch_size,
        "first_step_s": budget.times[0] if steps else None,
        "images_per_s": _steady_rate(
            budget.times, args.batch_size, args.warmup_steps
        ),
        "curve": budget.curve,
        "test_nll_nats": float(nll.mean()),
        "test_nll_nats_sem": float(nll.std() / math.sqrt(len(nll))),
        "test_bits_per_dim": float(nll.mean() / (NUM_DIMS * LN2)),
        "eval_s": eval_s,
        "loadavg_start": list(load_start),
        "loadavg_end": list(os.getloadavg()),
        **info,
    }
    with open(args.worker_out, "w") as f:
        json.dump(result, f, indent=1)


# ----------------------------------------------------------------------
# Parent (these helpers are shared with pixelsnail_vs_pytorch.py)
# ----------------------------------------------------------------------
def turn_order(sides, repeats, only=None):
    """`[(repeat, side), ...]` in alternating turns: A B, B A, A B, ...
    (each side's run r is adjacent to the other's run r)."""
    if only:
        return [(r, only) for r in range(repeats)]
    order = []
    for r in range(repeats):
        pair = list(sides) if r % 2 == 0 else list(reversed(sides))
        order += [(r, side) for side in pair]
    return order


def run_subprocess(script, side, repeat, argv, env, workdir, seed, timeout):
    """Runs `script --worker side` and returns its JSON (or an error)."""
    out = os.path.join(workdir, f"{side}_{repeat}.json")
    command = [sys.executable, script, *argv]
    command += ["--worker", side, "--worker-seed", str(seed)]
    command += ["--worker-out", out, "--data-file"]
    command += [os.path.join(workdir, "data.npz")]
    print(f"--- repeat {repeat}, {side} (seed {seed})", flush=True)
    start = time.perf_counter()
    try:
        proc = subprocess.run(command, env=env, check=False, timeout=timeout)
        code = proc.returncode
    except subprocess.TimeoutExpired:
        code = "timeout"
    wall = time.perf_counter() - start
    if code != 0 or not os.path.exists(out):
        print(f"--- {side} FAILED (exit {code})", flush=True)
        return {"side": side, "repeat": repeat, "error": code}
    with open(out) as f:
        result = json.load(f)
    result["repeat"] = repeat
    result["process_wall_s"] = wall
    print(
        f"--- {side}: {result['images_per_s']:.1f} img/s, test "
        f"{result['test_bits_per_dim']:.4f} bits/dim, "
        f"{result['steps']} steps in {result['train_wall_s']:.0f} s "
        f"(process {wall:.0f} s)",
        flush=True,
    )
    return result


def spread(values):
    """`{"median", "min", "max", "values"}` of the finite `values`."""
    values = [v for v in values if v is not None and math.isfinite(v)]
    if not values:
        return {"median": None, "min": None, "max": None, "values": []}
    return {
        "median": statistics.median(values),
        "min": min(values),
        "max": max(values),
        "values": values,
    }


def fmt_spread(s, spec):
    """`median [min-max]` (just the value when there is one run)."""
    if s["median"] is None:
        return "n/a"
    if len(s["values"]) == 1:
        return format(s["median"], spec)
    return (
        f"{format(s['median'], spec)} "
        f"[{format(s['min'], spec)}-{format(s['max'], spec)}]"
    )


def summarize(runs, sides, keys):
    """Per side, the spread of each key over the successful runs; and the
    ratios first side / second side (of the medians, and per repeat)."""
    ok = [r for r in runs if "error" not in r]
    summary = {}
    for side in sides:
        mine = [r for r in ok if r["side"] == side]
        summary[side] = {key: spread([r[key] for r in mine]) for key in keys}
        summary[side]["runs"] = len(mine)
        summary[side]["failed"] = sum(
            1 for r in runs if r["side"] == side and "error" in r
        )
    a, b = sides
    ratios = {}
    for key in keys:
        ma, mb = summary[a][key]["median"], summary[b][key]["median"]
        pairs = []
        for ra in (r for r in ok if r["side"] == a):
            for rb in (r for r in ok if r["side"] == b):
                if ra["repeat"] == rb["repeat"] and rb[key]:
                    pairs.append(ra[key] / rb[key])
        ratios[key] = {
            "of_medians": ma / mb if ma is not None and mb else None,
            "per_repeat": spread(pairs),
        }
    return summary, ratios


def at_equal_steps(runs, sides):
    """Per repeat with both sides: the training bits/dim of each (the mean
    over one curve chunk of batches) at the last curve step both reached,
    i.e. after the same images in the same order."""
    ok = [r for r in runs if "error" not in r and r.get("curve")]
    rows = []
    for repeat in sorted({r["repeat"] for r in ok}):
        pair = {r["side"]: r for r in ok if r["repeat"] == repeat}
        if set(pair) != set(sides):
            continue
        steps = [{point[1] for point in pair[s]["curve"]} for s in sides]
        common = set.intersection(*steps)
        if not common:
            continue
        step = max(common)
        row = {"repeat": repeat, "step": step}
        for side in sides:
            row[side] = next(p[2] for p in pair[side]["curve"] if p[1] == step)
        rows.append(row)
    return rows


def equal_steps_line(rows, sides, names):
    """One sentence on `at_equal_steps`."""
    if not rows:
        return "No repeat with both sides to compare at equal steps."
    values = ", ".join(
        "step {}: {}".format(
            r["step"], " vs ".join(f"{r[s]:.4f}" for s in sides)
        )
        for r in rows
    )
    medians = " vs ".join(
        f"{statistics.median(r[s] for r in rows):.4f}" for s in sides
    )
    return (
        "Training bits/dim after the same images (per repeat, at the last "
        f"curve step both sides reached; {' vs '.join(names)}): {values}; "
        f"medians {medians}."
    )


def rerender(path, render):
    """Recomputes the summary and table of a results JSON from its runs
    (after a change to the tables) and rewrites it."""
    with open(path) as f:
        results = json.load(f)
    render(results)
    with open(path, "w") as f:
        json.dump(results, f, indent=2, default=float)
    print(results["table"])
    print(f"\nrewrote {path}")


def machine_line(header):
    """`N CPU cores, load average at start: ...`."""
    machine = header["machine"]
    load = machine["uptime_start"].split("load average:")[-1].strip()
    return f"{machine['cpus']} CPU cores, load average at start: {load}"


def prepare_data(args, path):
    from keras_ar.data import load

    x_train, _ = load(args.data, split="train")
    x_test, _ = load(args.data, split="test")
    rng = np.random.default_rng(args.seed)
    order = rng.permutation(len(x_train))[: args.train_size]
    np.savez(path, x_train=x_train[order], x_test=x_test[: args.test_size])


def table(summary, ratios, cfg):
    ka, tf_ = summary["keras_ar"], summary["tfp"]
    wn = "on" if cfg["weight_norm"] else "off"
    lines = [
        f"Configuration (both): filters={cfg['filters']}, num_resnet="
        f"{cfg['num_resnet']}, num_hierarchies={cfg['num_hierarchies']}, "
        f"num_logistic_mix={cfg['num_logistic_mix']}, dropout="
        f"{cfg['dropout']:g}, weight norm {wn}",
        "",
        "| side | params | nonzero params | runs | "
        "train img/s, median [min-max] | "
        "test bits/dim, median [min-max] | images in budget | "
        "first step s |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for side, s in (("keras_ar", ka), ("tfp", tf_)):
        params = s["trainable_params"]["median"]
        nonzero = s["nonzero_params"]["median"]
        failed = f" (+{s['failed']} failed)" if s["failed"] else ""
        lines.append(
            f"| {side} | {_fmt(params and int(params), ',')} | "
            f"{_fmt(nonzero and int(nonzero), ',')} | {s['runs']}"
            f"{failed} | "
            f"{fmt_spread(s['images_per_s'], '.1f')} | "
            f"{fmt_spread(s['test_bits_per_dim'], '.4f')} | "
            f"{fmt_spread(s['images_seen'], '.0f')} | "
            f"{fmt_spread(s['first_step_s'], '.1f')} |"
        )
    speed = ratios["images_per_s"]
    bpd = ratios["test_bits_per_dim"]
    par = ratios["trainable_params"]["of_medians"]
    nz = ratios["nonzero_params"]["of_medians"]
    lines += [
        "",
        "| keras_ar / TFP | of medians | per repeat, median [min-max] |",
        "|---|---:|---:|",
        f"| train images/s (above 1: keras_ar faster) | "
        f"{_fmt(speed['of_medians'], '.2f')} | "
        f"{fmt_spread(speed['per_repeat'], '.2f')} |",
        f"| test bits/dim (below 1: keras_ar better) | "
        f"{_fmt(bpd['of_medians'], '.3f')} | "
        f"{fmt_spread(bpd['per_repeat'], '.3f')} |",
        f"| trainable parameters | {_fmt(par, '.3f')} | |",
        f"| nonzero parameters after training | {_fmt(nz, '.3f')} | |",
    ]
    return "\n".join(lines)


def render(results):
    """Summary, ratios, the equal-steps comparison and the table of a
    results dict from its `runs` (stored in it); returns the table."""
    keys = (
        "images_per_s",
        "test_bits_per_dim",
        "test_nll_nats",
        "trainable_params",
        "nonzero_params",
        "images_seen",
        "first_step_s",
    )
    runs = results["runs"]
    summary, ratios = summarize(runs, SIDES, keys)
    equal = at_equal_steps(runs, SIDES)
    text = table(summary, ratios, results["config"])
    text += "\n\n" + equal_steps_line(equal, SIDES, ("keras_ar", "TFP"))
    results.update(
        summary=summary, ratios=ratios, equal_steps=equal, table=text
    )
    return text


def run_parent(args, argv):
    cfg = config(args)
    header = results_header({k: v for k, v in vars(args).items()})
    header["benchmark"] = NAME
    header["config"] = cfg
    print(machine_line(header), flush=True)
    print(f"config (both sides): {json.dumps(cfg)}", flush=True)
    start = time.perf_counter()
    runs = []
    timeout = max(600.0, 5 * args.budget + 300)
    with tempfile.TemporaryDirectory() as workdir:
        prepare_data(args, os.path.join(workdir, "data.npz"))
        for repeat, side in turn_order(SIDES, args.repeats, args.only):
            env = dict(os.environ)
            env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
            if side == "tfp":
                env["TF_USE_LEGACY_KERAS"] = "1"
            else:
                env.pop("TF_USE_LEGACY_KERAS", None)
                env["KERAS_BACKEND"] = "tensorflow"
            runs.append(
                run_subprocess(
                    os.path.abspath(__file__),
                    side,
                    repeat,
                    argv,
                    env,
                    workdir,
                    args.seed + repeat,
                    timeout,
                )
            )
    results = {
        **header,
        "total_wall_s": time.perf_counter() - start,
        "runs": runs,
    }
    text = render(results)
    print()
    print(
        f"{args.data} 28x28, 256 levels; train subset {args.train_size} "
        f"(seed {args.seed}), batch {args.batch_size}, Adam {args.lr}, "
        f"budget {args.budget:g} s per run, {args.repeats} repeat(s) per "
        f"side in alternating turns; test = first {args.test_size} test "
        f"images; {machine_line(header)}"
    )
    print()
    print(text)
    name = os.path.splitext(os.path.basename(args.out))[0]
    if os.path.dirname(os.path.abspath(args.out)) == os.path.join(
        HERE, "results"
    ):
        write_results(results, name)
    else:
        from common import finish_machine

        finish_machine(results)
        with open(args.out, "w") as f:
            json.dump(results, f, indent=1, default=float)
        print(f"\nwrote {args.out}")


def main():
    argv = sys.argv[1:]
    args = parse_args(argv)
    if args.rerender:
        rerender(args.rerender, render)
    elif args.worker:
        run_worker(args)
    else:
        run_parent(args, argv)


if __name__ == "__main__":
    main()
