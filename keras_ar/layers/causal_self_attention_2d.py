"""CausalSelfAttention2D: masked multi-head attention over image pixels."""

import math

import keras
from keras import ops

from keras_ar.utils import validation

#: The logit of a masked-out key (finite: a row with no allowed key gives
#: a uniform softmax that the mask then zeroes, never NaN).
_MASKED_LOGIT = -1e9


@keras.saving.register_keras_serializable(package="keras_ar")
class CausalSelfAttention2D(keras.layers.Layer):
    """Causal multi-head dot-product attention over a feature map's pixels.

    The `H x W` positions of a `(batch, H, W, C)` map are flattened in
    raster order (row by row, left to right). Queries are a linear
    projection of `query_source`, keys and values of `key_value_source`
    (default: the same map), `num_heads` heads of scaled dot-product
    attention (Vaswani et al. 2017) run in parallel, and their
    concatenated values go through an output projection to `output_dim`
    features. Position `p` attends only to positions `q <= p`
    (`include_current=True`) or `q < p` (`include_current=False`), so its
    output depends on the sources at those positions alone (and on the
    query source at `p`). With `include_current=False` the first position
    has nothing to attend to: its output is exactly zero (never NaN), as
    is any position whose allowed set is empty. The mask of a 2x2 map,
    `1` where the row's position attends to the column's (strict):

    ```
         0 1 2 3
      0  . . . .
      1  1 . . .
      2  1 1 . .
      3  1 1 1 .
    ```

    PixelSNAIL (Chen et al. 2018) interleaves such layers with causal
    convolutions so that every pixel sees every earlier pixel. It uses
    the strict mask with keys and values that also see the (scaled) input
    image, which is safe because the image at `q < p` is already known
    when predicting `p`; queries see only the features. The layer has no
    notion of position of its own: to give it one, concatenate positional
    channels to both sources before calling it, e.g. each pixel's
    `(row / H - 0.5, col / W - 0.5)` coordinates, as PixelSNAIL does, or
    learned embeddings (`keras.layers.Embedding` of the flat position,
    reshaped to the map).

    Fast generation: `build_cache(batch, length)` makes zero key/value
    buffers; `write(cache, key_value_source, index)` projects one
    position's source and stores its key and value; `step(query_source,
    cache, index)` projects one query and attends over the stored
    positions the mask allows, reusing every earlier projection. Writing
    each position before stepping the next (strict mask: write `p - 1`,
    then step `p`; with `include_current=True` write `p` first) gives the
    same outputs as `call`.

    References: Chen, Mishra, Rohaninejad & Abbeel, "PixelSNAIL: An
    Improved Autoregressive Generative Model", ICML 2018, section 3 and
    figure 5; Vaswani et al., "Attention Is All You Need", NeurIPS 2017.

    Args:
        num_heads: number of attention heads.
        key_dim: size of each head's queries and keys.
        value_dim: size of each head's values (default `key_dim`).
        output_dim: features of the output (default: the query source's
            channels).
        include_current: whether position `p` attends to itself (`True`)
            or only to earlier positions (`False`).
        use_bias: whether the projections have biases.
        kernel_initializer: initializer of the projection kernels.
        bias_initializer: initializer of their biases.
        **kwargs: `keras.layers.Layer` arguments.

    Example:

    >>> import numpy as np
    >>> layer = CausalSelfAttention2D(num_heads=2, key_dim=4, value_dim=3,
    ...                               output_dim=5, include_current=False)
    >>> q = np.ones((2, 3, 4, 6), "float32")
    >>> kv = np.ones((2, 3, 4, 7), "float32")
    >>> out = layer(q, kv)
    >>> tuple(out.shape)
    (2, 3, 4, 5)
    >>> float(np.abs(out[:, 0, 0]).max())  # the first pixel sees nothing
    0.0
    """

    def __init__(
        self,
        num_heads=1,
        key_dim=16,
        value_dim=None,
        output_dim=None,
        include_current=True,
        use_bias=True,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        **kwargs,
    ):
        super().__init__(**kwargs)
        check = validation.check_positive_int
        self.num_heads = check(num_heads, "num_heads")
        self.key_dim = check(key_dim, "key_dim")
        self.value_dim = check(
            self.key_dim if value_dim is None else value_dim, "value_dim"
        )
        self.output_dim = validation.check_optional_positive_int(
            output_dim, "output_dim"
        )
        if not isinstance(include_current, bool):
            raise ValueError(
                "`include_current` must be True or False. Received: "
                f"include_current={include_current!r}"
            )
        self.include_current = include_current
        self.use_bias = bool(use_bias)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.bias_initializer = keras.initializers.get(bias_initializer)
        self.supports_masking = False

    def _dense(self, units, name):
        return keras.layers.Dense(
            units,
            use_bias=self.use_bias,
            kernel_initializer=keras.initializers.get(
                keras.initializers.serialize(self.kernel_initializer)
            ),
            bias_initializer=keras.initializers.get(
                keras.initializers.serialize(self.bias_initializer)
            ),
            name=name,
            dtype=self.dtype_policy,
        )

    @staticmethod
    def _check_map(shape, what):
        if len(shape) != 4 or shape[-1] is None:
            raise ValueError(
                f"CausalSelfAttention2D expects `{what}` of shape (batch, "
                "height, width, channels) with known channels. Received "
                f"shape: {tuple(shape)}"
            )

    def build(self, query_source_shape, key_value_source_shape=None):
        query_shape = tuple(query_source_shape)
        self._check_map(query_shape, "query_source")
        if key_value_source_shape is None:
            kv_shape = query_shape
        else:
            kv_shape = tuple(key_value_source_shape)
            self._check_map(kv_shape, "key_value_source")
            for axis in (1, 2):
                a, b = query_shape[axis], kv_shape[axis]
                if a is not None and b is not None and a != b:
                    raise ValueError(
                        "`query_source` and `key_value_source` must have "
                        "the same height and width. Received shapes: "
                        f"{query_shape} and {kv_shape}"
                    )
        self.query_channels = int(query_shape[-1])
        self.key_value_channels = int(kv_shape[-1])
        units = self.output_dim or self.query_channels
        heads = self.num_heads
        self.query_dense = self._dense(heads * self.key_dim, "query")
        self.key_dense = self._dense(heads * self.key_dim, "key")
        self.value_dense = self._dense(heads * self.value_dim, "value")
        self.output_dense = self._dense(units, "attention_output")
        self.query_dense.build((None, self.query_channels))
        self.key_dense.build((None, self.key_value_channels))
        self.value_dense.build((None, self.key_value_channels))
        self.output_dense.build((None, heads * self.value_dim))
        self.built = True

    @property
    def units(self):
        """Features of the output."""
        return self.output_dim or self.query_channels

    def _heads(self, x, size, length=None):
        """`(batch, heads * size)` -> `(batch, heads, size)`, or `(batch,
        H, W, heads * size)` -> `(batch, length, heads, size)`."""
        if length is None:
            return ops.reshape(x, (-1, self.num_heads, size))
        return ops.reshape(x, (-1, length, self.num_heads, size))

    def causal_mask(self, length):
        """The `(length, length)` bool mask: `[p, q]` is True where
        position `p` attends to position `q`."""
        rows = ops.arange(length)[:, None]
        cols = ops.arange(length)[None, :]
        if self.include_current:
            return ops.less_equal(cols, rows)
        return ops.less(cols, rows)

    def _attend(self, logits, mask):
        """Masked softmax over the last axis; rows with no allowed key
        give zero weights. `mask` broadcasts against `logits`."""
        logits = ops.cast(logits, "float32") / math.sqrt(self.key_dim)
        logits = ops.where(mask, logits, _MASKED_LOGIT)
        weights = ops.softmax(logits, axis=-1)
        return weights * ops.cast(mask, weights.dtype)

    def _output(self, values, valid):
        """Output projection of the heads' concatenated values `(...,
        heads * value_dim)`; `valid` (broadcastable bool) zeroes the
        positions that attend to nothing."""
        out = self.output_dense(values)
        return out * ops.cast(valid, out.dtype)

    def call(self, query_source, key_value_source=None):
        if key_value_source is None:
            key_value_source = query_source
        shape = ops.shape(query_source)
        height, width = shape[1], shape[2]
        length = height * width
        q = self._heads(self.query_dense(query_source), self.key_dim, length)
        k = self._heads(self.key_dense(key_value_source), self.key_dim, length)
        v = self._heads(
            self.value_dense(key_value_source), self.value_dim, length
        )
        mask = self.causal_mask(length)
        logits = ops.einsum("bphd,bqhd->bhpq", q, k)
        weights = self._attend(logits, mask[None, None])
        weights = ops.cast(weights, v.dtype)
        values = ops.einsum("bhpq,bqhd->bphd", weights, v)
        values = ops.reshape(
            values, (-1, length, self.num_heads * self.value_dim)
        )
        valid = ops.any(mask, axis=-1)[None, :, None]
        out = self._output(values, valid)
        return ops.reshape(out, (-1, height, width, self.units))

    def compute_output_shape(
        self, query_source_shape, key_value_source_shape=None
    ):
        shape = tuple(query_source_shape)
        return shape[:-1] + (self.output_dim or shape[-1],)

    # ------------------------------------------------------------------
    # Fast generation: a key/value cache, one position at a time
    # ------------------------------------------------------------------
    def build_cache(self, batch_size, length):
        """The key/value cache of `length` positions: a dict of zeros,
        `"key"` `(batch, length, heads, key_dim)` and `"value"` `(batch,
        length, heads, value_dim)`."""
        heads, dtype = self.num_heads, self.compute_dtype
        return {
            "key": ops.zeros((batch_size, length, heads, self.key_dim), dtype),
            "value": ops.zeros(
                (batch_size, length, heads, self.value_dim), dtype
            ),
        }

    def write(self, cache, key_value_source, index):
        """`cache` with the key and value of position `index` (an int
        scalar, a tensor in a loop) projected from its `key_value_source`
        `(batch, key_value_channels)` and stored."""
        k = self._heads(self.key_dense(key_value_source), self.key_dim)
        v = self._heads(self.value_dense(key_value_source), self.value_dim)
        batch = ops.shape(k)[0]
        # A scatter (not `slice_update`, which TensorFlow runs as an XLA
        # op compiled on demand outside XLA).
        indices = ops.stack(
            [
                ops.arange(batch, dtype="int32"),
                ops.full((batch,), ops.cast(index, "int32"), "int32"),
            ],
            axis=1,
        )
        return {
            **cache,
            "key": ops.scatter_update(
                cache["key"], indices, ops.cast(k, cache["key"].dtype)
            ),
            "value": ops.scatter_update(
                cache["value"], indices, ops.cast(v, cache["value"].dtype)
            ),
        }

    def step(self, query_source, cache, index):
        """The output at position `index` alone.

        Args:
            query_source: `(batch, query_channels)`, the query source at
                the position.
            cache: from `build_cache`, holding the keys and values of the
                positions the mask allows (`< index`, or `<= index` with
                `include_current`; see `write`).
            index: int scalar (a tensor in a loop).

        Returns:
            `(outputs, cache)`: `self(query, kv)` at the position, `(batch,
            units)`, and the cache (unchanged).
        """
        q = self._heads(self.query_dense(query_source), self.key_dim)
        length = ops.shape(cache["key"])[1]
        index = ops.cast(index, "int32")
        positions = ops.arange(length, dtype="int32")
        if self.include_current:
            mask = ops.less_equal(positions, index)
        else:
            mask = ops.less(positions, index)
        logits = ops.einsum("bhd,bqhd->bhq", q, cache["key"])
        weights = self._attend(logits, mask[None, None])
        weights = ops.cast(weights, cache["value"].dtype)
        values = ops.einsum("bhq,bqhd->bhd", weights, cache["value"])
        values = ops.reshape(values, (-1, self.num_heads * self.value_dim))
        valid = ops.any(mask)
        return self._output(values, valid), cache

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "num_heads": self.num_heads,
                "key_dim": self.key_dim,
                "value_dim": self.value_dim,
                "output_dim": self.output_dim,
                "include_current": self.include_current,
                "use_bias": self.use_bias,
                "kernel_initializer": keras.initializers.serialize(
                    self.kernel_initializer
                ),
                "bias_initializer": keras.initializers.serialize(
                    self.bias_initializer
                ),
            }
        )
        return config
