"""`keras-ar train pixelcnn`: images -> bits/dim, samples, SavedModel."""

from keras_ar.cli.image_trainer import ImageTrainer


class PixelCNNTrainer(ImageTrainer):
    """PixelCNN (masked convolutions, residual blocks)."""

    name = "pixelcnn"
    model_class = "PixelCNN"
    default_out = "runs/pixelcnn"

    def add_network_arguments(self, parser):
        parser.add_argument("--filters", type=int, default=32)
        parser.add_argument("--blocks", type=int, default=3)
        parser.add_argument("--output-filters", type=int, default=64)

    def network_kwargs(self, args):
        return dict(
            filters=args.filters,
            num_residual_blocks=args.blocks,
            output_filters=args.output_filters,
        )


TRAINER = PixelCNNTrainer()
add_arguments = TRAINER.add_arguments
run = TRAINER.run
