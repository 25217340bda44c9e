"""`keras-ar train wavenet`: speech or music (WAV out) or text."""

import os
import time

from keras_ar.cli.common import echo
from keras_ar.cli.pipeline import Trainer
from keras_ar.cli.training_data import TrainingData

AUDIO = ("speech", "music")
TEXT = ("shakespeare", "pydoc")


def _pick(windows, size, rng):
    if size and len(windows) > size:
        index = rng.choice(len(windows), size, replace=False)
        return windows[sorted(index)]
    return windows


def _audio_windows(name, split, length):
    import numpy as np

    from keras_ar import data

    loader = data.load_speech if name == "speech" else data.load_music
    clips = loader(split=split)
    windows = data.audio_segments(clips, length, min_rms=0.01)
    codes = data.mu_law_encode(np.clip(windows, -1.0, 1.0))
    return codes[..., None], data.SPEECH_SAMPLE_RATE


def _text_windows(name, split, length):
    from keras_ar import data

    text = data.load_text(name, split=split)
    count = len(text) // length
    return text[: count * length].reshape(count, length, 1).astype("int32")


class WaveNetTrainer(Trainer):
    """WaveNet on mu-law audio (WAV samples) or byte-level text."""

    name = "wavenet"
    speed_per = "value"
    score_batch_size = 32
    defaults = {"batch_size": 16, "num_samples": 2}

    def add_model_arguments(self, parser):
        parser.add_argument(
            "--data",
            default="speech",
            choices=AUDIO + TEXT,
            help=(
                "speech (Asterisk prompts, 8 kHz), music (Asterisk music on "
                "hold, 8 kHz): mu-law audio, writes WAV samples; "
                "shakespeare or pydoc: byte-level text, writes generated "
                "text"
            ),
        )
        parser.add_argument("--out", default=None, help="default runs/DATA")
        parser.add_argument(
            "--length",
            type=int,
            default=None,
            help="training window in steps (default 2048 audio, 256 text)",
        )
        parser.add_argument(
            "--train-size",
            type=int,
            default=None,
            help="training windows per epoch (default 1024 audio, 4096 "
            "text; 0 = all)",
        )
        parser.add_argument(
            "--test-size",
            type=int,
            default=128,
            help="held-out windows scored for the test NLL (0 = all)",
        )
        parser.add_argument("--residual-channels", type=int, default=32)
        parser.add_argument("--skip-channels", type=int, default=64)
        parser.add_argument("--stacks", type=int, default=2)
        parser.add_argument(
            "--layers", type=int, default=8, help="dilation layers per stack"
        )
        parser.add_argument(
            "--input-encoding",
            choices=("scaled", "one_hot"),
            default=None,
            help="how the network reads each value: scaled to [-1, 1] or "
            "one-hot (default: scaled for audio, one_hot for text)",
        )
        parser.add_argument(
            "--sample-seconds",
            type=float,
            default=1.0,
            help="length of each audio sample",
        )
        parser.add_argument(
            "--sample-chars",
            type=int,
            default=400,
            help="characters generated per text sample (prompt included)",
        )
        parser.add_argument(
            "--prompt", default="ROMEO:\n", help="text generation prompt"
        )
        parser.add_argument("--temperature", type=float, default=1.0)

    def output_dir(self, args):
        return args.out or os.path.join("runs", args.data)

    def load_data(self, args):
        import numpy as np

        rng = np.random.default_rng(args.seed)
        is_audio = args.data in AUDIO
        length = args.length or (2048 if is_audio else 256)
        extra = {"length": length}
        if is_audio:
            x_train, extra["rate"] = _audio_windows(args.data, "train", length)
            x_test, _ = _audio_windows(args.data, "test", length)
        else:
            x_train = _text_windows(args.data, "train", length)
            x_test = _text_windows(args.data, "test", length)
        train_size = args.train_size
        if train_size is None:
            train_size = 1024 if is_audio else 4096
        x_train = _pick(x_train, train_size, rng)
        x_test = _pick(x_test, args.test_size, rng)
        value = "sample" if is_audio else "char"
        return TrainingData(
            name=args.data,
            x_train=x_train,
            x_test=x_test,
            example="window",
            value=value,
            summary=(
                f"data: {args.data}, {len(x_train)} train / {len(x_test)} "
                f"test windows of {length} {value}s"
            ),
            extra=extra,
        )

    def build_model(self, args, data):
        from keras_ar.models import WaveNet

        return WaveNet(
            (data.extra["length"], 1),
            head="mu_law" if data.value == "sample" else 256,
            residual_channels=args.residual_channels,
            skip_channels=args.skip_channels,
            num_stacks=args.stacks,
            layers_per_stack=args.layers,
            input_encoding=args.input_encoding
            or ("scaled" if data.value == "sample" else "one_hot"),
        )

    def describe(self, model, args, data):
        return (
            f"model: WaveNet {args.stacks}x{args.layers} layers, "
            f"{model.input_encoding} inputs, receptive field "
            f"{model.receptive_field} {data.value}s, "
            f"{model.count_params():,} parameters"
        )

    def extra_metrics(self, model, args, data):
        return {
            "window": data.extra["length"],
            "receptive_field": model.receptive_field,
        }

    def write_samples(self, model, args, data, out):
        if data.value == "sample":
            return _write_audio(model, args, out, data)
        return _write_text(model, args, out)


def _write_audio(model, args, out, data):
    from keras_ar import data as datasets
    from keras_ar.utils import save_audio_plot

    rate = data.extra["rate"]
    steps = max(1, int(round(args.sample_seconds * rate)))
    echo(f"sampling {args.num_samples} x {steps} steps ({rate} Hz)")
    start = time.time()
    codes = model.sample(
        args.num_samples,
        length=steps,
        seed=args.seed,
        temperature=args.temperature,
        progress=True,
    )
    seconds = time.time() - start
    echo(
        f"sampled in {seconds:.1f}s "
        f"({args.num_samples * steps / seconds:,.0f} samples/s)"
    )
    audio = datasets.mu_law_decode(codes[..., 0])
    paths = []
    for i, clip in enumerate(audio):
        path = os.path.join(out, f"sample_{i}.wav")
        datasets.write_wav(path, clip, rate)
        paths.append(path)
        echo(f"wrote {path}")
    real = datasets.mu_law_decode(data.x_test[0, :, 0])
    plot = save_audio_plot(
        [*audio, real],
        rate,
        os.path.join(out, "samples.png"),
        titles=[f"sample {i}" for i in range(len(audio))]
        + ["held-out recording"],
    )
    if plot:
        echo(f"wrote {plot}")
    return {
        "sample_seconds": seconds,
        "samples_per_second": args.num_samples * steps / seconds,
        "wav": paths,
    }


def _write_text(model, args, out):
    import numpy as np

    from keras_ar import data

    prompt = data.encode_text(args.prompt)
    total = max(args.sample_chars, len(prompt) + 1)
    x = np.zeros((args.num_samples, total, 1), "int32")
    known = np.zeros(x.shape, bool)
    x[:, : len(prompt), 0] = prompt
    known[:, : len(prompt)] = True
    echo(f"generating {args.num_samples} x {total} characters")
    start = time.time()
    codes = model.complete(
        x, known, seed=args.seed, temperature=args.temperature, progress=True
    )
    seconds = time.time() - start
    texts = [data.decode_text(row[:, 0]) for row in codes]
    path = os.path.join(out, "samples.txt")
    with open(path, "w", encoding="utf-8") as f:
        for i, text in enumerate(texts):
            f.write(f"=== sample {i} ===\n{text}\n\n")
    for i, text in enumerate(texts):
        echo(f"--- sample {i} ---\n{text}")
    echo(f"wrote {path}")
    return {"sample_seconds": seconds, "samples_txt": path}


TRAINER = WaveNetTrainer()
add_arguments = TRAINER.add_arguments
run = TRAINER.run
