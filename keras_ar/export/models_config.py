"""TF Serving's `--model_config_file`: several models, chosen versions.

One `tensorflow_model_server` serves several models when it is started
with `--model_config_file=models.config`, a text-format
`ModelServerConfig`:

    model_config_list {
      config {
        name: "pixelcnn"
        base_path: "/models/pixelcnn"
        model_platform: "tensorflow"
        model_version_policy { specific { versions: 1 versions: 2 } }
        version_labels { key: "stable" value: 1 }
      }
    }

`models_config` writes that text from a dict (standard library only).
"""

import operator
import os

#: The `model_version_policy` choices (at most one per model).
POLICIES = ("versions", "latest", "all")

_KEYS = frozenset(("base_path",) + POLICIES + ("labels",))


def models_config(models):
    """The text of a TF Serving `--model_config_file` for several models.

    Args:
        models: dict `name -> base path` (TF Serving's default policy: the
            latest version), or `name -> dict` with `base_path` and at most
            one policy: `versions=[1, 2]` (exactly these versions),
            `latest=N` (the N highest) or `all=True` (every version);
            optional `labels={"stable": 1, "canary": 2}` (version labels,
            for `specific` versions: each label must name one of them).
            Base paths are made absolute (TF Serving resolves relative
            paths against its own working directory).

    Returns:
        The config text (text-format `ModelServerConfig`).

    Raises:
        ValueError: a bad name, base path, policy or label; the message
            names the expected and the received values.

    Example:

    >>> print(models_config({
    ...     "nade": "/models/nade",
    ...     "pixelcnn": {"base_path": "/models/pixelcnn", "versions": [1, 2],
    ...                  "labels": {"stable": 1}},
    ... }))
    model_config_list {
      config {
        name: "nade"
        base_path: "/models/nade"
        model_platform: "tensorflow"
      }
      config {
        name: "pixelcnn"
        base_path: "/models/pixelcnn"
        model_platform: "tensorflow"
        model_version_policy {
          specific {
            versions: 1
            versions: 2
          }
        }
        version_labels {
          key: "stable"
          value: 1
        }
      }
    }
    <BLANKLINE>
    """
    if not isinstance(models, dict) or not models:
        raise ValueError(
            "`models` must be a non-empty dict of model name -> base path "
            f"(or dict). Received: {models!r}"
        )
    lines = ["model_config_list {"]
    for name, spec in models.items():
        lines += _config_lines(name, spec)
    lines.append("}")
    return "\n".join(lines) + "\n"


def write_models_config(path, models):
    """Writes `models_config(models)` to `path`.

    Args:
        path: the file to write (TF Serving's `--model_config_file`).
        models: see `models_config`.

    Returns:
        `path` as a string.

    Example:

    >>> write_models_config("models.config", {"nade": "saved_models/nade"})
    'models.config'
    """
    text = models_config(models)
    path = str(path)
    with open(path, "w") as f:
        f.write(text)
    return path


def _config_lines(name, spec):
    if not isinstance(name, str) or not name or "/" in name or '"' in name:
        raise ValueError(
            "A model name must be a non-empty string without '/' or '\"' "
            f"(the URL path part). Received: {name!r}"
        )
    if isinstance(spec, (str, os.PathLike)):
        spec = {"base_path": spec}
    if not isinstance(spec, dict):
        raise ValueError(
            f"Model {name!r}: expected a base path or a dict with "
            f"'base_path'. Received: {spec!r}"
        )
    unknown = sorted(set(spec) - _KEYS)
    if unknown:
        raise ValueError(
            f"Model {name!r}: expected keys among {sorted(_KEYS)}. "
            f"Received unknown keys: {unknown}"
        )
    base_path = spec.get("base_path")
    if not isinstance(base_path, (str, os.PathLike)) or not str(base_path):
        raise ValueError(
            f"Model {name!r}: expected a non-empty 'base_path'. Received: "
            f"{base_path!r}"
        )
    base_path = os.path.abspath(os.fspath(base_path))
    lines = [
        "  config {",
        f"    name: {_quote(name)}",
        f"    base_path: {_quote(base_path)}",
        '    model_platform: "tensorflow"',
    ]
    policy, versions = _policy(name, spec)
    if policy is not None:
        lines.append("    model_version_policy {")
        if policy == "versions":
            lines.append("      specific {")
            lines += [f"        versions: {v}" for v in versions]
            lines.append("      }")
        elif policy == "latest":
            lines += [
                "      latest {",
                f"        num_versions: {versions}",
                "      }",
            ]
        else:
            lines.append("      all {}")
        lines.append("    }")
    for label, version in _labels(name, spec, policy, versions):
        lines += [
            "    version_labels {",
            f"      key: {_quote(label)}",
            f"      value: {version}",
            "    }",
        ]
    lines.append("  }")
    return lines


def _policy(name, spec):
    # None (any key) and all=False mean "not this policy".
    chosen = [
        key
        for key in POLICIES
        if spec.get(key) is not None and spec.get(key) is not False
    ]
    if len(chosen) > 1:
        raise ValueError(
            f"Model {name!r}: expected at most one of 'versions', 'latest' "
            f"and 'all'. Received: {chosen}"
        )
    if not chosen:
        return None, None
    policy = chosen[0]
    value = spec[policy]
    if policy == "all":
        if value is not True:
            raise ValueError(
                f"Model {name!r}: expected all=True. Received: all={value!r}"
            )
        return "all", None
    if policy == "latest":
        if not _is_positive_int(value):
            raise ValueError(
                f"Model {name!r}: expected latest= a positive int. "
                f"Received: latest={value!r}"
            )
        return "latest", int(value)
    if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
        value = [value]
    versions = list(value)
    if not versions or not all(_is_positive_int(v) for v in versions):
        raise ValueError(
            f"Model {name!r}: expected versions= a non-empty list of "
            f"positive ints. Received: versions={spec[policy]!r}"
        )
    return "versions", sorted({int(v) for v in versions})


def _labels(name, spec, policy, versions):
    labels = spec.get("labels") or {}
    if not isinstance(labels, dict):
        raise ValueError(
            f"Model {name!r}: expected labels= a dict label -> version. "
            f"Received: {labels!r}"
        )
    if labels and policy != "versions":
        raise ValueError(
            f"Model {name!r}: version labels need versions=[...] (TF "
            "Serving assigns a label only to a version it serves). "
            f"Received: labels={labels!r} with policy {policy or 'latest'}"
        )
    out = []
    for label, version in labels.items():
        if not isinstance(label, str) or not label or '"' in label:
            raise ValueError(
                f"Model {name!r}: a label must be a non-empty string "
                f"without '\"'. Received: {label!r}"
            )
        if not _is_positive_int(version) or int(version) not in versions:
            raise ValueError(
                f"Model {name!r}: label {label!r} must name one of the "
                f"versions {versions}. Received: {version!r}"
            )
        out.append((label, int(version)))
    return out


def _is_positive_int(value):
    if isinstance(value, bool) or not hasattr(value, "__index__"):
        return False
    return operator.index(value) >= 1


def _quote(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
