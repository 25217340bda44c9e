"""Out-of-distribution detection: Fashion-MNIST in, MNIST out.

The setting of Ren et al. (2019), "Likelihood Ratios for
Out-of-Distribution Detection" (NeurIPS): a PixelCNN trained on
Fashion-MNIST scores the Fashion-MNIST test images (in) and the MNIST test
images (out). Three scores, each with higher = more OOD
(`keras_ar.ood.ood_score`): the raw likelihood (NLL), the likelihood ratio
against a background model of the same architecture trained on inputs
mutated at `--mutation-rate` with L2 `--l2` (`keras_ar.ood`; default
100, the top of the paper's grid, since the loss is in nats per image),
and the
input complexity of Serra et al. (2020) with each of `--compressors`
(PNG, WebP, bz2, lzma, zlib). AUROCs are printed
beside the paper's (raw likelihood 0.089, likelihood ratio 0.994, from a
PixelCNN++ trained on a GPU); here the model trains for `--budget`
seconds on this machine's CPUs and the background model for as many
batches, so the numbers show what a CPU budget buys, not the paper's
models.

Run (about 8 minutes on 2 cores):
    python benchmarks/ood.py
    python benchmarks/ood.py --quick           # smoke test, ~2 min
    python benchmarks/ood.py --mutation-rate 0.2 --name ood_mutation_0.2
    python benchmarks/ood.py --budget 1440 --train-size 60000 \
        --name ood_1440s                    # ~50 min: AUROC 0.99+

Writes benchmarks/results/NAME.json and NAME_histograms.png (NAME is
`--name`, default ood; NAME_quick.* with --quick).
"""

import argparse
import math
import os
import sys
import time

import numpy as np
from common import image_pixelcnn
from common import results_header
from common import time_limit
from common import write_results

HERE = os.path.dirname(os.path.abspath(__file__))

#: AUROCs of Ren et al. 2019, table 2 (Fashion-MNIST in, MNIST out).
PAPER = {"likelihood": 0.089, "likelihood_ratio": 0.994}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--budget", type=float, default=170.0)
    parser.add_argument("--train-size", type=int, default=20000)
    parser.add_argument("--test-size", type=int, default=2000)
    parser.add_argument("--filters", type=int, default=32)
    parser.add_argument("--blocks", type=int, default=3)
    parser.add_argument("--output-filters", type=int, default=64)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--mutation-rate", type=float, default=0.1)
    parser.add_argument(
        "--l2",
        type=float,
        default=100.0,
        help="background L2 weight, on the per-image NLL's scale (the "
        "paper's code searches 0, 10, 100)",
    )
    parser.add_argument(
        "--l2-grid",
        default="",
        help="comma-separated L2 weights: one more background model each "
        "(as many batches), reported as a likelihood-ratio AUROC per weight",
    )
    parser.add_argument(
        "--fresh-mutations",
        action="store_true",
        help="draw new mutations every epoch for the background models, as "
        "the paper's input pipeline does (default: one mutated copy)",
    )
    parser.add_argument(
        "--compressors",
        default="png,webp,bz2,lzma,zlib",
        help="comma-separated compressors: an input-complexity AUROC each "
        "(the first is the one in the main table)",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument(
        "--name", default="ood", help="results file names (NAME.json)"
    )
    args = parser.parse_args(argv)
    try:
        args.l2_grid = [float(v) for v in args.l2_grid.split(",") if v]
    except ValueError:
        parser.error(f"--l2-grid: expected numbers, got {args.l2_grid!r}")
    from keras_ar.ood.input_complexity import COMPRESSORS

    args.compressors = [c for c in args.compressors.split(",") if c]
    unknown = sorted(set(args.compressors) - set(COMPRESSORS))
    if unknown or not args.compressors:
        parser.error(
            f"--compressors: expected some of {COMPRESSORS}, got "
            f"{args.compressors!r}"
        )
    if args.quick:
        args.budget, args.train_size, args.test_size = 20.0, 2000, 300
    return args


def l2_grid(args, model, x_train, x_in, x_out, model_timing):
    """The likelihood ratio's AUROC with a background model per L2 weight
    of `--l2-grid`, each trained on as many batches as the model."""
    from keras_ar.ood import auroc
    from keras_ar.ood import train_background

    if not args.l2_grid:
        return {}
    log_p = [
        np.asarray(model.log_prob(x, batch_size=256), "float64")
        for x in (x_in, x_out)
    ]
    grid = {}
    for l2 in args.l2_grid:
        background = train_background(
            model,
            x_train,
            mutation_rate=args.mutation_rate,
            l2=l2,
            seed=args.seed,
            fresh_mutations=args.fresh_mutations,
            callbacks=[time_limit(args.budget, model_timing["steps"])],
            batch_size=args.batch_size,
            epochs=1000,
            verbose=0,
        )
        ratio = [
            lp - np.asarray(background.log_prob(x, batch_size=256), "float64")
            for lp, x in zip(log_p, (x_in, x_out))
        ]
        # Higher = more OOD: the negative ratio.
        grid[l2] = auroc(-ratio[0], -ratio[1])
        print(f"background L2 {l2:g}: likelihood ratio AUROC {grid[l2]:.3f}")
    return grid


def input_complexity_by_compressor(result, x_in, x_out, compressors):
    """The input-complexity AUROC with each compressor, reusing the
    model's NLLs and the first compressor's AUROC in `result`
    (`evaluate_ood`, which used `compressors[0]`)."""
    from keras_ar.ood import auroc
    from keras_ar.ood import code_length_bits

    nll_bits = [n / math.log(2.0) for n in result["scores"]["likelihood"]]
    by_compressor = {compressors[0]: result["auroc"]["input_complexity"]}
    for compressor in compressors[1:]:
        scores = [
            bits - code_length_bits(x, compressor)
            for bits, x in zip(nll_bits, (x_in, x_out))
        ]
        by_compressor[compressor] = auroc(*scores)
    return by_compressor


def main(argv=None):
    args = parse_args(argv)
    import keras

    from keras_ar import data
    from keras_ar.ood import evaluate_ood
    from keras_ar.ood import plot_score_histograms
    from keras_ar.ood import train_background

    keras.utils.set_random_seed(args.seed)
    x_train, _ = data.load("fashion_mnist", split="train")
    x_train = x_train[: args.train_size]
    x_in = data.load("fashion_mnist", split="test")[0][: args.test_size]
    x_out = data.load("mnist", split="test")[0][: args.test_size]
    results = results_header(vars(args))
    model = image_pixelcnn(args)
    timings = {}
    for name in ("model", "background"):
        # The background model trains on as many batches as the model
        # did in its budget (the machine's load varies during a run).
        steps = timings["model"]["steps"] if name == "background" else None
        limit = time_limit(args.budget, steps)
        start = time.perf_counter()
        fit = dict(batch_size=args.batch_size, epochs=1000, verbose=2)
        if name == "model":
            model.fit(x_train, callbacks=[limit], **fit)
        else:
            background = train_background(
                model,
                x_train,
                mutation_rate=args.mutation_rate,
                l2=args.l2,
                seed=args.seed,
                fresh_mutations=args.fresh_mutations,
                callbacks=[limit],
                **fit,
            )
        timings[name] = {
            "seconds": time.perf_counter() - start,
            "steps": limit.steps,
            "images": limit.steps * args.batch_size,
        }
    grid = l2_grid(args, model, x_train, x_in, x_out, timings["model"])
    start = time.perf_counter()
    result = evaluate_ood(
        model,
        x_in,
        x_out,
        background=background,
        compressor=args.compressors[0],
        batch_size=256,
    )
    timings["scoring_seconds"] = time.perf_counter() - start
    by_compressor = input_complexity_by_compressor(
        result, x_in, x_out, args.compressors
    )
    dims = model.num_dims * math.log(2.0)
    nll = {
        "fashion_mnist_bits_per_dim": float(
            np.mean(result["scores"]["likelihood"][0]) / dims
        ),
        "mnist_bits_per_dim": float(
            np.mean(result["scores"]["likelihood"][1]) / dims
        ),
    }
    stem = args.name + ("_quick" if args.quick else "")
    png = os.path.join(HERE, "results", f"{stem}_histograms.png")
    os.makedirs(os.path.dirname(png), exist_ok=True)
    plot_score_histograms(
        result["scores"], png, labels=("Fashion-MNIST", "MNIST")
    )
    print(
        f"\nFashion-MNIST (in) vs MNIST (out), {len(x_in)} + {len(x_out)} "
        f"test images; PixelCNN {model.count_params():,} parameters, "
        f"{args.budget:g} s of training on {os.cpu_count()} CPUs"
    )
    print(
        f"model: {timings['model']['images']} images seen; test "
        f"{nll['fashion_mnist_bits_per_dim']:.3f} bits/dim on "
        f"Fashion-MNIST, {nll['mnist_bits_per_dim']:.3f} on MNIST"
    )
    print(f"\n{'score':<18} {'AUROC':>7} {'paper':>7}")
    for name, value in result["auroc"].items():
        paper = PAPER.get(name)
        paper = f"{paper:>7.3f}" if paper is not None else f"{'-':>7}"
        print(f"{name:<18} {value:>7.3f} {paper}")
    print("\ninput complexity by compressor (AUROC):")
    for name, value in by_compressor.items():
        print(f"{name:>10} {value:>7.3f}")
    if grid:
        print(
            f"\nlikelihood ratio by background L2 (mutation rate "
            f"{args.mutation_rate:g}):"
        )
        print(f"{'L2':>10} {'AUROC':>7}")
        for l2, value in grid.items():
            print(f"{l2:>10g} {value:>7.3f}")
    results.update(
        auroc=result["auroc"],
        likelihood_ratio_auroc_by_l2={str(k): v for k, v in grid.items()},
        input_complexity_auroc_by_compressor=by_compressor,
        paper_auroc=PAPER,
        nll=nll,
        timings=timings,
        parameters=model.count_params(),
        histograms=os.path.relpath(png, HERE),
    )
    write_results(results, stem)
    return 0


if __name__ == "__main__":
    sys.exit(main())
