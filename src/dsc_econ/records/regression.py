"""Client-level difference in differences: logistic regression (Appendix B2).

For one site, the outcome of each client (in effective treatment; a successful
completion among those completing) is regressed on pilot area, post period, their
interaction, and the client covariates, each covariate categorical with missing values
as a category of their own (so the full base of clients stays in), as the report did.
A covariate with more distinct values than ``records.max_covariate_levels`` (an NHS
number, a postcode, a free-text column) is not one-hot encoded -- it would make one
column per client and exhaust memory --; it is dropped with a :class:`RecordsWarning`
naming it and its number of levels, and listed in the table's
``attrs['dropped_covariates']``.
The interaction is the DiD: its odds ratio, p-value and confidence interval, and its
effect in percentage points (the average, over pilot-area clients in the post period,
of the fitted probability less the probability with the interaction removed).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from .journeys import RecordsWarning

__all__ = ["MEASURES", "logistic_did", "logistic_dids", "usable_covariates"]

MEASURES = {
    "et_tt": ("effective", "in_treatment"),
    "sc_tc": ("successful", "completing"),
}
"""Measure -> (outcome column, column restricting the clients, or None)."""


def usable_covariates(
    outcomes: pd.DataFrame, covariates: Sequence[str], max_levels: int
) -> tuple[list[str], dict[str, int]]:
    """The covariates with at most ``max_levels`` distinct values (missing counts as
    one), and the others with their number of levels; warns once per dropped column."""
    keep, dropped = [], {}
    for c in covariates:
        levels = int(outcomes[c].nunique(dropna=False))
        if levels > max_levels:
            dropped[c] = levels
            warnings.warn(
                f"covariate {c!r} has {levels:,} distinct values, more than "
                f"records.max_covariate_levels = {max_levels}; it is left out of the "
                "logistic regression (an identifier or free text cannot be a category; "
                "group it into fewer categories, or raise the limit)",
                RecordsWarning,
                stacklevel=3,
            )
        else:
            keep.append(c)
    return keep, dropped


def _design(data: pd.DataFrame, covariates: Sequence[str]) -> pd.DataFrame:
    pilot = (data["role"] == "pilot").astype(float)
    post = (data["period"] == "post").astype(float)
    parts = [
        pd.DataFrame(
            {"const": 1.0, "pilot": pilot, "post": post, "pilot_post": pilot * post},
            index=data.index,
        )
    ]
    if "age" in data:
        band = pd.cut(data["age"], [0, 25, 30, 35, 40, 50, 200], right=False).astype(str)
        parts.append(pd.get_dummies(band, prefix="age", drop_first=True, dtype=float))
    for c in covariates:
        values = data[c].astype("string").fillna("missing").replace("", "missing")
        dummies = pd.get_dummies(values, prefix=c, drop_first=True, dtype=float)
        parts.append(dummies.loc[:, dummies.std() > 0])
    return pd.concat(parts, axis=1)


def logistic_did(
    outcomes: pd.DataFrame,
    site: str,
    measure: str = "et_tt",
    covariates: Sequence[str] = (),
) -> dict[str, float]:
    """Logistic DiD for one site and measure (``et_tt`` or ``sc_tc``).

    Returns
    -------
    dict
        ``odds_ratio``, ``ci_low``, ``ci_high`` (95% interval of the odds ratio),
        ``p_value``, ``effect_pp`` (percentage points), ``did_pp`` (the raw DiD of the
        shares, for comparison), ``n`` (clients) and ``converged``: when the fit did
        not converge (e.g. perfect separation in a small site) the estimates are not
        to be trusted, and no p-value is passed on to the appraisal or the report.
    """
    import statsmodels.api as sm

    outcome, restrict = MEASURES[measure]
    data = outcomes.loc[outcomes["site"] == site]
    if restrict and restrict in data:
        data = data.loc[data[restrict].astype(bool)]
    if data.empty:
        raise ValueError(f"site {site!r}: no clients for measure {measure}")
    y = data[outcome].astype(float)
    x = _design(data, covariates)
    fit = sm.Logit(y, x).fit(
        disp=False, method="newton", maxiter=100, warn_convergence=False
    )
    converged = bool(fit.mle_retvals.get("converged", False))
    beta = fit.params["pilot_post"]
    low, high = fit.conf_int().loc["pilot_post"]
    treated = (x["pilot_post"] == 1).to_numpy()
    xb = x.loc[treated].to_numpy() @ fit.params.to_numpy()
    effect = np.mean(1 / (1 + np.exp(-xb)) - 1 / (1 + np.exp(-(xb - beta))))
    share = data.groupby(["role", "period"])[outcome].mean()
    did = (share["pilot", "post"] - share["pilot", "pre"]) - (
        share["comparison", "post"] - share["comparison", "pre"]
    )
    return {
        "odds_ratio": float(np.exp(beta)),
        "ci_low": float(np.exp(low)),
        "ci_high": float(np.exp(high)),
        "p_value": float(fit.pvalues["pilot_post"]),
        "effect_pp": float(100 * effect),
        "did_pp": float(100 * did),
        "n": len(data),
        "converged": converged,
    }


def logistic_dids(
    outcomes: pd.DataFrame, covariates: Sequence[str] = (), max_levels: int = 50
) -> pd.DataFrame:
    """:func:`logistic_did` for every site and both measures, as one table.

    Covariates with more than ``max_levels`` levels are dropped with a warning (see the
    module docstring); ``attrs['dropped_covariates']`` maps each to its level count.
    """
    covariates, dropped = usable_covariates(outcomes, covariates, max_levels)
    rows = []
    for site in sorted(outcomes["site"].unique()):
        for measure in MEASURES:
            rows.append(
                {
                    "site": site,
                    "measure": measure,
                    **logistic_did(outcomes, site, measure, covariates),
                }
            )
    table = pd.DataFrame(rows).set_index(["site", "measure"])
    table.attrs["dropped_covariates"] = dropped
    return table
