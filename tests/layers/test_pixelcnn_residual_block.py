import keras
import numpy as np
import pytest

from keras_ar.layers import PixelCNNResidualBlock
from keras_ar.testing import assert_autoregressive
from keras_ar.testing import dependency_matrix


def _randomize(layer, seed=1):
    rng = np.random.default_rng(seed)
    for w in layer.weights:
        w.assign(rng.normal(0, 0.5, w.shape).astype("float32"))


def test_output_shape_and_residual():
    block = PixelCNNResidualBlock(4, channel_groups=2)
    x = np.random.default_rng(0).normal(size=(2, 5, 6, 8)).astype("float32")
    y = keras.ops.convert_to_numpy(block(x))
    assert y.shape == (2, 5, 6, 8)
    # Zero expand weights: the block is the identity.
    block.expand.kernel.assign(np.zeros(block.expand.kernel.shape))
    block.expand.bias.assign(np.zeros(block.expand.bias.shape))
    np.testing.assert_allclose(block(x), x, atol=1e-6)


def test_block_keeps_the_autoregressive_property():
    block = PixelCNNResidualBlock(3, channel_groups=3)
    x = np.random.default_rng(0).normal(size=(1, 3, 3, 6)).astype("float32")
    block(x)
    _randomize(block)
    pixel = np.arange(9).reshape(3, 3, 1)
    positions = pixel * 3 + (np.arange(6) // 2).reshape(1, 1, 6)
    m = dependency_matrix(
        block, x, positions, positions, perturb=lambda v: v + 1.0
    )
    assert_autoregressive(m, strict=False)  # mask B: sees its own group
    assert m[12, 13] and not m[13, 12] and m[3, 12]


@pytest.mark.parametrize("groups, kernel_size", [(1, 3), (3, 5), (1, 1)])
def test_step_equals_the_full_block(groups, kernel_size):
    block = PixelCNNResidualBlock(6, kernel_size, channel_groups=groups)
    rng = np.random.default_rng(2)
    x = rng.normal(size=(3, 4, 5, 12)).astype("float32")
    block(x)
    _randomize(block)
    full = keras.ops.convert_to_numpy(block(x))
    cache = block.empty_cache(3, 5)
    weights = block.step_weights()
    for row in range(4):
        if row:
            cache = block.conv.next_row(cache)
        for col in range(5):
            out, cache = block.step(x[:, row, col], cache, col, weights)
            np.testing.assert_allclose(out, full[:, row, col], atol=1e-5)


def test_config_round_trip():
    block = PixelCNNResidualBlock(4, 5, channel_groups=2, name="b")
    config = block.get_config()
    assert config["filters"] == 4 and config["kernel_size"] == 5
    assert config["channel_groups"] == 2
    clone = PixelCNNResidualBlock.from_config(config)
    x = np.random.default_rng(0).normal(size=(1, 4, 4, 8)).astype("float32")
    block(x)
    clone(x)
    clone.set_weights(block.get_weights())
    np.testing.assert_allclose(clone(x), block(x), rtol=1e-6)


def test_bad_input_channels():
    with pytest.raises(ValueError, match="expects 8 input channels"):
        PixelCNNResidualBlock(4)(np.zeros((1, 3, 3, 6), "float32"))
