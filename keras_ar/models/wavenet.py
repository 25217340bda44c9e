"""WaveNet (van den Oord et al., 2016) with Fast WaveNet generation."""

import keras
from keras import ops

from keras_ar.conditioning import ConditionSpec
from keras_ar.heads.get_head import get_head
from keras_ar.heads.mu_law_categorical import MuLawCategorical
from keras_ar.models.autoregressive_model import AutoregressiveModel
from keras_ar.models.wavenet_backbone import ARGUMENTS
from keras_ar.models.wavenet_backbone import WaveNetBackbone
from keras_ar.utils import validation


@keras.saving.register_keras_serializable(package="keras_ar")
class WaveNet(AutoregressiveModel):
    """WaveNet: stacks of gated, dilated causal convolutions over sequences.

    Models `p(x) = prod_t p(x_t | x_<t)` for sequences `(length, channels)`
    (audio, integer or real-valued series, bytes of text): a
    `WaveNetBackbone` (the input shifted right by one step, a causal input
    convolution, `num_stacks` stacks of `layers_per_stack` gated blocks
    with dilations `1, 2, 4, ..., 2**(layers_per_stack-1)`, two 1x1
    output layers) and a distribution head. The channels of one time step
    are predicted independently given the past (the model's order is
    row-major, time then channel). Default head: a 256-way
    `MuLawCategorical` over mu-law codes (encode audio with
    `head.encode`). Any length can be scored and generated: the network
    is convolutional (`variable_length`).

    Inputs: by default the network reads each value scaled to `[-1, 1]`
    (`input_encoding="scaled"`, right for audio, where nearby codes are
    similar sounds). For symbols without an order, such as the bytes of
    text, `input_encoding="one_hot"` feeds a one-hot vector of the head's
    `num_values` per channel instead (the input convolution then acts as
    a learned embedding of each symbol), as character-level WaveNets and
    ByteNet do.

    Conditioning (van den Oord et al., section 2.5), declared in the
    model's `condition_spec`: `condition_classes` adds a global condition,
    an integer class id per example (e.g. a speaker), embedded and fed to
    every block; `local_condition_channels` adds a local condition, a
    feature sequence `(frames, channels)` at a rate `local_upsample_factor`
    times lower than the signal, upsampled by repetition
    (`local_upsample="repeat"`) or a learned transposed convolution
    (`"transposed"`); it needs `ceil(length / factor)` frames. Pass
    `condition=` class ids or local features, or both as a dict
    `{"global": ids, "local": features}` (or by the part names
    `"condition"` and `"local_condition"`); in dict inputs to `fit` use
    the keys `"label"` and `"local_condition"`.

    Generation (`sample`, `complete`, `forecast`) runs one compiled loop
    over time steps (`keras_ar.generation`). With `use_cache=True`
    (default) it is the Fast WaveNet algorithm (Paine et al., 2016):
    every causal convolution keeps a queue of its last `(kernel_size - 1)
    * dilation` inputs, so a step costs one column of the network whatever
    the length. `use_cache=False` recomputes the whole network at every
    step; both give identical samples for the same seed.

    The prediction at time `t` sees the `receptive_field` values before
    it: `1 + (kernel_size - 1) * (1 + num_stacks * (2**layers_per_stack -
    1))` (2048 for 2 stacks of 10 layers with `kernel_size=2`).

    References: van den Oord et al., "WaveNet: A Generative Model for Raw
    Audio", 2016; Paine et al., "Fast Wavenet Generation Algorithm", 2016.

    Args:
        event_shape: `(length, channels)` of the training sequences.
        head: a `keras_ar.heads` head, `"mu_law"` (default),
            `"logistic_mixture"`, or anything `get_head` accepts.
        residual_channels: channels of the residual stream.
        skip_channels: channels of the skip outputs.
        num_stacks: number of dilation cycles.
        layers_per_stack: blocks per cycle; dilations `1 .. 2**(n-1)`.
        kernel_size: taps of every causal convolution.
        output_channels: width of the 1x1 output layer (default
            `skip_channels`).
        condition_classes: number of classes of a global class condition,
            or `None`.
        condition_embedding_size: size of the class embedding.
        local_condition_channels: features per frame of a local
            condition, or `None`.
        local_upsample_factor: signal steps per local-condition frame.
        local_upsample: `"repeat"` or `"transposed"`.
        input_encoding: `"scaled"` (default: values scaled to `[-1, 1]`)
            or `"one_hot"` (one-hot over the head's values; discrete
            heads only).
        **kwargs: `keras.Model` arguments.

    Example:

    >>> import numpy as np
    >>> from keras_ar.models import WaveNet
    >>> model = WaveNet((32, 1), head=8, residual_channels=8,
    ...                 skip_channels=8, num_stacks=1, layers_per_stack=3)
    >>> model.receptive_field
    9
    >>> model.compile(optimizer="adam")
    >>> x = np.random.default_rng(0).integers(0, 8, (16, 32, 1))
    >>> _ = model.fit(x, epochs=1, verbose=0)
    >>> model.log_prob(x[:2]).shape
    (2,)
    >>> model.sample(2, length=40, seed=1).shape
    (2, 40, 1)
    >>> out = model.forecast(x[0, :, 0], steps=5, num_samples=20, seed=0)
    >>> out["samples"].shape, out["quantiles"].shape
    ((20, 5), (3, 5))
    """

    variable_length = True

    def __init__(
        self,
        event_shape=(4096, 1),
        head=None,
        residual_channels=32,
        skip_channels=64,
        num_stacks=2,
        layers_per_stack=10,
        kernel_size=2,
        output_channels=None,
        condition_classes=None,
        condition_embedding_size=16,
        local_condition_channels=None,
        local_upsample_factor=1,
        local_upsample="repeat",
        input_encoding="scaled",
        **kwargs,
    ):
        event_shape = validation.check_event_shape(event_shape)
        if len(event_shape) != 2:
            raise ValueError(
                "WaveNet expects `event_shape=(length, channels)`. Received: "
                f"event_shape={event_shape}"
            )
        head = MuLawCategorical() if head is None else get_head(head)
        local_upsample_factor = validation.check_positive_int(
            local_upsample_factor, "local_upsample_factor"
        )
        spec = ConditionSpec.from_args(
            condition_classes=condition_classes,
            local_condition_channels=local_condition_channels,
            local_upsample_factor=local_upsample_factor,
        )
        super().__init__(event_shape, head, condition_spec=spec, **kwargs)
        self.input_encoding = validation.check_choice(
            input_encoding, "input_encoding", ("scaled", "one_hot")
        )
        if self.input_encoding == "one_hot" and not self.head.is_discrete:
            raise ValueError(
                "input_encoding='one_hot' needs a discrete head (integer "
                f"values); {self.head.__class__.__name__} is continuous. "
                "Use input_encoding='scaled'."
            )
        self.backbone = WaveNetBackbone(
            self.head.features_size(self.channels),
            residual_channels=residual_channels,
            skip_channels=skip_channels,
            num_stacks=num_stacks,
            layers_per_stack=layers_per_stack,
            kernel_size=kernel_size,
            output_channels=output_channels,
            condition_classes=condition_classes,
            condition_embedding_size=condition_embedding_size,
            local_condition_channels=local_condition_channels,
            local_upsample_factor=local_upsample_factor,
            local_upsample=local_upsample,
            name="backbone",
            dtype=self.dtype_policy,
        )
        for name in ARGUMENTS:  # the model's properties, as before
            if name != "condition_classes":  # set by the base class
                setattr(self, name, getattr(self.backbone, name))
        self.build()

    # ------------------------------------------------------------------
    # Properties
    # ------------------------------------------------------------------
    @property
    def length(self):
        """Length of the training sequences (`event_shape[0]`)."""
        return self.event_shape[0]

    @property
    def dilations(self):
        """Dilation of every block: `1, 2, ..., 2**(n-1)` per stack."""
        return self.backbone.dilations

    @property
    def receptive_field(self):
        """How many past time steps a prediction sees (see the class)."""
        return self.backbone.receptive_field

    @property
    def input_channels(self):
        """Channels the network reads per time step: `channels`, times
        the head's `num_values` with `input_encoding="one_hot"`."""
        if self.input_encoding == "one_hot":
            return self.channels * self.head.num_values
        return self.channels

    def encode_inputs(self, x):
        """Values `(..., channels)` -> the network's input `(...,
        input_channels)`: scaled to `[-1, 1]` by the head, or one-hot."""
        if self.input_encoding == "scaled":
            return self.head.encode_inputs(x)
        count = self.head.num_values
        hot = ops.one_hot(ops.cast(x, "int32"), count, dtype=self.compute_dtype)
        # `ops.shape` gives ints where sizes are known, tensors elsewhere.
        leading = tuple(ops.shape(x)[:-1])
        return ops.reshape(hot, leading + (x.shape[-1] * count,))

    def local_frames(self, length=None):
        """Local-condition frames needed for `length` steps."""
        length = self.length if length is None else int(length)
        return -(-length // self.local_upsample_factor)

    def build(self, input_shape=None):
        # From shapes alone: no eager forward pass (slow op by op on JAX).
        # The constructor builds already; a second `build()` is a no-op.
        if not self.backbone.built:
            self.backbone.build((None, None, self.input_channels))
        if not self.head.built:
            self.head.build((None, None, self.backbone.features_size))
        self.built = True

    # ------------------------------------------------------------------
    # Public methods with WaveNet's argument order
    # ------------------------------------------------------------------
    def sample(
        self,
        num_samples,
        length=None,
        condition=None,
        seed=None,
        temperature=1.0,
        use_cache=True,
        progress=False,
    ):
        """Draws `num_samples` sequences of `length` steps (default
        `event_shape[0]`; any length works); the other arguments are those
        of `AutoregressiveModel.sample`. Local features must cover
        `length` steps; one example's condition is used for every sample.

        Returns:
            NumPy `(num_samples, length, channels)` (int32 codes for
            discrete heads).
        """
        return super().sample(
            num_samples,
            condition=condition,
            seed=seed,
            temperature=temperature,
            use_cache=use_cache,
            progress=progress,
            length=length,
        )

    # ------------------------------------------------------------------
    # Generation protocol: one time step (all channels) per step
    # ------------------------------------------------------------------
    def generation_steps(self, shape):
        return shape[0]

    def generation_positions(self, index, cache, shape):
        channels = shape[1]
        start = ops.cast(index, "int32") * channels
        return ops.reshape(start + ops.arange(channels, dtype="int32"), (1, -1))

    def generation_jit_compile(self, use_cache):
        # The cached step is many tiny ops: XLA fuses them (TensorFlow).
        return bool(use_cache)

    def build_generation_cache(
        self, x, known, condition, noise, use_cache=True, xla=False
    ):
        if not use_cache:
            return super().build_generation_cache(
                x, known, condition, noise, use_cache, xla
            )
        return self.backbone.build_cache(ops.shape(x)[0], condition, x.shape[1])

    def call_with_cache(self, x, cache, index):
        index = ops.cast(index, "int32")
        previous = ops.take(x, ops.maximum(index - 1, 0), axis=1)
        previous = self.encode_inputs(previous)
        previous = ops.where(index > 0, previous, ops.zeros_like(previous))
        features, cache = self.backbone.call_with_cache(previous, cache, index)
        return self.head(features), cache

    # ------------------------------------------------------------------
    # Config
    # ------------------------------------------------------------------
    def get_config(self):
        config = super().get_config()
        config.update({name: getattr(self, name) for name in ARGUMENTS})
        config["input_encoding"] = self.input_encoding
        return config
