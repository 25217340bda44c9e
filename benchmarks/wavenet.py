"""WaveNet: fast generation, training speed, speech NLL and forecasts.

1. Generation of 1 s of 16 kHz audio (16,000 steps, batch 1) with 2 stacks
   of 10 dilation layers (receptive field 2,048), residual 32 / skip 64
   channels, 256-way mu-law head:
   - cached (Fast WaveNet queues, one compiled loop; XLA on TensorFlow):
     the whole second is generated and timed (second call, compiled);
   - naive (the whole network recomputed at every step): every step costs
     one full pass over the 16,000-step sequence, so its time is measured
     on `--naive-steps` steps of that very loop (the library's compiled
     `keras_ar.generation.Sampler.run`, with and without XLA) and
     multiplied by 16,000;
   - as a check of the extrapolation, both paths are also timed in full
     on 2,048 steps (one receptive field).
   The ratio cached/naive is reported from the same run, on TensorFlow and
   (in a subprocess) on JAX.
2. Training on recorded speech (Asterisk prompts, 8 kHz, mu-law; files
   split by name, every 10th file held out): training samples/s in steady
   state and held-out NLL in bits per sample after a fixed time budget,
   next to two baselines fitted on the same training windows: the mu-law
   code histogram (unigram) and a first-order Markov chain (bigram, add-one
   smoothing). Windows with RMS < 0.01 (silence) are skipped in both splits.
3. Forecasts on real series (statsmodels, pmdarima): a WaveNet with a
   mixture-of-Gaussians head (`keras_ar.tasks.fit_series_wavenet`) trained on
   the series minus a held-out tail, on the levels and (a second model) on
   the first differences, 200 sample paths over the tail; MASE
   (scaled by the in-sample seasonal-naive error) of the median and CRPS of
   the paths, next to the seasonal-naive forecast.

Run (CPU, about 25 minutes on 2 shared cores):
    python benchmarks/wavenet.py
    python benchmarks/wavenet.py --quick          # smoke test, ~3 min
    python benchmarks/wavenet.py --only generation

Writes benchmarks/results/wavenet.json (wavenet_quick.json with --quick).
"""

import argparse
import itertools
import json
import math
import os
import subprocess
import sys
import time

import numpy as np
from common import results_header
from common import write_results

HERE = os.path.dirname(os.path.abspath(__file__))
LN2 = math.log(2.0)
SECTIONS = ("generation", "training", "forecast")

FULL = {
    "gen_length": 16000,
    "check_length": 2048,
    "naive_steps": 20,
    "layers": 10,
    "stacks": 2,
    "train_budget": 600.0,
    "window": 4096,
    "batch_size": 8,
    "test_windows": 0,
    "forecast_epochs": 30,
    "forecast_samples": 200,
}
QUICK = {
    "gen_length": 1000,
    "check_length": 128,
    "naive_steps": 3,
    "layers": 5,
    "stacks": 2,
    "train_budget": 20.0,
    "window": 512,
    "batch_size": 4,
    "test_windows": 16,
    "forecast_epochs": 2,
    "forecast_samples": 20,
}
#: (series, held-out steps) for section 3.
SERIES = (("sunspots", 22), ("co2", 104), ("wineind", 24), ("taylor", 336))


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", choices=SECTIONS, default=None)
    parser.add_argument("--no-jax", action="store_true")
    parser.add_argument("--jax-worker", action="store_true", help="internal")
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


def _timed(fn):
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


# ----------------------------------------------------------------------
# 1. Generation
# ----------------------------------------------------------------------
def bench_generation(args):
    import keras

    from keras_ar.backend import compile_function
    from keras_ar.generation import Sampler
    from keras_ar.generation import draw_noise
    from keras_ar.models import WaveNet

    keras.utils.set_random_seed(0)
    model = WaveNet(
        (args.check_length, 1),
        head="mu_law",
        residual_channels=32,
        skip_channels=64,
        num_stacks=args.stacks,
        layers_per_stack=args.layers,
    )
    result = {
        "backend": keras.backend.backend(),
        "receptive_field": model.receptive_field,
        "parameters": model.count_params(),
        "length": args.gen_length,
    }
    # Cached: the whole sequence, compiled call timed after a first call.
    _, first = _timed(lambda: model.sample(1, length=args.gen_length, seed=0))
    _, cached = _timed(lambda: model.sample(1, length=args.gen_length, seed=1))
    result["cached_first_call_s"] = first
    result["cached_s"] = cached
    result["cached_samples_per_s"] = args.gen_length / cached

    # Naive: a few steps of the full-length loop; each step is one full
    # pass over all `gen_length` positions, so the cost per step is flat.
    x = np.zeros((1, args.gen_length, 1), "float32")
    known = np.zeros(x.shape, bool)
    noise = draw_noise(model, x.shape, seed=0)
    temperature = np.float32(1.0)
    backend = keras.backend.backend()
    sampler = Sampler(model)
    cache = sampler.build_cache(x, known, noise, use_cache=False)
    for xla in (False, True) if backend == "tensorflow" else (True,):
        fn = compile_function(
            model,
            lambda x, k, n, t, a, b, c: sampler.run(
                x, k, n, t, c, a, b, use_cache=False
            ),
            jit_compile=xla,
        )

        def run(start, stop, fn=fn):
            out, _ = fn(
                x,
                known,
                noise,
                temperature,
                np.int32(start),
                np.int32(stop),
                cache,
            )
            return keras.ops.convert_to_numpy(out)

        run(0, 1)  # compile
        _, seconds = _timed(lambda run=run: run(1, 1 + args.naive_steps))
        per_step = seconds / args.naive_steps
        key = "naive_xla" if xla and backend == "tensorflow" else "naive"
        result[f"{key}_s_per_step"] = per_step
        result[f"{key}_s_extrapolated"] = per_step * args.gen_length
    naive_keys = [k for k in result if k.endswith("_s_extrapolated")]
    best_naive = min(result[k] for k in naive_keys)
    result["naive_s_extrapolated_best"] = best_naive
    result["speedup"] = best_naive / cached

    # Check: both paths in full on `check_length` steps.
    n = args.check_length
    model.sample(1, length=n, seed=0)
    model.sample(1, length=n, seed=0, use_cache=False)
    _, c = _timed(lambda: model.sample(1, length=n, seed=2))
    _, v = _timed(lambda: model.sample(1, length=n, seed=2, use_cache=False))
    same = np.array_equal(
        model.sample(1, length=n, seed=3),
        model.sample(1, length=n, seed=3, use_cache=False),
    )
    result["check"] = {
        "length": n,
        "cached_s": c,
        "naive_s": v,
        "speedup": v / c,
        "identical_samples": bool(same),
    }
    return result


def run_jax_generation(args):
    argv = [sys.executable, os.path.abspath(__file__), "--jax-worker"]
    argv += ["--only", "generation"] + (["--quick"] if args.quick else [])
    for key in FULL:
        argv += ["--" + key.replace("_", "-"), str(getattr(args, key))]
    env = dict(os.environ, KERAS_BACKEND="jax", JAX_PLATFORMS="cpu")
    out = subprocess.run(argv, capture_output=True, text=True, env=env)
    if out.returncode != 0:
        return {"error": out.stderr[-2000:]}
    return json.loads(out.stdout.strip().splitlines()[-1])


def print_generation(results):
    print(
        f"\n1. Generation, {results[0]['length']} steps "
        f"({results[0]['length'] / 16000:g} s at 16 kHz), "
        f"batch 1, {results[0]['parameters']:,} parameters, receptive "
        f"field {results[0]['receptive_field']}"
    )
    head = (
        f"{'backend':<11}{'cached s':>10}{'samples/s':>11}{'naive s*':>11}"
        f"{'naive/cached':>14}{'check (n)':>11}{'ratio':>8}{'same':>6}"
    )
    print(head)
    print("-" * len(head))
    for r in results:
        if "error" in r:
            print(f"{'jax':<11} failed: {r['error'][-300:]}")
            continue
        c = r["check"]
        print(
            f"{r['backend']:<11}{r['cached_s']:>10.2f}"
            f"{r['cached_samples_per_s']:>11,.0f}"
            f"{r['naive_s_extrapolated_best']:>11,.0f}"
            f"{r['speedup']:>13,.0f}x{c['length']:>11}"
            f"{c['speedup']:>7,.0f}x{str(c['identical_samples']):>6}"
        )
    print(
        "* naive: measured seconds per step of the full-length loop (best "
        "of XLA on/off on TF) x steps; check: both paths timed in full."
    )


# ----------------------------------------------------------------------
# 2. Training on speech
# ----------------------------------------------------------------------
def _speech_windows(split, window, limit=0):
    from keras_ar import data

    clips = data.load_speech(split=split)
    windows = data.audio_segments(clips, window, min_rms=0.01)
    codes = data.mu_law_encode(np.clip(windows, -1.0, 1.0))
    if limit:
        codes = codes[:limit]
    return codes


def _baselines(train, test):
    counts = np.bincount(train.ravel(), minlength=256) + 1.0
    unigram = -np.mean(np.log2(counts / counts.sum())[test.ravel()])
    pairs = np.zeros((256, 256)) + 1.0
    np.add.at(pairs, (train[:, :-1].ravel(), train[:, 1:].ravel()), 1.0)
    cond = np.log2(pairs / pairs.sum(axis=1, keepdims=True))
    first = np.log2(counts / counts.sum())[test[:, 0]]
    rest = cond[test[:, :-1], test[:, 1:]]
    bigram = -(first.sum() + rest.sum()) / test.size
    return {"uniform": 8.0, "unigram": unigram, "bigram": bigram}


def bench_training(args):
    import keras

    from keras_ar.models import WaveNet

    keras.utils.set_random_seed(0)
    train = _speech_windows("train", args.window)
    test = _speech_windows("test", args.window, args.test_windows)
    model = WaveNet(
        (args.window, 1),
        head="mu_law",
        residual_channels=32,
        skip_channels=64,
        num_stacks=args.stacks,
        layers_per_stack=args.layers,
    )
    model.compile(optimizer=keras.optimizers.Adam(1e-3), jit_compile=True)
    rng = np.random.default_rng(0)
    batch = args.batch_size
    chunk = max(1, 256 // batch)  # batches per fit call
    seen, steady_seconds, steady_windows, curve = 0, 0.0, 0, []
    start = time.perf_counter()
    while time.perf_counter() - start < args.train_budget:
        index = rng.choice(len(train), chunk * batch, replace=False)
        x = train[np.sort(index)][..., None]
        t0 = time.perf_counter()
        history = model.fit(x, batch_size=batch, epochs=1, verbose=0)
        seconds = time.perf_counter() - t0
        if seen:  # the first call includes compilation
            steady_seconds += seconds
            steady_windows += len(x)
        seen += len(x)
        curve.append((time.perf_counter() - start, history.history["loss"][-1]))
    train_seconds = time.perf_counter() - start
    log_prob = model.log_prob(test[..., None], batch_size=16)
    bits = float(-log_prob.mean() / (args.window * LN2))
    return {
        "train_windows": int(len(train)),
        "test_windows": int(len(test)),
        "window": args.window,
        "receptive_field": model.receptive_field,
        "parameters": model.count_params(),
        "train_seconds": train_seconds,
        "windows_seen": seen,
        "epochs_equivalent": seen / len(train),
        "train_samples_per_s": (
            steady_windows * args.window / steady_seconds
            if steady_seconds
            else float("nan")
        ),
        "test_bits_per_sample": bits,
        "baselines_bits_per_sample": _baselines(train, test),
        "loss_curve": curve,
    }


def print_training(r):
    print(
        f"\n2. Speech (8 kHz mu-law), WaveNet {r['parameters']:,} parameters,"
        f" receptive field {r['receptive_field']}, windows of {r['window']}:"
        f" {r['train_seconds']:.0f} s of training "
        f"({r['epochs_equivalent']:.2f} epochs of {r['train_windows']} "
        f"windows)"
    )
    print(f"training speed: {r['train_samples_per_s']:,.0f} samples/s")
    head = f"{'model':<28}{'test bits/sample':>18}"
    print(head)
    print("-" * len(head))
    print(f"{'WaveNet (keras_ar)':<28}{r['test_bits_per_sample']:>18.3f}")
    for name, value in r["baselines_bits_per_sample"].items():
        print(f"{name + ' baseline':<28}{value:>18.3f}")
    print(f"(held out: {r['test_windows']} windows from every 10th file)")


# ----------------------------------------------------------------------
# 3. Forecasts
# ----------------------------------------------------------------------
def bench_forecast(args):
    from keras_ar.data import load_series
    from keras_ar.tasks import crps_from_samples
    from keras_ar.tasks import fit_series_wavenet
    from keras_ar.tasks import forecast_series
    from keras_ar.tasks import mase
    from keras_ar.tasks import seasonal_naive_forecast
    from keras_ar.utils import save_forecast_plot

    rows = []
    for (name, holdout), difference in itertools.product(SERIES, (False, True)):
        series = load_series(name)
        values = series.values
        history, actual = values[:-holdout], values[-holdout:]
        m = series.period
        start = time.perf_counter()
        model, _ = fit_series_wavenet(
            history,
            period=m,
            epochs=args.forecast_epochs,
            difference=difference,
            seed=0,
        )
        fit_seconds = time.perf_counter() - start
        out = forecast_series(
            model,
            history,
            holdout,
            num_samples=args.forecast_samples,
            difference=difference,
            seed=0,
        )
        naive = seasonal_naive_forecast(history, holdout, m)
        level_low, level_high = out["quantiles"][0], out["quantiles"][-1]
        coverage = np.mean((actual >= level_low) & (actual <= level_high))
        variant = "diff" if difference else "levels"
        rows.append(
            {
                "series": name,
                "model": variant,
                "length": len(values),
                "period": m,
                "holdout": holdout,
                "receptive_field": model.receptive_field,
                "fit_seconds": fit_seconds,
                "wavenet_mase": mase(actual, out["median"], history, m),
                "naive_mase": mase(actual, naive, history, m),
                "wavenet_crps": crps_from_samples(actual, out["samples"]),
                "naive_crps": crps_from_samples(actual, naive[None]),
                "interval_coverage_10_90": float(coverage),
            }
        )
        save_forecast_plot(
            history,
            out,
            os.path.join(
                HERE, "results", f"wavenet_forecast_{name}_{variant}.png"
            ),
            actual=actual,
            title=f"{name}: WaveNet ({variant}) forecast, 10-90% interval",
            show_last=3 * holdout,
        )
    return rows


def print_forecast(rows):
    print("\n3. Forecasts of a held-out tail (MASE of the median, CRPS)")
    head = (
        f"{'series':<10}{'model':<8}{'n':>6}{'m':>5}{'tail':>6}{'MASE wn':>9}"
        f"{'MASE sn':>9}{'ratio':>7}{'CRPS wn':>10}{'CRPS sn':>10}"
        f"{'ratio':>7}{'cover':>7}"
    )
    print(head)
    print("-" * len(head))
    for r in rows:
        print(
            f"{r['series']:<10}{r['model']:<8}{r['length']:>6}"
            f"{r['period']:>5}"
            f"{r['holdout']:>6}{r['wavenet_mase']:>9.3f}"
            f"{r['naive_mase']:>9.3f}"
            f"{r['wavenet_mase'] / r['naive_mase']:>7.2f}"
            f"{r['wavenet_crps']:>10.3f}{r['naive_crps']:>10.3f}"
            f"{r['wavenet_crps'] / r['naive_crps']:>7.2f}"
            f"{r['interval_coverage_10_90']:>7.2f}"
        )
    print(
        "wn = WaveNet on levels or on first differences (diff), sn = "
        "seasonal naive (m = period); ratio < 1: WaveNet better; cover = "
        "share of the tail inside the 10-90% interval."
    )


def main(argv=None):
    args = parse_args(argv)
    if args.jax_worker:
        print(json.dumps(bench_generation(args), default=float))
        return 0
    sections = (args.only,) if args.only else SECTIONS
    name = "wavenet_quick" if args.quick else "wavenet"
    if args.only:
        name += f"_{args.only}"
    results = results_header({k: getattr(args, k) for k in FULL})
    os.makedirs(os.path.join(HERE, "results"), exist_ok=True)
    if "generation" in sections:
        gen = [bench_generation(args)]
        if not args.no_jax:
            gen.append(run_jax_generation(args))
        results["generation"] = gen
        print_generation(gen)
    if "training" in sections:
        results["training"] = bench_training(args)
        print_training(results["training"])
    if "forecast" in sections:
        results["forecast"] = bench_forecast(args)
        print_forecast(results["forecast"])
    write_results(results, name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
