"""Data augmentation with autoregressive models.

Class-conditional samples and completions of partially masked real
images, written as a labelled image folder that
`keras.utils.image_dataset_from_directory` loads (plus `samples.npz` and a
preview grid). The command line: `keras-ar augment MODEL.keras
--per-class N --out DIR`.
"""

from keras_ar.augment.class_samples import class_conditional_samples
from keras_ar.augment.completions import completions
from keras_ar.augment.image_dataset import write_image_dataset

__all__ = [
    "class_conditional_samples",
    "completions",
    "write_image_dataset",
]
