"""`keras-ar train made --csv data.csv`: a MADE density model of a table."""

from keras_ar.cli.train_tabular import TabularTrainer


def _units(text):
    try:
        units = tuple(int(u) for u in str(text).split(",") if u.strip())
    except ValueError:
        units = ()
    if not units or min(units) < 1:
        raise ValueError(
            "--hidden-units must be comma-separated positive ints, e.g. "
            f"64,64. Received: {text!r}"
        )
    return units


class MADETrainer(TabularTrainer):
    """MADE (Germain et al. 2015) on the numeric columns of a CSV."""

    name = "made"
    model_class = "MADE"
    default_out = "runs/made"

    def add_network_arguments(self, parser):
        parser.add_argument(
            "--hidden-units",
            default="64,64",
            help="widths of the hidden layers, comma-separated",
        )
        parser.add_argument(
            "--num-masks",
            type=int,
            default=1,
            help="masks trained and ensembled (order-agnostic when > 1)",
        )

    def network_kwargs(self, args):
        return dict(
            hidden_units=_units(args.hidden_units),
            num_masks=args.num_masks,
            order_agnostic=args.num_masks > 1,
            seed=args.seed,
        )


TRAINER = MADETrainer()
add_arguments = TRAINER.add_arguments
run = TRAINER.run
