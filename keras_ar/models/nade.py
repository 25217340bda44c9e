"""NADE: Neural Autoregressive Distribution Estimator."""

import math

import keras
import numpy as np
from keras import ops

from keras_ar.heads import Standardized
from keras_ar.heads import get_head
from keras_ar.models.autoregressive_model import AutoregressiveModel


@keras.saving.register_keras_serializable(package="keras_ar")
class NADE(AutoregressiveModel):
    """NADE: an autoregressive model with weights shared across positions.

    The event is flattened to `D` values in row-major order. The hidden
    state for value `d` is `h_d = act(c + sum_{j<d} W_j x_j)`: one input
    matrix `W` (`D x H`) is shared by all conditionals, so all `D` hidden
    states come from one cumulative sum in `O(DH)` per example, and the
    head's parameters for value `d` are `b_d + V_d h_d`. Binary data uses
    the Bernoulli head (NADE); real-valued data a Gaussian or a mixture of
    Gaussians head (RNADE, without the activity rescaling of the paper),
    with the data standardised and the statistics recorded in the model.

    Sampling computes, at step `d`, only `h_d` and value `d`'s parameters
    (`O(DH)` per step instead of a full pass); it gives the same samples as
    the naive loop (`use_cache=False`) for the same seed.

    References: Larochelle & Murray, "The Neural Autoregressive
    Distribution Estimator", AISTATS 2011; Uria, Murray & Larochelle,
    "RNADE", NIPS 2013; Uria et al., "Neural Autoregressive Distribution
    Estimation", JMLR 2016.

    Args:
        event_shape: shape of one example, e.g. `(784,)` or `(28, 28, 1)`.
        head: `"bernoulli"` (default), `"categorical"`, an int,
            `"gaussian"`, `"mixture_of_gaussians"` or a head.
        hidden_units: `H`.
        activation: hidden activation (`"sigmoid"` in the paper).
        condition_classes: classes of an integer condition (a learned
            per-class hidden bias).
        standardize: standardise data for continuous heads.
        **kwargs: `keras.Model` arguments.

    Example:

    >>> import numpy as np
    >>> from keras_ar.models import NADE
    >>> x = np.random.default_rng(0).integers(0, 2, (64, 8))
    >>> model = NADE((8,), hidden_units=16)
    >>> model.compile(optimizer="adam")
    >>> _ = model.fit(x, epochs=1, verbose=0)
    >>> model.log_prob(x[:2]).shape
    (2,)
    >>> model.sample(3, seed=0).shape
    (3, 8)
    """

    def __init__(
        self,
        event_shape,
        head="bernoulli",
        hidden_units=500,
        activation="sigmoid",
        condition_classes=None,
        standardize=True,
        **kwargs,
    ):
        head = get_head(head)
        event_shape = tuple(int(d) for d in event_shape)
        if standardize and head.num_values is None:
            if not isinstance(head, Standardized):
                head = Standardized(head, event_shape)
        super().__init__(event_shape, head, condition_classes=condition_classes, **kwargs)
        if isinstance(hidden_units, bool) or int(hidden_units) < 1:
            raise ValueError(
                "`hidden_units` must be a positive int. Received: "
                f"hidden_units={hidden_units!r}"
            )
        self.hidden_units = int(hidden_units)
        self.activation = activation
        self._activation = keras.activations.get(activation)
        self.standardize = bool(standardize)
        d, h, p = self.num_dims, self.hidden_units, self.head.params_size
        self.input_kernel = self.add_weight(
            shape=(d, h),
            initializer=keras.initializers.RandomNormal(stddev=0.01),
            name="input_kernel",
        )
        self.hidden_bias = self.add_weight(
            shape=(h,), initializer="zeros", name="hidden_bias"
        )
        self.output_kernel = self.add_weight(
            shape=(d, h, p),
            initializer=keras.initializers.RandomNormal(stddev=0.01),
            name="output_kernel",
        )
        self.output_bias = self.add_weight(
            shape=(d, p), initializer="zeros", name="output_bias"
        )
        self.condition_embedding = None
        if self.is_conditional:
            self.condition_embedding = keras.layers.Embedding(
                self.condition_classes,
                h,
                embeddings_initializer="zeros",
                name="condition_embedding",
                dtype=self.dtype_policy,
            )
        self.build()

    def _hidden_bias(self, condition):
        c = self.hidden_bias
        if condition is not None:
            condition = ops.reshape(ops.cast(condition, "int32"), (-1,))
            return c[None, :] + self.condition_embedding(condition)
        return c[None, :]

    def compute_features(self, inputs, condition=None, training=None):
        x = ops.reshape(inputs, (-1, self.num_dims))
        before = self._exclusive_prefix(x)
        bias = self._hidden_bias(condition)
        hidden = self._activation(before + bias[:, None, :])
        out = ops.einsum("bdh,dhp->bdp", hidden, self.output_kernel)
        out = out + self.output_bias[None]
        return self._to_features(out)

    def _exclusive_prefix(self, x):
        """`a[b, d] = sum_{j<d} x[b, j] W[j]`, shape `(B, D, H)`.

        A blocked prefix sum: the `D` values are cut into `nb` blocks of
        `S ~ sqrt(D)`; within a block a strictly lower-triangular `S x S`
        matmul, across blocks an exclusive sum of block totals. `O(DH(S+1))`
        work in dense matmuls, much faster on CPUs than a cumulative sum
        over the middle axis of a `(B, D, H)` tensor (which is also
        exact: `x_d` has no effect at all on `a[:, d]`).
        """
        d, h = self.num_dims, self.hidden_units
        size = max(1, math.isqrt(d - 1) + 1)
        blocks = -(-d // size)
        pad = blocks * size - d
        kernel = self.input_kernel
        if pad:
            x = ops.pad(x, ((0, 0), (0, pad)))
            kernel = ops.pad(kernel, ((0, pad), (0, 0)))
        xb = ops.reshape(x, (-1, blocks, size))
        wb = ops.reshape(kernel, (blocks, size, h))
        tri = ops.cast(np.tril(np.ones((size, size)), -1), x.dtype)
        masked = xb[:, :, None, :] * tri[None, None]  # (B, nb, S, S)
        within = ops.einsum("bkst,kth->bksh", masked, wb)
        totals = ops.einsum("bkt,kth->bkh", xb, wb)
        tri_blocks = ops.cast(np.tril(np.ones((blocks, blocks)), -1), x.dtype)
        prefix = ops.einsum("bjh,kj->bkh", totals, tri_blocks)
        before = within + prefix[:, :, None, :]
        return ops.reshape(before, (-1, blocks * size, h))[:, :d]

    def _to_features(self, out):
        shape = (-1,) + self.event_shape[:-1]
        return ops.reshape(
            out, shape + (self.channels * self.head.params_size,)
        )

    def sample_step(self, x, i, noise, temperature, condition=None):
        """Computes `h_i` and value `i`'s parameters only."""
        flat = ops.reshape(self.head.encode_inputs(x), (-1, self.num_dims))
        before = ops.cast(ops.less(ops.arange(self.num_dims), i), flat.dtype)
        pre = ops.matmul(flat * before[None], self.input_kernel)
        hidden = self._activation(pre + self._hidden_bias(condition))
        kernel = ops.take(self.output_kernel, i, axis=0)  # (H, P)
        params_i = ops.matmul(hidden, kernel) + ops.take(
            self.output_bias, i, axis=0
        )
        # Broadcast value i's parameters to every position: only position i
        # is written by the sampling loop.
        out = ops.repeat(params_i[:, None, :], self.num_dims, axis=1)
        params = self.head(self._to_features(out))
        return self.head.sample_from_noise(params, noise, temperature)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "hidden_units": self.hidden_units,
                "activation": self.activation,
                "standardize": self.standardize,
            }
        )
        return config
