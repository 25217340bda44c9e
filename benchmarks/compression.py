"""Lossless compression with trained keras_ar models, side by side with
general-purpose and format-specific compressors.

Images: a PixelCNN (256-way softmax) trained for `--budget` seconds on
MNIST and on Fashion-MNIST codes the first `--test-size` test images with
`keras_ar.compression.encode` (ANS through the model's cached step), and
`decode` gives them back bit for bit. Beside it, on the same images: PNG
(Pillow, `optimize=True`, one file per image), WebP lossless (`method=6`,
one file per image), and gzip -9, bz2 -9, xz -9e and zstd -19 on the raw
bytes of all the images together (they may learn across images).

Speech (`--speech`): a WaveNet (mu-law head) trained for `--budget`
seconds on the Asterisk prompts' 8 kHz mu-law codes codes the test clips'
codes (one-second windows); beside it FLAC (`soundfile`, 8-bit PCM of the
same codes, level 8) and the byte compressors on the same codes.

Text (`--text MODEL.keras`): a byte-level WaveNet trained with `keras-ar
train wavenet --data shakespeare` codes the three held-out Shakespeare
plays (one file, 460,957 bytes) through `keras-ar compress`'s own path
(`compress_file`: equal windows of at most 4,096 bytes coded side by
side), and `decompress_file` gives the file back byte for byte; beside it
the byte compressors on the same file (zstd also at its top level, 22).

Every row is bits per value (per pixel, per audio sample); keras_ar's
overhead is its stream size over the model's own NLL on the same data.

Run (about 15 minutes on 2 cores; needs `pip install zstandard
soundfile` for the zstd and FLAC rows):
    python benchmarks/compression.py --speech
    python benchmarks/compression.py --quick      # smoke test, ~2 min
    python benchmarks/compression.py --datasets "" \
        --text runs/shakespeare/model.keras       # text only, ~3 min

Writes benchmarks/results/compression.json (compression_quick.json;
compression_text.json for a text-only run).
"""

import argparse
import bz2
import gzip
import io
import lzma
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


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--datasets", default="mnist,fashion_mnist")
    parser.add_argument("--budget", type=float, default=240.0)
    parser.add_argument("--train-size", type=int, default=60000)
    parser.add_argument("--test-size", type=int, default=1000)
    parser.add_argument("--block-size", type=int, default=250)
    parser.add_argument("--filters", type=int, default=32)
    parser.add_argument("--blocks", type=int, default=3)
    parser.add_argument("--output-filters", type=int, default=64)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--speech", action="store_true")
    parser.add_argument(
        "--text", default=None, help="a byte-level text model (.keras)"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    if args.quick:
        args.budget, args.train_size, args.test_size = 15.0, 2000, 50
        args.block_size = 25
    return args


def byte_compressors():
    """name -> function(bytes) -> compressed size."""
    found = {
        "gzip -9": lambda b: len(gzip.compress(b, 9)),
        "bz2 -9": lambda b: len(bz2.compress(b, 9)),
        "xz -9e": lambda b: len(
            lzma.compress(b, preset=9 | lzma.PRESET_EXTREME)
        ),
    }
    try:
        import zstandard

        found["zstd -19"] = lambda b: len(
            zstandard.ZstdCompressor(level=19).compress(b)
        )
        found["zstd -22 (ultra)"] = lambda b: len(
            zstandard.ZstdCompressor(level=22).compress(b)
        )
    except ImportError:
        print("zstandard not installed: no zstd row", file=sys.stderr)
    return found


def image_sizes(x):
    """PNG (optimized) and WebP lossless sizes of every image, summed."""
    from PIL import Image

    sizes = {"PNG (optimize)": 0, "WebP lossless (method 6)": 0}
    for image in x[..., 0].astype("uint8"):
        picture = Image.fromarray(image)
        buffer = io.BytesIO()
        picture.save(buffer, format="PNG", optimize=True)
        sizes["PNG (optimize)"] += buffer.tell()
        buffer = io.BytesIO()
        picture.save(buffer, format="WEBP", lossless=True, method=6)
        sizes["WebP lossless (method 6)"] += buffer.tell()
    return sizes


def flac_size(codes):
    """FLAC (8-bit PCM of the codes, level 8) of every window, summed."""
    try:
        import soundfile
    except ImportError:
        print("soundfile not installed: no FLAC row", file=sys.stderr)
        return None
    total = 0
    for window in codes[..., 0]:
        buffer = io.BytesIO()
        pcm = (window.astype("int16") - 128) * 256
        soundfile.write(
            buffer, pcm, 8000, format="FLAC", subtype="PCM_S8",
            compression_level=1.0,
        )  # fmt: skip
        buffer.seek(0)
        back, _ = soundfile.read(buffer, dtype="int16")
        assert np.array_equal(back // 256 + 128, window), "FLAC not exact"
        total += buffer.getbuffer().nbytes
    return total


def code_with_model(model, x, block_size):
    """keras_ar's stream: size, the model's NLL, speeds, exactness."""
    from keras_ar import compression

    start = time.perf_counter()
    nll_bits = -float(np.sum(model.log_prob(x, batch_size=256))) / math.log(2)
    score_s = time.perf_counter() - start
    start = time.perf_counter()
    data = compression.encode(model, x, block_size=block_size, progress=True)
    encode_s = time.perf_counter() - start
    start = time.perf_counter()
    back = compression.decode(model, data, progress=True)
    decode_s = time.perf_counter() - start
    exact = bool(np.array_equal(back, x))
    assert exact, "decode did not give the input back"
    _, _, words = compression.container.unpack(data)
    blocks = len(words)
    return {
        "bytes": len(data),
        "payload_bytes": 4 * sum(len(w) for w in words),
        "blocks": blocks,
        "nll_bits": nll_bits,
        "exact": exact,
        "encode_per_s": len(x) / encode_s,
        "decode_per_s": len(x) / decode_s,
        "log_prob_s": score_s,
    }


def table(name, values, keras_ar, others, unit):
    """Rows of one data set: bits per value and size ratios."""
    rows = []
    ours = keras_ar["bytes"]
    nll = keras_ar["nll_bits"] / values
    rows.append((f"model NLL ({name}, ideal code length)", None, nll, None))
    rows.append(("keras_ar ANS (this stream)", ours, 8 * ours / values, 1.0))
    for label, size in sorted(others.items(), key=lambda kv: kv[1]):
        rows.append((label, size, 8 * size / values, size / ours))
    print()
    print(f"{name}: {values} {unit}s")
    print(f"| method | bytes | bits/{unit} | size vs keras_ar |")
    print("|---|---:|---:|---:|")
    for label, size, bits, ratio in rows:
        size_text = "" if size is None else str(size)
        ratio_text = "" if ratio is None else f"{ratio:.2f}x"
        print(f"| {label} | {size_text} | {bits:.4f} | {ratio_text} |")
    overhead = 8 * ours - keras_ar["nll_bits"]
    print(
        f"stream over NLL: {100 * overhead / keras_ar['nll_bits']:.3f}% "
        f"({overhead / 8:.0f} bytes: header, condition, {keras_ar['blocks']} "
        f"blocks' final coder states); encode "
        f"{keras_ar['encode_per_s']:.1f}/s, decode "
        f"{keras_ar['decode_per_s']:.1f}/s"
    )
    return [
        {"method": label, "bytes": size, "bits_per_value": bits,
         "size_vs_keras_ar": ratio}
        for label, size, bits, ratio in rows
    ]  # fmt: skip


def run_images(args, name, results):
    import keras

    from keras_ar import data

    keras.utils.set_random_seed(args.seed)
    x_train = data.load(name, split="train")[0][: args.train_size]
    x_test = data.load(name, split="test")[0][: args.test_size]
    x_test = np.rint(x_test).astype("int32")
    model = image_pixelcnn(args)
    start = time.perf_counter()
    model.fit(
        x_train, batch_size=args.batch_size, epochs=1000, verbose=2,
        callbacks=[time_limit(args.budget)],
    )  # fmt: skip
    train_s = time.perf_counter() - start
    ours = code_with_model(model, x_test, args.block_size)
    others = image_sizes(x_test)
    raw = x_test.astype("uint8").tobytes()
    for label, size in byte_compressors().items():
        others[label] = size(raw)
    others["raw 8-bit"] = len(raw)
    results["images"][name] = {
        "train_s": train_s,
        "params": model.count_params(),
        "keras_ar": ours,
        "rows": table(name, x_test.size, ours, others, "pixel"),
    }


def run_speech(args, results):
    import keras

    from keras_ar import data
    from keras_ar.models import WaveNet

    keras.utils.set_random_seed(args.seed)
    length = 4000 if args.quick else 8000
    train = data.audio_segments(
        data.load_speech("train"), 2000, hop=1000, min_rms=0.01
    )
    codes = data.mu_law_encode(np.clip(train, -1, 1))[..., None]
    test = data.audio_segments(data.load_speech("test"), length)
    if args.quick:
        test = test[:4]
    test_codes = data.mu_law_encode(np.clip(test, -1, 1))[..., None]
    model = WaveNet(
        (2000, 1), head="mu_law", residual_channels=32, skip_channels=64,
        num_stacks=2, layers_per_stack=8,
    )  # fmt: skip
    model.compile(optimizer="adam")
    start = time.perf_counter()
    model.fit(
        codes, batch_size=16, epochs=1000, verbose=2,
        callbacks=[time_limit(args.budget)],
    )  # fmt: skip
    train_s = time.perf_counter() - start
    ours = code_with_model(model, test_codes, args.block_size)
    raw = test_codes.astype("uint8").tobytes()
    others = {k: f(raw) for k, f in byte_compressors().items()}
    flac = flac_size(test_codes)
    if flac is not None:
        others["FLAC -8 (8-bit PCM of the codes)"] = flac
    others["raw 8-bit"] = len(raw)
    results["speech"] = {
        "train_s": train_s,
        "params": model.count_params(),
        "windows": len(test_codes),
        "window_samples": length,
        "keras_ar": ours,
        "rows": table(
            "8 kHz speech (mu-law codes)", test_codes.size, ours, others,
            "sample",
        ),
    }  # fmt: skip


def run_text(args, results):
    import tempfile

    import keras

    from keras_ar import data
    from keras_ar.compression import files

    model = keras.saving.load_model(args.text)
    raw = data.load_text("shakespeare", "test").tobytes()
    folder = tempfile.mkdtemp()
    plays = os.path.join(folder, "plays.txt")
    with open(plays, "wb") as f:
        f.write(raw)
    windows, meta = files._text_values(model, plays)
    start = time.perf_counter()
    nll = -model.log_prob(windows, batch_size=32) / math.log(2)
    score_s = time.perf_counter() - start
    # The padding (a few newlines at the end) is coded too: count it in
    # the NLL so that the overhead is the stream's alone.
    packed = os.path.join(folder, "plays.kar")
    start = time.perf_counter()
    stats = files.compress_file(model, plays, packed, progress=True)
    encode_s = time.perf_counter() - start
    start = time.perf_counter()
    files.decompress_file(model, packed, os.path.join(folder, "back.txt"))
    decode_s = time.perf_counter() - start
    with open(os.path.join(folder, "back.txt"), "rb") as f:
        exact = f.read() == raw
    assert exact, "decompress did not give the file back"
    ours = {
        "bytes": stats["compressed_bytes"],
        "nll_bits": float(np.sum(nll)),
        "blocks": 1,
        "exact": exact,
        "windows": int(len(windows)),
        "window_bytes": int(windows.shape[1]),
        "padding_bytes": int(windows.size - meta["length"]),
        "encode_per_s": len(raw) / encode_s,
        "decode_per_s": len(raw) / decode_s,
        "log_prob_s": score_s,
    }
    others = {k: f(raw) for k, f in byte_compressors().items()}
    others["raw 8-bit"] = len(raw)
    results["text"] = {
        "model": os.path.abspath(args.text),
        "params": model.count_params(),
        "receptive_field": model.receptive_field,
        "keras_ar": ours,
        "rows": table(
            "three held-out Shakespeare plays (bytes)", len(raw), ours,
            others, "char",
        ),
    }  # fmt: skip


def main(argv=None):
    args = parse_args(argv)
    results = results_header(vars(args))
    results["images"] = {}
    for name in args.datasets.split(","):
        if name:
            run_images(args, name, results)
    if args.speech:
        run_speech(args, results)
    if args.text:
        run_text(args, results)
    name = "compression_quick" if args.quick else "compression"
    if args.text and not results["images"] and not args.speech:
        name = "compression_text"
    write_results(results, name)


if __name__ == "__main__":
    main()
