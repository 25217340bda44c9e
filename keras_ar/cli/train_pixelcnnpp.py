"""`keras-ar train pixelcnnpp`: images -> bits/dim, samples, SavedModel."""

from keras_ar.cli.image_trainer import ImageTrainer


class PixelCNNPlusPlusTrainer(ImageTrainer):
    """PixelCNN++ (shifted convolutions, gated resnets, a U-net of
    resolutions). The head is PixelCNN++'s coupled discretized logistic
    mixture over the dataset's values (`--mixtures` components), or a
    Bernoulli for binary images (binarized MNIST). With weight norm (the
    default) the model is initialized from the first training batch
    (`initialize_from_data`). The defaults are small
    for CPUs; the paper's CIFAR-10 model is `--filters 160 --resnets 5
    --hierarchies 3 --mixtures 10 --dropout 0.5`."""

    name = "pixelcnnpp"
    model_class = "PixelCNNPlusPlus"
    default_out = "runs/pixelcnnpp"

    def add_network_arguments(self, parser):
        parser.add_argument(
            "--filters", type=int, default=16, help="channels of each stream"
        )
        parser.add_argument(
            "--resnets",
            type=int,
            default=1,
            help="gated resnet blocks per hierarchy",
        )
        parser.add_argument(
            "--hierarchies",
            type=int,
            default=2,
            help="resolutions (each half the size of the previous)",
        )
        parser.add_argument(
            "--mixtures",
            type=int,
            default=5,
            help="logistic mixture components (not for binary images)",
        )
        parser.add_argument(
            "--dropout",
            type=float,
            default=0.0,
            help="dropout rate of the gated resnets (the paper: 0.5)",
        )
        parser.add_argument(
            "--no-weight-norm",
            dest="weight_norm",
            action="store_false",
            help="plain convolutions (weight normalization is the default)",
        )

    def network_kwargs(self, args):
        return dict(
            filters=args.filters,
            num_resnet=args.resnets,
            num_hierarchies=args.hierarchies,
            num_logistic_mix=args.mixtures,
            dropout=args.dropout,
            weight_norm=args.weight_norm,
        )

    @staticmethod
    def head(args, num_values):
        """Bernoulli for binary images, else the coupled mixture."""
        from keras_ar.heads import DiscretizedLogisticMixture

        if num_values == 2:
            return "bernoulli"
        return DiscretizedLogisticMixture(
            args.mixtures, num_values=num_values, coupled=True
        )

    def build_model(self, args, data):
        # From its module: works whether or not `keras_ar.models` exports
        # the class.
        from keras_ar.models.pixelcnnpp import PixelCNNPlusPlus

        info = data.extra["info"]
        model = PixelCNNPlusPlus(
            info.image_shape,
            head=self.head(args, info.num_pixel_values),
            condition_classes=info.num_labels if args.conditional else None,
            **self.network_kwargs(args),
        )
        if model.weight_norm:
            # Weight norm's data-dependent init on the first batch.
            count = min(args.batch_size, len(data.x_train))
            condition = data.train_condition
            model.initialize_from_data(
                data.x_train[:count],
                None if condition is None else condition[:count],
            )
        return model


TRAINER = PixelCNNPlusPlusTrainer()
add_arguments = TRAINER.add_arguments
run = TRAINER.run
