"""`keras-ar train nade --csv data.csv`: a NADE density model of a table."""

from keras_ar.cli.train_tabular import TabularTrainer


class NADETrainer(TabularTrainer):
    """NADE / RNADE (Larochelle & Murray 2011; Uria et al. 2013) on the
    numeric columns of a CSV."""

    name = "nade"
    model_class = "NADE"
    default_out = "runs/nade"

    def add_network_arguments(self, parser):
        parser.add_argument(
            "--hidden-units", type=int, default=64, help="hidden units H"
        )

    def network_kwargs(self, args):
        return dict(hidden_units=args.hidden_units)


TRAINER = NADETrainer()
add_arguments = TRAINER.add_arguments
run = TRAINER.run
