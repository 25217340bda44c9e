"""Serving latency and throughput: TF Serving's C++ loader vs Python.

For each model type (PixelCNN, Gated PixelCNN, PixelRNN, WaveNet, MADE,
NADE; tiny but realistic: 8x8x1 binary images, a 64-step mu-law WaveNet,
64 binary values for MADE and NADE, random weights) the model is exported
with `keras_ar.export.export_for_serving`, and the `log_prob` and `sample`
signatures are timed at batch 1 and 64 (`num_samples` for `sample`):

- C++: the SavedModel loaded by TensorFlow's C++ `LoadSavedModel` with
  the "serve" tag, as TF Serving loads it (`keras_ar.export.serving_check`,
  built with g++ against the TensorFlow wheel); each request runs once as
  a warm-up, then `--repeats` times, timed around `Session::Run` only (no
  request parsing, no JSON; a TF Serving server adds its RPC on top);
- keras_ar: the same calls in Python on the model, `model.log_prob(x)`
  and `model.sample(n, seed=1)` (NumPy in, NumPy out; a warm-up call
  first, which traces and compiles); `model.sample` compiles its loop
  with XLA on TensorFlow, which TF Serving cannot run, so `sample` is
  also timed with `model.jit_generation = False` ("no-XLA"): the loop
  the SavedModel runs;
- SavedModel in Python: `tf.saved_model.load(path).signatures[...]`,
  tensors in, `.numpy()` out.

Reported: median milliseconds per call and examples/s (batch / median),
with the ratios C++ / keras_ar and C++ / keras_ar no-XLA of the medians
(below 1: the C++ loader is faster). The sides run turn about
(`--rounds`, each with its own warm-up) so that they see the same load
on a shared machine. As a check, the C++ `log_prob` is compared with
`model.log_prob` (largest relative difference) and the C++ samples with
`model.sample(n, seed=1)` (seed `[1, 0]`: equal for these discrete
heads).

Run:
    python benchmarks/serving.py            # ~5 min on 2 shared CPU cores
    python benchmarks/serving.py --quick    # smoke test, ~2 min

Writes benchmarks/results/serving.json (`--quick`: serving_quick.json).
"""

import argparse
import os
import statistics
import sys
import tempfile
import time

import numpy as np
from common import results_header
from common import write_results

MODELS = ("pixelcnn", "gated_pixelcnn", "pixelrnn", "wavenet", "made", "nade")
CALLS = ("log_prob", "sample")
BATCHES = (1, 64)
SEED = 1


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="smoke test")
    parser.add_argument(
        "--models", default=",".join(MODELS), help="comma-separated"
    )
    parser.add_argument(
        "--repeats", type=int, default=None, help="timed calls per round"
    )
    parser.add_argument(
        "--rounds", type=int, default=None, help="C++/Python turns"
    )
    parser.add_argument(
        "--loader-dir",
        default=os.path.join(
            os.path.expanduser("~"), ".cache", "keras_ar", "loader"
        ),
        help="where the compiled C++ loader is cached",
    )
    args = parser.parse_args(argv)
    if args.repeats is None:
        args.repeats = 2 if args.quick else 10
    if args.rounds is None:
        args.rounds = 1 if args.quick else 3
    return args


def build_model(name):
    """The model `name` at its benchmark size, with random weights."""
    import keras

    from keras_ar import models

    keras.utils.set_random_seed(0)
    image = {"event_shape": (8, 8, 1), "head": "bernoulli"}
    if name == "pixelcnn":
        model = models.PixelCNN(
            **image, filters=32, num_residual_blocks=3, output_filters=64
        )
    elif name == "gated_pixelcnn":
        model = models.GatedPixelCNN(
            **image, filters=32, num_layers=4, output_filters=64
        )
    elif name == "pixelrnn":
        model = models.PixelRNN(
            **image, cell="row", hidden_units=16, num_layers=2
        )
    elif name == "wavenet":
        model = models.WaveNet(
            (64, 1),
            residual_channels=32,
            skip_channels=64,
            num_stacks=2,
            layers_per_stack=5,
        )
    elif name == "made":
        model = models.MADE((64,), hidden_units=(256,))
    elif name == "nade":
        model = models.NADE((64,), hidden_units=64)
    else:
        raise ValueError(f"Expected a model in {MODELS}. Received: {name}")
    if not model.built:
        model.build()
    return model


def batched(inputs, batch):
    """`inputs` (an example request, batch 2) repeated to `batch` rows."""
    rows = np.arange(batch) % 2
    return {k: np.take(v, rows, axis=0) for k, v in inputs.items()}


def requests_for(examples, signatures):
    """`{(call, batch): (signature, inputs)}` from the export's examples."""
    requests = {}
    for batch in BATCHES:
        requests[("log_prob", batch)] = (
            "log_prob",
            batched(examples["log_prob"], batch),
        )
        inputs = dict(examples["sample"], num_samples=np.int32(batch))
        assert set(inputs) == set(signatures["sample"]["inputs"]), inputs
        requests[("sample", batch)] = ("sample", inputs)
    return requests


def timed(function, repeats):
    """Seconds of `repeats` calls of `function` after one warm-up call."""
    function()
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        seconds.append(time.perf_counter() - start)
    return seconds


def python_calls(model, loaded, requests):
    """Per `(call, batch)`: `{side: function}` of the Python calls."""
    import tensorflow as tf

    calls = {}
    for (call, batch), (key, inputs) in requests.items():
        function = loaded.signatures[key]
        tensors = {k: tf.constant(v) for k, v in inputs.items()}

        def saved(function=function, tensors=tensors):
            return {k: v.numpy() for k, v in function(**tensors).items()}

        if call == "log_prob":
            calls[(call, batch)] = {
                "keras_ar": lambda x=inputs["x"]: model.log_prob(x),
                "saved_model": saved,
            }
            continue
        extra = {}
        if "length" in inputs:
            extra["length"] = int(inputs["length"])

        def keras_ar(n=batch, extra=extra):
            return model.sample(n, seed=SEED, **extra)

        def keras_ar_no_xla(n=batch, extra=extra):
            # The loop the SavedModel runs: TF Serving has no XLA.
            model.jit_generation = False
            try:
                return model.sample(n, seed=SEED, **extra)
            finally:
                model.jit_generation = None

        calls[(call, batch)] = {
            "keras_ar": keras_ar,
            "keras_ar_no_xla": keras_ar_no_xla,
            "saved_model": saved,
        }
    return calls


def check(model, requests, outputs):
    """C++ answers against the model: log_prob and samples."""
    found = {}
    for (call, batch), (_, inputs) in requests.items():
        if call == "log_prob":
            expected = np.asarray(model.log_prob(inputs["x"]))
            got = outputs[(call, batch)]["log_prob"]
            found[f"log_prob_max_rel_diff_batch_{batch}"] = float(
                np.max(np.abs(got - expected) / np.maximum(np.abs(expected), 1))
            )
        else:
            extra = {}
            if "length" in inputs:
                extra["length"] = int(inputs["length"])
            expected = np.asarray(model.sample(batch, seed=SEED, **extra))
            got = outputs[(call, batch)]["samples"]
            found[f"samples_equal_batch_{batch}"] = bool(
                got.shape == expected.shape and np.array_equal(got, expected)
            )
    return found


def run_model(name, args, binary, workdir):
    import tensorflow as tf

    from keras_ar.export import export_for_serving
    from keras_ar.export import serving_check
    from keras_ar.export.example_requests import read_example_requests

    model = build_model(name)
    start = time.perf_counter()
    path = export_for_serving(model, workdir, name=name)
    export_seconds = time.perf_counter() - start
    signatures = serving_check.run_loader(binary, path, [])["signatures"]
    requests = requests_for(read_example_requests(path), signatures)
    loaded = tf.saved_model.load(path)
    calls = python_calls(model, loaded, requests)
    keys = list(requests)
    seconds = {key: {"cpp": []} for key in keys}
    outputs = {}
    for _ in range(args.rounds):
        answer = serving_check.run_loader(
            binary, path, [requests[k] for k in keys], repeat=args.repeats
        )
        for key, result in zip(keys, answer["results"]):
            if "error" in result:
                raise RuntimeError(f"{name} {key}: {result['error']}")
            seconds[key]["cpp"] += result["seconds"]
            outputs[key] = result["outputs"]
        for key in keys:
            for side, function in calls[key].items():
                times = timed(function, args.repeats)
                seconds[key][side] = seconds[key].get(side, []) + times
    rows = []
    for (call, batch), times in seconds.items():
        row = {"model": name, "call": call, "batch": batch}
        for side, values in times.items():
            median = statistics.median(values)
            row[f"{side}_ms"] = 1000 * median
            row[f"{side}_examples_per_second"] = batch / median
            row[f"{side}_seconds"] = values
        row["ratio_cpp_over_keras_ar"] = row["cpp_ms"] / row["keras_ar_ms"]
        if "keras_ar_no_xla_ms" in row:
            row["ratio_cpp_over_keras_ar_no_xla"] = (
                row["cpp_ms"] / row["keras_ar_no_xla_ms"]
            )
        row["ratio_saved_model_over_keras_ar"] = (
            row["saved_model_ms"] / row["keras_ar_ms"]
        )
        rows.append(row)
    info = {
        "parameters": int(model.count_params()),
        "event_shape": list(model.event_shape),
        "export_seconds": export_seconds,
        "signatures": sorted(signatures),
        **check(model, requests, outputs),
    }
    return rows, info


def print_table(rows):
    print(
        "| model | call | batch | C++ ms | keras_ar ms | keras_ar no-XLA ms "
        "| SavedModel (Python) ms | C++ ex/s | keras_ar ex/s | C++ / keras_ar "
        "| C++ / no-XLA |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        no_xla = r.get("keras_ar_no_xla_ms")
        no_xla_ratio = r.get("ratio_cpp_over_keras_ar_no_xla")
        print(
            f"| {r['model']} | {r['call']} | {r['batch']} | "
            f"{r['cpp_ms']:.2f} | {r['keras_ar_ms']:.2f} | "
            f"{'-' if no_xla is None else f'{no_xla:.2f}'} | "
            f"{r['saved_model_ms']:.2f} | "
            f"{r['cpp_examples_per_second']:,.0f} | "
            f"{r['keras_ar_examples_per_second']:,.0f} | "
            f"{r['ratio_cpp_over_keras_ar']:.2f}x | "
            f"{'-' if no_xla_ratio is None else f'{no_xla_ratio:.2f}x'} |",
            flush=True,
        )


def main(argv=None):
    args = parse_args(argv)
    from keras_ar.export import serving_check

    results = results_header(
        {
            "quick": args.quick,
            "models": args.models,
            "repeats": args.repeats,
            "rounds": args.rounds,
            "batches": list(BATCHES),
            "seed": SEED,
        }
    )
    results["note"] = (
        "medians of rounds x repeats calls after a warm-up per round; C++ "
        "times Session::Run alone; ratio < 1: the C++ loader is faster"
    )
    binary = serving_check.build_loader(args.loader_dir)
    rows, models = [], {}
    with tempfile.TemporaryDirectory() as workdir:
        for name in args.models.split(","):
            print(f"{name}: export and time", flush=True)
            model_rows, models[name] = run_model(name, args, binary, workdir)
            rows += model_rows
    results["models"] = models
    results["rows"] = rows
    print()
    print_table(rows)
    print()
    for name, info in models.items():
        checks = {k: v for k, v in info.items() if k.startswith(("log", "sam"))}
        print(f"{name}: {info['parameters']:,} parameters, {checks}")
    name = "serving_quick" if args.quick else "serving"
    write_results(results, name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
