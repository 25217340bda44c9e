"""Compiled sampling loops."""

from keras_ar.generation.sequential_sampler import sequential_sample

__all__ = ["sequential_sample"]
