import io
import math
import zlib

import numpy as np
import pytest
from PIL import Image

from keras_ar.ood import code_length_bits
from keras_ar.ood import input_complexity_score
from keras_ar.ood import ood_score


class UniformModel:
    """A stand-in model with a known likelihood: uniform over 256 values
    at each of the 64 positions, log p(x) = -64 log 256 for every x."""

    def log_prob(self, x, condition=None, batch_size=None):
        return np.full(len(x), -64 * math.log(256.0))


@pytest.fixture
def images():
    flat = np.full((1, 8, 8, 1), 7, "uint8")
    noise = np.random.default_rng(0).integers(0, 256, (1, 8, 8, 1))
    return np.concatenate([flat, noise]).astype("int32")


def test_code_lengths_are_the_compressed_file_sizes(images):
    buffer = io.BytesIO()
    Image.fromarray(images[1, ..., 0].astype("uint8")).save(
        buffer, format="PNG", optimize=True, compress_level=9
    )
    png = code_length_bits(images)
    assert png[1] == 8 * len(buffer.getvalue())
    assert png[0] < png[1]
    raw = images[0].astype("uint8").tobytes()
    assert code_length_bits(images, "zlib")[0] == 8 * len(zlib.compress(raw, 9))
    for name in ("bz2", "lzma"):
        bits = code_length_bits(images, name)
        assert bits[0] < bits[1]
    buffer = io.BytesIO()
    Image.fromarray(images[1, ..., 0].astype("uint8")).save(
        buffer, format="WEBP", lossless=True, quality=100, method=6
    )
    webp = code_length_bits(images, "webp")
    assert webp[1] == 8 * len(buffer.getvalue())
    assert webp[0] < webp[1]
    # Values above 255 go to 16-bit PNG, which costs more than 8-bit.
    deep = code_length_bits(images * 256)
    assert deep[1] > png[1]


def test_input_complexity_on_a_known_model(images):
    model = UniformModel()
    nll_bits = 64 * 8.0
    for compressor in ("png", "zlib"):
        score = input_complexity_score(model, images, compressor)
        np.testing.assert_allclose(
            score, nll_bits - code_length_bits(images, compressor)
        )
    # Equal likelihoods: the simpler (flat) image is the more surprising
    # one, since a general compressor explains it better than the model.
    score = ood_score(model, images, "input_complexity")
    assert score[0] > score[1]
    # Incompressible noise: the PNG is longer than the model's 512 bits.
    assert score[1] < 0


def test_input_complexity_rejects_bad_input(images):
    with pytest.raises(ValueError, match="compressor"):
        code_length_bits(images, "gzip")
    with pytest.raises(ValueError, match=r"channels\) with 1, 3 or 4"):
        code_length_bits(np.zeros((2, 10)), "png")
    with pytest.raises(ValueError, match="whole values"):
        code_length_bits(np.full((1, 4, 4, 1), 0.5), "png")
    with pytest.raises(ValueError, match=r"'webp' needs whole .* 0..255"):
        code_length_bits(images * 256, "webp")
    with pytest.raises(ValueError, match=r"'webp' needs images"):
        code_length_bits(np.zeros((2, 10)), "webp")
    assert code_length_bits(np.full((1, 10), 0.5), "zlib")[0] > 0
