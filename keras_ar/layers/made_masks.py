"""MADE degrees and masks (Germain et al. 2015, section 4): NumPy helpers
that `MaskedDense` and `MADEBackbone` build their connectivity from."""

import numpy as np

from keras_ar.utils import validation

#: Rules for the degrees of hidden units.
HIDDEN_DEGREE_RULES = ("equal", "random")

#: Named orderings of the inputs.
ORDERS = ("natural", "reversed", "random")


def _rng(seed):
    if isinstance(seed, np.random.Generator):
        return seed
    return np.random.default_rng(seed)


def made_input_degrees(num_inputs, order="natural", seed=None):
    """Degrees `1..D` of the inputs: input `d` is modelled `degree[d]`-th.

    Args:
        num_inputs: `D`, the number of values.
        order: `"natural"` (0, 1, ..., D-1), `"reversed"`, `"random"` (a
            permutation drawn from `seed`) or a permutation of `range(D)`
            listing the values in the order they are modelled.
        seed: int or `numpy.random.Generator` for `"random"`.

    Returns:
        int32 array `(D,)`, a permutation of `1..D`.

    Example:

    >>> made_input_degrees(3, order=[2, 0, 1]).tolist()
    [2, 3, 1]
    """
    num_inputs = int(num_inputs)
    if isinstance(order, str):
        validation.check_choice(order, "order", ORDERS)
        if order == "natural":
            order = np.arange(num_inputs)
        elif order == "reversed":
            order = np.arange(num_inputs)[::-1]
        else:
            order = _rng(seed).permutation(num_inputs)
    order = validation.check_permutation(order, num_inputs, "order")
    degrees = np.empty(num_inputs, "int32")
    degrees[order] = np.arange(1, num_inputs + 1)
    return degrees


def made_hidden_degrees(
    num_units, num_inputs, previous_degrees=None, rule="equal", seed=None
):
    """Degrees of a hidden layer, in `[min(previous), D - 1]`.

    A hidden unit of degree `m` may see inputs of degree `<= m`, so it
    helps predict the values of degree `> m`. `"equal"` spreads the degrees
    evenly over the whole range (sorted, as TFP's `AutoregressiveNetwork`;
    also when there are fewer units than degrees); `"random"` draws them
    uniformly, as in connectivity-agnostic training (Germain et al. 2015).
    Degrees start at the smallest degree of the previous layer, so that no
    unit is disconnected.

    Args:
        num_units: width of the layer.
        num_inputs: `D`.
        previous_degrees: degrees of the layer below (default: inputs).
        rule: `"equal"` or `"random"`.
        seed: int or `numpy.random.Generator` for `"random"`.

    Returns:
        int32 array `(num_units,)`.

    Example:

    >>> made_hidden_degrees(5, 4).tolist()
    [1, 1, 2, 2, 3]
    """
    validation.check_choice(rule, "hidden_degrees", HIDDEN_DEGREE_RULES)
    top = max(int(num_inputs) - 1, 1)
    low = 1 if previous_degrees is None else int(np.min(previous_degrees))
    low = min(low, top)
    if rule == "equal":
        span = top - low + 1
        return (low + (np.arange(num_units) * span) // num_units).astype(
            "int32"
        )
    return _rng(seed).integers(low, top + 1, num_units).astype("int32")


def made_degrees(
    num_inputs, hidden_units, order="natural", hidden_degrees="equal", seed=None
):
    """Degrees of the inputs and of every hidden layer of one MADE mask.

    Args:
        num_inputs: `D`.
        hidden_units: widths of the hidden layers.
        order: see `made_input_degrees`.
        hidden_degrees: `"equal"` or `"random"`.
        seed: int or `numpy.random.Generator`.

    Returns:
        A list `[input_degrees, hidden_1_degrees, ...]` of int32 arrays.

    Example:

    >>> [d.tolist() for d in made_degrees(3, (2,), order="reversed")]
    [[3, 2, 1], [1, 2]]
    """
    rng = _rng(seed)
    degrees = [made_input_degrees(num_inputs, order, rng)]
    for units in hidden_units:
        degrees.append(
            made_hidden_degrees(
                units, num_inputs, degrees[-1], hidden_degrees, rng
            )
        )
    return degrees


def degree_mask(input_degrees, output_degrees, strict=False):
    """The connectivity mask `(in, out)` of two layers' degrees.

    `mask[j, k] = 1` if `output_degrees[k] >= input_degrees[j]` (hidden
    layers) or `>` (`strict=True`, the output layer and direct connections).

    Example:

    >>> degree_mask([1, 2], [1, 2], strict=True).tolist()
    [[0.0, 1.0], [0.0, 0.0]]
    """
    i = np.asarray(input_degrees)[:, None]
    o = np.asarray(output_degrees)[None, :]
    return (o > i if strict else o >= i).astype("float32")


def made_masks(degrees, params_size=1, direct_connections=False):
    """The masks of one MADE network from its degrees.

    Args:
        degrees: from `made_degrees`.
        params_size: outputs per input value (the head's parameters).
        direct_connections: also return the input-to-output mask.

    Returns:
        `[hidden_1_mask, ..., output_mask]` (+ the direct mask), float32
        0/1 arrays of shape `(in, out)`.

    Example:

    >>> [m.shape for m in made_masks(made_degrees(3, (4,)))]
    [(3, 4), (4, 3)]
    """
    out_degrees = np.repeat(degrees[0], params_size)
    masks = [degree_mask(a, b) for a, b in zip(degrees[:-1], degrees[1:])]
    masks.append(degree_mask(degrees[-1], out_degrees, strict=True))
    if direct_connections:
        masks.append(degree_mask(degrees[0], out_degrees, strict=True))
    return masks


def made_degree_sets(
    num_inputs,
    hidden_units,
    num_masks=1,
    order="natural",
    order_agnostic=False,
    connectivity_agnostic=False,
    hidden_degrees="equal",
    seed=0,
):
    """The degrees of `num_masks` MADE masks, stacked per layer.

    Mask 0 uses `order` and the `hidden_degrees` rule; masks `1..K-1` draw
    a random ordering (`order_agnostic`) and/or random hidden degrees
    (`connectivity_agnostic`), all from one generator seeded by `seed`.

    Returns:
        `[input_degrees (K, D), hidden_1_degrees (K, H1), ...]`, int32.

    Example:

    >>> sets = made_degree_sets(3, (2,), num_masks=2, order_agnostic=True)
    >>> [s.shape for s in sets]
    [(2, 3), (2, 2)]
    """
    if num_masks > 1 and not (order_agnostic or connectivity_agnostic):
        raise ValueError(
            f"num_masks={num_masks} needs order_agnostic=True or "
            "connectivity_agnostic=True (else the masks are identical). "
            f"Received: order_agnostic={order_agnostic}, "
            f"connectivity_agnostic={connectivity_agnostic}"
        )
    rng = np.random.default_rng(seed)
    sets = []
    for k in range(num_masks):
        rule = "random" if k and connectivity_agnostic else hidden_degrees
        sets.append(
            made_degrees(
                num_inputs,
                hidden_units,
                "random" if k and order_agnostic else order,
                rule,
                rng,
            )
        )
    return [np.stack(layer) for layer in zip(*sets)]
