"""The treatment pathway tree of Figure C1.1: who ends at which terminal node.

A share lambda of OCUs starts a new treatment journey; alpha of journeys are effective;
phi of effective journeys end in a successful (planned) completion, so beta = alpha phi
of journeys do; gamma of completions lead to continued abstinence (T2) and the rest
re-present (T3); gamma' of unplanned exits from effective treatment recover (T4) and
the rest do not (T5). T1 is no effective treatment (not starting, or not engaging).

All functions broadcast over a leading sample dimension.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "completion_probability",
    "expected_value",
    "pathway_tree",
    "terminal_probabilities",
]


def _probability(name: str, value: Any) -> np.ndarray:
    arr = np.asarray(value, dtype=float)
    bad = ~np.isfinite(arr) | (arr < 0) | (arr > 1)
    if np.any(bad):
        raise ValueError(
            f"{name} must be a probability in [0, 1], got {arr[bad].ravel()[0]!r}"
        )
    return arr


def completion_probability(alpha: Any, phi: Any) -> np.ndarray:
    """beta = alpha * phi: share of new journeys ending in a successful completion."""
    return _probability("alpha", alpha) * _probability("phi", phi)


def terminal_probabilities(
    lam: Any, alpha: Any, phi: Any, gamma: Any, gamma_prime: Any
) -> np.ndarray:
    """Probability of ending at each terminal node T1..T5, per OCU.

    Parameters
    ----------
    lam : float or array_like, shape (...,)
        λ, share of OCUs starting a journey (1 = conditional on starting one).
    alpha : float or array_like
        α, share of journeys that are effective.
    phi : float or array_like
        φ, share of effective journeys ending in a successful completion.
    gamma : float or array_like
        γ, continued abstinence after a successful completion.
    gamma_prime : float or array_like
        γ′, recovery after an unplanned exit.

    Returns
    -------
    ndarray, shape (..., 5)
        ``[1 - λα, λαφγ, λαφ(1-γ), λα(1-φ)γ′, λα(1-φ)(1-γ′)]``, summing to one.

    Raises
    ------
    ValueError
        If any input is not a probability; the message names it.
    """
    lam = _probability("lambda", lam)
    alpha = _probability("alpha", alpha)
    phi = _probability("phi", phi)
    gamma = _probability("gamma", gamma)
    gamma_prime = _probability("gamma_prime", gamma_prime)
    effective = lam * alpha
    completes = effective * phi
    exits = effective * (1.0 - phi)
    return np.stack(
        np.broadcast_arrays(
            1.0 - effective,
            completes * gamma,
            completes * (1.0 - gamma),
            exits * gamma_prime,
            exits * (1.0 - gamma_prime),
        ),
        axis=-1,
    )


def expected_value(probabilities: Any, values: Any) -> np.ndarray:
    """Probability-weighted value over terminal nodes: ``sum_i p_i v_i`` (last axis)."""
    return np.sum(np.asarray(probabilities) * np.asarray(values), axis=-1)


def pathway_tree(params: Mapping[str, Any]) -> pd.DataFrame:
    """The tree's terminal nodes with probability, harm avoided and expected value.

    The tree is the parameter folder's ``tree.yaml`` (Figure C1.1 by default; see
    :mod:`dsc_econ.model.tree`).

    Returns
    -------
    pandas.DataFrame
        One row per terminal node (T1..T5 for Figure C1.1): ``label``,
        ``probability`` (per OCU), ``value_per_client`` (PV of harm avoided
        relative to untreated harm throughout, T1, £) and
        ``expected_value`` (probability x value, £ per OCU). The probabilities sum to
        one; ``frame.expected_value.sum()`` is the value per OCU of the whole tree.
        Point values only.
    """
    from .tree import tree_frame  # the tree of the parameter folder (issue 19)

    frame = tree_frame(params).drop(columns="profile")
    frame.attrs["units"] = {"value_per_client": "GBP", "expected_value": "GBP per OCU"}
    return frame
