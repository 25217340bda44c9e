"""`ImageTrainer`: the `keras-ar train` pipeline for image models."""

import os
import time

from keras_ar.cli.common import echo
from keras_ar.cli.pipeline import Trainer
from keras_ar.cli.training_data import TrainingData


def load_images(name, split, limit):
    """`(DatasetInfo, images, labels)` of a registered image dataset."""
    from keras_ar import data

    info = data.dataset_info(name)
    images, labels = data.load(name, split=split)
    if limit:
        images, labels = images[:limit], labels[:limit]
    return info, images, labels


class ImageTrainer(Trainer):
    """An image model on a registered image dataset; samples as a PNG
    grid. Subclasses set `name`, `model_class` (in `keras_ar.models`) and
    `default_out`, and add their network's flags in `add_network_arguments`
    and `network_kwargs`."""

    model_class = None
    default_out = None
    defaults = {"batch_size": 64, "num_samples": 16}

    def add_model_arguments(self, parser):
        parser.add_argument(
            "--data",
            default="mnist",
            help="mnist, binarized_mnist, fashion_mnist or digits",
        )
        parser.add_argument("--out", default=self.default_out)
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
        self.add_network_arguments(parser)
        parser.add_argument(
            "--conditional",
            action="store_true",
            help="condition on the class label",
        )

    def load_data(self, args):
        info, x_train, y_train = load_images(
            args.data, "train", args.train_size
        )
        _, x_test, y_test = load_images(args.data, "test", args.test_size)
        return TrainingData(
            name=info.name,
            x_train=x_train,
            x_test=x_test,
            train_condition=y_train if args.conditional else None,
            test_condition=y_test if args.conditional else None,
            example="image",
            value="dim",
            summary=(
                f"data: {info.name} {info.image_shape}, "
                f"{info.num_pixel_values} values, {len(x_train)} train / "
                f"{len(x_test)} test images"
            ),
            extra={"info": info},
        )

    def add_network_arguments(self, parser):
        """The network's own flags (`--filters`, ...)."""
        raise NotImplementedError

    def network_kwargs(self, args):
        """The model's constructor arguments from those flags."""
        raise NotImplementedError

    def build_model(self, args, data):
        import keras_ar.models

        info = data.extra["info"]
        cls = getattr(keras_ar.models, self.model_class)
        return cls(
            info.image_shape,
            head=info.num_pixel_values,
            condition_classes=info.num_labels if args.conditional else None,
            **self.network_kwargs(args),
        )

    def describe(self, model, args, data):
        return (
            f"model: {model.__class__.__name__}, "
            f"{model.count_params():,} parameters, "
            f"head {model.head.__class__.__name__}"
        )

    def write_samples(self, model, args, data, out):
        from keras_ar.utils import save_image_grid

        info = data.extra["info"]
        condition = None
        if args.conditional:
            condition = [i % info.num_labels for i in range(args.num_samples)]
        echo(f"sampling {args.num_samples} images")
        start = time.time()
        samples = model.sample(
            args.num_samples, condition=condition, seed=args.seed, progress=True
        )
        seconds = time.time() - start
        grid = os.path.join(out, "samples.png")
        save_image_grid(samples, grid, info.max_value)
        echo(f"wrote {grid} ({args.num_samples} samples, {seconds:.1f}s)")
        return {"sample_seconds": seconds}
