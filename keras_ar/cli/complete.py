"""`keras-ar complete`: fill masked test images with a saved image model."""

import time

from keras_ar.cli.common import echo
from keras_ar.cli.common import load_model

MASK_HELP = (
    "unknown area: bottom-half, right-half, center or random-P (each pixel "
    "unknown with probability P percent). Pixels are sampled in the "
    "model's raster order, each given every pixel before it: known pixels "
    "after an unknown one are kept but do not inform it (bottom-half is "
    "the exact conditional)"
)


def add_arguments(parser):
    parser.add_argument("model_path", help="a .keras image model")
    parser.add_argument(
        "--data",
        required=True,
        help="dataset of the images to complete (mnist, binarized_mnist, "
        "fashion_mnist, digits); values must suit the model's head",
    )
    parser.add_argument("--split", default="test")
    parser.add_argument("--mask", default="bottom-half", help=MASK_HELP)
    parser.add_argument("--num", type=int, default=8, help="images")
    parser.add_argument(
        "--samples", type=int, default=4, help="completions per image"
    )
    parser.add_argument("--out", default="completions.png")
    parser.add_argument(
        "--start", type=int, default=0, help="index of the first image"
    )
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--temperature", type=float, default=1.0)
    parser.add_argument(
        "--npy", default=None, help="also save the completions as .npy"
    )


def run(args):
    import numpy as np

    from keras_ar.cli.image_trainer import load_images
    from keras_ar.tasks import complete_images
    from keras_ar.tasks import completion_mask
    from keras_ar.utils import save_completion_grid
    from keras_ar.utils import validation

    model = load_model(args.model_path)
    if len(model.event_shape) != 3:
        raise ValueError(
            "`keras-ar complete` needs an image model (event_shape "
            f"(height, width, channels)). Received a "
            f"{model.__class__.__name__} with event_shape {model.event_shape}."
        )
    num = validation.check_positive_int(args.num, "--num")
    start = validation.check_non_negative_int(args.start, "--start")
    _, images, labels = load_images(args.data, args.split, start + num)
    images, labels = images[start:], labels[start:]
    if len(images) < num:
        raise ValueError(
            f"--start {start} --num {num} needs {start + num} images; "
            f"the {args.data} {args.split} split has {start + len(images)}."
        )
    if tuple(images.shape[1:]) != tuple(model.event_shape):
        raise ValueError(
            f"The model takes images of shape {model.event_shape}; "
            f"{args.data} has {tuple(images.shape[1:])}."
        )
    known = completion_mask(args.mask, images.shape[1:], num, seed=0)
    condition = labels if model.is_conditional else None
    began = time.time()
    filled = complete_images(
        model,
        images,
        known,
        samples=args.samples,
        condition=condition,
        seed=args.seed,
        temperature=args.temperature,
        progress=True,
    )
    echo(
        f"completed {num} images x {args.samples} samples "
        f"({args.mask}, {int((~known).sum())} unknown pixels) in "
        f"{time.time() - began:.1f}s"
    )
    save_completion_grid(
        args.out, images, known, filled, model.head.value_range[1]
    )
    echo(
        f"wrote {args.out} (each row: original, masked input, "
        f"{args.samples} completions)"
    )
    if args.npy:
        np.save(args.npy, filled)
        echo(f"wrote {args.npy}")
    return 0
