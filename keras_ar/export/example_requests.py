"""Example requests for every signature of an exported model, saved
beside the SavedModel so that `keras-ar serve-check` can run them."""


def example_requests(model, limits):
    """`[(signature_name, {input name: np.ndarray})]`: one valid request
    per signature of `export_saved_model(model, ...)`."""
    del model, limits
    return []


def write_examples(model, filepath, limits):
    """Writes `example_requests(model, limits)` under
    `filepath/assets.extra/` (a folder loaders ignore and TF Serving
    copies with the version)."""
    del model, filepath, limits
