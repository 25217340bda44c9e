"""`keras-ar train pixelcnn`: images -> bits/dim, samples, SavedModel."""

import math
import os
import time

from keras_ar.cli.common import add_export_arguments
from keras_ar.cli.common import echo
from keras_ar.cli.common import export_model
from keras_ar.cli.common import verbosity
from keras_ar.cli.common import write_json


def add_arguments(parser):
    parser.add_argument(
        "--data",
        default="mnist",
        help="mnist, binarized_mnist, fashion_mnist or digits",
    )
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--out", default="runs/pixelcnn")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument(
        "--train-size",
        type=int,
        default=10000,
        help="train on the first N training images (0 = all)",
    )
    parser.add_argument(
        "--test-size",
        type=int,
        default=0,
        help="score the first N test images (0 = all)",
    )
    parser.add_argument("--filters", type=int, default=32)
    parser.add_argument("--blocks", type=int, default=3)
    parser.add_argument("--output-filters", type=int, default=64)
    parser.add_argument("--learning-rate", type=float, default=1e-3)
    parser.add_argument(
        "--conditional",
        action="store_true",
        help="condition on the class label",
    )
    parser.add_argument("--num-samples", type=int, default=16)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--no-jit", action="store_true", help="train without XLA"
    )
    add_export_arguments(parser)


def load_images(name, split, limit):
    """`(DatasetInfo, images, labels)` of a registered image dataset."""
    from keras_ar import data

    info = data.dataset_info(name)
    images, labels = data.load(name, split=split)
    if limit:
        images, labels = images[:limit], labels[:limit]
    return info, images, labels


def run(args):
    import keras

    from keras_ar.models import PixelCNN
    from keras_ar.utils import save_history_plot
    from keras_ar.utils import save_image_grid

    keras.utils.set_random_seed(args.seed)
    os.makedirs(args.out, exist_ok=True)
    info, x_train, y_train = load_images(args.data, "train", args.train_size)
    _, x_test, y_test = load_images(args.data, "test", args.test_size)
    echo(
        f"data: {info.name} {info.image_shape}, {info.num_pixel_values} "
        f"values, {len(x_train)} train / {len(x_test)} test images"
    )
    model = PixelCNN(
        info.image_shape,
        head=info.num_pixel_values,
        filters=args.filters,
        num_residual_blocks=args.blocks,
        output_filters=args.output_filters,
        condition_classes=info.num_labels if args.conditional else None,
    )
    model.compile(
        optimizer=keras.optimizers.Adam(args.learning_rate),
        jit_compile=not args.no_jit,
    )
    echo(
        f"model: PixelCNN, {model.count_params():,} parameters, "
        f"head {model.head.__class__.__name__}"
    )

    def inputs(x, y):
        return {"image": x, "label": y} if args.conditional else x

    start = time.time()
    history = model.fit(
        inputs(x_train, y_train),
        epochs=args.epochs,
        batch_size=args.batch_size,
        verbose=verbosity(),
    )
    train_seconds = time.time() - start
    echo(f"scoring {len(x_test)} test images")
    log_prob = model.log_prob(
        x_test,
        condition=y_test if args.conditional else None,
        batch_size=256,
    )
    nll = float(-log_prob.mean())
    bpd = nll / (model.num_dims * math.log(2.0))
    echo(f"test NLL: {nll:.2f} nats, test bits/dim: {bpd:.4f}")

    start = time.time()
    condition = None
    if args.conditional:
        condition = [i % info.num_labels for i in range(args.num_samples)]
    echo(f"sampling {args.num_samples} images")
    samples = model.sample(
        args.num_samples, condition=condition, seed=0, progress=True
    )
    sample_seconds = time.time() - start
    grid = os.path.join(args.out, "samples.png")
    save_image_grid(samples, grid, info.max_value)
    echo(f"wrote {grid} ({args.num_samples} samples, {sample_seconds:.1f}s)")
    plot = save_history_plot(history, os.path.join(args.out, "training.png"))
    if plot:
        echo(f"wrote {plot}")
    model_path = os.path.join(args.out, "model.keras")
    model.save(model_path)
    echo(f"wrote {model_path}")
    export_path = export_model(model, args, f"pixelcnn_{info.name}")
    write_json(
        os.path.join(args.out, "metrics.json"),
        {
            "model": "pixelcnn",
            "data": info.name,
            "epochs": args.epochs,
            "train_images": len(x_train),
            "test_images": len(x_test),
            "parameters": model.count_params(),
            "test_nll_nats": nll,
            "test_bits_per_dim": bpd,
            "train_seconds": train_seconds,
            "train_images_per_second": len(x_train)
            * args.epochs
            / train_seconds,
            "sample_seconds": sample_seconds,
            "history": history.history,
            "saved_model": export_path,
        },
    )
    return 0
