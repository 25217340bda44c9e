"""ImageModel: what PixelCNN, Gated PixelCNN and PixelRNN share."""

from keras import ops

from keras_ar.conditioning import ConditionSpec
from keras_ar.heads import Standardized
from keras_ar.heads import get_head
from keras_ar.models.autoregressive_model import AutoregressiveModel


class ImageModel(AutoregressiveModel):
    """A model of images `(height, width, channels)` in raster order (R
    then G then B within a pixel) made of an image backbone and a head.

    Subclasses build `self.backbone` in their constructor and call
    `set_backbone(backbone)`, which copies the backbone's arguments named
    in `backbone_args` onto the model (and into `get_config`). The
    backbone offers the cached-generation interface of
    `PixelCNNBackbone`: `build_cache(batch, width, condition, ...)`,
    `write_inputs(cache, values, col)`, `next_row(cache, condition)` and
    `step(...)`; `write_previous_pixel` does the part of
    `call_with_cache` every image model shares.

    Args:
        event_shape: `(height, width, channels)`.
        head: a `keras_ar.heads` head, a head name or a number of classes.
        condition_classes: number of classes of a class condition.
        condition_size: length of a vector condition, not together with
            `condition_classes`.
        **kwargs: `keras.Model` arguments.
    """

    #: Names of the backbone's constructor arguments that the model takes
    #: too (copied by `set_backbone`, returned by `get_config`).
    backbone_args = ()

    #: True for models whose backbone emits features per pixel that see
    #: only earlier pixels (no channel groups: PixelCNN++, PixelSNAIL);
    #: the head then orders the channels within a pixel, and a head that
    #: `couples_channels` may be used. Their cached step is `pixel_step`.
    pixel_features = False

    @property
    def accepts_coupled_heads(self):
        return self.pixel_features

    def __init__(
        self,
        event_shape,
        head=None,
        condition_classes=None,
        condition_size=None,
        **kwargs,
    ):
        spec = ConditionSpec.from_args(
            condition_classes=condition_classes, condition_size=condition_size
        )
        super().__init__(
            event_shape, get_head(head), condition_spec=spec, **kwargs
        )
        if len(self.event_shape) != 3:
            raise ValueError(
                f"{self.__class__.__name__} expects `event_shape=(height, "
                f"width, channels)`. Received: event_shape={event_shape}"
            )
        self.condition_size = getattr(spec.part("condition"), "size", None)

    def backbone_kwargs(self):
        """The arguments every image backbone takes from the model."""
        return dict(
            channels=self.channels,
            features_size=self.head.features_size(self.channels),
            condition_classes=self.condition_classes,
            condition_size=self.condition_size,
            name="backbone",
            dtype=self.dtype_policy,
        )

    def set_backbone(self, backbone):
        """Keeps `backbone`, copies its `backbone_args` and builds."""
        self.backbone = backbone
        for name in self.backbone_args:
            setattr(self, name, getattr(backbone, name))
        self.build()

    # ------------------------------------------------------------------
    # Cached generation
    # ------------------------------------------------------------------
    def pixel_features_cache(self, batch_size):
        """The cache entry `pixel_step` needs: `{"pixel_features": zeros
        (batch, features_size)}`."""
        size = self.backbone.features_size
        return {"pixel_features": ops.zeros((batch_size, size), "float32")}

    def pixel_values(self, x, pixel):
        """The values `(batch, channels)` of flat pixel `pixel` of `x`."""
        height, width, channels = self.event_shape
        pixels = ops.reshape(x, (-1, height * width, channels))
        return ops.take(pixels, pixel, axis=1)

    def pixel_step(self, x, cache, index, compute):
        """`call_with_cache` of a model with `pixel_features`.

        Args:
            x: the events being generated (every earlier value written).
            cache: the generation cache, with `pixel_features_cache`'s
                entry when the image has several channels.
            index: the step: flat pixel `index // channels`, channel
                `index % channels`.
            compute: `compute(cache) -> (features (batch, features_size),
                cache)`, the backbone at pixel `index // channels`. It
                runs at the first channel of each pixel only; the later
                channels reuse its features (`cache["pixel_features"]`).

        Returns:
            `(params, cache)`: the parameters `(batch, 1) + param_shape`
            of the step's channel, the head applied to the pixel's
            features with the pixel's current values (a head that
            `couples_channels` reads the channels written before).
        """
        channels = self.channels
        index = ops.cast(index, "int32")
        pixel = index // channels
        if channels == 1:
            features, cache = compute(cache)
        else:

            def run():
                features, new = compute(cache)
                features = ops.cast(features, "float32")
                return {**new, "pixel_features": features}

            cache = ops.cond(
                ops.equal(index % channels, 0), run, lambda: dict(cache)
            )
            features = cache["pixel_features"]
        values = self.pixel_values(x, pixel)
        params = self.head_params(
            ops.expand_dims(features, 1), ops.expand_dims(values, 1)
        )
        return ops.take(params, index % channels, axis=2), cache

    def backbone_cache_options(self, xla):
        """Extra `backbone.build_cache` arguments for a loop compiled by
        XLA or not."""
        return {}

    def build_generation_cache(
        self, x, known, condition, noise, use_cache=True, xla=False
    ):
        cache = super().build_generation_cache(
            x, known, condition, noise, use_cache, xla
        )
        if use_cache:
            batch, width = ops.shape(x)[0], self.event_shape[1]
            options = self.backbone_cache_options(xla)
            cache.update(
                self.backbone.build_cache(batch, width, condition, **options)
            )
        return cache

    def encode_pixels(self, x, start, size=1):
        """The scaled values `(batch, size, channels)` of the flat pixels
        `[start, start + size)` (`size` static)."""
        height, width, channels = self.event_shape
        standardized = isinstance(self.head, Standardized)
        if standardized:
            # Per-position statistics: scale the image, then take pixels.
            x = self.head.encode_inputs(x)
        pixels = ops.reshape(x, (-1, height * width, channels))
        values = ops.slice(
            pixels, (0, start, 0), (ops.shape(x)[0], size, channels)
        )
        return values if standardized else self.head.encode_inputs(values)

    def write_previous_pixel(self, x, cache, index):
        """`(cache, new_row)` at step `index`: the pixel written last (at
        step `index - 1`) copied into the backbone's input cache (whole
        pixels, which also keeps the known values of `complete`), and
        whether the step starts an image row (a scalar bool tensor)."""
        width, channels = self.event_shape[1], self.channels
        index = ops.cast(index, "int32")
        previous = ops.maximum(index - 1, 0) // channels
        values = ops.reshape(self.encode_pixels(x, previous), (-1, channels))
        cache = self.backbone.write_inputs(cache, values, previous % width)
        new_row = ops.logical_and(
            ops.equal(index % (width * channels), 0), ops.greater(index, 0)
        )
        return cache, new_row

    def get_config(self):
        config = super().get_config()
        config.update(
            {name: getattr(self, name) for name in self.backbone_args}
        )
        config["condition_classes"] = self.condition_classes
        config["condition_size"] = self.condition_size
        return config
