"""Workarounds for upstream (Keras, KerasTuner) behaviour, in one place.

One module per workaround. Each module's docstring names the upstream
issue or behaviour, links to it, and says which pinned version it applies
to (keras==3.15.* / keras-tuner==1.4.8); each checks that version and is a
no-op (with a warning) or a clear error on other versions. Each is applied
by the keras_ar code that needs it (e.g. `import keras_ar.tuning` installs
`keras_tuner_objective`).
"""

from keras_ar.upstream import backup_and_restore  # noqa: F401
from keras_ar.upstream import keras_tuner_objective  # noqa: F401
from keras_ar.upstream import multi_worker_fit  # noqa: F401
