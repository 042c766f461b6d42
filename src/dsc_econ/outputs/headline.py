"""The base case's headline: one NPSV, BCR and payback per site and for the programme.

Every view of the board paper (executive summary, results, over time), the workbook and
the command line read these numbers from :func:`headline`, so the same assumptions
always show the same headline. The base case is the appraisal itself: one cohort of
extra clients valued over its own years (Table 7.10's method,
:func:`dsc_econ.model.appraisal.appraise`). Its cash flows are laid on the project's
years with the cohort entering in project year 1 (``cashflow.benefits:
single_cohort``), whose present value is exactly the appraisal's benefit, so the
payback year belongs to the same numbers. Any other view (an effect lasting N years,
perpetual streams, the stock-flow model) differs by an assumption and must say which
(:func:`alternative_label`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..inputs.project import year_label
from ..model.appraisal import appraise
from ..model.cashflow import NO_PAYBACK, cashflow, effect_assumption, payback_year

__all__ = [
    "BASE_CASE",
    "PAYBACK_DEFINITION",
    "PROGRAMME",
    "Headline",
    "alternative_label",
    "headline",
    "money_unit",
    "price_base",
    "programme_probability",
    "recommendation",
]

PROGRAMME = "programme"
"""Row of the headline table holding the sum over the sites."""

BASE_CASE = (
    "one cohort of extra clients, valued over its own treatment and after-treatment "
    "years as in the appraisal"
)
"""The base case's assumption in words (what every other view is compared with)."""

PAYBACK_DEFINITION = (
    "Payback year: the first year of the project from which the cumulative discounted "
    "benefits stay at or above the cumulative costs to the end of the horizon; "
    "'none' when that never happens."
)
"""The one payback definition the paper, the workbook and the command line state."""


def price_base(params: Any) -> str:
    """The price base printed beside every money figure.

    The parameter sets hold amounts at the prices their sources give (the DSCP report
    does not state one price year), so this says so; one function, so a later price-base
    conversion changes every figure's label in one place.
    """
    base = params.get("project.price_year") if hasattr(params, "get") else None
    if base not in (None, "", "not stated"):
        return f"£, {base} prices"
    return "£, prices as given by the sources"


def money_unit(params: Any, scale: str = "million") -> str:
    """A money heading's unit with the price base, e.g. "£ million, prices as given by
    the sources" (``scale``: "million", "thousand" or "")."""
    base = price_base(params).removeprefix("£, ")
    return f"£ {scale}, {base}" if scale else f"£, {base}"


@dataclass(frozen=True)
class Headline:
    """The headline numbers of the base case.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per site and a ``programme`` row; columns ``benefit``, ``cost``,
        ``npsv`` (£ thousand, present values), ``bcr`` (benefits / costs), ``payback``
        (project year number, :data:`~dsc_econ.model.cashflow.NO_PAYBACK` when none) and
        ``payback_text`` (e.g. ``"year 1 (2009-10)"`` or ``"none"``).
    price_base : str
        What the £ amounts are in (:func:`price_base`).
    assumption : str
        The base case in words (:data:`BASE_CASE`).
    payback_definition : str
        :data:`PAYBACK_DEFINITION`.
    """

    table: pd.DataFrame
    price_base: str
    assumption: str = BASE_CASE
    payback_definition: str = PAYBACK_DEFINITION

    @property
    def sites(self) -> list[str]:
        """The sites (rows other than the programme)."""
        return [str(s) for s in self.table.index if s != PROGRAMME]

    def row(self, site: str) -> pd.Series:
        """One site's (or ``"programme"``'s) headline."""
        return self.table.loc[str(site)]


def _payback_text(params: Any, year: int) -> str:
    if int(year) == NO_PAYBACK:
        return "none"
    return f"year {int(year)} ({year_label(params, int(year))})"


def headline(
    params: Any, sites: Sequence[str] | None = None, point: Any = None
) -> Headline:
    """The base case's NPSV, BCR and payback per site and for the programme.

    Parameters
    ----------
    params : ParameterSet
        The parameters in use (point values).
    sites : sequence of str, optional
        Sites to include (default: every site with impact data).
    point : xarray.Dataset, optional
        An :func:`~dsc_econ.model.appraisal.appraise` result for these sites, to avoid
        recomputing it.

    Returns
    -------
    Headline
        NPSV and BCR are the appraisal's; the payback year comes from the same cohort's
        cash flows on the project's years (see :data:`PAYBACK_DEFINITION`). The
        programme row adds up the sites.
    """
    sites = [str(s) for s in (sites or params.impact_sites())]
    point = point if point is not None else appraise(params, sites)
    if "sample" in point.dims:
        raise ValueError("headline needs point values, not samples")
    single = params.with_values({"cashflow.benefits": "single_cohort"}, origin="headline")
    cf = cashflow(single, sites).sel(site=sites)
    benefit = point.total_benefit.sel(site=sites).values.astype(float)
    cost = point.cost.sel(site=sites).values.astype(float)
    years = cf.year.values
    pay = [int(v) for v in cf.payback_discounted.values]
    pay.append(
        int(
            payback_year(
                cf.cost_discounted.sum("site").values,
                cf.net_discounted.sum("site").values,
                years,
            )
        )
    )
    tb, tc = float(benefit.sum()), float(cost.sum())
    with np.errstate(divide="ignore", invalid="ignore"):
        bcr = np.append(point.bcr.sel(site=sites).values.astype(float), tb / tc)
    table = pd.DataFrame(
        {
            "benefit": np.append(benefit, tb),
            "cost": np.append(cost, tc),
            "npsv": np.append(benefit - cost, tb - tc),
            "bcr": bcr,
            "payback": pay,
            "payback_text": [_payback_text(params, y) for y in pay],
        },
        index=pd.Index([*sites, PROGRAMME], name="site"),
    )
    table.attrs["units"] = {
        "benefit": "GBP thousand",
        "cost": "GBP thousand",
        "npsv": "GBP thousand",
        "bcr": "1",
        "payback": "project year",
    }
    return Headline(table, price_base(params))


def programme_probability(mc: Any, sites: Sequence[str]) -> float:
    """Share of the Monte Carlo samples in which the programme's benefits exceed its
    costs (its NPSV, summed over ``sites``, above zero)."""
    sel = {"site": [str(s) for s in sites]}
    net = (mc.total_benefit.sel(**sel) - mc.cost.sel(**sel)).sum("site")
    return float((net.values > 0).mean())


def recommendation(h: Headline, prob: float, noun: str = "change") -> str:
    """The programme-level recommendation with its probability, in one sentence.

    ``prob`` is :func:`programme_probability`; at least 90% recommends going ahead, at
    most 10% recommends not going ahead as a whole, and between them it says the
    evidence does not decide.
    """
    from .formatting import format_npv_m, probability_phrase

    npsv = float(h.row(PROGRAMME).npsv)
    chance = probability_phrase(prob)
    money = f"{format_npv_m(npsv)} ({h.price_base})"
    if prob >= 0.9:
        advice = f"Recommendation: go ahead with the {noun}s as a programme"
    elif prob <= 0.1:
        advice = f"Recommendation: do not go ahead with the {noun}s as a programme"
    else:
        advice = (
            f"Recommendation: no decision on the {noun}s as a programme yet; the "
            "evidence does not settle it"
        )
    good = [s for s in h.sites if float(h.row(s).npsv) > 0]
    tail = (
        f" Taken alone, {_sites(good)} {'has' if len(good) == 1 else 'have'} benefits "
        "above costs."
        if good and len(good) < len(h.sites)
        else ""
    )
    return (
        f"{advice}: its net present social value (NPSV, benefits less costs) is {money}, "
        f"and the chance that its benefits exceed its costs is {chance}.{tail}"
    )


def _sites(ids: Sequence[str]) -> str:
    names = [f"site {i}" for i in ids]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def alternative_label(params: Any) -> str:
    """How the over-time view differs from the base case, in words, e.g. "over-time
    view: if the effect lasts 30 years with no further spending (not the base case)".

    The base case values one cohort; the over-time view's benefits come from
    ``cashflow.benefits`` with its own duration, decay and perpetuity.
    """
    source = str(params["cashflow.benefits"])
    if source == "single_cohort":
        return "over-time view: the base case's own cohort, so the same as the headline"
    what = {
        "stockflow": "benefits from the stock-flow model of the whole treatment system",
        "early": "benefits rising to a steady level within a few years",
        "late": "benefits starting after a lag and then rising",
        "vector": "benefits a year as supplied by the user",
    }.get(source, source.replace("_", " "))
    return f"over-time view: {what}, {effect_assumption(params)} (not the base case)"
