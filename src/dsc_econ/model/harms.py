"""Harm of each treatment pathway, year by year over the misuse career.

The NTA career (Appendix C5) runs 8 years before treatment, 4 in treatment and 8 after.
Years are indexed from the first year of treatment: year 1..4 in treatment, 5..12 after,
and -7..0 before (identical on every pathway, so they drop out of every valuation).

Harm per client per year on each terminal pathway of Figure C1.1:

==== ============================================ ===================================
node in treatment (years 1..n_T)                  after treatment
==== ============================================ ===================================
T1   untreated u(t)                               untreated u(t)
T2   in-treatment h                               abstinent a(t)  (planned exit)
T3   in-treatment h                               untreated u(t)  (re-presents)
T4   in-treatment h                               abstinent a(t)  (unplanned exit)
T5   in-treatment h                               untreated u(t)
==== ============================================ ===================================

with ``u(t) = U (1 - rho) ** max(0, t - f + 1)`` (untreated harm declining at rate rho
from year f) and ``a(t) = h (1 - delta) ** (t - n_T)`` (abstinent harm decaying at rate
delta from completion; delta = 1 means harm stops, the report's base case).

All functions broadcast over a leading sample dimension: scalar or ``(n,)`` inputs give
``(y,)`` or ``(n, y)`` outputs. Career lengths may differ between samples (and need not
be whole years): each year carries the share of it spent in each phase.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import xarray as xr

from . import checks

__all__ = [
    "PATHWAYS",
    "PATHWAY_LABELS",
    "abstinent_harm",
    "harm_profiles",
    "harm_profiles_for",
    "horizon",
    "phase_shares",
    "untreated_harm",
]

PATHWAYS: tuple[str, ...] = ("T1", "T2", "T3", "T4", "T5")
"""Terminal nodes of the pathway tree (Figure C1.1)."""

PATHWAY_LABELS: dict[str, str] = {
    "T1": "no effective treatment",
    "T2": "successful completion, continued abstinence",
    "T3": "successful completion, re-presents",
    "T4": "unplanned exit, recovers",
    "T5": "unplanned exit, does not recover",
}


def _col(x: Any) -> np.ndarray:
    """Add a trailing year axis to a scalar or (n,) parameter."""
    return np.asarray(x, dtype=float)[..., None]


def horizon(years_in_treatment: Any, years_after_treatment: Any) -> np.ndarray:
    """Year indices 1..H of the appraisal horizon (H covers the longest sample).

    Raises ``ValueError`` for negative or non-finite career lengths and for a career
    of zero years (nothing to value).
    """
    n_t, n_p = checks.career(years_in_treatment, years_after_treatment)
    return np.arange(1, int(np.ceil(np.max(n_t + n_p))) + 1)


def phase_shares(
    years: Any, years_in_treatment: Any, years_after_treatment: Any
) -> tuple[np.ndarray, np.ndarray]:
    """Share of each year spent in treatment and after it.

    Returns
    -------
    in_treatment, after : ndarray, shape (..., y)
        For whole-year careers these are 0/1 indicators; fractional careers give the
        part-year shares, so results change smoothly with career length.
    """
    t = checks.finite("years", years)
    n_t, n_p = checks.career(years_in_treatment, years_after_treatment)
    n_t = n_t[..., None]
    n_all = n_t + n_p[..., None]
    in_treatment = np.clip(n_t - (t - 1.0), 0.0, 1.0)
    within_career = np.clip(n_all - (t - 1.0), 0.0, 1.0)
    return in_treatment, within_career - in_treatment


def untreated_harm(
    years: Any, total: Any, decline_rate: Any = 0.0, decline_from_year: Any = 1
) -> np.ndarray:
    """Harm of an untreated OCU in each year, £ per client per year.

    ``total * (1 - decline_rate) ** max(0, t - decline_from_year + 1)``: years before
    ``decline_from_year`` are at ``total``; that year is the first reduced one.
    """
    t = checks.finite("years", years)
    first = checks.finite("decline_from_year", decline_from_year)[..., None]
    rho = checks.probability("decline_rate", decline_rate)[..., None]
    steps = np.clip(t - first + 1.0, 0.0, None)
    return checks.finite("total", total)[..., None] * (1.0 - rho) ** steps


def abstinent_harm(
    years: Any, in_treatment: Any, decay_rate: Any, years_in_treatment: Any
) -> np.ndarray:
    """Harm of an abstinent client after treatment, £ per client per year.

    ``in_treatment * (1 - decay_rate) ** (t - years_in_treatment)`` for years after
    treatment (the first year after completion has decayed once); 0 where
    ``decay_rate`` is 1 (harm stops at completion, the report's base case). Values in
    treatment years are not meaningful and are masked by :func:`harm_profiles`.
    """
    t = checks.finite("years", years)
    k = np.clip(t - checks.at_least("years_in_treatment", years_in_treatment, 0)[..., None],
                0.0, None)
    retained = 1.0 - checks.probability("decay_rate", decay_rate)[..., None]
    with np.errstate(divide="ignore"):
        # 0 ** k with k > 0 is 0: harm stops; guard k == 0 (in treatment) explicitly.
        factor = np.where(k > 0, retained**k, 1.0)
    return checks.finite("in_treatment", in_treatment)[..., None] * factor


def harm_profiles(
    years: Any,
    untreated: Any,
    in_treatment: Any,
    years_in_treatment: Any,
    years_after_treatment: Any,
    decline_rate: Any = 0.0,
    decline_from_year: Any = 1,
    decay_rate: Any = 1.0,
) -> np.ndarray:
    """Harm of every pathway T1..T5 in every year, £ per client per year.

    Parameters
    ----------
    years : array_like, shape (y,)
        Year indices (1 = first year of treatment).
    untreated, in_treatment : float or array_like, shape (...,)
        Annual harm not in treatment (U) and in treatment (h), £ per client per year.
    years_in_treatment, years_after_treatment : float or array_like, shape (...,)
        Career phases after the start of treatment.
    decline_rate, decline_from_year : float or array_like, shape (...,)
        Yearly decline of untreated harm and its first year.
    decay_rate : float or array_like, shape (...,)
        Yearly decay of abstinent harm after completion (1 = stops at once).

    Returns
    -------
    ndarray, shape (..., 5, y)
        Pathways in the order of :data:`PATHWAYS`; zero beyond the career.
    """
    in_t, after = phase_shares(years, years_in_treatment, years_after_treatment)
    u = untreated_harm(years, untreated, decline_rate, decline_from_year)
    a = abstinent_harm(years, in_treatment, decay_rate, years_in_treatment)
    h = _col(in_treatment)
    never = u * (in_t + after)
    abstains = h * in_t + a * after
    relapses = h * in_t + u * after
    return np.stack(
        np.broadcast_arrays(never, abstains, relapses, abstains, relapses), axis=-2
    )


def harm_profiles_for(
    params: Mapping[str, Any], include_before: bool = True
) -> xr.DataArray:
    """Harm profiles of every pathway over the career, from a parameter set.

    Returns
    -------
    xarray.DataArray
        Dims ``([sample,] pathway, year)``; ``year`` runs from the first pre-treatment
        year (1 - years_before_treatment) to the end of the horizon, with a
        ``career_year`` coordinate (1 = first year of the misuse career). Units in attrs.
    """
    n_t = params["career.years_in_treatment"]
    n_p = params["career.years_after_treatment"]
    years = horizon(n_t, n_p)
    values = harm_profiles(
        years,
        params["harms.untreated.total"],
        params["harms.in_treatment.total"],
        n_t,
        n_p,
        params["harms.untreated.decline_rate"],
        params["harms.untreated.decline_from_year"],
        params["harms.abstinent.decay_rate"],
    )
    n_before = int(np.max(params["career.years_before_treatment"]))
    if include_before and n_before > 0:
        before_years = np.arange(1 - n_before, 1)
        u0 = np.asarray(params["harms.untreated.total"], dtype=float)[..., None, None]
        before = np.broadcast_to(u0, (*values.shape[:-1], n_before))
        values = np.concatenate([before, values], axis=-1)
        years = np.concatenate([before_years, years])
    dims = ("pathway", "year") if values.ndim == 2 else ("sample", "pathway", "year")
    return xr.DataArray(
        values,
        dims=dims,
        coords={
            "pathway": list(PATHWAYS),
            "year": years,
            "career_year": ("year", years + n_before),
            "pathway_label": ("pathway", [PATHWAY_LABELS[p] for p in PATHWAYS]),
        },
        name="harm",
        attrs={
            "units": "GBP per client per year",
            "long_name": "harm (crime + health and social care) by pathway",
            "year_convention": "year 1 = first year of treatment",
        },
    )
