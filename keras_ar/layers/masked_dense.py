"""MaskedDense and the MADE degree/mask helpers."""

import keras
import numpy as np
from keras import ops

HIDDEN_DEGREE_RULES = ("equal", "random")


def _rng(seed):
    if isinstance(seed, np.random.Generator):
        return seed
    return np.random.default_rng(seed)


def made_input_degrees(num_inputs, order="natural", seed=None):
    """Degrees `1..D` of the inputs: input `d` is modelled `degree[d]`-th.

    Args:
        num_inputs: `D`, the number of values.
        order: `"natural"` (0, 1, ..., D-1), `"reversed"`, `"random"` (a
            permutation drawn from `seed`) or a permutation of `range(D)`
            listing the values in the order they are modelled.
        seed: int or `numpy.random.Generator` for `"random"`.

    Returns:
        int32 array `(D,)`, a permutation of `1..D`.

    Example:

    >>> made_input_degrees(3, order=[2, 0, 1]).tolist()
    [2, 3, 1]
    """
    num_inputs = int(num_inputs)
    if isinstance(order, str):
        if order == "natural":
            order = np.arange(num_inputs)
        elif order == "reversed":
            order = np.arange(num_inputs)[::-1]
        elif order == "random":
            order = _rng(seed).permutation(num_inputs)
        else:
            raise ValueError(
                "`order` must be 'natural', 'reversed', 'random' or a "
                f"permutation of range({num_inputs}). Received: "
                f"order={order!r}"
            )
    order = np.asarray(order)
    if order.shape != (num_inputs,) or not np.array_equal(
        np.sort(order), np.arange(num_inputs)
    ):
        raise ValueError(
            f"`order` must be a permutation of range({num_inputs}). "
            f"Received: {order.tolist()}"
        )
    degrees = np.empty(num_inputs, "int32")
    degrees[order] = np.arange(1, num_inputs + 1)
    return degrees


def made_hidden_degrees(
    num_units, num_inputs, previous_degrees=None, rule="equal", seed=None
):
    """Degrees of a hidden layer, in `[min(previous), D - 1]`.

    A hidden unit of degree `m` may see inputs of degree `<= m`, so it
    helps predict the values of degree `> m`. `"equal"` spreads the degrees
    evenly over the whole range (sorted, as TFP's `AutoregressiveNetwork`;
    also when there are fewer units than degrees); `"random"` draws them
    uniformly, as in connectivity-agnostic training (Germain et al. 2015).
    Degrees start at the smallest degree of the previous layer, so that no
    unit is disconnected.

    Args:
        num_units: width of the layer.
        num_inputs: `D`.
        previous_degrees: degrees of the layer below (default: inputs).
        rule: `"equal"` or `"random"`.
        seed: int or `numpy.random.Generator` for `"random"`.

    Returns:
        int32 array `(num_units,)`.
    """
    if rule not in HIDDEN_DEGREE_RULES:
        raise ValueError(
            f"`hidden_degrees` must be one of {HIDDEN_DEGREE_RULES}. "
            f"Received: {rule!r}"
        )
    top = max(int(num_inputs) - 1, 1)
    low = 1 if previous_degrees is None else int(np.min(previous_degrees))
    low = min(low, top)
    if rule == "equal":
        span = top - low + 1
        return (low + (np.arange(num_units) * span) // num_units).astype(
            "int32"
        )
    return _rng(seed).integers(low, top + 1, num_units).astype("int32")


def made_degrees(
    num_inputs, hidden_units, order="natural", hidden_degrees="equal", seed=None
):
    """Degrees of the inputs and of every hidden layer of one MADE mask.

    Args:
        num_inputs: `D`.
        hidden_units: widths of the hidden layers.
        order: see `made_input_degrees`.
        hidden_degrees: `"equal"` or `"random"`.
        seed: int or `numpy.random.Generator`.

    Returns:
        A list `[input_degrees, hidden_1_degrees, ...]` of int32 arrays.
    """
    rng = _rng(seed)
    degrees = [made_input_degrees(num_inputs, order, rng)]
    for units in hidden_units:
        degrees.append(
            made_hidden_degrees(
                units, num_inputs, degrees[-1], hidden_degrees, rng
            )
        )
    return degrees


def degree_mask(input_degrees, output_degrees, strict=False):
    """The connectivity mask `(in, out)` of two layers' degrees.

    `mask[j, k] = 1` if `output_degrees[k] >= input_degrees[j]` (hidden
    layers) or `>` (`strict=True`, the output layer and direct connections).
    """
    i = np.asarray(input_degrees)[:, None]
    o = np.asarray(output_degrees)[None, :]
    return (o > i if strict else o >= i).astype("float32")


def made_masks(degrees, params_size=1, direct_connections=False):
    """The masks of one MADE network from its degrees.

    Args:
        degrees: from `made_degrees`.
        params_size: outputs per input value (the head's parameters).
        direct_connections: also return the input-to-output mask.

    Returns:
        `[hidden_1_mask, ..., output_mask]` (+ the direct mask), float32
        0/1 arrays of shape `(in, out)`.
    """
    out_degrees = np.repeat(degrees[0], params_size)
    masks = [degree_mask(a, b) for a, b in zip(degrees[:-1], degrees[1:])]
    masks.append(degree_mask(degrees[-1], out_degrees, strict=True))
    if direct_connections:
        masks.append(degree_mask(degrees[0], out_degrees, strict=True))
    return masks


@keras.saving.register_keras_serializable(package="keras_ar")
class MaskedDense(keras.layers.Layer):
    """Dense layer whose connections are masked by unit degrees (MADE).

    Every input unit `j` and output unit `k` carries a degree. The kernel is
    multiplied (in `call`, never by weight mutation) by the mask
    `m[j, k] = out_degree[k] >= in_degree[j]` (`strict=False`, hidden
    layers) or `out_degree[k] > in_degree[j]` (`strict=True`, the output
    layer), so an output of degree `m` depends only on inputs of degree
    `<= m` (resp. `< m`): stacking these layers with the input degrees
    `1..D` gives an autoregressive network. For degrees in natural order
    with `D = 3` and a strict output layer fed straight by the inputs:

    ```
              out x1 x2 x3
    in  x1  [  0   1   1 ]
        x2  [  0   0   1 ]
        x3  [  0   0   0 ]
    ```

    The layer can hold a set of `K` degree assignments (`(K, in)` and
    `(K, units)`), stored as non-trainable variables (saved with the
    weights) and selected by an integer `mask_index` tensor in `call`: this
    is how MADE resamples orderings/connectivity inside compiled training.
    An optional condition input (e.g. a one-hot class) is connected to
    every output unit, unmasked.

    Reference: Germain, Gregor, Murray & Larochelle, "MADE: Masked
    Autoencoder for Distribution Estimation", ICML 2015, section 4.

    Args:
        units: output width.
        input_degrees: int array `(in,)` or `(K, in)`; may be `None` when
            `num_masks` is given (the degrees are then loaded with the
            weights).
        output_degrees: int array `(units,)` or `(K, units)`.
        strict: use `>` instead of `>=` (output layers, direct connections).
        num_masks: `K`, needed only when the degrees are not given.
        condition_size: width of the optional condition input.
        activation: Keras activation.
        use_bias: add a bias.
        kernel_initializer: initializer of the kernels.
        bias_initializer: initializer of the bias.
        kernel_regularizer: regularizer of the kernels.
        **kwargs: `keras.layers.Layer` arguments.

    Example:

    >>> import numpy as np
    >>> layer = MaskedDense(3, input_degrees=[1, 2, 3],
    ...                     output_degrees=[1, 2, 3], strict=True)
    >>> layer.mask().tolist()[0]
    [0.0, 1.0, 1.0]
    >>> tuple(layer(np.ones((2, 3), "float32")).shape)
    (2, 3)
    """

    def __init__(
        self,
        units,
        input_degrees=None,
        output_degrees=None,
        strict=False,
        num_masks=None,
        condition_size=None,
        activation=None,
        use_bias=True,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.units = int(units)
        self.strict = bool(strict)
        self.condition_size = (
            None if condition_size is None else int(condition_size)
        )
        self.activation = keras.activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.bias_initializer = keras.initializers.get(bias_initializer)
        self.kernel_regularizer = keras.regularizers.get(kernel_regularizer)
        if (input_degrees is None) != (output_degrees is None):
            raise ValueError(
                "Pass both `input_degrees` and `output_degrees`, or neither "
                "(with `num_masks`). Received: input_degrees="
                f"{'None' if input_degrees is None else 'array'}, "
                f"output_degrees="
                f"{'None' if output_degrees is None else 'array'}"
            )
        self._init_in = self._init_out = None
        if input_degrees is not None:
            self._init_in = np.atleast_2d(np.asarray(input_degrees, "float32"))
            self._init_out = np.atleast_2d(
                np.asarray(output_degrees, "float32")
            )
            if self._init_out.shape[1] != self.units or len(
                self._init_out
            ) != len(self._init_in):
                raise ValueError(
                    "`output_degrees` must have shape (units,) or (K, units) "
                    f"with units={self.units} and K={len(self._init_in)}. "
                    f"Received shape {self._init_out.shape}"
                )
            num_masks = len(self._init_in)
        if num_masks is None or int(num_masks) < 1:
            raise ValueError(
                "`num_masks` must be a positive int when no degrees are "
                f"given. Received: num_masks={num_masks}"
            )
        self.num_masks = int(num_masks)

    def build(self, input_shape):
        in_units = int(input_shape[-1])
        if self._init_in is not None and self._init_in.shape[1] != in_units:
            raise ValueError(
                f"`input_degrees` has {self._init_in.shape[1]} entries but "
                f"the input has {in_units} features."
            )
        self.kernel = self.add_weight(
            shape=(in_units, self.units),
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            name="kernel",
        )
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(
                shape=(self.units,),
                initializer=self.bias_initializer,
                name="bias",
            )
        self.condition_kernel = None
        if self.condition_size:
            self.condition_kernel = self.add_weight(
                shape=(self.condition_size, self.units),
                initializer=self.kernel_initializer,
                regularizer=self.kernel_regularizer,
                name="condition_kernel",
            )

        def init(values):
            if values is None:
                return "zeros"
            return lambda shape, dtype=None: ops.convert_to_tensor(
                values, dtype=dtype
            )

        self.input_degrees = self.add_weight(
            shape=(self.num_masks, in_units),
            initializer=init(self._init_in),
            trainable=False,
            name="input_degrees",
        )
        self.output_degrees = self.add_weight(
            shape=(self.num_masks, self.units),
            initializer=init(self._init_out),
            trainable=False,
            name="output_degrees",
        )

    def set_degrees(self, input_degrees, output_degrees):
        """Replaces the degree set (outside training, e.g. after loading)."""
        self.input_degrees.assign(
            np.atleast_2d(np.asarray(input_degrees, "float32"))
        )
        self.output_degrees.assign(
            np.atleast_2d(np.asarray(output_degrees, "float32"))
        )

    def _mask(self, mask_index):
        if mask_index is None:
            mask_index = 0
        in_deg = ops.take(self.input_degrees, mask_index, axis=0)
        out_deg = ops.take(self.output_degrees, mask_index, axis=0)
        compare = ops.greater if self.strict else ops.greater_equal
        return compare(out_deg[None, :], in_deg[:, None])

    def mask(self, mask_index=0):
        """The 0/1 mask `(in, units)` of mask `mask_index`, as NumPy."""
        if not self.built:
            if self._init_in is None:
                raise ValueError(
                    f"{self.name} is not built and has no degrees yet: "
                    "call it on an input first."
                )
            self.build((None, self._init_in.shape[1]))
            self.built = True
        return ops.convert_to_numpy(self._mask(mask_index)).astype("float32")

    def call(self, inputs, condition=None, mask_index=None):
        """Masked affine map.

        Args:
            inputs: `(batch, in)`.
            condition: `(batch, condition_size)` or `None`.
            mask_index: int or scalar int tensor in `[0, num_masks)`.
        """
        kernel = self.kernel * ops.cast(
            self._mask(mask_index), self.kernel.dtype
        )
        outputs = ops.matmul(inputs, kernel)
        if self.condition_kernel is not None:
            if condition is None:
                raise ValueError(
                    f"{self.name} has condition_size={self.condition_size}: "
                    "pass `condition`."
                )
            outputs = outputs + ops.matmul(
                ops.cast(condition, outputs.dtype), self.condition_kernel
            )
        if self.bias is not None:
            outputs = outputs + self.bias
        return self.activation(outputs)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "units": self.units,
                "strict": self.strict,
                "num_masks": self.num_masks,
                "condition_size": self.condition_size,
                "activation": keras.activations.serialize(self.activation),
                "use_bias": self.use_bias,
                "kernel_initializer": keras.initializers.serialize(
                    self.kernel_initializer
                ),
                "bias_initializer": keras.initializers.serialize(
                    self.bias_initializer
                ),
                "kernel_regularizer": keras.regularizers.serialize(
                    self.kernel_regularizer
                ),
            }
        )
        return config
