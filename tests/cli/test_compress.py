import numpy as np
import pytest
from PIL import Image
from scipy.io import wavfile

from keras_ar.cli import main
from keras_ar.models import PixelCNN
from keras_ar.models import WaveNet
from tests.compression.conftest import perturb

pytestmark = pytest.mark.tensorflow


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    root = tmp_path_factory.mktemp("compress")
    rng = np.random.default_rng(0)
    image = PixelCNN(
        (6, 5, 1), filters=8, num_residual_blocks=1, output_filters=8
    )
    image.build()
    perturb(image, 0.1).save(root / "image.keras")
    binary = PixelCNN(
        (6, 5, 1), head="bernoulli", filters=8, num_residual_blocks=1,
        output_filters=8,
    )  # fmt: skip
    binary.build()
    perturb(binary, 0.3).save(root / "binary.keras")
    audio = WaveNet(
        (64, 1), head="mu_law", residual_channels=8, skip_channels=8,
        num_stacks=1, layers_per_stack=2,
    )  # fmt: skip
    perturb(audio, 0.1).save(root / "audio.keras")
    text = WaveNet(
        (32, 1), head=256, residual_channels=8, skip_channels=8,
        num_stacks=1, layers_per_stack=2, input_encoding="one_hot",
    )  # fmt: skip
    perturb(text, 0.1).save(root / "text.keras")
    Image.fromarray(rng.integers(0, 256, (6, 5)).astype("uint8")).save(
        root / "grey.png"
    )
    Image.fromarray(255 * rng.integers(0, 2, (6, 5)).astype("uint8")).save(
        root / "bw.png"
    )
    wavfile.write(root / "u8.wav", 8000, rng.integers(0, 256, 150, "uint8"))
    wavfile.write(root / "s16.wav", 8000, rng.integers(-900, 900, 90, "int16"))
    return root


def _round_trip(root, model, name, out, *flags):
    packed = str(root / f"{name}.kar")
    args = [str(root / model), str(root / name), packed]
    assert main(["compress", *args, *flags]) == 0
    assert main(["decompress", str(root / model), packed, str(root / out)]) == 0
    return packed


@pytest.mark.parametrize(
    "model,name,out",
    [
        ("image.keras", "grey.png", "grey_out.png"),
        ("binary.keras", "bw.png", "bw_out.png"),
    ],
)
def test_png_round_trip_is_exact(files, model, name, out, capsys):
    _round_trip(files, model, name, out)
    assert "bits per value" in capsys.readouterr().out
    before = np.asarray(Image.open(files / name))
    after = np.asarray(Image.open(files / out))
    assert after.dtype == before.dtype and np.array_equal(after, before)


def test_wav_round_trip_is_byte_identical(files):
    _round_trip(files, "audio.keras", "u8.wav", "u8_out.wav")
    assert (files / "u8.wav").read_bytes() == (
        files / "u8_out.wav"
    ).read_bytes()


def test_mu_law_codes_of_16_bit_audio(files):
    packed = str(files / "s16.kar")
    assert main(["compress", str(files / "audio.keras"), str(files / "s16.wav"),
                 packed, "--mu-law"]) == 0  # fmt: skip
    out = str(files / "s16_out.wav")
    assert main(["decompress", str(files / "audio.keras"), packed, out]) == 0
    from keras_ar.heads import mu_law_decode
    from keras_ar.heads import mu_law_encode

    _, before = wavfile.read(files / "s16.wav")
    _, after = wavfile.read(out)
    expected = mu_law_decode(mu_law_encode(before / 32768.0))
    assert np.max(np.abs(after / 32768.0 - expected)) <= 1 / 32768


def test_text_round_trip_is_byte_identical(files, monkeypatch, capsys):
    from keras_ar.compression import files as compression_files

    # 301 bytes in windows of at most 64: 5 windows of 61, 4 bytes of pad.
    monkeypatch.setattr(compression_files, "TEXT_WINDOW", 64)
    text = "ROMEO:\nBut soft, what light through yonder window breaks? é\n"
    raw = (text.encode() * 6)[:301]
    (files / "play.txt").write_bytes(raw)
    packed = _round_trip(files, "text.keras", "play.txt", "play_out.txt")
    assert "301 values" in capsys.readouterr().out
    assert (files / "play_out.txt").read_bytes() == raw
    from keras_ar.compression import read_header

    with open(packed, "rb") as f:
        header = read_header(f.read())
    assert header["shape"] == [61, 1] and header["count"] == 5
    assert header["metadata"] == {"kind": "text", "length": 301}


def test_bad_files_and_models_are_errors(files, capsys):
    root = str(files)
    # A 16-bit WAV is not lossless with 256 values without --mu-law.
    assert main(["compress", f"{root}/audio.keras", f"{root}/s16.wav",
                 f"{root}/x.kar"]) == 2  # fmt: skip
    assert "8-bit WAV for 256 values" in capsys.readouterr().err
    # An image of another shape.
    Image.fromarray(np.zeros((4, 4), "uint8")).save(files / "small.png")
    assert main(["compress", f"{root}/image.keras", f"{root}/small.png",
                 f"{root}/x.kar"]) == 2  # fmt: skip
    assert "(6, 5, 1)" in capsys.readouterr().err
    # A grey image for a 2-value model.
    assert main(["compress", f"{root}/binary.keras", f"{root}/grey.png",
                 f"{root}/x.kar"]) == 2  # fmt: skip
    assert "0 and 255 only" in capsys.readouterr().err
    # Text for an image model; an empty text file.
    (files / "empty.txt").write_bytes(b"")
    (files / "note.txt").write_bytes(b"abc")
    assert main(["compress", f"{root}/image.keras", f"{root}/note.txt",
                 f"{root}/x.kar"]) == 2  # fmt: skip
    assert "one-channel sequence model" in capsys.readouterr().err
    assert main(["compress", f"{root}/text.keras", f"{root}/empty.txt",
                 f"{root}/x.kar"]) == 2  # fmt: skip
    assert "is empty" in capsys.readouterr().err
    # Decoding with another model.
    packed = _round_trip(files, "image.keras", "grey.png", "g.png")
    assert main(["decompress", f"{root}/binary.keras", packed,
                 f"{root}/x.png"]) == 2  # fmt: skip
    assert "another model" in capsys.readouterr().err
