"""keras_ar PixelSNAIL versus pytorch-generative's PixelSNAIL (PyTorch).

The peer is EugenHotaj's pytorch-generative
(https://github.com/EugenHotaj/pytorch-generative), run from a checkout
given with `--peer PATH`; none of its code is copied into this project.
Make a checkout, e.g. from a bare mirror (only the package folder is
needed):

    git --git-dir=/work/.mirror/EugenHotaj+pytorch-generative/repo \\
        archive HEAD pytorch_generative README.md LICENSE | tar -x -C /tmp/pg

(`git clone https://github.com/EugenHotaj/pytorch-generative /tmp/pg`
where there is network). The package's `__init__` imports its datasets
module, which needs torchvision (absent here, and a torchvision wheel would
pull another torch); so the worker registers two empty package modules,
`pytorch_generative` and `pytorch_generative.models`, whose `__path__`
points into the checkout, and imports only
`pytorch_generative.models.autoregressive.pixel_snail` (which imports
`pytorch_generative.nn` and `pytorch_generative.models.base`: torch and
NumPy only). Torch: `pip install torch==2.13.0` (a CPU build; never an
unpinned `torch`, which pulls a CUDA build of several GB).

Same data, configuration, budget and batches for both sides:

- Data: keras_ar's binarized MNIST (`keras_ar.data.load("binarized_mnist")`:
  ONE fixed, seed-0 Bernoulli draw per pixel of the 0..255 images, hash-
  verified; not the Larochelle & Murray file of the papers and not the
  peer's dynamic binarization, which draws new bits every epoch). A seeded
  subset of the training split (`--train-size`) in a fixed batch order (no
  shuffling; both sides take batch k as rows k*B..(k+1)*B of the subset,
  wrapping around), the first `--test-size` test images.
- Model: keras_ar `PixelSNAIL(head="bernoulli", filters=F, num_blocks=N,
  num_resnet=R, num_heads=1, key_dim=K, value_dim=V, dropout=0)`; the peer
  `PixelSNAIL(in_channels=1, out_channels=1, n_channels=F,
  n_pixel_snail_blocks=N, n_residual_blocks=R, attention_key_channels=K,
  attention_value_channels=V)` with its own loss (BCE with logits, summed
  over pixels, mean over the batch, as in its `reproduce()`); keras_ar's
  loss is the mean NLL per image in nats: the same objective.
- Training: Adam `--lr` (1e-3) on both, `--budget` seconds of wall clock
  per run counted from the start of training (keras_ar's tracing and
  compilation count against it; the peer runs eagerly, as its trainer
  does), batch `--batch-size`. Threads: TensorFlow's intra-op pool and
  `torch.set_num_threads` both get `--threads` (2, the machine's cores).
- `--repeats N` runs per side in alternating turns (keras_ar, torch,
  torch, keras_ar, ...), repeat r seeding both initialisations with
  `seed + r`.

Reported: training images/s (steady state, batch end times after
`--warmup-steps`), test NLL in nats per image and bits/dim, each as median
and min-max, ratios keras_ar / PyTorch, parameter counts; and, beside them,
the published binarized-MNIST NLLs: 78.61 nats (pytorch-generative README,
PixelSNAIL with F=64, 8 blocks, 457 epochs on a GPU, dynamic binarization)
and 79.20 nats (PixelRNN paper, Diagonal BiLSTM; Larochelle & Murray data).
A CPU budget of minutes shows speed and the NLL at equal cost, not those
values.

Run:
    python benchmarks/pixelsnail_vs_pytorch.py --peer /tmp/pg          # ~11 min
    python benchmarks/pixelsnail_vs_pytorch.py --peer /tmp/pg --quick  # ~2 min

Writes benchmarks/results/pixelsnail_vs_pytorch.json (`_quick` with
--quick).
"""

import argparse
import hashlib
import json
import math
import os
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
from pixelcnnpp_vs_tfp import at_equal_steps
from pixelcnnpp_vs_tfp import equal_steps_line
from pixelcnnpp_vs_tfp import fmt_spread
from pixelcnnpp_vs_tfp import machine_line
from pixelcnnpp_vs_tfp import rerender
from pixelcnnpp_vs_tfp import run_subprocess
from pixelcnnpp_vs_tfp import summarize
from pixelcnnpp_vs_tfp import turn_order

HERE = os.path.dirname(os.path.abspath(__file__))
NAME = "pixelsnail_vs_pytorch"
LN2 = math.log(2.0)
NUM_DIMS = 28 * 28
SIDES = ("keras_ar", "torch")
PEER_MODULE = "pytorch_generative.models.autoregressive.pixel_snail"
PEER_FILES = (
    "pytorch_generative/models/autoregressive/pixel_snail.py",
    "pytorch_generative/models/base.py",
    "pytorch_generative/nn/attention.py",
    "pytorch_generative/nn/convolution.py",
)
#: Published binarized-MNIST test NLLs (nats), printed beside ours.
PUBLISHED = {
    "PixelSNAIL, pytorch-generative README (F=64, 8 blocks, 457 epochs, "
    "GPU, dynamic binarization)": 78.61,
    "Diagonal BiLSTM, PixelRNN paper table 4 (Larochelle & Murray "
    "binarization)": 79.20,
}

FULL = {
    "budget": 75.0,
    "batch_size": 16,
    "train_size": 10000,
    "test_size": 500,
    "filters": 32,
    "num_blocks": 2,
    "num_resnet": 2,
    "key_dim": 4,
    "value_dim": 16,
    "repeats": 3,
    "warmup_steps": 5,
    "chunk_steps": 10,
}
QUICK = {
    "budget": 12.0,
    "batch_size": 8,
    "train_size": 256,
    "test_size": 16,
    "filters": 8,
    "num_blocks": 1,
    "num_resnet": 1,
    "key_dim": 4,
    "value_dim": 8,
    "repeats": 2,
    "warmup_steps": 2,
    "chunk_steps": 5,
}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    add = parser.add_argument
    add("--peer", help="path of a pytorch-generative checkout (required)")
    add("--quick", action="store_true", help="tiny smoke-test settings")
    add("--budget", type=float, help="training seconds per run (75)")
    add("--repeats", type=int, help="runs per side, alternating (3)")
    add("--batch-size", type=int, help="training batch size (16)")
    add("--train-size", type=int, help="train subset size (10000)")
    add("--test-size", type=int, help="first N test images (500)")
    add("--filters", type=int, help="F = n_channels (32)")
    add("--num-blocks", type=int, help="n_pixel_snail_blocks (2)")
    add("--num-resnet", type=int, help="n_residual_blocks (2)")
    add("--key-dim", type=int, help="attention_key_channels (4)")
    add("--value-dim", type=int, help="attention_value_channels (16)")
    add(
        "--jit",
        default="auto",
        choices=("auto", "true", "false"),
        help="keras_ar compile(jit_compile=...) (Keras default: auto)",
    )
    add("--lr", type=float, default=1e-3, help="Adam learning rate (both)")
    add("--seed", type=int, default=0)
    add("--threads", type=int, default=2, help="intra-op threads, both (2)")
    add("--warmup-steps", type=int, help="batches excluded from images/s")
    add("--chunk-steps", type=int, help="batches per point of the curve")
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
    if args.only != "keras_ar" and not args.rerender:
        if not args.peer:
            parser.error(
                "--peer PATH (a pytorch-generative checkout) is "
                "required; see the docstring"
            )
        args.peer = os.path.abspath(args.peer)
        missing = [
            f
            for f in PEER_FILES
            if not os.path.isfile(os.path.join(args.peer, f))
        ]
        if missing:
            parser.error(
                f"--peer {args.peer} is not a pytorch-generative checkout: "
                f"missing {missing}"
            )
    if args.out is None:
        suffix = "_quick" if args.quick else ""
        args.out = os.path.join(HERE, "results", f"{NAME}{suffix}.json")
    return args


def config(args):
    return {
        "filters": args.filters,
        "num_blocks": args.num_blocks,
        "num_resnet": args.num_resnet,
        "num_heads": 1,
        "key_dim": args.key_dim,
        "value_dim": args.value_dim,
        "dropout": 0.0,
    }


def peer_info(path):
    """The checkout's commit (when it is a git work tree) and SHA-256 of the
    peer files this benchmark runs."""
    info = {"path": path, "files_sha256": {}}
    for name in PEER_FILES:
        with open(os.path.join(path, name), "rb") as f:
            info["files_sha256"][name] = hashlib.sha256(f.read()).hexdigest()
    try:
        commit = subprocess.run(
            ["git", "-C", path, "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=30,
        )
        if commit.returncode == 0:
            info["commit"] = commit.stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        pass
    return info


# ----------------------------------------------------------------------
# Workers
# ----------------------------------------------------------------------
def batches(x, batch_size, step):
    """Batch `step` of the endless, unshuffled stream of `x` (the order of
    `Dataset.batch(drop_remainder=True).repeat()`)."""
    per_epoch = len(x) // batch_size
    start = (step % per_epoch) * batch_size
    return x[start : start + batch_size]


def run_keras_ar(args, x_train, x_test):
    import keras
    import tensorflow as tf

    from keras_ar.models.pixelsnail import PixelSNAIL

    tf.config.threading.set_intra_op_parallelism_threads(args.threads)
    cfg = config(args)
    keras.utils.set_random_seed(args.worker_seed)
    model = PixelSNAIL(
        (28, 28, 1),
        head="bernoulli",
        filters=cfg["filters"],
        num_blocks=cfg["num_blocks"],
        num_resnet=cfg["num_resnet"],
        num_heads=cfg["num_heads"],
        key_dim=cfg["key_dim"],
        value_dim=cfg["value_dim"],
        dropout=cfg["dropout"],
    )
    jit = {"auto": "auto", "true": True, "false": False}[args.jit]
    model.compile(optimizer=keras.optimizers.Adam(args.lr), jit_compile=jit)
    model.build()
    params = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
    print(f"  [keras_ar] {params:,} trainable parameters", flush=True)
    dataset = (
        tf.data.Dataset.from_tensor_slices(x_train)
        .batch(args.batch_size, drop_remainder=True)
        .repeat()
        .prefetch(2)
    )
    t0 = [0.0]
    budget = _budget_callback(
        keras.callbacks.Callback, args.budget, "keras_ar", t0
    )
    t0[0] = time.perf_counter()
    model.fit(
        dataset,
        epochs=10**9,
        steps_per_epoch=args.chunk_steps,
        callbacks=[budget],
        shuffle=False,
        verbose=0,
    )
    train_s = time.perf_counter() - t0[0]
    start = time.perf_counter()
    nll = -np.asarray(model.log_prob(x_test, batch_size=100))
    eval_s = time.perf_counter() - start
    extra = {
        "keras_backend": keras.backend.backend(),
        "jit_compile": getattr(model, "jit_compile", None),
        "intra_op_threads": args.threads,
    }
    return params, budget.times, budget.curve, train_s, nll, eval_s, extra


def load_peer(path):
    """Imports the peer's pixel_snail module without running the package
    `__init__` (it imports torchvision): `pytorch_generative` and
    `pytorch_generative.models` become empty packages whose `__path__` is
    the checkout's folders."""
    import importlib
    import types

    root = os.path.join(path, "pytorch_generative")
    parent = None
    for name, folder in (
        ("pytorch_generative", root),
        ("pytorch_generative.models", os.path.join(root, "models")),
    ):
        module = types.ModuleType(name)
        module.__path__ = [folder]
        sys.modules[name] = module
        if parent is not None:
            parent.models = module
        parent = module
    return importlib.import_module(PEER_MODULE)


def run_torch(args, x_train, x_test):
    import torch
    from torch.nn import functional

    torch.set_num_threads(args.threads)
    peer = load_peer(args.peer)
    cfg = config(args)
    torch.manual_seed(args.worker_seed)
    model = peer.PixelSNAIL(
        in_channels=1,
        out_channels=1,
        n_channels=cfg["filters"],
        n_pixel_snail_blocks=cfg["num_blocks"],
        n_residual_blocks=cfg["num_resnet"],
        attention_key_channels=cfg["key_dim"],
        attention_value_channels=cfg["value_dim"],
    )
    params = sum(p.numel() for p in model.parameters() if p.requires_grad)
    print(f"  [torch] {params:,} trainable parameters", flush=True)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)

    def loss_fn(x, preds):
        # The peer's reproduce() loss: BCE with logits summed per image.
        n = x.shape[0]
        loss = functional.binary_cross_entropy_with_logits(
            preds.view((n, -1)), x.view((n, -1)), reduction="none"
        )
        return loss.sum(dim=1)

    nchw = np.ascontiguousarray(x_train.transpose(0, 3, 1, 2))
    times, curve, losses = [], [], []
    model.train()
    last_print = 0.0
    t0 = time.perf_counter()
    step = 0
    while True:
        x = torch.from_numpy(batches(nchw, args.batch_size, step))
        loss = loss_fn(x, model(x)).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(float(loss.detach()))
        now = time.perf_counter() - t0
        times.append(now)
        step += 1
        if step % args.chunk_steps == 0 or now >= args.budget:
            bpd = float(np.mean(losses)) / (NUM_DIMS * LN2)
            losses = []
            curve.append([now, step, bpd])
            if now - last_print >= 15 or now >= args.budget:
                last_print = now
                print(
                    f"  [torch] {now:6.1f} s  step {step:5d}  "
                    f"train {bpd:.3f} bits/dim",
                    flush=True,
                )
        if now >= args.budget:
            break
    train_s = time.perf_counter() - t0
    model.eval()
    start = time.perf_counter()
    test = np.ascontiguousarray(x_test.transpose(0, 3, 1, 2))
    with torch.no_grad():
        nll = np.concatenate(
            [
                loss_fn(x, model(x)).numpy()
                for x in (
                    torch.from_numpy(test[i : i + 100])
                    for i in range(0, len(test), 100)
                )
            ]
        )
    eval_s = time.perf_counter() - start
    extra = {
        "torch": torch.__version__,
        "torch_threads": torch.get_num_threads(),
        "peer": peer_info(args.peer),
    }
    return params, times, curve, train_s, nll, eval_s, extra


def run_worker(args):
    load_start = os.getloadavg()
    data = np.load(args.data_file)
    x_train = data["x_train"].astype("float32")
    x_test = data["x_test"].astype("float32")
    runner = run_keras_ar if args.worker == "keras_ar" else run_torch
    params, times, curve, train_s, nll, eval_s, extra = runner(
        args, x_train, x_test
    )
    steps = len(times)
    result = {
        "side": args.worker,
        "seed": args.worker_seed,
        "trainable_params": params,
        "train_wall_s": train_s,
        "steps": steps,
        "images_seen": steps * args.batch_size,
        "first_step_s": times[0] if steps else None,
        "images_per_s": _steady_rate(times, args.batch_size, args.warmup_steps),
        "curve": curve,
        "test_nll_nats": float(nll.mean()),
        "test_nll_nats_sem": float(nll.std() / math.sqrt(len(nll))),
        "test_bits_per_dim": float(nll.mean() / (NUM_DIMS * LN2)),
        "eval_s": eval_s,
        "loadavg_start": list(load_start),
        "loadavg_end": list(os.getloadavg()),
        **extra,
    }
    with open(args.worker_out, "w") as f:
        json.dump(result, f, indent=1)


# ----------------------------------------------------------------------
# Parent
# ----------------------------------------------------------------------
def prepare_data(args, path):
    from keras_ar.data import load

    x_train, _ = load("binarized_mnist", split="train")
    x_test, _ = load("binarized_mnist", split="test")
    rng = np.random.default_rng(args.seed)
    order = rng.permutation(len(x_train))[: args.train_size]
    np.savez(path, x_train=x_train[order], x_test=x_test[: args.test_size])


def table(summary, ratios, cfg):
    lines = [
        f"Configuration (both): filters={cfg['filters']}, num_blocks="
        f"{cfg['num_blocks']}, num_resnet={cfg['num_resnet']}, heads=1, "
        f"key_dim={cfg['key_dim']}, value_dim={cfg['value_dim']}, "
        "dropout=0; Bernoulli head / BCE with logits",
        "",
        "| side | params | runs | train img/s, median [min-max] | "
        "test NLL nats, median [min-max] | test bits/dim | "
        "images in budget | first step s |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    names = {"keras_ar": "keras_ar PixelSNAIL", "torch": "pytorch-generative"}
    for side in SIDES:
        s = summary[side]
        params = s["trainable_params"]["median"]
        failed = f" (+{s['failed']} failed)" if s["failed"] else ""
        lines.append(
            f"| {names[side]} | {_fmt(params and int(params), ',')} | "
            f"{s['runs']}{failed} | {fmt_spread(s['images_per_s'], '.1f')} | "
            f"{fmt_spread(s['test_nll_nats'], '.2f')} | "
            f"{fmt_spread(s['test_bits_per_dim'], '.4f')} | "
            f"{fmt_spread(s['images_seen'], '.0f')} | "
            f"{fmt_spread(s['first_step_s'], '.1f')} |"
        )
    for label, nats in PUBLISHED.items():
        lines.append(
            f"| published: {label} | | | | {nats:.2f} | "
            f"{nats / (NUM_DIMS * LN2):.4f} | | |"
        )
    speed, nll = ratios["images_per_s"], ratios["test_nll_nats"]
    par = ratios["trainable_params"]["of_medians"]
    lines += [
        "",
        "| keras_ar / PyTorch | of medians | per repeat, median [min-max] |",
        "|---|---:|---:|",
        f"| train images/s (above 1: keras_ar faster) | "
        f"{_fmt(speed['of_medians'], '.2f')} | "
        f"{fmt_spread(speed['per_repeat'], '.2f')} |",
        f"| test NLL (below 1: keras_ar better) | "
        f"{_fmt(nll['of_medians'], '.3f')} | "
        f"{fmt_spread(nll['per_repeat'], '.3f')} |",
        f"| trainable parameters | {_fmt(par, '.3f')} | |",
    ]
    return "\n".join(lines)


def render(results):
    """Summary, ratios, the equal-steps comparison and the table of a
    results dict from its `runs` (stored in it); returns the table."""
    keys = (
        "images_per_s",
        "test_nll_nats",
        "test_bits_per_dim",
        "trainable_params",
        "images_seen",
        "first_step_s",
    )
    runs = results["runs"]
    summary, ratios = summarize(runs, SIDES, keys)
    equal = at_equal_steps(runs, SIDES)
    text = table(summary, ratios, results["config"])
    text += "\n\n" + equal_steps_line(equal, SIDES, ("keras_ar", "PyTorch"))
    results.update(
        summary=summary, ratios=ratios, equal_steps=equal, table=text
    )
    return text


def run_parent(args, argv):
    cfg = config(args)
    header = results_header({k: v for k, v in vars(args).items()})
    header["benchmark"] = NAME
    header["config"] = cfg
    header["published_nats"] = PUBLISHED
    if args.only != "keras_ar":
        header["peer"] = peer_info(args.peer)
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
        f"keras_ar binarized MNIST (fixed seed-0 binarization), train subset "
        f"{args.train_size} (seed {args.seed}), batch {args.batch_size}, "
        f"Adam {args.lr}, budget {args.budget:g} s per run, {args.repeats} "
        f"repeat(s) per side in alternating turns, {args.threads} threads "
        f"each; test = first {args.test_size} test images; "
        f"{machine_line(header)}"
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
