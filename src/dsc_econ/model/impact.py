"""Difference-in-differences impact of each pilot against its comparison area.

Appendix C4: with X the number in treatment, Y the number in effective treatment and Z
the successful completions, in pilot (P) and comparison (C) areas before (0) and after
(1) the pilot began, the impact on a proportion p is ``(p1^P - p0^P) - (p1^C - p0^C)``.
Three proportions are used (Table 7.7):

* ``et_tt``: effective treatment as a share of total in treatment, Y / X;
* ``sc_tc``: successful completions as a share of all completions, Z / TC;
* ``sc_tt``: successful completions as a share of total in treatment, Z / X.

Tables 7.8 and 7.9 turn ``et_tt`` and ``sc_tt`` into additional clients by multiplying
by the pilot's post-period number in treatment X1^P.

Functions broadcast over a leading sample dimension.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from . import checks

__all__ = [
    "AREAS",
    "COUNTS",
    "MEASURES",
    "PERIODS",
    "additional_clients",
    "did_estimate",
    "did_from_counts",
    "did_standard_error",
    "did_table",
    "proportion",
    "site_counts",
]

AREAS: tuple[str, ...] = ("pilot", "comparison")
PERIODS: tuple[str, ...] = ("pre", "post")
COUNTS: tuple[str, ...] = (
    "total_in_treatment",
    "effective_treatment",
    "successful_completions",
    "total_completing",
)
MEASURES: dict[str, tuple[str, str]] = {
    "et_tt": ("effective_treatment", "total_in_treatment"),
    "sc_tc": ("successful_completions", "total_completing"),
    "sc_tt": ("successful_completions", "total_in_treatment"),
}
"""Each DiD measure as (numerator count, denominator count)."""


def proportion(numerator: Any, denominator: Any) -> np.ndarray:
    """``numerator / denominator``, refusing a zero or negative denominator."""
    num = checks.finite("numerator", numerator)
    den = checks.finite("denominator", denominator)
    if np.any(den <= 0):
        raise ValueError(f"denominator must be positive, got {den[den <= 0].ravel()[0]!r}")
    return num / den


def did_estimate(
    pilot_pre: Any, pilot_post: Any, comparison_pre: Any, comparison_post: Any
) -> np.ndarray:
    """Difference in differences of proportions: ``(P1 - P0) - (C1 - C0)``.

    Examples
    --------
    Site 2, effective treatment as a share of total in treatment (Tables 7.5, 7.6):

    >>> d = did_estimate(3015 / 3322, 2808 / 3169, 2229 / 2425, 1899 / 2038)
    >>> round(float(d), 3)
    -0.034
    """
    return (
        checks.finite("pilot_post", pilot_post) - checks.finite("pilot_pre", pilot_pre)
    ) - (
        checks.finite("comparison_post", comparison_post)
        - checks.finite("comparison_pre", comparison_pre)
    )


def did_standard_error(
    pilot_pre: tuple[Any, Any],
    pilot_post: tuple[Any, Any],
    comparison_pre: tuple[Any, Any],
    comparison_post: tuple[Any, Any],
) -> np.ndarray:
    """Binomial standard error of a DiD of proportions from (successes, trials) pairs.

    ``sqrt(sum p (1 - p) / n)`` over the four independent groups: sampling error only,
    unadjusted for client characteristics (the report's p-values come from client-level
    logistic regressions, Appendix B2).
    """
    total = 0.0
    for k, n in (pilot_pre, pilot_post, comparison_pre, comparison_post):
        p = proportion(k, n)
        total = total + p * (1.0 - p) / np.asarray(n, dtype=float)
    return np.sqrt(total)


def site_counts(
    params: Mapping[str, Any], sites: Sequence[str] | None = None
) -> xr.Dataset:
    """Counts of Tables 7.5/7.6 (and completions of 6.2/6.4) as a Dataset.

    Returns
    -------
    xarray.Dataset
        One variable per count (``total_in_treatment``...), dims
        ``([sample,] site, area, period)``, units ``clients``.
    """
    sites = list(sites) if sites is not None else params.impact_sites()  # type: ignore[attr-defined]
    data = {}
    for count in COUNTS:
        arrays = [
            np.asarray(params[f"sites.{s}.counts.{a}.{p}.{count}"], dtype=float)
            for s in sites
            for a in AREAS
            for p in PERIODS
        ]
        stacked = np.stack(np.broadcast_arrays(*arrays), axis=-1)
        shaped = stacked.reshape(
            (*stacked.shape[:-1], len(sites), len(AREAS), len(PERIODS))
        )
        lead = ("sample",) if shaped.ndim == 4 else ()
        data[count] = ((*lead, "site", "area", "period"), shaped, {"units": "clients"})
    return xr.Dataset(
        data, coords={"site": sites, "area": list(AREAS), "period": list(PERIODS)}
    )


def did_from_counts(counts: xr.Dataset, measure: str) -> xr.DataArray:
    """DiD estimate of one measure (``et_tt``, ``sc_tc`` or ``sc_tt``) per site."""
    try:
        num, den = MEASURES[measure]
    except KeyError:
        raise ValueError(
            f"unknown measure {measure!r}; known: {sorted(MEASURES)}"
        ) from None
    share = counts[num] / counts[den]
    out = (
        share.sel(area="pilot", period="post") - share.sel(area="pilot", period="pre")
    ) - (
        share.sel(area="comparison", period="post")
        - share.sel(area="comparison", period="pre")
    )
    out.attrs = {"units": "proportion (difference in differences)", "measure": measure}
    return out.rename(measure)


def additional_clients(did: Any, base: Any) -> np.ndarray:
    """Additional clients implied by a DiD of a share: ``did * base`` (Tables 7.8, 7.9)."""
    return np.asarray(did) * np.asarray(base)


def did_table(
    params: Mapping[str, Any], sites: Sequence[str] | None = None
) -> pd.DataFrame:
    """Table 7.7 with the pieces behind it, computed from the counts.

    Returns
    -------
    pandas.DataFrame
        Indexed by site: for each measure the pilot and comparison changes, the DiD,
        its binomial standard error and 95% interval, the DiD the report printed, and
        the report's regression p-value where it gives one. Point values only.
    """
    counts = site_counts(params, sites)
    if "sample" in counts.dims:
        raise ValueError("did_table needs point values; select one sample first")
    rows = []
    for site in counts.site.values:
        c = counts.sel(site=site)
        row: dict[str, Any] = {"site": str(site)}
        for measure, (num, den) in MEASURES.items():
            share = (c[num] / c[den]).values  # (area, period)
            pairs = [
                (c[num].values[i, j], c[den].values[i, j]) for i in (0, 1) for j in (0, 1)
            ]
            did = did_estimate(share[0, 0], share[0, 1], share[1, 0], share[1, 1])
            se = did_standard_error(*pairs)
            row[f"{measure}_pilot_change"] = share[0, 1] - share[0, 0]
            row[f"{measure}_comparison_change"] = share[1, 1] - share[1, 0]
            row[f"{measure}_did"] = float(did)
            row[f"{measure}_se"] = float(se)
            row[f"{measure}_ci_low"] = float(did - 1.959963984540054 * se)
            row[f"{measure}_ci_high"] = float(did + 1.959963984540054 * se)
            reported = f"sites.{site}.did_reported.{measure}"
            if reported in params:
                row[f"{measure}_reported"] = params[reported]
            key = f"sites.{site}.p_values.{measure}"
            if key in params:
                meta = params.meta(key)  # type: ignore[attr-defined]
                row[f"{measure}_p_value"] = f"{meta.comparator or ''}{params[key]:g}"
        rows.append(row)
    return pd.DataFrame(rows).set_index("site")
