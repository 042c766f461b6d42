"""Present values per client: the returns from treatment (Appendix C6, Table C.6.1).

From the harm profiles of :mod:`dsc_econ.harms` and the discount factors of
:mod:`dsc_econ.discounting`:

* short-term value (B^A, value of a client in effective treatment): PV over the
  treatment years of the harm avoided, ``sum_t d_t (u_t - h)``; Table C.6.1: £44,224;
* long-term value of abstinence: PV over the post-treatment years of the harm an
  abstinent client avoids relative to one who re-presents, ``sum_t d_t (u_t - a_t)``;
  £330,225;
* expected value of a successful completion (B^B): short-term + gamma x long-term;
  £195,149;
* discounted cost of treatment: ``sum_t d_t c`` over the treatment years; £11,019;
* short-term NPV: short-term value - cost.

Every function broadcasts over a leading sample dimension.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from .discounting import factors_for
from .harms import PATHWAYS, harm_profiles, horizon, phase_shares

__all__ = [
    "UnitValues",
    "pathway_values",
    "table_c61",
    "treatment_flows",
    "unit_values",
    "value_of_treatment",
]

_FLOW_UNITS = "GBP per client per year"


@dataclass(frozen=True)
class _Inputs:
    years: np.ndarray
    harms: np.ndarray  # (..., 5, y)
    factors: np.ndarray  # (..., y)
    in_treatment: np.ndarray  # (..., y) share of each year in treatment
    gamma: np.ndarray
    annual_cost: np.ndarray


def _inputs(params: Mapping[str, Any]) -> _Inputs:
    n_t = params["career.years_in_treatment"]
    n_p = params["career.years_after_treatment"]
    years = horizon(n_t, n_p)
    harms = harm_profiles(
        years,
        params["harms.untreated.total"],
        params["harms.in_treatment.total"],
        n_t,
        n_p,
        params["harms.untreated.decline_rate"],
        params["harms.untreated.decline_from_year"],
        params["harms.abstinent.decay_rate"],
    )
    in_t, _ = phase_shares(years, n_t, n_p)
    return _Inputs(
        years=years,
        harms=harms,
        factors=factors_for(params, years),
        in_treatment=in_t,
        gamma=np.asarray(params["pathways.gamma"], dtype=float),
        annual_cost=np.asarray(params["treatment.annual_cost"], dtype=float),
    )


def treatment_flows(
    harms: np.ndarray,
    factors: np.ndarray,
    in_treatment: np.ndarray,
    gamma: Any,
    annual_cost: Any,
) -> dict[str, np.ndarray]:
    """Year-by-year flows of Table C.6.1 from harm profiles.

    Parameters
    ----------
    harms : ndarray, shape (..., 5, y)
        Harm of pathways T1..T5 (£ per client per year).
    factors : ndarray, shape (..., y)
        Discount factors.
    in_treatment : ndarray, shape (..., y)
        Share of each year spent in treatment.
    gamma : float or ndarray, shape (...,)
        Probability of continued abstinence after a successful completion.
    annual_cost : float or ndarray, shape (...,)
        Cost of treatment per client per year (£).

    Returns
    -------
    dict of ndarray, each shape (..., y)
        ``weighted_average`` harm after a completion, ``short_term`` (harm avoided in
        treatment, T1 - T3), ``long_term`` (abstinent vs re-presenting, T3 - T2), and
        their discounted versions, ``expected_discounted`` (T1 - weighted average,
        discounted) and ``cost_discounted``.
    """
    g = np.asarray(gamma, dtype=float)[..., None]
    never, abstains, relapses = harms[..., 0, :], harms[..., 1, :], harms[..., 2, :]
    weighted = g * abstains + (1.0 - g) * relapses
    short = never - relapses
    long_ = relapses - abstains
    cost = np.asarray(annual_cost, dtype=float)[..., None] * in_treatment
    return {
        "weighted_average": weighted,
        "short_term": short,
        "short_term_discounted": short * factors,
        "long_term": long_,
        "long_term_discounted": long_ * factors,
        "expected_discounted": (never - weighted) * factors,
        "cost_discounted": cost * factors,
    }


@dataclass(frozen=True)
class UnitValues:
    """Present values per client (£), scalars or arrays over samples."""

    effective: Any
    """Short-term value: a client in effective treatment (B^A, £44,224)."""
    long_term: Any
    """PV of continued abstinence after treatment (£330,225)."""
    completion: Any
    """Expected value of a successful completion (B^B, £195,149)."""
    cost: Any
    """Discounted cost of the years in treatment (£11,019)."""

    @property
    def net_short_term(self) -> Any:
        """Short-term NPV: value of effective treatment less its cost."""
        return self.effective - self.cost


def unit_values(params: Mapping[str, Any]) -> UnitValues:
    """Unit values per client of Table C.6.1 from a parameter set.

    Returns
    -------
    UnitValues
        Floats for point values, arrays of shape (n,) for a sample of n.

    References
    ----------
    Appendix C6 and Table C.6.1, p.118; Table 7.10 footnote ** (p.91).
    """
    inp = _inputs(params)
    flows = treatment_flows(
        inp.harms, inp.factors, inp.in_treatment, inp.gamma, inp.annual_cost
    )

    def pv(name: str) -> Any:
        out = flows[name].sum(axis=-1)
        return float(out) if np.ndim(out) == 0 else out

    return UnitValues(
        effective=pv("short_term_discounted"),
        long_term=pv("long_term_discounted"),
        completion=pv("expected_discounted"),
        cost=pv("cost_discounted"),
    )


def pathway_values(params: Mapping[str, Any]) -> np.ndarray:
    """PV of harm avoided on each pathway relative to T1, £ per client.

    Returns
    -------
    ndarray, shape (..., 5)
        T1 is 0 by definition.
    """
    inp = _inputs(params)
    avoided = inp.harms[..., :1, :] - inp.harms
    return np.sum(avoided * inp.factors[..., None, :], axis=-1)


def value_of_treatment(params: Mapping[str, Any]) -> xr.Dataset:
    """Year-by-year harms, values and costs of treatment with their present values.

    Returns
    -------
    xarray.Dataset
        Dims ``([sample,] pathway, year)``: ``harm`` by pathway, the flows of
        :func:`treatment_flows`, ``discount_factor``; and the present values
        ``pv_short_term``, ``pv_long_term``, ``pv_expected``, ``pv_cost`` and
        ``npv_short_term`` over the remaining dims. Units in each variable's attrs.
    """
    inp = _inputs(params)
    flows = treatment_flows(
        inp.harms, inp.factors, inp.in_treatment, inp.gamma, inp.annual_cost
    )
    sample_shape = np.broadcast_shapes(
        inp.harms.shape[:-2], inp.factors.shape[:-1], inp.gamma.shape, inp.annual_cost.shape
    )
    lead = ("sample",) if sample_shape else ()
    factors = np.broadcast_to(inp.factors, (*sample_shape, *inp.years.shape))
    harms = np.broadcast_to(inp.harms, (*sample_shape, *inp.harms.shape[-2:]))
    data: dict[str, Any] = {
        "harm": ((*lead, "pathway", "year"), harms, {"units": _FLOW_UNITS}),
        "discount_factor": ((*lead, "year"), factors, {"units": "1"}),
    }
    for name, values in flows.items():
        values = np.broadcast_to(values, factors.shape)
        data[name] = ((*lead, "year"), values, {"units": _FLOW_UNITS})
    pvs = {
        "pv_short_term": flows["short_term_discounted"].sum(-1),
        "pv_long_term": flows["long_term_discounted"].sum(-1),
        "pv_expected": flows["expected_discounted"].sum(-1),
        "pv_cost": flows["cost_discounted"].sum(-1),
    }
    pvs["npv_short_term"] = pvs["pv_short_term"] - pvs["pv_cost"]
    for name, values in pvs.items():
        data[name] = (
            lead,
            np.broadcast_to(values, factors.shape[:-1]),
            {"units": "GBP per client"},
        )
    return xr.Dataset(
        {k: xr.Variable(*v) for k, v in data.items()},
        coords={"pathway": list(PATHWAYS), "year": inp.years},
        attrs={
            "title": "Harm reduction estimates and the returns from treatment",
            "source": "Appendix Table C.6.1 method, p.118",
            "year_convention": "year 1 = first year of treatment",
            "discounting": (
                f"{params['discounting.method']}, timing {params['discounting.timing']}"
            ),
        },
    )


def table_c61(params: Mapping[str, Any]) -> pd.DataFrame:
    """Table C.6.1 laid out as in the report: one row per year and a ``PV`` row.

    Columns: ``no_treatment``, ``recovery``, ``no_recovery``, ``weighted_average`` (harm,
    £ per client per year); ``short_term``, ``short_term_discounted``, ``long_term``,
    ``long_term_discounted``, ``expected_discounted``, ``cost_discounted`` (£). The PV
    row sums the discounted columns. Point values only.
    """
    ds = value_of_treatment(params)
    if "sample" in ds.dims:
        raise ValueError("table_c61 needs point values; select one sample first")
    frame = pd.DataFrame(
        {
            "no_treatment": ds.harm.sel(pathway="T1").values,
            "recovery": ds.harm.sel(pathway="T2").values,
            "no_recovery": ds.harm.sel(pathway="T3").values,
            "weighted_average": ds.weighted_average.values,
            "short_term": ds.short_term.values,
            "short_term_discounted": ds.short_term_discounted.values,
            "long_term": ds.long_term.values,
            "long_term_discounted": ds.long_term_discounted.values,
            "expected_discounted": ds.expected_discounted.values,
            "cost_discounted": ds.cost_discounted.values,
        },
        index=pd.Index([str(y) for y in ds.year.values], name="year"),
    )
    pv = {c: frame[c].sum() for c in frame.columns if c.endswith("discounted")}
    frame.loc["pv"] = pd.Series(pv)
    return frame
