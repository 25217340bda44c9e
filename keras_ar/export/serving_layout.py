"""TF Serving's model directory layout: `BASE/NAME/VERSION/`."""

import os
import shutil
import uuid

# `export_saved_model` is imported when exporting: this module stays free
# of Keras, so that `keras-ar serve-check` can use `existing_versions`.


def existing_versions(model_dir):
    """The integer versions already under `model_dir`, sorted.

    Args:
        model_dir: `BASE/NAME`; may not exist.

    Returns:
        A sorted list of ints (directory names that are whole numbers;
        TF Serving ignores the rest).

    Example:

    >>> import os
    >>> for version in ("1", "2", "notes"):
    ...     os.makedirs(os.path.join("saved_models", "m", version))
    >>> existing_versions("saved_models/m")
    [1, 2]
    >>> existing_versions("saved_models/no_such_model")
    []
    """
    if not os.path.isdir(model_dir):
        return []
    return sorted(
        int(name)
        for name in os.listdir(model_dir)
        if name.isdigit() and os.path.isdir(os.path.join(model_dir, name))
    )


def export_for_serving(
    model,
    base_path="saved_models",
    name=None,
    version=None,
    verbose=False,
    **export_options,
):
    """Exports `model` as a new version under a TF Serving base path.

    TF Serving watches `base_path/NAME/` and serves the highest integer
    version directory it finds there. The SavedModel is first written to a
    hidden temporary directory and then renamed into place, so a running
    server never sees a half-written version.

    Args:
        model: a built `keras_ar` model.
        base_path: the server's model base path (`--model_base_path` is
            `base_path/NAME`).
        name: model name in the serving URL; default `model.name`.
        version: positive int; default one more than the highest existing
            version (1 for a new model). An existing version is never
            overwritten.
        verbose: print the endpoints written.
        **export_options: `export_saved_model` limits (`max_num_samples`,
            `max_batch_size`, `max_length`).

    Returns:
        The version directory, `base_path/NAME/VERSION`, which holds
        `saved_model.pb`.

    Example:

    >>> from keras_ar.models import NADE
    >>> model = NADE((4,), hidden_units=8)
    >>> export_for_serving(model, "saved_models", name="nade")
    'saved_models/nade/1'
    >>> export_for_serving(model, "saved_models", name="nade")
    'saved_models/nade/2'
    """
    name = model.name if name is None else str(name)
    if not name or os.sep in name or name.startswith("."):
        raise ValueError(
            "`name` must be a plain directory name (no path separators, not "
            f"hidden). Received: name={name!r}"
        )
    model_dir = os.path.join(str(base_path), name)
    if version is None:
        taken = [0] + existing_versions(model_dir)
        if os.path.isdir(model_dir):
            taken += [int(n) for n in os.listdir(model_dir) if n.isdigit()]
        version = max(taken) + 1
    elif isinstance(version, bool) or int(version) != version or version < 1:
        raise ValueError(
            f"`version` must be a positive int. Received: version={version!r}"
        )
    version = int(version)
    target = os.path.join(model_dir, str(version))
    if os.path.exists(target):
        raise FileExistsError(
            f"Version {version} of model {name!r} already exists at "
            f"{target}. Pass another `version` or `version=None` for the "
            "next one."
        )
    os.makedirs(model_dir, exist_ok=True)
    staging = os.path.join(model_dir, f".tmp-{version}-{uuid.uuid4().hex}")
    try:
        from keras_ar.export import saved_model

        saved_model.export_saved_model(
            model, staging, verbose=verbose, **export_options
        )
        os.rename(staging, target)
    finally:
        if os.path.exists(staging):
            shutil.rmtree(staging)
    return target
