"""MADEBackbone: masked dense layers over a flattened event."""

import math

import keras
import numpy as np
from keras import ops

from keras_ar.layers.made_masks import made_degree_sets
from keras_ar.layers.masked_dense import MaskedDense
from keras_ar.utils import validation

#: The constructor arguments, as stored in the config.
CONFIG_KEYS = (
    "event_shape params_size hidden_units activation num_masks order "
    "order_agnostic connectivity_agnostic hidden_degrees direct_connections "
    "condition_classes unit_inputs seed"
).split()


@keras.saving.register_keras_serializable(package="keras_ar")
class MADEBackbone(keras.layers.Layer):
    """MADE's network: a dense autoencoder made autoregressive by masks.

    The event (scaled by the head) is flattened to `D` values. Each value
    gets a degree `1..D` (its place in the ordering), each hidden unit a
    degree in `[1, D - 1]`; the `MaskedDense` layers connect a hidden unit
    only to units of lower or equal degree and an output only to units of
    strictly lower degree, so the `params_size` features of value `d`
    depend only on the values before `d` in the ordering.

    The layers hold `num_masks` degree assignments (non-trainable weights,
    saved with the model): mask 0 uses `order` and the `hidden_degrees`
    rule, masks `1..K-1` draw new orderings (`order_agnostic`) and/or new
    hidden degrees (`connectivity_agnostic`). `call` uses mask 0, or a
    random mask per training step. A class condition (one-hot) reaches
    every hidden and output unit, unmasked.

    Fast generation (`build_cache` / `step`): the first hidden layer's
    pre-activation is a running sum (each step adds the masked kernel row
    of the value just written: `O(H1)`), the other hidden layers are
    recomputed, and the output layer only for the position being written
    (its columns and mask). Example `b` may use its own mask
    (`component[b]`), as a MADE ensemble samples its mixture.

    Reference: Germain, Gregor, Murray & Larochelle, "MADE: Masked
    Autoencoder for Distribution Estimation", ICML 2015.

    Args:
        event_shape: shape of one example.
        params_size: features per value (the head's `params_size`).
        hidden_units: widths of the hidden layers (may be empty).
        activation: hidden activation.
        num_masks: `K`, the number of degree assignments.
        order: mask 0's ordering: `"natural"`, `"reversed"`, `"random"` or
            a permutation of `range(D)` (the values in modelling order).
        order_agnostic: masks `1..K-1` draw random orderings.
        connectivity_agnostic: masks `1..K-1` draw random hidden degrees
            (default: `True` when `K > 1` and not `order_agnostic`).
        hidden_degrees: `"equal"` or `"random"`, mask 0's hidden degrees.
        direct_connections: add masked input-to-output connections.
        condition_classes: classes of a class condition, or `None`.
        unit_inputs: map the head's `[-1, 1]` inputs to `[0, 1]`.
        seed: seed of the masks and of the training-time mask draws.
        **kwargs: `keras.layers.Layer` arguments.

    Example:

    >>> import numpy as np
    >>> backbone = MADEBackbone((4,), params_size=1, hidden_units=(8,),
    ...                         order="reversed")
    >>> backbone.input_degrees().tolist()
    [4, 3, 2, 1]
    >>> tuple(backbone(np.zeros((2, 4), "float32")).shape)
    (2, 4)
    """

    def __init__(
        self,
        event_shape,
        params_size,
        hidden_units=(500,),
        activation="relu",
        num_masks=1,
        order="natural",
        order_agnostic=False,
        connectivity_agnostic=None,
        hidden_degrees="equal",
        direct_connections=False,
        condition_classes=None,
        unit_inputs=False,
        seed=0,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.event_shape = validation.check_event_shape(event_shape)
        self.params_size = validation.check_positive_int(
            params_size, "params_size"
        )
        self.hidden_units = tuple(
            validation.check_positive_int(u, "hidden_units")
            for u in hidden_units
        )
        self.activation = activation
        self.num_masks = validation.check_positive_int(num_masks, "num_masks")
        if connectivity_agnostic is None:
            connectivity_agnostic = self.num_masks > 1 and not order_agnostic
        self.order_agnostic = bool(order_agnostic)
        self.connectivity_agnostic = bool(connectivity_agnostic)
        self.order = order if isinstance(order, str) else list(map(int, order))
        self.hidden_degrees = hidden_degrees
        self.direct_connections = bool(direct_connections)
        self.condition_classes = validation.check_optional_positive_int(
            condition_classes, "condition_classes"
        )
        self.unit_inputs = bool(unit_inputs)
        self.seed = int(seed)
        self.num_dims = math.prod(self.event_shape)
        self._make_layers()
        self.mask_seed_generator = keras.random.SeedGenerator(self.seed)

    def _make_layers(self):
        stacked = made_degree_sets(
            self.num_dims,
            self.hidden_units,
            self.num_masks,
            self.order,
            self.order_agnostic,
            self.connectivity_agnostic,
            self.hidden_degrees,
            self.seed,
        )
        out_degrees = np.repeat(stacked[0], self.params_size, axis=1)
        policy = self.dtype_policy
        common = dict(condition_size=self.condition_classes, dtype=policy)
        self.hidden_layers = [
            MaskedDense(
                units,
                stacked[i],
                stacked[i + 1],
                activation=self.activation,
                name=f"hidden_{i}",
                **common,
            )
            for i, units in enumerate(self.hidden_units)
        ]
        self.output_layer = MaskedDense(
            self.num_dims * self.params_size,
            stacked[-1],
            out_degrees,
            strict=True,
            name="output",
            **common,
        )
        self.direct_layer = None
        if self.direct_connections and self.hidden_units:
            self.direct_layer = MaskedDense(
                self.num_dims * self.params_size,
                stacked[0],
                out_degrees,
                strict=True,
                use_bias=False,
                name="direct",
                dtype=policy,
            )

    def build(self, input_shape=None):
        width = self.num_dims
        for layer in self.hidden_layers:
            layer.build((None, width))
            width = layer.units
        self.output_layer.build((None, width))
        if self.direct_layer is not None:
            self.direct_layer.build((None, self.num_dims))
        self.built = True

    @property
    def first_layer(self):
        """The layer that reads the inputs (and holds their degrees)."""
        return (self.hidden_layers or [self.output_layer])[0]

    def input_degrees(self, mask_index=0):
        """Degrees `1..D` of the flat input values under a mask (NumPy)."""
        if not self.built:
            self.build()
        degrees = ops.convert_to_numpy(self.first_layer.input_degrees)
        return degrees[mask_index].astype("int32")

    def network_inputs(self, inputs):
        """The head-scaled event as the first layer sees it, `(batch, D)`."""
        x = ops.reshape(
            ops.cast(inputs, self.compute_dtype), (-1, self.num_dims)
        )
        if self.unit_inputs:  # exact: -1 -> 0 and 1 -> 1
            x = ops.multiply(ops.add(x, 1.0), 0.5)
        return x

    def _one_hot(self, condition):
        if self.condition_classes is None:
            return None
        ids = ops.reshape(ops.cast(condition["condition"], "int32"), (-1,))
        return ops.one_hot(
            ids, self.condition_classes, dtype=self.compute_dtype
        )

    def call(self, inputs, condition=None, training=None, mask_index=None):
        """Features `(batch,) + event_shape[:-1] + (C * params_size,)`.

        Args:
            inputs: the head-scaled event `(batch,) + event_shape`.
            condition: `{"condition": class ids (batch,)}` or `None`.
            training: draw a random mask (`num_masks > 1`).
            mask_index: int or scalar tensor: use this mask.
        """
        if mask_index is None:
            mask_index = 0
            if training and self.num_masks > 1:
                mask_index = keras.random.randint(
                    (),
                    0,
                    self.num_masks,
                    dtype="int32",
                    seed=self.mask_seed_generator,
                )
        x = self.network_inputs(inputs)
        one_hot = self._one_hot(condition)
        h = x
        for layer in self.hidden_layers:
            h = layer(h, condition=one_hot, mask_index=mask_index)
        out = self.output_layer(h, condition=one_hot, mask_index=mask_index)
        if self.direct_layer is not None:
            out = ops.add(out, self.direct_layer(x, mask_index=mask_index))
        shape = (-1,) + self.event_shape[:-1]
        size = self.event_shape[-1] * self.params_size
        return ops.reshape(out, shape + (size,))

    def orderings(self, component):
        """`(batch, D)` int32: example `b`'s flat positions in the order
        of mask `component[b]` (first modelled first)."""
        degrees = ops.take(self.first_layer.input_degrees, component, axis=0)
        return ops.cast(ops.argsort(degrees, axis=-1), "int32")

    def build_cache(self, component, condition=None):
        """The running state of `step`: `"hidden"`, the first hidden
        layer's pre-activation with no value written yet (bias and
        condition), and `"output"`, the output layer's bias and condition
        terms `(batch, D, params_size)`."""
        batch = ops.shape(component)[0]
        one_hot = self._one_hot(condition)
        terms = self.output_layer.unmasked_terms(one_hot)
        shape = (batch, self.num_dims, self.params_size)
        cache = {
            "output": ops.broadcast_to(
                ops.reshape(terms, (-1,) + shape[1:]), shape
            )
        }
        if self.hidden_layers:
            first = self.hidden_layers[0]
            terms = first.unmasked_terms(one_hot, self.variable_dtype)
            cache["hidden"] = ops.broadcast_to(terms, (batch, first.units))
        return cache

    def step(self, inputs, cache, index, order, component, size, condition):
        """`(features (batch, params_size), cache)` of the value example
        `b` writes at step `index` (scalar tensor): position `order[b,
        index]` under mask `component[b]` (in `[0, size)`, `size` static).
        `inputs` is the head-scaled event, final before the step in each
        example's `order` (from `orderings`); `cache` from `build_cache`
        or the previous step; `condition` as in `call`."""
        x = self.network_inputs(inputs)
        cache = dict(cache)
        h = x
        if self.hidden_layers:
            first = self.hidden_layers[0]
            previous = ops.take(order, ops.maximum(index - 1, 0), axis=1)
            value = ops.take_along_axis(x, ops.expand_dims(previous, 1), 1)
            update = first.row_pre_activation(value[:, 0], previous, component)
            update = ops.where(ops.greater(index, 0), update, 0.0)
            cache["hidden"] = ops.add(cache["hidden"], update)
            h = first.activation(ops.cast(cache["hidden"], self.compute_dtype))
            one_hot = self._one_hot(condition)
            for layer in self.hidden_layers[1:]:
                h = layer.call_per_example(h, component, size, one_hot)
        position = ops.take(order, index, axis=1)
        width = self.params_size
        out = self.output_layer.group_pre_activation(
            h, position, width, component
        )
        row = ops.broadcast_to(
            ops.reshape(position, (-1, 1, 1)), (ops.shape(out)[0], 1, width)
        )
        terms = ops.take_along_axis(cache["output"], row, axis=1)[:, 0]
        out = ops.add(out, ops.cast(terms, self.compute_dtype))
        if self.direct_layer is not None:
            out = ops.add(
                out,
                self.direct_layer.group_pre_activation(
                    x, position, width, component
                ),
            )
        return out, cache

    def get_config(self):
        config = super().get_config()
        config.update({name: getattr(self, name) for name in CONFIG_KEYS})
        config["event_shape"] = list(self.event_shape)
        config["hidden_units"] = list(self.hidden_units)
        return config
