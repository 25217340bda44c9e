"""`keras-ar augment`: class-conditional samples (and completions of
masked real images) written as a labelled image folder."""

import os
import time

from keras_ar.cli.common import echo
from keras_ar.cli.common import load_model
from keras_ar.cli.common import write_json


def add_arguments(parser):
    parser.add_argument("model_path", help="a class-conditional .keras model")
    parser.add_argument(
        "--per-class",
        type=int,
        required=True,
        help="samples of every class (0: completions only, with --complete)",
    )
    parser.add_argument("--out", required=True, help="the dataset folder")
    parser.add_argument(
        "--complete",
        default=None,
        metavar="DATA",
        help="also complete masked real images of this dataset (mnist, "
        "binarized_mnist, fashion_mnist, digits)",
    )
    parser.add_argument(
        "--complete-count",
        type=int,
        default=100,
        help="real images to complete (the first of --complete-split)",
    )
    parser.add_argument("--complete-split", default="train")
    parser.add_argument(
        "--mask",
        default="bottom_half",
        help="unknown area: bottom_half, right_half, center or random_P",
    )
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--temperature", type=float, default=1.0)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument(
        "--class-names",
        default=None,
        help="comma-separated folder name of each class (default: the ids)",
    )
    parser.add_argument(
        "--overwrite",
        action="store_true",
        help="write into a non-empty --out folder",
    )


def _completions(model, args):
    from keras_ar.augment import completions
    from keras_ar.cli.image_trainer import load_images

    _, images, labels = load_images(
        args.complete, args.complete_split, args.complete_count
    )
    if tuple(images.shape[1:]) != tuple(model.event_shape):
        raise ValueError(
            f"--complete {args.complete} has images of shape "
            f"{tuple(images.shape[1:])}; the model takes "
            f"{tuple(model.event_shape)}."
        )
    echo(f"completing {len(images)} {args.complete} images ({args.mask})")
    return completions(
        model,
        images,
        labels,
        mask=args.mask,
        seed=args.seed,
        temperature=args.temperature,
        batch_size=args.batch_size,
        progress=True,
    )


def run(args):
    import numpy as np

    from keras_ar.augment import class_conditional_samples
    from keras_ar.augment import write_image_dataset
    from keras_ar.augment.class_samples import class_count
    from keras_ar.utils import validation

    per_class = validation.check_non_negative_int(args.per_class, "--per-class")
    if per_class == 0 and not args.complete:
        raise ValueError(
            "Expected --per-class > 0 or --complete DATA. Received "
            "--per-class 0 and no --complete."
        )
    if args.complete:
        validation.check_positive_int(args.complete_count, "--complete-count")
    if os.path.isdir(args.out) and os.listdir(args.out) and not args.overwrite:
        raise ValueError(
            f"Expected an empty or new --out folder. {args.out!r} holds "
            "files (pass --overwrite to write into it)."
        )
    model = load_model(args.model_path)
    if len(model.event_shape) != 3:
        raise ValueError(
            "`keras-ar augment` needs an image model (event_shape (height, "
            f"width, channels)). Received a {model.__class__.__name__} with "
            f"event_shape {model.event_shape}."
        )
    names = args.class_names.split(",") if args.class_names else None
    parts, start = [], time.time()
    if per_class:
        classes = class_count(model)
        echo(f"sampling {per_class} images of each of {classes} classes")
        parts.append(
            class_conditional_samples(
                model,
                per_class,
                seed=args.seed,
                temperature=args.temperature,
                batch_size=args.batch_size,
                progress=True,
            )
        )
    if args.complete:
        parts.append(_completions(model, args))
    seconds = time.time() - start
    x = np.concatenate([p[0] for p in parts])
    y = np.concatenate([p[1] for p in parts])
    completed = np.zeros(len(x), bool)
    completed[len(x) - len(parts[-1][0]) :] = bool(args.complete)
    written = write_image_dataset(
        x,
        y,
        args.out,
        class_names=names,
        max_value=model.head.value_range[1],
        overwrite=True,
        extra={"completed": completed},
    )
    counts = ", ".join(f"{k}: {v}" for k, v in written["counts"].items())
    echo(
        f"wrote {len(x)} images to {args.out} in {seconds:.1f}s "
        f"({int(completed.sum())} completions; per class {counts})"
    )
    echo(f"wrote {written['npz']}")
    if written["preview"]:
        echo(f"wrote {written['preview']} (one row per class)")
    write_json(
        os.path.join(args.out, "augment.json"),
        {
            "model": os.path.abspath(args.model_path),
            "per_class": per_class,
            "completions": int(completed.sum()),
            "mask": args.mask if args.complete else None,
            "seed": args.seed,
            "temperature": args.temperature,
            "counts": written["counts"],
            "seconds": seconds,
        },
    )
    return 0
