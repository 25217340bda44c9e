"""MaskedDense: a dense layer masked by MADE unit degrees."""

import keras
import numpy as np
from keras import ops

from keras_ar.utils import validation


@keras.saving.register_keras_serializable(package="keras_ar")
class MaskedDense(keras.layers.Layer):
    """Dense layer whose connections are masked by unit degrees (MADE).

    Every input unit `j` and output unit `k` carries a degree. The kernel is
    multiplied in `call` by the mask
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

    Training with one mask skips the multiplication: `fit` first zeroes
    the masked entries of the kernel (`zero_masked_weights`, which leaves
    the layer's function unchanged), then training-mode calls read the
    kernel as it is and mask its gradient, so the masked entries get no
    gradient and stay zero (every Keras optimizer leaves a weight with a
    zero gradient, and zero moments, at zero). The outputs and gradients
    are those of the masked kernel, without materializing it at every
    step (about 10% of MADE's training step on MNIST). Inference, and
    training outside `fit`/`train_on_batch` or with several masks, always
    multiply. Not covered: a callback that writes nonzero values into the
    masked entries in the middle of `fit`, or a custom optimizer that
    moves weights whose gradient is zero.

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
        self.units = validation.check_positive_int(units, "units")
        self.strict = bool(strict)
        self.condition_size = validation.check_optional_positive_int(
            condition_size, "condition_size"
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
        # Without degrees (they are then loaded with the weights).
        self.num_masks = validation.check_positive_int(num_masks, "num_masks")
        # Set by `zero_masked_weights` for the duration of a `fit`.
        self.kernel_is_masked = False

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

        # Degrees are whole numbers up to D: never autocast (bfloat16 holds
        # integers exactly only up to 256).
        self.input_degrees = self.add_weight(
            shape=(self.num_masks, in_units),
            initializer=init(self._init_in),
            dtype="float32",
            trainable=False,
            autocast=False,
            name="input_degrees",
        )
        self.output_degrees = self.add_weight(
            shape=(self.num_masks, self.units),
            initializer=init(self._init_out),
            dtype="float32",
            trainable=False,
            autocast=False,
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

    def _allowed(self, out_degrees, in_degrees):
        """The connectivity rule on (broadcast) degrees."""
        compare = ops.greater if self.strict else ops.greater_equal
        return compare(out_degrees, in_degrees)

    def _mask(self, mask_index):
        if mask_index is None:
            mask_index = 0
        in_deg = ops.take(self.input_degrees, mask_index, axis=0)
        out_deg = ops.take(self.output_degrees, mask_index, axis=0)
        return self._allowed(out_deg[None, :], in_deg[:, None])

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

    def zero_masked_weights(self):
        """Sets the kernel's masked entries to zero (they never reach the
        outputs, so the layer's function is unchanged) and, with one mask,
        lets training-mode calls read the kernel unmultiplied until
        `kernel_is_masked` is reset. `fit` calls this at the start of
        training (after any weights are restored) and resets it at the
        end. A layer with several masks is left as it is."""
        if not self.built or self.num_masks != 1:
            return
        mask = ops.cast(self._mask(0), self.kernel.dtype)
        self.kernel.assign(ops.multiply(self.kernel, mask))
        self.kernel_is_masked = True

    def call(self, inputs, condition=None, mask_index=None, training=None):
        """Masked affine map.

        Args:
            inputs: `(batch, in)`.
            condition: `(batch, condition_size)` or `None`.
            mask_index: int or scalar int tensor in `[0, num_masks)`.
            training: Python bool; see the class docstring.
        """
        return self.activation(
            self.pre_activation(inputs, condition, mask_index, training)
        )

    def pre_activation(
        self, inputs, condition=None, mask_index=None, training=None
    ):
        """`call` without the activation, in the compute dtype."""
        dtype = self.compute_dtype
        kernel = ops.cast(self.kernel, dtype)
        mask = ops.cast(self._mask(mask_index), dtype)
        if training and self.kernel_is_masked:
            kernel = _masked_gradient(kernel, mask)
        else:
            kernel = ops.multiply(kernel, mask)
        outputs = ops.matmul(ops.cast(inputs, dtype), kernel)
        return ops.add(outputs, self.unmasked_terms(condition, dtype))

    def unmasked_terms(self, condition=None, dtype=None):
        """Bias plus the condition's contribution: `(batch, units)` with a
        condition, else `(units,)` (zeros without a bias)."""
        dtype = dtype or self.compute_dtype
        terms = ops.zeros((self.units,), dtype)
        if self.bias is not None:
            terms = ops.cast(self.bias, dtype)
        if self.condition_kernel is not None:
            if condition is None:
                raise ValueError(
                    f"{self.name} has condition_size={self.condition_size}: "
                    "pass `condition`."
                )
            terms = ops.add(
                terms,
                ops.matmul(
                    ops.cast(condition, dtype),
                    ops.cast(self.condition_kernel, dtype),
                ),
            )
        return terms

    def call_per_example(self, inputs, component, num_components, condition):
        """`call` where example `b` uses mask `component[b]` (int32
        `(batch,)` in `[0, num_components)`): each of the masks is
        applied and each example's own output kept (exact selection)."""
        outputs = self(inputs, condition=condition, mask_index=0)
        for index in range(1, num_components):
            chosen = ops.expand_dims(ops.equal(component, index), -1)
            outputs = ops.where(
                chosen,
                self(inputs, condition=condition, mask_index=index),
                outputs,
            )
        return outputs

    def row_pre_activation(self, values, rows, component):
        """What input `rows[b]`, of value `values[b]`, adds to example
        `b`'s pre-activation under mask `component[b]` (all int32 or float
        `(batch,)`): `(batch, units)` in the variable dtype, for running
        sums (MADE's cached generation)."""
        dtype = self.variable_dtype
        kernel = ops.cast(ops.take(self.kernel, rows, axis=0), dtype)
        in_deg = ops.take(self.input_degrees, component, axis=0)
        in_deg = ops.take_along_axis(in_deg, ops.expand_dims(rows, 1), 1)
        out_deg = ops.take(self.output_degrees, component, axis=0)
        allowed = ops.cast(self._allowed(out_deg, in_deg), dtype)
        values = ops.expand_dims(ops.cast(values, dtype), 1)
        return ops.multiply(ops.multiply(values, kernel), allowed)

    def group_pre_activation(self, inputs, group, group_size, component):
        """The masked map (no bias, no condition) of example `b` under
        mask `component[b]`, computed only for its outputs
        `group[b] * group_size` to `(group[b] + 1) * group_size - 1`:
        `(batch, group_size)` (MADE's cached generation: the parameters
        of one value)."""
        dtype = self.compute_dtype
        shape = (-1, self.units // group_size, group_size)
        kernel = ops.reshape(ops.cast(self.kernel, dtype), shape)
        columns = ops.transpose(ops.take(kernel, group, axis=1), (1, 0, 2))
        out_deg = ops.reshape(
            ops.take(self.output_degrees, component, axis=0), shape
        )
        index = ops.reshape(group, (-1, 1, 1))
        index = ops.broadcast_to(index, (ops.shape(group)[0], 1, group_size))
        out_deg = ops.take_along_axis(out_deg, index, axis=1)
        in_deg = ops.take(self.input_degrees, component, axis=0)
        allowed = self._allowed(out_deg, ops.expand_dims(in_deg, -1))
        columns = ops.multiply(columns, ops.cast(allowed, dtype))
        return ops.einsum("bi,big->bg", ops.cast(inputs, dtype), columns)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    def get_config(self):
        config = super().get_config()
        serialize = keras.saving.serialize_keras_object
        config.update(
            {
                "units": self.units,
                "strict": self.strict,
                "num_masks": self.num_masks,
                "condition_size": self.condition_size,
                "use_bias": self.use_bias,
            }
        )
        for name in (
            "activation kernel_initializer bias_initializer kernel_regularizer"
        ).split():
            config[name] = serialize(getattr(self, name))
        return config


@ops.custom_gradient
def _masked_gradient(kernel, mask):
    """`kernel` unchanged, with its gradient multiplied by `mask`."""

    def grad(*args, upstream=None):
        if upstream is None:
            (upstream,) = args
        return ops.multiply(upstream, mask), ops.zeros_like(mask)

    return ops.copy(kernel), grad
