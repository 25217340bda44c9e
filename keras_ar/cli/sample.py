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
        help="PNG grid (images), or the WAV/text file prefix (sequences)",
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
    if args.npy:
        np.save(args.npy, samples)
        echo(f"wrote {args.npy}")
    return 0
