"""ZeroMaskedWeights: lets masked layers train on their kernels as they
are, for the duration of `fit`."""

import keras


class ZeroMaskedWeights(keras.callbacks.Callback):
    """Calls `zero_masked_weights()` on every layer that has it when
    training begins, and resets the layers' `kernel_is_masked` when it
    ends (see `keras_ar.layers.MaskedDense`).

    `LikelihoodTraining.fit` appends it after the user's callbacks, so it
    runs after any weights are restored (`BackupAndRestore`) and before
    the first training step is traced.
    """

    def _masked_layers(self):
        return [
            layer
            for layer in self.model._flatten_layers()
            if hasattr(layer, "zero_masked_weights")
        ]

    def on_train_begin(self, logs=None):
        for layer in self._masked_layers():
            layer.zero_masked_weights()

    def on_train_end(self, logs=None):
        for layer in self._masked_layers():
            layer.kernel_is_masked = False
