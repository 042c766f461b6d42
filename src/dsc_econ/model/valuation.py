"""Present values per client: the returns from treatment (Appendix C6, Table C.6.1).

From the harms of :mod:`dsc_econ.model.harms` and the discount factors of
:mod:`dsc_econ.model.discounting`, year by year over the career after the start of
treatment:

* short-term value (B^A, value of a client in effective treatment): PV over the
  treatment years of the harm avoided, ``sum_t d_t (u_t - h)``; Table C.6.1: £44,224;
* long-term value of abstinence: PV over the post-treatment years of the harm an
  abstinent client avoids relative to one who re-presents, ``sum_t d_t (u_t - a_t)``;
  £330,225;
* expected value of a successful completion (B^B): short-term + gamma x long-term;
  £195,149;
* discounted cost of treatment: ``sum_t d_t c`` over the treatment years; £11,019;
* short-term NPV: short-term value - cost.

:func:`present_values` is the kernel every caller uses, from the point estimate to a
million-row Sobol sample: it walks the years (a dozen) and works on whole sample
vectors at each, so its cost per sample is a few dozen floating-point operations.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from . import checks
from .discounting import yearly_factors
from .harms import PATHWAYS, harm_profiles, horizon

__all__ = [
    "UnitValues",
    "pathway_values",
    "present_values",
    "table_c61",
    "unit_values",
    "valuation_inputs",
    "value_of_treatment",
]

_FLOW_UNITS = "GBP per client per year"
_FLOWS = ("short_term", "long_term", "expected", "cost")


def present_values(
    untreated: Any,
    in_treatment: Any,
    years_in_treatment: Any,
    years_after_treatment: Any,
    decline_rate: Any,
    decline_from_year: Any,
    decay_rate: Any,
    gamma: Any,
    annual_cost: Any,
    factors: np.ndarray,
    keep_years: bool = False,
) -> dict[str, Any]:
    """Discounted values per client over the career, year by year.

    Parameters
    ----------
    untreated, in_treatment : float or ndarray, shape (...,)
        Annual harm not in treatment (U) and in treatment (h), £ per client per year.
    years_in_treatment, years_after_treatment : float or ndarray, shape (...,)
        Career phases after the start of treatment (may be fractional).
    decline_rate, decline_from_year : float or ndarray, shape (...,)
        Untreated harm declines at this yearly rate from this year (year 1 = first
        year of treatment): ``u_t = U (1 - rho) ** max(0, t - f + 1)``.
    decay_rate : float or ndarray, shape (...,)
        Abstinent harm after treatment ``a_t = h (1 - delta) ** (t - n_T)``; 1 = stops.
    gamma : float or ndarray, shape (...,)
        Probability of continued abstinence after a successful completion.
    annual_cost : float or ndarray, shape (...,)
        Treatment cost per client per year in treatment, £.
    factors : ndarray, shape (H,) or (H, ...)
        Discount factors of years 1..H, year axis first (:func:`yearly_factors`).
    keep_years : bool
        Also return the discounted flow of every year.

    Returns
    -------
    dict
        ``effective`` (B^A), ``long_term``, ``completion`` (B^B = B^A + gamma x
        long-term) and ``cost``, in £ per client, shape (...,). With ``keep_years``,
        also ``flows``: a dict of the discounted yearly flows ``short_term``,
        ``long_term``, ``expected`` and ``cost``, each of shape (..., H).

    Notes
    -----
    Each year's share in treatment is ``clip(n_T - (t - 1), 0, 1)`` and after it
    ``clip(n_T + n_P - (t - 1), 0, 1)`` minus that, so fractional careers are valued
    pro rata and every input may carry its own sample dimension.
    """
    # One vectorised check per argument (names in the errors); see model/checks.py.
    u0 = checks.finite("untreated", untreated)
    h = checks.finite("in_treatment", in_treatment)
    n_t, n_p = checks.career(years_in_treatment, years_after_treatment)
    n_all = n_t + n_p
    keep_u = 1.0 - checks.probability("decline_rate", decline_rate)
    first_decline = checks.finite("decline_from_year", decline_from_year)
    keep_a = 1.0 - checks.probability("decay_rate", decay_rate)
    cost = checks.at_least("annual_cost", annual_cost, 0)
    g = checks.probability("gamma", gamma)
    factors = checks.finite("factors", factors)
    if factors.ndim == 0:
        raise ValueError("factors must have a year axis (shape (H,) or (H, ...))")
    short = long_ = spend = 0.0
    flows: dict[str, list[Any]] = {k: [] for k in _FLOWS}
    # Bounds of the sampled careers, so whole years can be skipped without a scan.
    t_max, all_max = float(np.max(n_t)), float(np.max(n_all))
    t_min, f_min = float(np.min(n_t)), float(np.min(first_decline))
    scalar_f = np.ndim(first_decline) == 0
    u_factor: Any = 1.0  # keep_u ** steps, carried from year to year
    declining = False  # whether u_factor already holds a power from an earlier year
    a_factor: Any = None  # keep_a ** (t - n_T) once every sample is past treatment
    for i in range(factors.shape[0]):
        t = i + 1.0
        d = factors[i]
        in_any = t_max > i
        after_any = all_max > i and t_min < t
        share_in = np.clip(n_t - i, 0.0, 1.0) if in_any else 0.0
        # Untreated harm: one multiplication a year once the decline has started.
        if t - f_min + 1.0 <= 0:
            u = u0
        elif scalar_f and declining and t - float(first_decline) >= 1.0:
            u_factor = u_factor * keep_u
            u = u0 * u_factor
        else:
            u_factor = keep_u ** np.maximum(t - first_decline + 1.0, 0.0)
            u = u0 * u_factor
            declining = True
        s_flow = d * share_in * (u - h) if in_any else 0.0
        c_flow = d * share_in * cost if in_any else 0.0
        if after_any:
            share_after = np.clip(n_all - i, 0.0, 1.0) - share_in
            # Abstinent harm: a power while some samples are still in treatment, then
            # one multiplication a year.
            if a_factor is not None and t - 1.0 >= t_max:
                a_factor = a_factor * keep_a
            else:
                a_factor = keep_a ** np.maximum(t - n_t, 0.0)
            l_flow = d * share_after * (u - h * a_factor)
        else:
            l_flow = 0.0
        short = short + s_flow
        long_ = long_ + l_flow
        spend = spend + c_flow
        if keep_years:
            for key, value in zip(_FLOWS, (s_flow, l_flow, None, c_flow), strict=True):
                flows[key].append(value)
    out: dict[str, Any] = {
        "effective": short,
        "long_term": long_,
        "completion": short + g * long_,
        "cost": spend,
    }
    if keep_years:
        shape = np.broadcast_shapes(*(np.shape(v) for v in out.values()))
        stacked = {
            k: np.stack([np.broadcast_to(v, shape) for v in flows[k]], axis=-1)
            for k in ("short_term", "long_term", "cost")
        }
        stacked["expected"] = stacked["short_term"] + g[..., None] * stacked["long_term"]
        out["flows"] = stacked
    return out


def valuation_inputs(params: Mapping[str, Any], gamma: Any = None) -> dict[str, Any]:
    """The arguments of :func:`present_values` taken from a parameter set.

    ``gamma`` (the share of successful completions that stay abstinent) comes from
    the parameter folder's pathway tree (``b_completion`` of
    :func:`dsc_econ.model.tree.completion_coefficients`: ``pathways.gamma`` for
    Figure C1.1, whatever a user's tree computes otherwise) unless given; it is never
    read from a parameter key here.
    """
    if gamma is None:
        from .tree import completion_coefficients

        gamma = completion_coefficients(params).b_completion
    n_t = params["career.years_in_treatment"]
    n_p = params["career.years_after_treatment"]
    years = horizon(n_t, n_p)
    return {
        "untreated": params["harms.untreated.total"],
        "in_treatment": params["harms.in_treatment.total"],
        "years_in_treatment": n_t,
        "years_after_treatment": n_p,
        "decline_rate": params["harms.untreated.decline_rate"],
        "decline_from_year": params["harms.untreated.decline_from_year"],
        "decay_rate": params["harms.abstinent.decay_rate"],
        "gamma": gamma,
        "annual_cost": params["treatment.annual_cost"],
        "factors": yearly_factors(params, len(years)),
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

    ``effective`` and ``completion`` follow the parameter folder's pathway tree
    (:func:`dsc_econ.model.tree.unit_coefficients`); for Figure C1.1 they are the
    report's B^A and B^B.

    Returns
    -------
    UnitValues
        Floats for point values, arrays of shape (n,) for a sample of n.

    References
    ----------
    Appendix C6 and Table C.6.1, p.118; Table 7.10 footnote ** (p.91).
    """
    from .tree import completion_coefficients, unit_pair

    # the unit values of the parameter folder's tree (issue 19): for Figure C1.1,
    # effective = B^A and completion = B^A + gamma x long-term, as Table C.6.1
    coef = completion_coefficients(params)
    pv = present_values(**valuation_inputs(params, coef.b_completion))
    effective, completion = unit_pair(coef, pv["effective"], pv["long_term"], False)

    def out(x: Any) -> Any:
        return float(x) if np.ndim(x) == 0 else x

    return UnitValues(
        effective=out(effective),
        long_term=out(pv["long_term"]),
        completion=out(completion),
        cost=out(pv["cost"]),
    )


def _harms(params: Mapping[str, Any], years: np.ndarray) -> np.ndarray:
    return harm_profiles(
        years,
        params["harms.untreated.total"],
        params["harms.in_treatment.total"],
        params["career.years_in_treatment"],
        params["career.years_after_treatment"],
        params["harms.untreated.decline_rate"],
        params["harms.untreated.decline_from_year"],
        params["harms.abstinent.decay_rate"],
    )


def pathway_values(params: Mapping[str, Any]) -> np.ndarray:
    """PV of harm avoided on each pathway relative to T1, £ per client.

    Returns
    -------
    ndarray, shape (..., 5)
        T1 is 0 by definition; T3 and T5 equal B^A, T2 and T4 B^A + long-term value.
    """
    n = len(
        horizon(params["career.years_in_treatment"], params["career.years_after_treatment"])
    )
    years = np.arange(1, n + 1)
    harms = _harms(params, years)
    factors = np.moveaxis(yearly_factors(params, n), 0, -1)
    return np.sum((harms[..., :1, :] - harms) * factors[..., None, :], axis=-1)


def value_of_treatment(params: Mapping[str, Any]) -> xr.Dataset:
    """Year-by-year harms, values and costs of treatment with their present values.

    Returns
    -------
    xarray.Dataset
        ``harm`` by pathway (dims ``([sample,] pathway, year)``); the discounted
        flows ``short_term_discounted``, ``long_term_discounted``,
        ``expected_discounted``, ``cost_discounted`` and ``discount_factor``
        (``([sample,] year)``); present values ``pv_short_term``, ``pv_long_term``,
        ``pv_expected``, ``pv_cost`` and ``npv_short_term``. Units in attrs.
    """
    from .tree import (
        completion_coefficients,
        node_probabilities,
        terminal_harms,
        tree_for,
        unit_pair,
    )

    tree = tree_for(params)
    coef = completion_coefficients(params, tree)
    inputs = valuation_inputs(params, coef.b_completion)
    pv = present_values(**inputs, keep_years=True)
    years = np.arange(1, inputs["factors"].shape[0] + 1)
    harms = _harms(params, years)
    factors = np.moveaxis(inputs["factors"], 0, -1)
    flows = pv["flows"]
    if not coef.closed:  # a user's tree: B^B = a_c S + b_c L, year by year too
        pv["completion"] = unit_pair(coef, pv["effective"], pv["long_term"], False)[1]
        flows["expected"] = unit_pair(
            coef, flows["short_term"], flows["long_term"], False, axis=True
        )[1]
    sample_shape = np.broadcast_shapes(
        harms.shape[:-2], factors.shape[:-1], *(f.shape[:-1] for f in flows.values())
    )
    lead = ("sample",) if sample_shape else ()
    yshape = (*sample_shape, len(years))
    # harm of a successful completer: the terminals below the tree's completion node
    # weighted by their chance (gamma T2 + (1 - gamma) T3 for Figure C1.1)
    reach = node_probabilities(tree, params, tree.completion)
    below = [t for t in tree.terminals if t in reach]
    by_terminal = terminal_harms(tree, params, years)
    weighted: Any = 0.0
    for t in below:
        p = np.asarray(reach[t], dtype=float)[..., None]
        term = p * by_terminal[..., tree.terminals.index(t), :]
        weighted = term if isinstance(weighted, float) else weighted + term
    per_year = {
        "weighted_average": (weighted, _FLOW_UNITS),
        "short_term": (harms[..., 0, :] - harms[..., 2, :], _FLOW_UNITS),
        "long_term": (harms[..., 2, :] - harms[..., 1, :], _FLOW_UNITS),
        "short_term_discounted": (flows["short_term"], "GBP per client"),
        "long_term_discounted": (flows["long_term"], "GBP per client"),
        "expected_discounted": (flows["expected"], "GBP per client"),
        "cost_discounted": (flows["cost"], "GBP per client"),
        "discount_factor": (factors, "1"),
    }
    data: dict[str, Any] = {
        "harm": (
            (*lead, "pathway", "year"),
            np.broadcast_to(harms, (*sample_shape, *harms.shape[-2:])),
            {"units": _FLOW_UNITS},
        )
    }
    for name, (values, units) in per_year.items():
        data[name] = ((*lead, "year"), np.broadcast_to(values, yshape), {"units": units})
    totals = {
        "pv_short_term": pv["effective"],
        "pv_long_term": pv["long_term"],
        "pv_expected": pv["completion"],
        "pv_cost": pv["cost"],
        "npv_short_term": pv["effective"] - pv["cost"],
    }
    for name, value in totals.items():
        data[name] = (
            lead,
            np.broadcast_to(value, sample_shape),
            {"units": "GBP per client"},
        )
    return xr.Dataset(
        data,
        coords={"pathway": list(PATHWAYS), "year": years},
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
    """Table C.6.1 laid out as in the report: one row per year and a ``pv`` row.

    Columns: ``no_treatment``, ``recovery``, ``no_recovery``, ``weighted_average`` (harm,
    £ per client per year); ``short_term``, ``short_term_discounted``, ``long_term``,
    ``long_term_discounted``, ``expected_discounted``, ``cost_discounted`` (£). The pv
    row sums the discounted columns; its other cells are empty (NaN), as in the report.
    Point values only.
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
    if hasattr(params, "meta"):  # a ParameterSet: say units, price years and sources
        from ..inputs.citations import table_provenance

        units = {c: "GBP per client" for c in frame.columns}
        units.update(
            dict.fromkeys(
                ["no_treatment", "recovery", "no_recovery", "weighted_average"],
                "GBP per client per year",
            )
        )
        units["short_term"] = units["long_term"] = "GBP per client per year"
        frame.attrs.update(
            table_provenance(
                params,
                units,
                ["harms", "treatment", "career", "discounting", "pathways"],
                {"document": "dscp_final_report_2012", "table": "Appendix Table C.6.1",
                 "page": 118},
                "Harm reduction estimates and the returns from treatment",
            )
        )
    return frame
