"""Entry point of the `keras-ar` console script (see setup.cfg).

It lives outside the `keras_ar` package on purpose. `import keras_ar`
imports every subpackage, and with them Keras and TensorFlow (about 3-5 s
and TensorFlow's start-up log lines), so that keras_ar's classes are
registered for `keras.saving.load_model`. Any `import keras_ar.cli` runs
that first, and nothing inside the package runs before it; so this module
sets the guard `_KERAS_AR_LAZY_IMPORT=1` while it imports `keras_ar.cli`,
and keras_ar then imports its subpackages lazily. `keras-ar --help` thus
imports neither Keras nor TensorFlow; a command imports all of keras_ar
after its arguments are parsed (quietly, see `keras_ar.cli.quiet`). The
guard is removed at once, so it never reaches user code or child processes.
"""

import os
import sys

_GUARD = "_KERAS_AR_LAZY_IMPORT"


def main(argv=None):
    """Runs `keras-ar` with keras_ar imported lazily."""
    os.environ[_GUARD] = "1"
    try:
        from keras_ar.cli import main as cli_main
    finally:
        os.environ.pop(_GUARD, None)
    return cli_main(argv)


if __name__ == "__main__":
    sys.exit(main())
