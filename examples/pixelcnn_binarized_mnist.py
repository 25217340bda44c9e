"""Train a PixelCNN on binarized MNIST, score it, sample and complete.

Run: python examples/pixelcnn_binarized_mnist.py --epochs 1 --out runs/ex

Writes samples.png (unconditional samples) and completions.png (the bottom
half of test digits filled in by the model, next to the originals).
"""

import argparse
import math
import os

import keras
import numpy as np

from keras_ar.data import load_binarized_mnist
from keras_ar.models import PixelCNN
from keras_ar.utils import save_image_grid


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--train-size", type=int, default=10000)
    parser.add_argument("--out", default="runs/example")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    keras.utils.set_random_seed(0)

    x_train, _ = load_binarized_mnist("train")
    x_test, _ = load_binarized_mnist("test")
    x_train = x_train[: args.train_size]

    model = PixelCNN(
        (28, 28, 1),
        head="bernoulli",
        filters=32,
        num_residual_blocks=3,
        output_filters=64,
    )
    model.compile(optimizer="adam", jit_compile=True)
    model.fit(x_train, epochs=args.epochs, batch_size=64, verbose=2)

    nll = -model.log_prob(x_test[:2000], batch_size=500).mean()
    print(
        f"test NLL on 2000 images: {nll:.2f} nats "
        f"({nll / (784 * math.log(2)):.4f} bits/dim)"
    )

    samples = model.sample(16, seed=0)
    save_image_grid(samples, os.path.join(args.out, "samples.png"), 1)

    originals = x_test[:8]
    known = np.zeros((8, 28, 28), bool)
    known[:, :14] = True  # keep the top half
    completed = model.complete(originals, known, seed=0)
    masked = originals * known[..., None]
    save_image_grid(
        np.concatenate([masked, completed, originals]),
        os.path.join(args.out, "completions.png"),
        1,
        columns=8,
    )
    print(f"wrote {args.out}/samples.png and {args.out}/completions.png")


if __name__ == "__main__":
    main()
