import keras
import numpy as np
import pytest

from keras_ar.augment import class_conditional_samples
from keras_ar.augment import completions
from keras_ar.augment import write_image_dataset
from keras_ar.models import PixelCNN

TINY = dict(filters=2, num_residual_blocks=1, output_filters=4)


@pytest.fixture(scope="module")
def model():
    """An (untrained) 4x4 binary PixelCNN with 3 classes."""
    return PixelCNN((4, 4, 1), head="bernoulli", condition_classes=3, **TINY)


def test_samples_shapes_labels_and_values(model):
    x, y = class_conditional_samples(model, per_class=3, seed=1, batch_size=4)
    assert x.shape == (9, 4, 4, 1)
    assert y.tolist() == [0, 0, 0, 1, 1, 1, 2, 2, 2] and y.dtype == np.int32
    assert set(np.unique(x)) <= {0, 1}
    again, _ = class_conditional_samples(model, 3, seed=1, batch_size=4)
    np.testing.assert_array_equal(x, again)  # reproducible across batches
    x2, y2 = class_conditional_samples(model, 2, seed=0, classes=[2])
    assert x2.shape == (2, 4, 4, 1) and y2.tolist() == [2, 2]


def test_samples_follow_the_condition():
    # Only the class embeddings reach the logits: class 0 pushes them to
    # -inf (zeros), class 1 to +inf (ones); the samples must follow.
    probe = PixelCNN((2, 2, 1), head="bernoulli", condition_classes=2, **TINY)
    for weight in probe.weights:
        values = np.zeros(weight.shape, "float32")
        if "embedding" in weight.path:
            values[0], values[1] = -50.0, 50.0
        elif "output_conv/kernel" in weight.path:
            values[:] = 1.0
        elif "params_conv/kernel" in weight.path:
            values[:] = 1.0
        elif "params_conv/bias" in weight.path:
            values[:] = -20.0
        weight.assign(values)
    x, y = class_conditional_samples(probe, per_class=4, seed=0)
    assert (x[y == 0] == 0).all() and (x[y == 1] == 1).all()


def test_unconditional_model_is_refused():
    model = PixelCNN((4, 4, 1), head="bernoulli", **TINY)
    with pytest.raises(ValueError, match="class condition only"):
        class_conditional_samples(model, per_class=2)


def test_bad_classes_and_counts(model):
    with pytest.raises(ValueError, match=r"class ids in \[0, 2\]"):
        class_conditional_samples(model, 1, classes=[3])
    with pytest.raises(ValueError, match="per_class"):
        class_conditional_samples(model, 0)


def test_completions_keep_the_known_half_and_labels(model):
    x = np.ones((5, 4, 4, 1), "int32")
    y = np.array([0, 1, 2, 0, 1])
    out, labels = completions(model, x, y, samples=2, seed=0, batch_size=2)
    assert out.shape == (10, 4, 4, 1)
    assert labels.tolist() == [0, 0, 1, 1, 2, 2, 0, 0, 1, 1]
    assert (out[:, :2] == 1).all() and set(np.unique(out)) <= {0, 1}
    with pytest.raises(ValueError, match="one integer label per image"):
        completions(model, x, y[:2])
    with pytest.raises(ValueError, match="Unknown mask"):
        completions(model, x, y, mask="top_corner")


@pytest.mark.tensorflow
def test_written_folder_loads_with_keras(model, tmp_path):
    x, y = class_conditional_samples(model, per_class=4, seed=2)
    x, y = x[:-1], y[:-1]  # class 2 gets 3 images
    names = ["cat", "dog", "eel"]
    written = write_image_dataset(x, y, str(tmp_path), class_names=names)
    assert written["counts"] == {"cat": 4, "dog": 4, "eel": 3}
    dataset = keras.utils.image_dataset_from_directory(
        str(tmp_path),
        image_size=(4, 4),
        color_mode="grayscale",
        batch_size=None,
        shuffle=False,
    )
    assert dataset.class_names == names
    images, labels = zip(*[(i.numpy(), int(c)) for i, c in dataset])
    assert np.bincount(labels).tolist() == [4, 4, 3]
    # Files load in name order: the images, scaled to 0..255, are x's.
    np.testing.assert_array_equal(np.stack(images), x * 255.0)
    npz = np.load(written["npz"])
    np.testing.assert_array_equal(npz["x"], x)
    np.testing.assert_array_equal(npz["y"], y)
    with open(written["preview"], "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(ValueError, match="empty or new output folder"):
        write_image_dataset(x, y, str(tmp_path))
