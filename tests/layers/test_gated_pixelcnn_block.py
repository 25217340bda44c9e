import keras
import numpy as np
import pytest

from keras_ar.layers import GatedPixelCNNBlock
from keras_ar.layers import channel_groups_of
from keras_ar.testing import assert_autoregressive
from keras_ar.testing import dependency_matrix


def _randomize(layer, seed=1, scale=0.5):
    rng = np.random.default_rng(seed)
    for w in layer.weights:
        w.assign(rng.normal(0, scale, w.shape).astype("float32"))


def _positions(height, width, groups, channels):
    """AR position of each (row, col, channel): pixel * groups + group."""
    pixel = np.arange(height * width).reshape(height, width, 1)
    group = channel_groups_of(channels, groups).reshape(1, 1, -1)
    return pixel * groups + group


def _stack(blocks, condition=None):
    """image -> horizontal output of the stacked blocks."""

    def fn(x):
        v, h = x, x
        for block in blocks:
            v, h = block([v, h], condition=condition)
        return h

    return fn


# ----------------------------------------------------------------------
# Shapes, configuration (the checks of Keras's `run_layer_test`)
# ----------------------------------------------------------------------
@pytest.mark.parametrize(
    "kwargs, in_channels",
    [
        ({"mask_type": "A"}, 1),
        ({"mask_type": "A", "channel_groups": 3, "kernel_size": 5}, 3),
        ({"mask_type": "B"}, 4),
        ({"mask_type": "B", "channel_groups": 2, "kernel_size": 1}, 4),
    ],
)
def test_output_shapes_and_symbolic_call(kwargs, in_channels):
    block = GatedPixelCNNBlock(4, **kwargs)
    x = np.zeros((2, 5, 6, in_channels), "float32")
    v, h = block([x, x])
    assert tuple(v.shape) == (2, 5, 6, 4) and tuple(h.shape) == (2, 5, 6, 4)
    shapes = block.compute_output_shape([x.shape, x.shape])
    assert [tuple(s) for s in shapes] == [(2, 5, 6, 4)] * 2
    # Functional (symbolic) use.
    inputs = keras.Input((5, 6, in_channels))
    outputs = GatedPixelCNNBlock(4, **kwargs)([inputs, inputs])
    model = keras.Model(inputs, outputs)
    assert [tuple(o.shape) for o in model.outputs] == [(None, 5, 6, 4)] * 2


def test_weights_are_trainable_and_counted():
    block = GatedPixelCNNBlock(4, 3, condition_classes=5)
    x = np.zeros((1, 3, 3, 4), "float32")
    block([x, x], condition=np.array([1]))
    names = sorted(w.path.split("/")[-2] for w in block.trainable_weights)
    assert "vertical_conv" in names and "horizontal_tanh" in names
    assert "condition_embedding" in names
    assert len(block.non_trainable_weights) == 0
    # vertical 2x3 conv (4 -> 8), link 8 -> 8, two 1x3 convs 4 -> 4, 1x1
    # 4 -> 4, embedding 5 x 16.
    expected = (2 * 3 * 4 * 8 + 8) + (8 * 8 + 8) + 2 * (3 * 4 * 4 + 4)
    expected += 4 * 4 + 4 + 5 * 16
    assert block.count_params() == expected


def test_config_round_trip_and_serialization():
    block = GatedPixelCNNBlock(
        6, 5, mask_type="A", channel_groups=3, condition_size=2, name="g"
    )
    config = block.get_config()
    assert config["filters"] == 6 and config["kernel_size"] == 5
    assert config["mask_type"] == "A" and config["channel_groups"] == 3
    assert config["condition_size"] == 2
    assert config["condition_classes"] is None
    x = np.random.default_rng(0).normal(size=(2, 4, 4, 3)).astype("float32")
    c = np.random.default_rng(1).normal(size=(2, 2)).astype("float32")
    block([x, x], condition=c)
    _randomize(block)
    clone = keras.saving.deserialize_keras_object(
        keras.saving.serialize_keras_object(block)
    )
    assert clone.get_config() == config
    clone([x, x], condition=c)
    clone.set_weights(block.get_weights())
    for a, b in zip(clone([x, x], condition=c), block([x, x], condition=c)):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6)


def test_mixed_precision():
    block = GatedPixelCNNBlock(4, 3, dtype="mixed_float16")
    x = np.ones((1, 4, 4, 4), "float32")
    v, h = block([x, x])
    assert keras.backend.standardize_dtype(v.dtype) == "float16"
    assert block.vertical_conv.kernel.dtype == "float32"


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"filters": 4, "kernel_size": 2}, "odd"),
        ({"filters": 4, "mask_type": "C"}, "mask_type"),
        ({"filters": 2, "channel_groups": 3}, "at least"),
        ({"filters": 0}, "filters"),
        (
            {"filters": 4, "condition_classes": 2, "condition_size": 3},
            "not both",
        ),
        ({"filters": 4, "condition_size": 0}, "condition_size"),
    ],
)
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        GatedPixelCNNBlock(**kwargs)


def test_bad_inputs_and_conditions():
    x = np.zeros((1, 3, 3, 6), "float32")
    with pytest.raises(ValueError, match="expects 4 horizontal input"):
        GatedPixelCNNBlock(4)([x, x])
    x = np.zeros((1, 3, 3, 4), "float32")
    with pytest.raises(ValueError, match="needs a condition"):
        GatedPixelCNNBlock(4, condition_classes=3)([x, x])
    with pytest.raises(ValueError, match="takes no condition"):
        GatedPixelCNNBlock(4)([x, x], condition=np.array([1]))


def test_condition_starts_with_no_effect_then_changes_both_stacks():
    block = GatedPixelCNNBlock(4, 3, condition_classes=3)
    x = np.random.default_rng(0).normal(size=(1, 3, 3, 4)).astype("float32")
    a = block([x, x], condition=np.array([0]))
    b = block([x, x], condition=np.array([2]))
    for u, w in zip(a, b):
        np.testing.assert_array_equal(u, w)
    _randomize(block)
    a = block([x, x], condition=np.array([0]))
    b = block([x, x], condition=np.array([2]))
    for u, w in zip(a, b):
        assert not np.allclose(u, w)


# ----------------------------------------------------------------------
# The autoregressive property (perturbation)
# ----------------------------------------------------------------------
@pytest.mark.parametrize("groups", [1, 3])
def test_stacked_blocks_are_autoregressive(groups):
    height, width = 4, 5
    blocks = [GatedPixelCNNBlock(6, 3, "A", groups)] + [
        GatedPixelCNNBlock(6, 3, "B", groups) for _ in range(2)
    ]
    x = np.random.default_rng(0).normal(size=(1, height, width, groups))
    fn = _stack(blocks)
    fn(x.astype("float32"))
    for i, block in enumerate(blocks):
        _randomize(block, seed=i)
    m = dependency_matrix(
        fn,
        x,
        _positions(height, width, groups, groups),
        _positions(height, width, groups, 6),
        perturb=lambda v: v + 1.0,
    )
    assert_autoregressive(m, strict=True)
    g = groups
    target = (2 * width + 2) * g  # pixel (2, 2), first group
    assert m[(2 * width + 1) * g, target]  # left neighbour
    assert m[(1 * width + 4) * g, target]  # up and right: no blind spot
    assert m[(0 * width + 0) * g, target]  # two rows up, two left
    if groups == 3:
        # Within pixel (2, 2): G sees R, B sees R and G, R sees neither.
        assert m[target, target + 1] and m[target, target + 2]
        assert m[target + 1, target + 2]


def test_first_block_alone_is_strict_and_later_blocks_see_themselves():
    x = np.random.default_rng(0).normal(size=(1, 3, 4, 3)).astype("float32")
    first = GatedPixelCNNBlock(3, 3, "A", channel_groups=3)
    first([x, x])
    _randomize(first)
    m = dependency_matrix(
        _stack([first]),
        x,
        _positions(3, 4, 3, 3),
        _positions(3, 4, 3, 3),
        perturb=lambda v: v + 1.0,
    )
    assert_autoregressive(m, strict=True)
    later = GatedPixelCNNBlock(3, 3, "B", channel_groups=3)
    later([x, x])
    _randomize(later)
    m = dependency_matrix(
        lambda h: later([x, h])[1],
        x,
        _positions(3, 4, 3, 3),
        _positions(3, 4, 3, 3),
        perturb=lambda v: v + 1.0,
    )
    assert_autoregressive(m, strict=False)
    assert m[15, 15] and not m[16, 15]  # pixel 5: own group, not G -> R


def test_vertical_stack_sees_only_rows_up_to_its_own():
    block = GatedPixelCNNBlock(4, 3, "B")
    rng = np.random.default_rng(0)
    v = rng.normal(size=(1, 4, 5, 2)).astype("float32")
    h = rng.normal(size=(1, 4, 5, 4)).astype("float32")
    block([v, h])
    _randomize(block)
    rows = np.broadcast_to(np.arange(4)[:, None, None], (4, 5, 2))
    out_rows = np.broadcast_to(np.arange(4)[:, None, None], (4, 5, 4))
    vertical = dependency_matrix(
        lambda x: block([x, h])[0], v, rows, out_rows, lambda x: x + 1.0
    )
    horizontal = dependency_matrix(
        lambda x: block([x, h])[1], v, rows, out_rows, lambda x: x + 1.0
    )
    assert_autoregressive(vertical, strict=False)  # rows <= own row
    assert vertical[2, 2] and vertical[1, 2]
    assert_autoregressive(horizontal, strict=True)  # rows strictly above
    assert horizontal[1, 2]


# ----------------------------------------------------------------------
# Fast generation: a row of the vertical stack, a pixel of the other
# ----------------------------------------------------------------------
@pytest.mark.parametrize(
    "kwargs",
    [
        {"kernel_size": 3, "mask_type": "B"},
        {"kernel_size": 5, "mask_type": "B", "condition_classes": 3},
        {"kernel_size": 1, "mask_type": "B", "condition_size": 2},
    ],
)
def test_steps_equal_the_full_block(kwargs):
    block = GatedPixelCNNBlock(4, **kwargs)
    rng = np.random.default_rng(2)
    batch, height, width = 2, 4, 5
    v = rng.normal(size=(batch, height, width, 3)).astype("float32")
    h = rng.normal(size=(batch, height, width, 4)).astype("float32")
    condition = None
    if "condition_classes" in kwargs:
        condition = np.array([0, 2])
    elif "condition_size" in kwargs:
        condition = rng.normal(size=(batch, 2)).astype("float32")
    block([v, h], condition=condition)
    _randomize(block)
    full_v, full_h = (
        keras.ops.convert_to_numpy(t) for t in block([v, h], condition)
    )
    biases = block.condition_biases(condition) or (None, None)
    vertical = block.vertical_cache(batch, width, 3)
    horizontal = block.horizontal_cache(batch, width)
    link = np.zeros((batch, width, 8), "float32")
    weights = block.step_weights()
    for row in range(height):
        vertical = block.push_row(vertical, v[:, row])
        out, next_link = block.vertical_row(vertical, biases[0])
        np.testing.assert_allclose(out, full_v[:, row], atol=1e-5)
        for col in range(width):
            step, horizontal = block.horizontal_step(
                h[:, row, col], horizontal, col, link[:, col], biases[1],
                weights,
            )  # fmt: skip
            np.testing.assert_allclose(step, full_h[:, row, col], atol=1e-5)
        link = keras.ops.convert_to_numpy(next_link)
