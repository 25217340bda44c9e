"""The trials of a finished search: rows, a table and a plot."""

import math

#: KerasTuner's own Hyperband entries, shown under a short name or not.
_HYPERBAND_NAMES = {"tuner/epochs": "epochs"}


def trial_rows(oracle):
    """One dict per trial of `oracle` (a tuner's `oracle`), in trial order.

    Args:
        oracle: a `keras_tuner.Oracle` (on the chief or a single process;
            a worker's oracle is a client of the chief's).

    Returns:
        A list of dicts with `trial_id`, `status`, `score` (the best
        `val_bits_per_dim` of the trial, `None` if it has none), `step`
        (its epoch, from 0) and `hyperparameters` (name -> value, without
        Hyperband's bookkeeping but `epochs`).
    """
    # The order of the search space (trials received from workers list
    # their values in another order).
    space = getattr(oracle, "hyperparameters", None)
    order = [hp.name for hp in getattr(space, "space", ())]
    rows = []
    for trial_id in sorted(oracle.trials, key=_trial_order):
        trial = oracle.trials[trial_id]
        given = trial.hyperparameters.values
        names = [n for n in order if n in given]
        names += [n for n in given if n not in names]
        values = {}
        for name, value in ((n, given[n]) for n in names):
            if name.startswith("tuner/"):
                if name not in _HYPERBAND_NAMES:
                    continue
                name = _HYPERBAND_NAMES[name]
            values[name] = value
        score = trial.score
        rows.append(
            {
                "trial_id": trial_id,
                "status": trial.status,
                "score": None if score is None else float(score),
                "step": trial.best_step,
                "hyperparameters": values,
            }
        )
    return rows


def _trial_order(trial_id):
    return (0, int(trial_id)) if trial_id.isdigit() else (1, trial_id)


def best_rows(rows, num=10):
    """The `num` scored rows with the lowest score, best first."""
    scored = [row for row in rows if _finite(row["score"])]
    return sorted(scored, key=lambda row: row["score"])[:num]


def _finite(value):
    return value is not None and math.isfinite(value)


def _format(value):
    if isinstance(value, float):
        return f"{value:.3g}" if abs(value) < 1e-2 else f"{value:g}"
    return str(value)


def format_table(rows, objective="val_bits_per_dim"):
    """A plain-text table of `rows` (from `trial_rows`/`best_rows`): the
    trial id, the objective and one column per hyperparameter.

    Example:

    >>> rows = [{"trial_id": "1", "score": 0.5, "status": "COMPLETED",
    ...          "step": 0, "hyperparameters": {"filters": 8}}]
    >>> print(format_table(rows))
    trial  val_bits_per_dim  filters
    1                0.5000        8
    """
    names = []
    for row in rows:
        names += [n for n in row["hyperparameters"] if n not in names]
    header = ["trial", objective] + names
    lines = []
    for row in rows:
        score = row["score"]
        lines.append(
            [row["trial_id"], "-" if score is None else f"{score:.4f}"]
            + [_format(row["hyperparameters"].get(n, "")) for n in names]
        )
    widths = [
        max(len(str(cell)) for cell in column) for column in zip(header, *lines)
    ]
    out = []
    for cells in [header] + lines:
        parts = [
            str(cell).ljust(w) if j == 0 else str(cell).rjust(w)
            for j, (cell, w) in enumerate(zip(cells, widths))
        ]
        out.append("  ".join(parts).rstrip())
    return "\n".join(out)


def save_search_plot(rows, path, title=None, objective="val_bits_per_dim"):
    """Plots each trial's objective in trial order and the best so far.

    Needs matplotlib (the `plots` extra); returns `None` without writing
    when it is missing.

    Args:
        rows: from `trial_rows` (trials without a score are skipped).
        path: output PNG path.
        title: optional title.
        objective: the y axis label.

    Returns:
        `path`, or `None` if matplotlib is not installed.

    Example:

    >>> import os, tempfile
    >>> rows = [{"trial_id": str(i), "score": s, "status": "COMPLETED",
    ...          "step": 0, "hyperparameters": {}}
    ...         for i, s in enumerate([0.9, 0.7, 0.8])]
    >>> out = os.path.join(tempfile.mkdtemp(), "search.png")
    >>> save_search_plot(rows, out) == out
    True
    """
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    scored = [(i, row) for i, row in enumerate(rows) if _finite(row["score"])]
    numbers = [i for i, _ in scored]
    scores = [row["score"] for _, row in scored]
    best, low = [], math.inf
    for score in scores:
        low = min(low, score)
        best.append(low)
    fig, ax = plt.subplots(figsize=(6, 3.8))
    ax.plot(numbers, scores, "o", color="tab:blue", label="trial")
    ax.step(
        numbers, best, where="post", color="tab:orange", label="best so far"
    )
    ax.set_xlabel("trial id (in order)")
    ax.set_ylabel(objective)
    if 0 < len(rows) <= 20:
        ax.set_xticks(range(len(rows)), [row["trial_id"] for row in rows])
    ax.grid(alpha=0.3)
    ax.legend()
    if title:
        ax.set_title(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
