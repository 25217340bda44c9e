import numpy as np
import pytest
from keras import ops

from keras_ar.backend import scan


def _step(weights):
    def step(carry, x):
        h = ops.tanh(ops.matmul(carry[0], weights) + x[0]) * x[1] + carry[1]
        return (h, carry[1]), (h, 2 * h)

    return step


@pytest.mark.parametrize("reverse", [False, True])
def test_scan_matches_a_python_loop(reverse):
    rng = np.random.default_rng(0)
    w = rng.normal(size=(3, 3)).astype("float32")
    xs = (
        rng.normal(size=(5, 2, 3)).astype("float32"),
        rng.uniform(size=(5, 2, 1)).astype("float32"),
    )
    init = (np.zeros((2, 3), "float32"), np.ones((2, 3), "float32"))
    carry, (ys, doubled) = scan(_step(w), init, xs, reverse=reverse)
    h, expected = init[0], [None] * 5
    for i in reversed(range(5)) if reverse else range(5):
        h = np.tanh(h @ w + xs[0][i]) * xs[1][i] + init[1]
        expected[i] = h
    np.testing.assert_allclose(ops.convert_to_numpy(ys), expected, rtol=1e-5)
    np.testing.assert_allclose(
        ops.convert_to_numpy(doubled), 2 * np.stack(expected), rtol=1e-5
    )
    np.testing.assert_allclose(ops.convert_to_numpy(carry[0]), h, rtol=1e-5)


@pytest.mark.tensorflow
def test_scan_trains_under_xla_on_tensorflow(tf):
    """Keras 3.15's TF `ops.scan` fails here ("XLA compilation requires a
    fixed tensor list size"); keras_ar's gives the eager gradient."""
    w = tf.Variable(np.random.default_rng(1).normal(size=(3, 3)).astype("f4"))
    xs = (tf.random.normal((4, 2, 3), seed=1), tf.ones((4, 2, 1)))
    init = (tf.zeros((2, 3)), tf.ones((2, 3)))

    def gradient(scan_fn):
        with tf.GradientTape() as tape:
            _, (ys, _) = scan_fn(_step(w), init, xs)
            loss = tf.reduce_sum(ys**2)
        return tape.gradient(loss, w)

    expected = gradient(scan)
    compiled = tf.function(lambda: gradient(scan), jit_compile=True)
    np.testing.assert_allclose(compiled(), expected, rtol=1e-4, atol=1e-6)
    keras_scan = tf.function(lambda: gradient(ops.scan), jit_compile=True)
    with pytest.raises(Exception, match="fixed tensor list size"):
        keras_scan()  # upstream: drop this check once Keras bounds its loop


@pytest.mark.tensorflow
def test_scan_needs_a_static_length(tf):
    traced = tf.function(
        lambda xs: scan(lambda c, x: (c + x, c), tf.zeros(()), xs),
        input_signature=[tf.TensorSpec((None,), "float32")],
    )
    with pytest.raises(ValueError, match=r"static number of steps.*None"):
        traced.get_concrete_function()
