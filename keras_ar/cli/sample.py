"""`keras-ar sample`: draw samples from a saved model."""

import time

from keras_ar.cli.common import echo
from keras_ar.cli.common import load_model


def add_arguments(parser):
    parser.add_argument("model_path", help="a .keras file")
    parser.add_argument("--num", type=int, default=16)
    parser.add_argument(
        "--out",
        default="samples.png",
        help=(
            "a PNG grid (images); for a WaveNet, NAME.wav writes one WAV "
            "per sample (NAME_0.wav, ...; mu-law heads) and NAME.txt the "
            "samples as text (byte-level models)"
        ),
    )
    parser.add_argument(
        "--sample-rate",
        type=int,
        default=8000,
        help="sample rate of written WAV files",
    )
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--temperature", type=float, default=1.0)
    parser.add_argument("--condition", type=int, default=None, help="class id")
    parser.add_argument(
        "--length",
        type=int,
        default=None,
        help="steps per sequence (WaveNet; default: its training length)",
    )
    parser.add_argument(
        "--npy", default=None, help="also save the samples as .npy"
    )


def run(args):
    import numpy as np

    from keras_ar.utils import save_image_grid

    model = load_model(args.model_path)
    condition = None
    if model.is_conditional:
        label = 0 if args.condition is None else args.condition
        condition = np.full((args.num,), label)
    kwargs = {}
    if args.length is not None:
        if not hasattr(model, "receptive_field"):
            raise ValueError(
                "--length applies to sequence models (WaveNet). Received a "
                f"{model.__class__.__name__}."
            )
        kwargs["length"] = args.length
    start = time.time()
    samples = model.sample(
        args.num,
        condition=condition,
        seed=args.seed,
        temperature=args.temperature,
        progress=True,
        **kwargs,
    )
    echo(f"sampled {args.num} in {time.time() - start:.1f}s")
    if len(model.event_shape) == 3 and model.event_shape[-1] in (1, 3):
        save_image_grid(samples, args.out, model.head.value_range[1])
        echo(f"wrote {args.out}")
    elif args.out.endswith(".wav"):
        _write_wavs(model, samples, args.out, args.sample_rate)
    elif args.out.endswith(".txt"):
        from keras_ar.data import decode_text

        with open(args.out, "w", encoding="utf-8") as f:
            for row in samples:
                f.write(decode_text(row[..., 0]) + "\n\n")
        echo(f"wrote {args.out}")
    if args.npy:
        np.save(args.npy, samples)
        echo(f"wrote {args.npy}")
    return 0


def _write_wavs(model, samples, out, sample_rate):
    from keras_ar import data
    from keras_ar.heads import MuLawCategorical

    if not isinstance(model.head, MuLawCategorical):
        raise ValueError(
            "WAV output needs a model with a MuLawCategorical head. "
            f"Received a {model.head.__class__.__name__} head."
        )
    stem = out[: -len(".wav")]
    for i, codes in enumerate(samples):
        path = f"{stem}_{i}.wav"
        audio = data.mu_law_decode(codes[..., 0], mu=model.head.mu)
        data.write_wav(path, audio, sample_rate)
        echo(f"wrote {path}")
