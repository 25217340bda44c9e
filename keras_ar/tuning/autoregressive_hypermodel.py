"""AutoregressiveHyperModel: what keras_ar's hypermodels share."""

import keras
import keras_tuner

from keras_ar.heads import DistributionHead
from keras_ar.heads import get_head

#: Default range of the learning rate, sampled on a log scale.
LEARNING_RATE_RANGE = (1e-4, 1e-2)

#: Default numbers of components of a mixture head.
NUM_COMPONENTS = (3, 5, 10)


class AutoregressiveHyperModel(keras_tuner.HyperModel):
    """A `keras_tuner.HyperModel` of one keras_ar model class.

    `build(hp)` returns a compiled model (Adam, the model's own loss: the
    mean negative log-likelihood) whose constructor arguments come from
    the search space: `search_space()` maps each argument name to its
    candidate values (one value fixes it), plus `learning_rate` (log
    sampled in `LEARNING_RATE_RANGE`) and, when the head is a mixture
    (`"logistic_mixture"`, `"mixture_of_gaussians"`), `num_components`.
    Hyperparameters are named after the model's arguments. The tuner's
    objective is `val_bits_per_dim` (`keras_ar.tuning.OBJECTIVE`).

    Subclasses set `model_class` (a class of `keras_ar.models`) and
    `default_space()`; `model_kwargs(values)` turns the chosen values into
    constructor arguments (identity by default).

    Args:
        event_shape: shape of one example, as the model takes it.
        head: the model's head (anything `keras_ar.heads.get_head`
            accepts; `None` for the model's default). A mixture head gets a
            tuned `num_components`.
        search_space: optional dict overriding candidate values: name ->
            a list of values (a single value fixes it), e.g.
            `{"filters": [16, 32], "learning_rate": [1e-3]}`. Names must be
            in `search_space()`.
        condition_classes: classes of a class condition, or `None`.
        jit_compile: passed to `compile` (`"auto"`, `True` or `False`).
        name: the hypermodel's name.
        tunable: whether the hyperparameters are tunable (KerasTuner).

    Example:

    >>> import keras_tuner
    >>> class TinyNADE(AutoregressiveHyperModel):
    ...     model_class = "NADE"
    ...     def default_space(self):
    ...         return {"hidden_units": (4, 8)}
    >>> hp = keras_tuner.HyperParameters()
    >>> model = TinyNADE((5,)).build(hp)
    >>> model.hidden_units, sorted(hp.values)
    (4, ['hidden_units', 'learning_rate'])
    """

    #: Name of the model class in `keras_ar.models`.
    model_class = None

    def __init__(
        self,
        event_shape,
        head=None,
        search_space=None,
        condition_classes=None,
        jit_compile="auto",
        name=None,
        tunable=True,
    ):
        super().__init__(name=name, tunable=tunable)
        self.event_shape = tuple(event_shape)
        self.head = head
        self.condition_classes = condition_classes
        self.jit_compile = jit_compile
        known = self.search_space()
        overrides = {}
        for key, values in (search_space or {}).items():
            if key not in known and key != "learning_rate":
                raise ValueError(
                    f"{self.__class__.__name__} has no hyperparameter "
                    f"{key!r}; expected one of "
                    f"{sorted([*known, 'learning_rate'])}. Received: "
                    f"search_space={search_space!r}"
                )
            if not isinstance(values, (list, tuple)):
                values = [values]
            if not values:
                raise ValueError(
                    f"`search_space[{key!r}]` must list at least one value. "
                    f"Received: {values!r}"
                )
            overrides[key] = tuple(values)
        self.overrides = overrides

    def default_space(self):
        """Argument name -> candidate values (subclasses)."""
        raise NotImplementedError

    def mixture_head(self):
        """The head as an instance if it has `num_components`, else
        `None`."""
        if self.head is None:
            return None
        head = get_head(self.head)
        return head if hasattr(head, "num_components") else None

    def search_space(self):
        """Every tuned name (but `learning_rate`) -> candidate values,
        overrides included.

        Returns:
            A dict, in the order the hyperparameters are declared.
        """
        space = dict(self.default_space())
        if self.mixture_head() is not None:
            space["num_components"] = NUM_COMPONENTS
        space.update(
            (k, v)
            for k, v in getattr(self, "overrides", {}).items()
            if k != "learning_rate"
        )
        return space

    def model_kwargs(self, values):
        """Constructor arguments from the chosen `values` (a dict)."""
        return values

    def build(self, hp):
        """Returns a compiled model of the trial's hyperparameters `hp`."""
        import keras_ar.models

        values = {
            name: _declare(hp, name, candidates)
            for name, candidates in self.search_space().items()
        }
        if "learning_rate" in self.overrides:
            learning_rate = _declare(
                hp, "learning_rate", self.overrides["learning_rate"]
            )
        else:
            low, high = LEARNING_RATE_RANGE
            learning_rate = hp.Float("learning_rate", low, high, sampling="log")
        head = self._trial_head(values.pop("num_components", None))
        cls = getattr(keras_ar.models, self.model_class)
        kwargs = dict(self.model_kwargs(values))
        if head is not None:
            kwargs["head"] = head
        if self.condition_classes is not None:
            kwargs["condition_classes"] = self.condition_classes
        model = cls(self.event_shape, **kwargs)
        model.compile(
            optimizer=keras.optimizers.Adam(learning_rate),
            jit_compile=self.jit_compile,
        )
        return model

    def _trial_head(self, num_components):
        """A new head for one trial (a head instance is never shared
        between models)."""
        if num_components is not None:
            head = self.mixture_head()
            config = {**head.get_config(), "num_components": num_components}
            return type(head).from_config(config)
        if isinstance(self.head, DistributionHead):
            return type(self.head).from_config(self.head.get_config())
        return self.head


def _declare(hp, name, candidates):
    """`hp.Fixed` for one candidate, `hp.Boolean` for `False` and `True`
    (`hp.Choice` would turn them into 0 and 1), else `hp.Choice` (ordered
    for numbers)."""
    candidates = list(candidates)
    if len(candidates) == 1:
        return hp.Fixed(name, candidates[0])
    if (
        all(isinstance(c, bool) for c in candidates)
        and len(set(candidates)) == 2
    ):
        return hp.Boolean(name, default=candidates[0])
    return hp.Choice(name, candidates)
