"""Client-level difference in differences: logistic regression (Appendix B2).

For one site, the outcome of each client (in effective treatment; a successful
completion among those completing) is regressed on pilot area, post period, their
interaction, and the client covariates, each covariate categorical with missing values
as a category of their own (so the full base of clients stays in), as the report did.
The interaction is the DiD: its odds ratio, p-value and confidence interval, and its
effect in percentage points (the average, over pilot-area clients in the post period,
of the fitted probability less the probability with the interaction removed).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = ["MEASURES", "logistic_did", "logistic_dids"]

MEASURES = {
    "et_tt": ("effective", None),
    "sc_tc": ("successful", "completing"),
}
"""Measure -> (outcome column, column restricting the clients, or None)."""


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
    if restrict:
        data = data.loc[data[restrict]]
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


def logistic_dids(outcomes: pd.DataFrame, covariates: Sequence[str] = ()) -> pd.DataFrame:
    """:func:`logistic_did` for every site and both measures, as one table."""
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
    return pd.DataFrame(rows).set_index(["site", "measure"])
