import numpy as np
import pytest

from keras_ar.models import PixelCNN
from keras_ar.tasks import complete_images
from keras_ar.tasks import completion_mask


def test_named_masks_hide_the_named_area():
    bottom = completion_mask("bottom-half", (4, 6, 1), num=2)
    assert bottom.shape == (2, 4, 6)
    assert bottom[:, :2].all() and not bottom[:, 2:].any()
    right = completion_mask("right-half", (4, 6))[0]
    assert right[:, :3].all() and not right[:, 3:].any()
    center = completion_mask("center", (8, 8))[0]
    assert not center[2:6, 2:6].any()
    assert center.sum() == 64 - 16


def test_random_mask_hides_about_p_percent_reproducibly():
    a = completion_mask("random-50", (28, 28), num=20, seed=1)
    b = completion_mask("random-50", (28, 28), num=20, seed=1)
    np.testing.assert_array_equal(a, b)
    assert abs((~a).mean() - 0.5) < 0.02
    assert (
        abs((~completion_mask("random-10", (28, 28), 20)).mean() - 0.1) < 0.02
    )
    assert not (a[0] == a[1]).all()  # a mask per image


@pytest.mark.parametrize("kind", ["top", "random-0", "random-100", "random-x"])
def test_unknown_masks_are_refused_with_the_choices(kind):
    with pytest.raises(ValueError, match="bottom-half|random-P"):
        completion_mask(kind, (4, 4))


def _model(**kwargs):
    return PixelCNN(
        (4, 4, 1),
        head=3,
        filters=2,
        num_residual_blocks=1,
        output_filters=4,
        **kwargs,
    )


def test_completions_keep_known_pixels_and_vary_per_sample():
    model = _model()
    x = np.random.default_rng(0).integers(0, 3, (3, 4, 4, 1))
    known = completion_mask("random-50", (4, 4), num=3, seed=2)
    out = complete_images(model, x, known, samples=5, seed=1)
    assert out.shape == (3, 5, 4, 4, 1)
    for i in range(3):
        for s in range(5):
            np.testing.assert_array_equal(out[i, s][known[i]], x[i][known[i]])
    unknown = ~known[:, None, :, :, None] & np.ones_like(out, bool)
    assert set(np.unique(out[unknown])) <= {0, 1, 2}
    # Samples of one image differ somewhere (16 images, 3 values each).
    assert any((out[i, 0] != out[i, 1]).any() for i in range(3))


def test_completions_equal_model_complete_on_the_repeated_batch():
    model = _model(condition_classes=2)
    x = np.random.default_rng(1).integers(0, 3, (2, 4, 4, 1))
    known = completion_mask("bottom-half", (4, 4), num=2)
    labels = np.array([0, 1])
    out = complete_images(model, x, known, samples=2, condition=labels, seed=4)
    direct = model.complete(
        np.repeat(x, 2, axis=0),
        np.repeat(known, 2, axis=0),
        condition=np.array([0, 0, 1, 1]),
        seed=4,
    )
    np.testing.assert_array_equal(out.reshape(direct.shape), direct)


def test_bad_shapes_name_expected_and_received():
    model = _model()
    x = np.zeros((2, 4, 4, 1), "int32")
    with pytest.raises(ValueError, match=r"\(2, 4, 4\).*Received shape"):
        complete_images(model, x, np.ones((2, 3, 4), bool))
    with pytest.raises(ValueError, match="num, height, width"):
        complete_images(model, x[0], np.ones((4, 4), bool))
    with pytest.raises(ValueError, match="samples"):
        complete_images(model, x, np.ones((2, 4, 4), bool), samples=0)
