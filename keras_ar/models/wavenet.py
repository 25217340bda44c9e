"""WaveNet (van den Oord et al., 2016) with Fast WaveNet generation."""

import types

import keras
import numpy as np
from keras import ops

from keras_ar.heads.discretized_logistic_mixture import (
    DiscretizedLogisticMixture,
)
from keras_ar.heads.get_head import get_head
from keras_ar.heads.mu_law_categorical import MuLawCategorical
from keras_ar.layers.causal_conv1d import CausalDilatedConv1D
from keras_ar.layers.wavenet_block import WaveNetBlock
from keras_ar.utils import validation
CONDITION_KEYS = ('label', 'condition', 'y')
from keras_ar.models.autoregressive_model import AutoregressiveModel

#: Dict key of the local condition in dict inputs (`fit`, `log_prob`).
LOCAL_CONDITION_KEY = "local_condition"


def _resolve_head(head):
    if head is None:
        return MuLawCategorical()
    if isinstance(head, str):
        name = head.lower().replace("-", "_")
        if name in ("mu_law", "mulaw", "mu_law_categorical"):
            return MuLawCategorical()
        if name in ("logistic_mixture", "discretized_logistic_mixture"):
            return DiscretizedLogisticMixture()
    return get_head(head)


@keras.saving.register_keras_serializable(package="keras_ar")
class WaveNet(AutoregressiveModel):
    """WaveNet: stacks of gated, dilated causal convolutions over sequences.

    Models `p(x) = prod_t p(x_t | x_<t)` for sequences `(length, channels)`
    (audio, integer or real-valued series, bytes of text). The input is
    shifted right by one step, then goes through a causal input
    convolution and `num_stacks` stacks of `layers_per_stack`
    `WaveNetBlock`s with dilations `1, 2, 4, ..., 2**(layers_per_stack-1)`;
    the sum of the blocks' skip outputs goes through ReLU, a 1x1 layer,
    ReLU and a 1x1 layer to the head's parameters. The channels of one
    time step are predicted independently given the past (the model's
    order is row-major, time then channel, so this is a valid, if not the
    most general, autoregressive model). Default head: a 256-way
    `MuLawCategorical` over mu-law codes (encode audio with
    `keras_ar.data.mu_law_encode`).

    Conditioning (van den Oord et al., section 2.5): `condition_classes`
    adds a global condition, an integer class id per example (e.g. a
    speaker) embedded and fed to every block; `local_condition_channels`
    adds a local condition, a feature sequence `(frames, channels)` at a
    rate `local_upsample_factor` times lower than the signal, upsampled by
    repetition (`local_upsample="repeat"`) or a learned transposed
    convolution (`"transposed"`); it needs `ceil(length / factor)` frames.
    Pass `condition=` class ids, a local feature array, or for both a dict
    `{"global": ids, "local": features}`; in dict inputs to `fit` use the
    keys `"label"` and `"local_condition"`.

    Generation (`sample`, `complete`, `forecast`) runs one compiled
    `keras.ops.fori_loop` over time. With `use_cache=True` (default) it is
    the Fast WaveNet algorithm (Paine et al., 2016): every layer keeps a
    queue of its last `(kernel_size - 1) * dilation` inputs, so a step
    costs one column of the network whatever the length. `use_cache=False`
    recomputes the whole network at every step; both give identical
    samples for the same seed.

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
        **kwargs,
    ):
        super().__init__(
            event_shape, _resolve_head(head), condition_classes, **kwargs
        )
        if len(self.event_shape) != 2:
            raise ValueError(
                "WaveNet expects `event_shape=(length, channels)`. Received: "
                f"event_shape={event_shape}"
            )
        for name, value in (
            ("residual_channels", residual_channels),
            ("skip_channels", skip_channels),
            ("num_stacks", num_stacks),
            ("layers_per_stack", layers_per_stack),
            ("kernel_size", kernel_size),
            ("condition_embedding_size", condition_embedding_size),
            ("local_upsample_factor", local_upsample_factor),
        ):
            validation.check_positive_int(value, name)
        if local_upsample not in ("repeat", "transposed"):
            raise ValueError(
                "`local_upsample` must be 'repeat' or 'transposed'. "
                f"Received: local_upsample={local_upsample!r}"
            )
        self.residual_channels = int(residual_channels)
        self.skip_channels = int(skip_channels)
        self.num_stacks = int(num_stacks)
        self.layers_per_stack = int(layers_per_stack)
        self.kernel_size = int(kernel_size)
        self.output_channels = int(output_channels or skip_channels)
        self.condition_embedding_size = int(condition_embedding_size)
        self.local_condition_channels = (
            None
            if local_condition_channels is None
            else validation.check_positive_int(
                local_condition_channels, "local_condition_channels"
            )
        )
        self.local_upsample_factor = int(local_upsample_factor)
        self.local_upsample = local_upsample
        policy = self.dtype_policy
        self.input_conv = CausalDilatedConv1D(
            self.residual_channels,
            self.kernel_size,
            1,
            name="input_conv",
            dtype=policy,
        )
        global_channels = None
        self.condition_embedding = None
        if self.condition_classes is not None:
            global_channels = self.condition_embedding_size
            self.condition_embedding = keras.layers.Embedding(
                self.condition_classes,
                self.condition_embedding_size,
                name="condition_embedding",
                dtype=policy,
            )
        self.local_upsampler = None
        if self.local_condition_channels is not None and (
            self.local_upsample == "transposed"
        ):
            self.local_upsampler = keras.layers.Conv1DTranspose(
                self.local_condition_channels,
                self.local_upsample_factor,
                strides=self.local_upsample_factor,
                padding="valid",
                name="local_upsampler",
                dtype=policy,
            )
        self.blocks = [
            WaveNetBlock(
                self.residual_channels,
                self.skip_channels,
                self.kernel_size,
                dilation,
                global_condition_channels=global_channels,
                local_condition_channels=self.local_condition_channels,
                residual_output=i < len(self.dilations) - 1,
                name=f"block_{i}",
                dtype=policy,
            )
            for i, dilation in enumerate(self.dilations)
        ]
        self.output_dense = keras.layers.Dense(
            self.output_channels,
            activation="relu",
            name="output_dense",
            dtype=policy,
        )
        self.params_dense = keras.layers.Dense(
            self.head.features_size(self.channels),
            name="params_dense",
            dtype=policy,
        )
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
        cycle = [2**i for i in range(self.layers_per_stack)]
        return cycle * self.num_stacks

    @property
    def receptive_field(self):
        """How many past time steps a prediction sees.

        `1 + (kernel_size - 1) * (1 + sum(dilations))`: one for the shift,
        `kernel_size - 1` for the input convolution and
        `(kernel_size - 1) * d` for each block of dilation `d`.
        """
        return 1 + (self.kernel_size - 1) * (1 + sum(self.dilations))

    @property
    def is_conditional(self):
        return (
            self.condition_classes is not None
            or self.local_condition_channels is not None
        )

    def local_frames(self, length=None):
        """Local-condition frames needed for `length` steps."""
        length = self.length if length is None else int(length)
        return -(-length // self.local_upsample_factor)

    # ------------------------------------------------------------------
    # Conditions
    # ------------------------------------------------------------------
    def _unpack_condition(self, condition):
        """`condition` -> `(class_ids or None, local_features or None)`."""
        if condition is None:
            return None, None
        has_global = self.condition_classes is not None
        has_local = self.local_condition_channels is not None
        if isinstance(condition, dict):
            unknown = set(condition) - {"global", "local"}
            if unknown:
                raise ValueError(
                    "A dict `condition` takes the keys 'global' (class "
                    "ids) and 'local' (features). Received keys "
                    f"{sorted(condition)}."
                )
            return condition.get("global"), condition.get("local")
        if has_global and has_local:
            if isinstance(condition, tuple) and len(condition) == 2:
                return condition[0], condition[1]
            raise ValueError(
                "This WaveNet has global and local conditioning: pass "
                "condition={'global': class_ids, 'local': features}. "
                f"Received a {type(condition).__name__}."
            )
        if has_local:
            return None, condition
        return condition, None

    def _check_condition(self, condition, batch_size, length, broadcast=True):
        """Validates a concrete condition; returns its normalized form.

        The normalized form is what `generate` and `call` take: int32 class
        ids `(batch,)`, float32 local features `(batch, frames, channels)`,
        or a dict `{"global": ids, "local": features}` when both are used.
        """
        if not self.is_conditional:
            return None
        if condition is None:
            raise ValueError(self._missing_condition_message())
        ids, local = self._unpack_condition(condition)
        out = {}
        if self.condition_classes is not None:
            if ids is None:
                raise ValueError(self._missing_condition_message())
            if broadcast and np.ndim(ids) == 0:
                ids = np.full((batch_size,), ids)
            out["global"] = validation.check_condition(self, ids, batch_size)
        if self.local_condition_channels is not None:
            if local is None:
                raise ValueError(self._missing_condition_message())
            local = np.asarray(local)
            if local.dtype.kind not in "biuf":
                raise ValueError(
                    "The local condition must be numeric. Received dtype "
                    f"{local.dtype}."
                )
            frames = self.local_frames(length)
            expected = (batch_size, frames, self.local_condition_channels)
            if broadcast and local.shape == expected[1:]:
                local = np.broadcast_to(local, expected)
            if local.shape != expected:
                raise ValueError(
                    f"The local condition must have shape {expected}: "
                    f"{frames} frames of {self.local_condition_channels} "
                    f"features, upsampled x{self.local_upsample_factor} to "
                    f"{length} steps. Received shape {local.shape}."
                )
            if not np.all(np.isfinite(local)):
                raise ValueError(
                    "The local condition contains NaN or infinite values."
                )
            out["local"] = np.ascontiguousarray(local, dtype="float32")
        if len(out) == 2:
            return out
        return next(iter(out.values()))

    def _missing_condition_message(self):
        parts = []
        if self.condition_classes is not None:
            parts.append(
                f"class ids (batch,) in [0, {self.condition_classes - 1}]"
            )
        if self.local_condition_channels is not None:
            parts.append(
                "local features (batch, frames, "
                f"{self.local_condition_channels})"
            )
        form = " and ".join(parts)
        if len(parts) == 2:
            form += " as condition={'global': ids, 'local': features}"
        return f"This WaveNet is conditional: pass `condition=` with {form}."

    def _condition_tensors(self, condition, length):
        """Embedded class vector and signal-rate local features."""
        ids, local = self._unpack_condition(condition)
        embedded = upsampled = None
        if self.condition_classes is not None:
            if ids is None:
                raise ValueError(self._missing_condition_message())
            ids = ops.reshape(ops.cast(ids, "int32"), (-1,))
            embedded = self.condition_embedding(ids)
        if self.local_condition_channels is not None:
            if local is None:
                raise ValueError(self._missing_condition_message())
            upsampled = self._upsample(local, length)
        return embedded, upsampled

    def _upsample(self, local, length):
        shape = tuple(local.shape)
        if len(shape) != 3 or shape[-1] != self.local_condition_channels:
            raise ValueError(
                "The local condition must have shape (batch, frames, "
                f"{self.local_condition_channels}). Received shape {shape}."
            )
        factor = self.local_upsample_factor
        if shape[1] is not None and length is not None:
            if shape[1] * factor < length:
                raise ValueError(
                    f"The local condition has {shape[1]} frames; "
                    f"{self.local_frames(length)} are needed to cover "
                    f"{length} steps at {factor} steps per frame."
                )
        local = ops.cast(local, self.compute_dtype)
        if self.local_upsampler is not None:
            local = self.local_upsampler(local)
        elif factor > 1:
            local = ops.repeat(local, factor, axis=1)
        return local[:, :length]

    # ------------------------------------------------------------------
    # Forward pass
    # ------------------------------------------------------------------
    def build(self, input_shape=None):
        # Builds every layer from shapes alone: no eager forward pass (op
        # by op, that costs seconds on JAX).
        self.input_conv.build((None, None, self.channels))
        for block in self.blocks:
            block.build((None, None, self.residual_channels))
        if self.condition_embedding is not None:
            self.condition_embedding.build((None,))
        if self.local_upsampler is not None:
            self.local_upsampler.build(
                (None, None, self.local_condition_channels)
            )
        self.output_dense.build((None, None, self.skip_channels))
        self.params_dense.build((None, None, self.output_channels))
        if not self.head.built:
            self.head.build(
                (None, None, self.head.features_size(self.channels))
            )
        self.built = True

    def _split_inputs(self, inputs, condition=None):
        if isinstance(inputs, dict) and LOCAL_CONDITION_KEY in inputs:
            inputs = dict(inputs)
            local = inputs.pop(LOCAL_CONDITION_KEY)
            if condition is None and self.local_condition_channels is not None:
                if self.condition_classes is None:
                    condition = local
                else:
                    ids = next(
                        (inputs[k] for k in CONDITION_KEYS if k in inputs),
                        None,
                    )
                    condition = {"global": ids, "local": local}
        if (
            self.is_conditional
            and condition is None
            and not (
                isinstance(inputs, dict)
                and any(k in inputs for k in CONDITION_KEYS)
            )
            and not (isinstance(inputs, (tuple, list)) and len(inputs) == 2)
        ):
            raise ValueError(self._missing_condition_message())
        return super()._split_inputs(inputs, condition)

    def compute_features(self, inputs, condition=None, training=None):
        length = inputs.shape[1]
        if length is None:
            length = ops.shape(inputs)[1]
        # Shift right by one: the prediction at t sees x[<t] only.
        x = ops.pad(inputs, ((0, 0), (1, 0), (0, 0)))[:, :-1]
        h = self.input_conv(x)
        embedded, local = self._condition_tensors(condition, length)
        skip = None
        for block in self.blocks:
            h, s = block(h, embedded, local)
            skip = s if skip is None else skip + s
        return self.params_dense(self.output_dense(ops.relu(skip)))

    def _step_features(self, new_input, states, embedded, local):
        """Features for one time step from the previous value (encoded)."""
        h, state = self.input_conv.step(new_input, states[0])
        new_states = [state]
        skip = None
        for block, state in zip(self.blocks, states[1:]):
            (h, s), state = block.step(h, state, embedded, local)
            new_states.append(state)
            skip = s if skip is None else skip + s
        features = self.params_dense(self.output_dense(ops.relu(skip)))
        return features, tuple(new_states)

    # ------------------------------------------------------------------
    # Likelihood
    # ------------------------------------------------------------------
    def log_prob(self, x, condition=None, batch_size=None):
        """Exact log-likelihood of each sequence, in nats.

        Args:
            x: sequences `(batch, length, channels)`, or a dict with an
                event key (`"audio"`, `"x"`...), `"label"` and/or
                `"local_condition"`.
            condition: class ids, local features, or both as a dict.
            batch_size: score NumPy inputs in chunks of this size.

        Returns:
            `(batch,)` log-probabilities (NumPy for NumPy input).
        """
        x, condition = self._split_inputs(x, condition)
        if not isinstance(x, (np.ndarray, list)):
            validation.check_event_shape(self, x, "x")
            return self._log_prob_from_params(self._params(x, condition), x)
        x = validation.check_events(self, np.asarray(x), "x")
        condition = self._check_condition(
            condition, len(x), self.length, broadcast=False
        )
        fn = self._compiled_fn("log_prob", self._log_prob_fn)
        size = len(x) if batch_size is None else int(batch_size)
        results = []
        for start in range(0, len(x), max(size, 1)):
            part = slice(start, start + size)
            args = (x[part].astype("float32"),)
            if condition is not None:
                args += (_slice_condition(condition, part),)
            results.append(ops.convert_to_numpy(fn(*args)))
        return np.concatenate(results) if results else np.zeros((0,))

    def _validate_fit_input(self, x):
        if isinstance(x, dict):
            events, condition = self._split_inputs(x)
        else:
            events, condition = x, None
        if isinstance(events, np.ndarray):
            validation.check_events(self, events, "x")
            if condition is not None and _all_numpy(condition):
                self._check_condition(
                    condition, len(events), self.length, broadcast=False
                )

    # ------------------------------------------------------------------
    # Generation
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
        """Draws `num_samples` sequences in one compiled loop.

        Args:
            num_samples: positive int.
            length: steps per sequence (default `event_shape[0]`); any
                length works, the network is convolutional.
            condition: class ids `(num_samples,)` or one int; local
                features `(num_samples, frames, channels)` or one
                `(frames, channels)` for all; or a dict of both.
            seed: int for reproducible samples, or `None`.
            temperature: positive float.
            use_cache: Fast WaveNet queues (default) or the naive full
                recompute; both give the same samples for a seed.
            progress: show a progress bar over the time steps (the loop
                runs as about 50 compiled chunks; same samples).

        Returns:
            NumPy array `(num_samples, length, channels)` (int32 for
            discrete heads: mu-law codes for `MuLawCategorical`).
        """
        num_samples = validation.check_positive_int(num_samples, "num_samples")
        length = (
            self.length
            if length is None
            else validation.check_positive_int(length, "length")
        )
        x = np.zeros((num_samples, length, self.channels), "float32")
        known = np.zeros(x.shape, bool)
        return self._generate_eager(
            x, known, condition, seed, temperature, use_cache, progress
        )

    def complete(
        self,
        x,
        known_mask,
        condition=None,
        seed=None,
        temperature=1.0,
        use_cache=True,
        progress=False,
    ):
        """Samples the unknown values of `x` (e.g. continues a prompt).

        To continue a prompt of `n` steps, pass `x` of the full length
        with the prompt in `x[:, :n]` and `known_mask[:, :n] = True`; with
        the cache, the prompt primes the queues in the same loop.

        Args:
            x: sequences `(batch, length, channels)`, any length.
            known_mask: bool, `x.shape` or `x.shape[:-1]`.
            condition: as in `sample` (one per sequence).
            seed: int or `None`.
            temperature: positive float.
            use_cache: as in `sample`.
            progress: show a progress bar, as in `sample`.

        Returns:
            NumPy array like `x` with the unknown values sampled.
        """
        if isinstance(x, dict):
            x, condition = self._split_inputs(x, condition)
        x = self._check_sequences(x, "x")
        known = validation.check_known_mask(self, known_mask, x.shape)
        return self._generate_eager(
            x.astype("float32"),
            known,
            condition,
            seed,
            temperature,
            use_cache,
            progress,
        )

    def forecast(
        self,
        context,
        steps,
        num_samples=100,
        quantiles=(0.1, 0.5, 0.9),
        condition=None,
        seed=None,
        temperature=1.0,
        use_cache=True,
        progress=False,
    ):
        """Probabilistic forecast: sample paths continuing `context`.

        Only the last `receptive_field` values of the context can affect
        the forecast, so (without local conditioning) the context is
        cropped to them first; the result is the same.

        Args:
            context: the observed series, `(time,)` (one channel),
                `(time, channels)` or `(batch, time, channels)`, in the
                head's value space (e.g. integer codes).
            steps: number of future steps.
            num_samples: sample paths per series.
            quantiles: quantile levels to report.
            condition: one condition per series (local features must
                cover `time + steps` steps).
            seed: int or `None`.
            temperature: positive float.
            use_cache: as in `sample`.
            progress: show a progress bar, as in `sample`.

        Returns:
            A dict of NumPy arrays: `"samples"` `(batch, num_samples,
            steps, channels)`, `"quantiles"` `(len(quantiles), batch,
            steps, channels)`, `"mean"` and `"median"` `(batch, steps,
            channels)`, and `"quantile_levels"`. For a `(time, channels)`
            context the batch axis is dropped, for a `(time,)` context the
            channel axis too.
        """
        steps = validation.check_positive_int(steps, "steps")
        num_samples = validation.check_positive_int(num_samples, "num_samples")
        levels = np.asarray(quantiles, "float64").reshape(-1)
        if levels.size == 0 or levels.min() < 0 or levels.max() > 1:
            raise ValueError(
                "`quantiles` must be levels in [0, 1]. Received: "
                f"quantiles={quantiles!r}"
            )
        context = np.asarray(context)
        rank = context.ndim
        if rank == 1 and self.channels == 1:
            context = context[None, :, None]
        elif rank == 2:
            context = context[None]
        elif rank != 3:
            raise ValueError(
                "`context` must have shape (time,) (one channel), (time, "
                f"{self.channels}) or (batch, time, {self.channels}). "
                f"Received shape {context.shape}."
            )
        context = self._check_sequences(context, "context")
        batch = len(context)
        local_used = self.local_condition_channels is not None
        if not local_used and context.shape[1] > self.receptive_field:
            context = context[:, -self.receptive_field :]
        known_steps = context.shape[1]
        if self.is_conditional:
            condition = self._check_condition(
                condition, batch, known_steps + steps
            )
            condition = _repeat_condition(condition, num_samples)
        x = np.zeros(
            (batch * num_samples, known_steps + steps, self.channels),
            "float32",
        )
        x[:, :known_steps] = np.repeat(context, num_samples, axis=0)
        known = np.zeros(x.shape, bool)
        known[:, :known_steps] = True
        paths = self._generate_eager(
            x, known, condition, seed, temperature, use_cache, progress
        )[:, known_steps:]
        paths = paths.reshape((batch, num_samples, steps, self.channels))
        out = {
            "samples": paths,
            "quantiles": np.quantile(paths, levels, axis=1),
            "mean": paths.mean(axis=1),
            "median": np.median(paths, axis=1),
        }
        if rank < 3:
            out["samples"] = out["samples"][0]
            out["quantiles"] = out["quantiles"][:, 0]
            out["mean"] = out["mean"][0]
            out["median"] = out["median"][0]
        if rank == 1:
            out = {key: value[..., 0] for key, value in out.items()}
        out["quantile_levels"] = levels
        return out

    def _check_sequences(self, x, name):
        """Checks `(batch, any length, channels)` sequences."""
        x = np.asarray(x)
        if x.dtype.kind not in "biuf":
            raise ValueError(
                f"`{name}` must be numeric. Received dtype {x.dtype}."
            )
        if x.ndim != 3 or x.shape[-1] != self.channels or x.shape[1] < 1:
            raise ValueError(
                f"WaveNet expects `{name}` of shape (batch, time, "
                f"{self.channels}). Received shape {x.shape}."
            )
        view = types.SimpleNamespace(event_shape=x.shape[1:], head=self.head)
        return validation.check_events(view, x, name)

    def _generate_eager(
        self, x, known, condition, seed, temperature, cache, progress=False
    ):
        validation.check_temperature(temperature)
        condition = self._check_condition(condition, len(x), x.shape[1])
        # One compiled loop per length (the loop bound is static), and XLA
        # on TensorFlow: the cached loop is many tiny ops per step.
        return self._run_generation(
            x,
            known,
            condition,
            seed,
            temperature,
            cache,
            name_suffix=f"_{x.shape[1]}",
            jit_compile=cache,
            progress=progress,
        )

    def generation_steps(self, shape, use_cache=True):
        """Time steps (cached) or values (naive) generated one by one."""
        return shape[1] if use_cache else shape[1] * shape[2]

    def initial_generation_carry(self, x, known, condition, use_cache):
        """Empty queues and a zero previous value (cached path)."""
        if not use_cache:
            return ()
        batch = ops.shape(x)[0]
        states = (self.input_conv.initial_state(batch),) + tuple(
            block.initial_state(batch) for block in self.blocks
        )
        previous = ops.zeros((batch, self.channels), self.compute_dtype)
        return previous, states

    def generate_steps(
        self,
        x,
        known,
        noise,
        temperature,
        start,
        stop,
        carry,
        condition=None,
        use_cache=True,
    ):
        """Steps `[start, stop)` of `generate`; returns `(x, carry)`."""
        if not use_cache:

            def step(x, i):
                params = self._params(x, condition)
                return self.head.sample_from_noise(params, noise, temperature)

            x = sequential_sample(
                step, x, known, tuple(x.shape[1:]), start=start, stop=stop
            )
            return x, carry
        length = int(x.shape[1])
        embedded, local = self._condition_tensors(condition, length)
        previous, states = carry

        def body(t, carry):
            x, previous, states = carry
            local_t = None if local is None else ops.take(local, t, axis=1)
            features, states = self._step_features(
                previous, states, embedded, local_t
            )
            params = self.head(features)
            values = self.head.sample_from_noise(
                params, ops.take(noise, t, axis=1), temperature
            )
            values = ops.where(
                ops.take(known, t, axis=1),
                ops.take(x, t, axis=1),
                ops.cast(values, x.dtype),
            )
            x = ops.slice_update(x, (0, t, 0), ops.expand_dims(values, 1))
            previous = ops.cast(
                self.head.encode_inputs(values), self.compute_dtype
            )
            return x, previous, states

        x, previous, states = ops.fori_loop(
            start, stop, body, (x, previous, states)
        )
        return x, (previous, states)

    # ------------------------------------------------------------------
    # Config
    # ------------------------------------------------------------------
    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "residual_channels": self.residual_channels,
                "skip_channels": self.skip_channels,
                "num_stacks": self.num_stacks,
                "layers_per_stack": self.layers_per_stack,
                "kernel_size": self.kernel_size,
                "output_channels": self.output_channels,
                "condition_embedding_size": self.condition_embedding_size,
                "local_condition_channels": self.local_condition_channels,
                "local_upsample_factor": self.local_upsample_factor,
                "local_upsample": self.local_upsample,
            }
        )
        return config


def _all_numpy(condition):
    if isinstance(condition, dict):
        return all(_all_numpy(v) for v in condition.values())
    if isinstance(condition, (tuple, list)):
        return all(_all_numpy(v) for v in condition)
    return isinstance(condition, (np.ndarray, np.generic, int, float))


def _slice_condition(condition, part):
    if isinstance(condition, dict):
        return {k: v[part] for k, v in condition.items()}
    return condition[part]


def _repeat_condition(condition, times):
    if condition is None:
        return None
    if isinstance(condition, dict):
        return {k: np.repeat(v, times, axis=0) for k, v in condition.items()}
    return np.repeat(condition, times, axis=0)
