"""`keras-ar train gated_pixelcnn`: images -> bits/dim, samples,
SavedModel."""

from keras_ar.cli.image_trainer import ImageTrainer


class GatedPixelCNNTrainer(ImageTrainer):
    """Gated PixelCNN (vertical and horizontal stacks, no blind spot)."""

    name = "gated_pixelcnn"
    model_class = "GatedPixelCNN"
    default_out = "runs/gated_pixelcnn"

    def add_network_arguments(self, parser):
        parser.add_argument("--filters", type=int, default=32)
        parser.add_argument("--layers", type=int, default=4)
        parser.add_argument("--output-filters", type=int, default=64)

    def network_kwargs(self, args):
        return dict(
            filters=args.filters,
            num_layers=args.layers,
            output_filters=args.output_filters,
        )


TRAINER = GatedPixelCNNTrainer()
add_arguments = TRAINER.add_arguments
run = TRAINER.run
