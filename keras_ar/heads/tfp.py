"""Lazy access to TensorFlow Probability for `to_distribution`."""


def tfd():
    """Returns `tfp.distributions`, importing TFP on first use.

    Raises:
        ImportError: if TensorFlow Probability (and `tf_keras`, which TFP
            0.25 needs even for its distributions) is not installed.
    """
    try:
        import tensorflow_probability as tfp
    except ImportError as error:
        raise ImportError(
            "`to_distribution` needs TensorFlow Probability: "
            "pip install tensorflow-probability==0.25.0 and "
            "pip install --no-deps tf-keras==2.21.0"
        ) from error
    return tfp.distributions
