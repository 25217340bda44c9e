"""`keras-ar train pixelrnn`: images -> bits/dim, samples, SavedModel."""

from keras_ar.cli.image_trainer import ImageTrainer


class PixelRNNTrainer(ImageTrainer):
    """PixelRNN with Row LSTM or Diagonal BiLSTM layers."""

    name = "pixelrnn"
    model_class = "PixelRNN"
    default_out = "runs/pixelrnn"

    def add_network_arguments(self, parser):
        parser.add_argument(
            "--cell",
            choices=("row", "diagonal"),
            default="row",
            help="Row LSTM (faster) or Diagonal BiLSTM (full context)",
        )
        parser.add_argument("--hidden", type=int, default=16)
        parser.add_argument("--layers", type=int, default=2)
        parser.add_argument("--output-filters", type=int, default=32)

    def network_kwargs(self, args):
        return dict(
            cell=args.cell,
            hidden_units=args.hidden,
            num_layers=args.layers,
            output_filters=args.output_filters,
        )


TRAINER = PixelRNNTrainer()
add_arguments = TRAINER.add_arguments
run = TRAINER.run
