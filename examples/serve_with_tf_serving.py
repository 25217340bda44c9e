"""Train a class-conditional PixelCNN on 8x8 digits and serve it.

Run: python examples/serve_with_tf_serving.py --epochs 2 --check

Writes a new version under saved_models/digits_pixelcnn/ (TF Serving's
BASE/NAME/VERSION layout), optionally checks it with TF's C++ SavedModel
loader (the one TF Serving uses; --check, needs g++), and prints how to
serve and query it. With --url (a running TF Serving's REST port, e.g. the
docker command printed) and/or --grpc (its gRPC port, e.g. localhost:8500),
it also asks the server for samples and log-likelihoods.
"""

import argparse
import json
import os

import keras
import numpy as np

from keras_ar.data import load_digits
from keras_ar.export import client
from keras_ar.export import export_for_serving
from keras_ar.models import PixelCNN

NAME = "digits_pixelcnn"


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--base-path", default="saved_models")
    parser.add_argument("--check", action="store_true")
    parser.add_argument("--url", help="e.g. http://localhost:8501")
    parser.add_argument("--grpc", help="e.g. localhost:8500")
    args = parser.parse_args()
    keras.utils.set_random_seed(0)

    images, labels = load_digits("train")
    model = PixelCNN(
        (8, 8, 1),
        head=17,
        filters=16,
        num_residual_blocks=2,
        output_filters=32,
        condition_classes=10,
    )
    model.compile(optimizer="adam")
    model.fit(
        {"image": images, "label": labels},
        epochs=args.epochs,
        batch_size=64,
        verbose=2,
    )
    path = export_for_serving(model, args.base_path, name=NAME)
    print(f"exported {path}")

    sample_inputs = {
        "num_samples": 2,
        "seed": [1, 0],
        "temperature": 1.0,
        "condition": [3, 7],
    }
    if args.check:
        from keras_ar.export import serving_check

        binary = serving_check.build_loader(os.path.join("build", "loader"))
        answer = serving_check.run_loader(
            binary,
            path,
            [("sample", sample_inputs)],
        )
        samples = answer["results"][0]["outputs"]["samples"]
        same = np.array_equal(samples, model.sample(2, [3, 7], seed=1))
        print(f"C++ loader: samples {samples.shape}, equal to model: {same}")

    base = os.path.abspath(args.base_path)
    print(
        "\nServe it:\n"
        f"  docker run -p 8501:8501 -v {base}/{NAME}:/models/{NAME} "
        f"-p 8500:8500 -e MODEL_NAME={NAME} tensorflow/serving\n"
        "Sample two digits (a 3 and a 7):\n"
        f"  curl -d '{json.dumps(client.build_request_body('sample', sample_inputs))}' "  # noqa: E501
        f"localhost:8501/v1/models/{NAME}:predict"
    )
    if args.url:
        out = client.predict(args.url, NAME, "sample", sample_inputs)
        scores = client.predict(
            args.url,
            NAME,
            "serving_default",
            {"x": images[:2].astype("float32"), "condition": labels[:2]},
            format="row",
        )
        print("samples from the server:", np.asarray(out["samples"])[..., 0])
        print("log_prob from the server:", scores["log_prob"])
    if args.grpc:
        from keras_ar.export import grpc_client

        out = grpc_client.predict(
            args.grpc, NAME, sample_inputs, signature_name="sample"
        )
        print("samples over gRPC:", out["samples"][..., 0])


if __name__ == "__main__":
    main()
