"""`keras-ar train pixelsnail`: images -> bits/dim, samples, SavedModel."""

from keras_ar.cli.image_trainer import ImageTrainer


class PixelSNAILTrainer(ImageTrainer):
    """PixelSNAIL (causal convolutions and causal self-attention). The
    defaults are small for CPUs; pytorch-generative's MNIST model is
    `--filters 64 --blocks 8 --resnets 2 --key-dim 4 --value-dim 32`."""

    name = "pixelsnail"
    model_class = "PixelSNAIL"
    default_out = "runs/pixelsnail"

    def add_network_arguments(self, parser):
        parser.add_argument(
            "--filters", type=int, default=16, help="residual channels"
        )
        parser.add_argument(
            "--blocks", type=int, default=2, help="PixelSNAIL blocks"
        )
        parser.add_argument(
            "--resnets",
            type=int,
            default=1,
            help="gated resnet blocks per PixelSNAIL block",
        )
        parser.add_argument(
            "--heads", type=int, default=1, help="attention heads"
        )
        parser.add_argument(
            "--key-dim", type=int, default=4, help="query/key size per head"
        )
        parser.add_argument(
            "--value-dim", type=int, default=8, help="value size per head"
        )
        parser.add_argument(
            "--dropout",
            type=float,
            default=0.0,
            help="dropout rate of the gated resnet blocks",
        )

    def network_kwargs(self, args):
        return dict(
            filters=args.filters,
            num_blocks=args.blocks,
            num_resnet=args.resnets,
            num_heads=args.heads,
            key_dim=args.key_dim,
            value_dim=args.value_dim,
            dropout=args.dropout,
        )

    def build_model(self, args, data):
        # From its module: works whether or not `keras_ar.models` exports
        # the class.
        from keras_ar.models.pixelsnail import PixelSNAIL

        info = data.extra["info"]
        return PixelSNAIL(
            info.image_shape,
            head=info.num_pixel_values,
            condition_classes=info.num_labels if args.conditional else None,
            **self.network_kwargs(args),
        )


TRAINER = PixelSNAILTrainer()
add_arguments = TRAINER.add_arguments
run = TRAINER.run
