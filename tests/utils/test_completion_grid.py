import numpy as np
import pytest

from keras_ar.utils import completion_grid
from keras_ar.utils import save_completion_grid
from keras_ar.utils.completion_grid import MASK_COLOURS


def test_grid_rows_show_original_masked_and_completions():
    x = np.zeros((2, 3, 3, 1))
    x[1] = 1
    known = np.ones((2, 3, 3), bool)
    known[:, 2] = False
    completions = np.ones((2, 4, 3, 3, 1))
    grid = completion_grid(x, known, completions, max_value=1, scale=1)
    # 6 columns of 3+1 pixels (+1), 2 rows.
    assert grid.shape == (2 * 4 + 1, 6 * 4 + 1, 3)
    first = grid[1:4, 1:4]  # original of image 0: black
    assert (first == 0).all()
    masked = grid[1:4, 5:8]
    assert (masked[:2] == 0).all()  # known rows as they are
    colours = {tuple(c) for c in masked[2]}
    assert colours <= set(MASK_COLOURS) and len(colours) == 2
    assert (grid[1:4, 9:12] == 255).all()  # a completion: white


def test_rgb_images_keep_their_colours(tmp_path):
    x = np.zeros((1, 2, 2, 3))
    x[..., 0] = 255
    grid = completion_grid(x, np.ones((1, 2, 2), bool), x[:, None], 255, 1)
    assert tuple(grid[1, 1]) == (255, 0, 0)
    path = save_completion_grid(
        str(tmp_path / "c.png"), x, np.ones((1, 2, 2), bool), x[:, None], 255
    )
    with open(path, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"


def test_shapes_are_checked():
    x = np.zeros((2, 3, 3, 1))
    with pytest.raises(ValueError, match=r"\(2, 3, 3\)"):
        completion_grid(x, np.ones((2, 3), bool), x[:, None], 1)
    with pytest.raises(ValueError, match="num, samples"):
        completion_grid(x, np.ones((2, 3, 3), bool), x, 1)
