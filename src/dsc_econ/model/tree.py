"""Any pathway tree, evaluated over parameter arrays with an optional sample dimension.

:mod:`dsc_econ.inputs.tree_file` reads and checks the tree's structure; here its branch
probabilities are evaluated from a parameter set (point values or a whole sample at
once: every step is an array operation over the samples, never a per-sample loop),
checked, and turned into

* the probability of each terminal, per OCU (from the root) or from any node;
* each terminal's value per client: the present value of the harm its profile avoids
  relative to untreated harm throughout (T1 of Figure C1.1);
* the two unit values the appraisal multiplies (Chapter 7.4-7.5): an extra client in
  effective treatment is valued at the expected harm avoided *during* treatment over
  the branches below the tree's ``unit_values.effective`` node, and an extra
  successful completion at the expected value of its ``unit_values.completion`` node.
  With the PVs ``S`` (harm avoided in treatment, B^A) and ``L`` (after it, abstinent
  vs untreated) of :func:`dsc_econ.model.valuation.present_values`, these are
  ``a_e S`` and ``a_c S + b_c L``; :func:`unit_coefficients` gives ``a_e``, ``a_c``
  and ``b_c``.

When every terminal below both nodes is in treatment during the treatment years (the
default tree, and any tree that only splits what happens after), ``a_e = a_c = 1``
exactly and the appraisal keeps the report's closed form ``S + gamma L`` with
``gamma = b_c`` (the fast path); otherwise the general path scales by ``a_e``, ``a_c``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..inputs.tree_file import Tree, branch_probabilities, check_names, load_tree

__all__ = [
    "UnitCoefficients",
    "branch_probabilities",
    "completion_coefficients",
    "node_probabilities",
    "terminal_harms",
    "terminal_probabilities",
    "terminal_values",
    "tree_for",
    "tree_frame",
    "tree_unit_values",
    "unit_coefficients",
    "unit_pair",
]


def _folder(params: Any) -> str | None:
    source = getattr(params, "source", "")
    return source if source and Path(source).is_dir() else None


def tree_for(params: Any) -> Tree:
    """The tree of a parameter set: ``tree.yaml`` of its folder, else the default.

    Its parameter names are checked against the set (did-you-mean on a typo).
    """
    tree = load_tree(_folder(params))
    resolve = None
    if hasattr(params, "_registry"):
        registry = params._registry

        def resolve(name: str) -> str | None:
            return registry.resolve(name, params.parameters)

    check_names(tree, params, resolve)
    return tree


def node_probabilities(
    tree: Tree,
    params: Any,
    start: str | None = None,
    branches: Mapping[str, list[Any]] | None = None,
) -> dict[str, Any]:
    """Probability of reaching every node from ``start`` (default the root).

    Nodes below ``start`` only; values are floats or arrays over samples.
    """
    probs = branch_probabilities(tree, params) if branches is None else branches
    start = tree.root if start is None else start
    reach: dict[str, Any] = {start: 1.0}
    for nid in tree.order:
        if nid not in reach:
            continue
        here = reach[nid]
        for b, p in zip(tree.nodes[nid].branches, probs.get(nid, ()), strict=True):
            step = p if isinstance(here, float) and here == 1.0 else here * p
            reach[b.to] = step if b.to not in reach else reach[b.to] + step
    return reach


def terminal_probabilities(tree: Tree, params: Any, start: str | None = None) -> np.ndarray:
    """Probability of ending at each terminal (in file order), shape (..., terminals).

    From the root these sum to one per OCU; from ``start`` they are conditional on
    reaching it (terminals not below it are 0).
    """
    reach = node_probabilities(tree, params, start)
    cols = [reach.get(t, 0.0) for t in tree.terminals]
    return np.stack(np.broadcast_arrays(*(np.asarray(c, float) for c in cols)), axis=-1)


@dataclass(frozen=True)
class UnitCoefficients:
    """Unit values as multiples of ``S`` (harm avoided in treatment) and ``L`` (after).

    ``effective = a_e S``; ``completion = a_c S + b_c L``. ``closed`` is True when
    ``a_e`` and ``a_c`` are 1 by the tree's structure (the closed form applies).
    ``b_completion`` is the chance, from the completion node, of ending abstinent (the
    report's gamma for Figure C1.1) and ``r_completion`` of ending with in-treatment
    then untreated harm (re-presents; ``1 - gamma`` for Figure C1.1): the two shares
    the stock-flow model's value per planned exit weighs.
    """

    a_effective: Any
    a_completion: Any
    b_completion: Any
    closed: bool
    r_completion: Any = 0.0


def unit_coefficients(tree: Tree, params: Any) -> UnitCoefficients:
    """The coefficients of the appraisal's two unit values for this tree and params."""
    probs = branch_probabilities(tree, params)

    def below(start: str) -> dict[str, Any]:
        reach = node_probabilities(tree, params, start, probs)
        return {t: reach[t] for t in tree.terminals if t in reach}

    eff, comp = below(tree.effective), below(tree.completion)
    profile = {t: tree.nodes[t].profile for t in tree.terminals}

    def total(terms: dict[str, Any], keep: Any) -> Any:
        out: Any = 0.0
        for t, p in terms.items():
            if keep(profile[t]):
                out = p if isinstance(out, float) and out == 0.0 else out + p
        return out

    def treated(pr: Any) -> bool:
        return pr[0] == "in_treatment"

    closed = all(treated(profile[t]) for t in (*eff, *comp))
    b_c = total(comp, lambda pr: pr[1] == "abstinent")
    r_c = total(comp, lambda pr: pr == ("in_treatment", "untreated"))
    if closed:
        return UnitCoefficients(1.0, 1.0, b_c, True, r_c)
    return UnitCoefficients(total(eff, treated), total(comp, treated), b_c, False, r_c)


def completion_coefficients(params: Any, tree: Tree | None = None) -> UnitCoefficients:
    """:func:`unit_coefficients` of the parameter folder's tree (or ``tree``).

    Every model path that needs what happens after a successful completion takes it
    from here, never from a parameter key: ``b_completion`` stands for the report's
    gamma whatever the user's tree calls its branch probabilities.
    """
    return unit_coefficients(tree_for(params) if tree is None else tree, params)


def unit_pair(
    coef: Any, short: Any, long_: Any, abstinence_only: bool, axis: bool = False
) -> tuple[Any, Any]:
    """Unit values (or yearly flows, ``axis``) of an extra effective client and an
    extra completion from the PVs in treatment (``short``) and after it (``long_``).

    The closed form of Figure C1.1 when the tree allows it (``short``, ``short + b
    long``, the arithmetic of :func:`present_values`); else ``a_e short`` and ``a_c
    short + b long``. ``abstinence_only`` counts only ``b long`` for a completion.
    """

    def col(x: Any) -> Any:
        x = np.asarray(x, dtype=float)
        return x[..., None] if axis else x

    b = col(coef.b_completion)
    if abstinence_only:
        completion = long_ * b
    elif coef.closed:
        completion = short + b * long_
    else:
        completion = col(coef.a_completion) * short + b * long_
    effective = short if coef.closed else col(coef.a_effective) * short
    return effective, completion


def terminal_harms(tree: Tree, params: Any, years: np.ndarray) -> np.ndarray:
    """Harm of each terminal's profile in each year, shape (..., terminals, y).

    Built from the DTORS profiles of :mod:`dsc_econ.model.harms` (untreated harm,
    in-treatment harm, abstinent harm) as :func:`~dsc_econ.model.harms.harm_profiles`
    builds T1..T5, so the default tree gives its numbers exactly.
    """
    from .harms import _col, abstinent_harm, phase_shares, untreated_harm

    n_t = params["career.years_in_treatment"]
    in_t, after = phase_shares(years, n_t, params["career.years_after_treatment"])
    u = untreated_harm(
        years,
        params["harms.untreated.total"],
        params["harms.untreated.decline_rate"],
        params["harms.untreated.decline_from_year"],
    )
    a = abstinent_harm(
        years, params["harms.in_treatment.total"], params["harms.abstinent.decay_rate"], n_t
    )
    h = _col(params["harms.in_treatment.total"])
    rows = []
    for t in tree.terminals:
        during, later = tree.nodes[t].profile or ("untreated", "untreated")
        if (during, later) == ("untreated", "untreated"):
            rows.append(u * (in_t + after))
            continue
        first = h * in_t if during == "in_treatment" else u * in_t
        rows.append(first + (a * after if later == "abstinent" else u * after))
    return np.stack(np.broadcast_arrays(*rows), axis=-2)


def terminal_values(tree: Tree, params: Any) -> np.ndarray:
    """PV of the harm each terminal avoids relative to untreated harm throughout,
    £ per client, shape (..., terminals)."""
    from .discounting import yearly_factors
    from .harms import horizon

    years = horizon(
        params["career.years_in_treatment"], params["career.years_after_treatment"]
    )
    factors = np.moveaxis(yearly_factors(params, len(years)), 0, -1)
    harms = terminal_harms(tree, params, years)
    from .harms import phase_shares, untreated_harm

    in_t, after = phase_shares(
        years, params["career.years_in_treatment"], params["career.years_after_treatment"]
    )
    u = untreated_harm(
        years,
        params["harms.untreated.total"],
        params["harms.untreated.decline_rate"],
        params["harms.untreated.decline_from_year"],
    )
    reference = (u * (in_t + after))[..., None, :]
    return np.sum((reference - harms) * factors[..., None, :], axis=-1)


def tree_frame(params: Any, tree: Tree | None = None) -> pd.DataFrame:
    """One row per terminal: label, profile, probability per OCU, value per client and
    expected value (probability x value, £ per OCU). Point values only."""
    tree = tree_for(params) if tree is None else tree
    probs = terminal_probabilities(tree, params)
    values = terminal_values(tree, params)
    if probs.ndim > 1 or values.ndim > 1:
        raise ValueError("the tree table needs point values; select one sample first")
    frame = pd.DataFrame(
        {
            "label": [tree.nodes[t].label for t in tree.terminals],
            "profile": [" then ".join(tree.nodes[t].profile or ()) for t in tree.terminals],
            "probability": probs,
            "value_per_client": values,
            "expected_value": probs * values,
        },
        index=pd.Index(tree.terminals, name="node"),
    )
    frame.attrs["units"] = {"value_per_client": "GBP", "expected_value": "GBP per OCU"}
    frame.attrs["tree_source"] = tree.source
    return frame


def tree_unit_values(params: Any, tree: Tree | None = None) -> dict[str, Any]:
    """The appraisal's two unit values per client (£, before
    ``appraisal.unit_value_rounding``) and their coefficients for the tree.

    Returns
    -------
    dict
        ``effective`` and ``completion`` (£ per client, as the appraisal multiplies
        them), ``a_effective``, ``a_completion``, ``b_completion`` and ``closed``.
    """
    from .valuation import present_values, valuation_inputs

    tree = tree_for(params) if tree is None else tree
    coef = unit_coefficients(tree, params)
    pv = present_values(**valuation_inputs(params, coef.b_completion))
    abstinence_only = params["appraisal.completion_value"] == "abstinence_only"
    effective, completion = unit_pair(
        coef, pv["effective"], pv["long_term"], abstinence_only
    )
    return {
        "effective": effective,
        "completion": completion,
        "a_effective": coef.a_effective,
        "a_completion": coef.a_completion,
        "b_completion": coef.b_completion,
        "closed": coef.closed,
    }
