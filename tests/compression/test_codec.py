import os
import struct
import subprocess
import sys
import zlib

import numpy as np
import pytest

from keras_ar.compression import CompressionError
from keras_ar.compression import decode
from keras_ar.compression import encode
from keras_ar.compression import read_header
from keras_ar.compression.container import unpack
from keras_ar.heads import Categorical
from keras_ar.models import MADE
from keras_ar.models import NADE
from keras_ar.models import PixelCNN
from keras_ar.models import PixelCNNPlusPlus
from keras_ar.models import WaveNet
from tests.compression.conftest import perturb

RNG = np.random.default_rng(0)


def _binary_images():
    model = PixelCNN(
        (4, 4, 1),
        head="bernoulli",
        filters=8,
        num_residual_blocks=1,
        output_filters=8,
        condition_classes=3,
    )
    model.build()
    return perturb(model, 0.3), RNG.integers(0, 2, (5, 4, 4, 1))


def _rgb_images():
    model = PixelCNNPlusPlus(
        (3, 3, 3), filters=8, num_resnet=1, num_hierarchies=1,
        num_logistic_mix=2, dropout=0.0,
    )  # fmt: skip
    model.build()
    return perturb(model, 0.05), RNG.integers(0, 256, (3, 3, 3, 3))


def _audio():
    model = WaveNet(
        (24, 1), head="mu_law", residual_channels=8, skip_channels=8,
        num_stacks=1, layers_per_stack=3,
    )  # fmt: skip
    return perturb(model, 0.1), RNG.integers(0, 256, (3, 24, 1))


def _tabular():
    model = MADE((5,), hidden_units=[16], head=Categorical(4))
    model.build()
    return perturb(model, 0.3), RNG.integers(0, 4, (6, 5))


CASES = {
    "binary_images_class_condition": _binary_images,
    "rgb_coupled_mixture": _rgb_images,
    "mu_law_audio": _audio,
    "tabular_categorical": _tabular,
}


def _condition(model, x):
    if not model.is_conditional:
        return None
    return np.arange(len(x)) % 3


# On JAX the image and audio cases compile slowly (45 s for PixelCNN++);
# the tabular case runs the same codec there.
@pytest.mark.parametrize(
    "case",
    [
        pytest.param(
            name,
            marks=[]
            if name == "tabular_categorical"
            else [pytest.mark.tensorflow],
        )
        for name in sorted(CASES)
    ],
)
def test_round_trip_costs_the_models_nll(case):
    model, x = CASES[case]()
    condition = _condition(model, x)
    data = encode(model, x, condition=condition, block_size=2)
    decoded, stored = decode(model, data, return_condition=True)
    assert decoded.dtype == np.int32
    assert np.array_equal(decoded, x)
    if condition is None:
        assert stored is None
    else:
        assert np.array_equal(stored["condition"], condition)
    # The ANS words cost the model's NLL plus at most 64 bits of final
    # coder state per block (and 2.2e-5 bits a value of quantization).
    header, _, words = unpack(data)
    nll_bits = -np.sum(model.log_prob(x, condition=condition)) / np.log(2)
    payload_bits = 32 * sum(len(w) for w in words)
    blocks = len(words)
    assert blocks == 3 if len(x) == 5 or len(x) == 6 else blocks == 2
    assert payload_bits >= nll_bits - 1e-3 * x.size - 1
    assert payload_bits <= nll_bits * 1.001 + 64 * blocks + 1e-4 * x.size
    assert header["count"] == len(x)
    # The rest: a header of under 220 bytes and the condition's bytes.
    extra = 0 if stored is None else stored["condition"].nbytes
    assert len(data) - 4 * sum(len(w) for w in words) - extra < 220


def test_nade_round_trip_and_header():
    model = perturb(NADE((6,), hidden_units=4), 0.5)
    x = RNG.integers(0, 2, (4, 6))
    data = encode(model, x, metadata={"source": "test"})
    assert np.array_equal(decode(model, data), x)
    header = read_header(data)
    assert header["model"] == "NADE"
    assert header["shape"] == [6] and header["metadata"] == {"source": "test"}


def _restamp(body):
    """A stream with a valid outer CRC over altered bytes."""
    return body + struct.pack("<I", zlib.crc32(body))


@pytest.mark.tensorflow
def test_damage_truncation_and_another_model_fail_cleanly():
    model, x = _binary_images()
    condition = _condition(model, x)
    data = encode(model, x, condition=condition, block_size=2)
    flipped = bytearray(data)
    flipped[-6] ^= 0x10
    with pytest.raises(CompressionError, match="CRC-32"):
        decode(model, bytes(flipped))
    with pytest.raises(CompressionError, match="truncated"):
        decode(model, data[:-9])
    with pytest.raises(CompressionError, match="Not a keras_ar"):
        decode(model, b"PNG" + data)
    with pytest.raises(CompressionError, match="bytes of a compressed"):
        decode(model, "text")
    # Altered words behind a valid outer CRC: the per-block checksum.
    with pytest.raises(CompressionError, match="checksum differs"):
        decode(model, _restamp(bytes(flipped[:-4])))
    other, _ = _binary_images()
    with pytest.raises(CompressionError, match="another model"):
        decode(other, data)


def test_continuous_heads_and_bad_values_are_refused():
    model = MADE((3,), hidden_units=[4], head="gaussian")
    model.build()
    with pytest.raises(ValueError, match="discrete head"):
        encode(model, np.zeros((1, 3)))
    model, x = _binary_images()
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        encode(model, x * 3, condition=_condition(model, x))


@pytest.mark.tensorflow
def test_decode_in_a_fresh_process(tmp_path):
    model, x = _binary_images()
    condition = _condition(model, x)
    data = encode(model, x, condition=condition, block_size=2)
    model.save(tmp_path / "model.keras")
    (tmp_path / "x.kar").write_bytes(data)
    np.save(tmp_path / "x.npy", x)
    script = (
        "import sys, numpy as np, keras, keras_ar\n"
        "from keras_ar.compression import decode\n"
        "d = sys.argv[1]\n"
        "model = keras.saving.load_model(d + '/model.keras')\n"
        "data = open(d + '/x.kar', 'rb').read()\n"
        "y, c = decode(model, data, return_condition=True)\n"
        "assert np.array_equal(y, np.load(d + '/x.npy')), 'values differ'\n"
        "print('decoded', y.shape, c['condition'].tolist())\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=240,
        env=dict(os.environ, KERAS_BACKEND="tensorflow"),
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "decoded (5, 4, 4, 1) [0, 1, 2, 0, 1]" in result.stdout
