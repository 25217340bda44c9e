import pytest

from keras_ar import cli


@pytest.mark.parametrize(
    "flags, message",
    [
        (["--epochs", "0"], "`--epochs` must be a positive int"),
        (["--batch-size", "-1"], "`--batch-size` must be a positive int"),
        (["--val-size", "-1"], "`--val-size` must be an int >= 0"),
        (["--learning-rate", "0"], "`--learning-rate` must be > 0"),
        (["--seed", "-3"], "`seed` must be None or an int"),
    ],
)
def test_bad_arguments_fail_before_any_work(flags, message, tmp_path, capsys):
    out = tmp_path / "run"
    args = ["train", "pixelcnn", "--data", "digits", "--out", str(out)]
    assert cli.main(args + flags) == 2
    assert message in capsys.readouterr().err
    assert not out.exists()
