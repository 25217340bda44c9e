"""What a `keras-ar train` trainer gives the shared pipeline."""

import dataclasses


@dataclasses.dataclass
class TrainingData:
    """The data of one training run, as a trainer's `load_data` gives it.

    Attributes:
        name: the dataset's name.
        x_train: training events `(n,) + event_shape`.
        x_test: held-out events, scored after training.
        train_condition: condition of each training event, or `None`.
        test_condition: condition of each held-out event, or `None`.
        example: what one event is called ("image", "window").
        value: what one value is called ("dim", "sample", "char").
        summary: the line printed once the data is loaded.
        extra: anything else the trainer needs later (sample rate, ...).
    """

    name: str
    x_train: object
    x_test: object
    train_condition: object = None
    test_condition: object = None
    example: str = "example"
    value: str = "dim"
    summary: str = ""
    extra: dict = dataclasses.field(default_factory=dict)


def fit_inputs(x, condition):
    """Events, or a dict with their condition, as `fit` takes them."""
    return x if condition is None else {"x": x, "condition": condition}
