"""Task signatures of an exported model: `forecast`, `anomaly_score`,
`is_anomaly` (and, for variable-length models, the `sample` length
input). See `export_saved_model`."""


def task_endpoints(model, tf, limits):
    """Extra signatures for `model`: a dict `name -> (fn, input_specs)`
    like `saved_model.build_endpoints` (empty when none apply).

    Args:
        model: the exported `AutoregressiveModel`.
        tf: the `tensorflow` module.
        limits: a `ServingLimits`.
    """
    del model, tf, limits
    return {}
