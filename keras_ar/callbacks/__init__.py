"""Keras callbacks for keras_ar training: `BackupAndRestore` (a killed
`fit` restarts where it stopped, to the step)."""

from keras_ar.callbacks.backup_and_restore import BackupAndRestore

__all__ = ["BackupAndRestore"]
