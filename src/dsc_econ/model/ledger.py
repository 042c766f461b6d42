"""Who pays and who saves: a ledger of costs and benefits by agency and value type.

Every benefit and cost of the site appraisal (:func:`dsc_econ.model.appraisal.appraise`)
is booked as lines ``(agency, value_type, site, year)``:

* benefits: the discounted yearly benefit flow of each site is split into the DTORS harm
  components (Table C.5.1: crime, health and social care) by linearity of the harm
  model (the appraisal run with each component's harms alone gives its share), then
  each component into agencies and value types by ``ledger.harms.<component>.<agency>.
  <value_type>`` shares; additionality (``additionality.*``) scales benefits;
* costs: each site's costs by project year go to ``sites.<id>.costs.agency`` if set,
  else ``ledger.costs.default_agency`` (the NTA for DSCP), as
  ``ledger.costs.value_type``.

With no additionality (the DSCP default) the lines sum to the appraisal's
``total_benefit`` and ``cost`` of each site (a residual keeps the sum exact to floating
point). Perspectives: **fiscal** = public budgets (fiscal cashable and non-cashable);
**economic** = fiscal + economic; **social** = all values. Everything broadcasts over a
leading sample dimension. Money in £ thousand, in the appraisal's present-value terms
(benefits discounted, costs as the appraisal counts them).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from ..inputs.agencies import PERSPECTIVES, Vocabulary, load_vocabulary
from ..inputs.parameters import ParameterError
from .appraisal import appraisal_arrays, resolve_sites

__all__ = [
    "ADDITIONALITY",
    "OUTCOMES",
    "PERSPECTIVES",
    "Vocabulary",
    "additionality_factor",
    "agency_payback",
    "agency_table",
    "budget_basis",
    "budget_table",
    "harm_splits",
    "ledger",
    "ledger_arrays",
    "load_vocabulary",
    "outcome_totals",
    "perspective_results",
    "perspective_table",
    "present_value_costs",
    "value_type_table",
]

ADDITIONALITY: tuple[str, ...] = (
    "deadweight",
    "displacement",
    "leakage",
    "substitution",
    "attribution",
)
NO_COST = 0
"""Payback year of an agency that bears no cost (never out of pocket)."""
NO_PAYBACK = -1
"""Payback year of an agency whose savings do not repay its costs within the years."""
_TOLERANCE = 1e-9


def _where(params: Any, key: str) -> str:
    """``file: key`` of a parameter, for error messages (the file as the user knows it:
    relative to the parameter folder, e.g. ``sites/1.yaml``)."""
    try:
        src = Path(params.meta(key).source)
    except (AttributeError, KeyError, ParameterError):
        return key
    try:
        rel = src.resolve().relative_to(Path(params.source).resolve())
        return f"{rel.as_posix()}: {key}"
    except (ValueError, TypeError, OSError):
        return f"{src.name}: {key}"


def _first_bad(value: Any) -> float:
    return float(np.ravel(value)[0])


def harm_splits(params: Any, vocab: Vocabulary) -> dict[str, list[tuple[str, str, Any]]]:
    """Shares of each harm component by (agency, value type), checked.

    Returns
    -------
    dict
        component -> list of ``(agency, value_type, share)``; shares are floats or
        arrays over samples and sum to 1 within 1e-9.

    Raises
    ------
    ParameterError
        Unknown agency or value type, a negative share, shares not summing to 1; the
        message names the file, key and value.
    """
    out: dict[str, list[tuple[str, str, Any]]] = {}
    for key in params:
        if not key.startswith("ledger.harms."):
            continue
        parts = key.split(".")
        if len(parts) != 5:
            raise ParameterError(
                f"{_where(params, key)}: expected ledger.harms.<component>.<agency>."
                "<value_type>"
            )
        _, _, comp, agency, vt = parts
        if agency not in vocab.agencies:
            raise ParameterError(
                f"{_where(params, key)}: unknown agency {agency!r}; known: "
                f"{sorted(vocab.agencies)} ({vocab.source})"
            )
        if vt not in vocab.value_types:
            raise ParameterError(
                f"{_where(params, key)}: unknown value type {vt!r}; known: "
                f"{sorted(vocab.value_types)} ({vocab.source})"
            )
        share = np.asarray(params[key], dtype=float)
        if np.any(share < 0) or not np.all(np.isfinite(share)):
            bad = share[~(share >= 0)] if np.any(~(share >= 0)) else share
            raise ParameterError(
                f"{_where(params, key)} = {_first_bad(bad)!r}: a share must be a "
                "finite number >= 0"
            )
        out.setdefault(comp, []).append((agency, vt, params[key]))
    if not out:
        raise ParameterError(
            f"{params.source or 'parameters'}: no ledger.harms.<component>.<agency>."
            "<value_type> shares (ledger/harms.yaml): copy parameters/ledger/ from the "
            "bundled parameters (dsc_econ.inputs.parameters.data_dir('parameters')) "
            "and adapt it"
        )
    for comp, lines in out.items():
        total = sum(np.asarray(s, dtype=float) for _, _, s in lines)
        if np.any(np.abs(total - 1.0) > _TOLERANCE):
            bad = np.ravel(total)[np.ravel(np.abs(total - 1.0) > _TOLERANCE)][0]
            first = f"ledger.harms.{comp}.{lines[0][0]}.{lines[0][1]}"
            file = _where(params, first).rsplit(": ", 1)[0]
            raise ParameterError(
                f"{file}: ledger.harms.{comp}: shares sum to {float(bad)!r}, not 1 "
                "(within 1e-9)"
            )
    return out


def additionality_factor(params: Any, years: np.ndarray) -> np.ndarray:
    """Share of the modelled benefit that is additional, by year: shape (..., year).

    ``(1-deadweight)(1-displacement)(1-leakage)(1-substitution)(1-attribution) x
    (1-drop_off)^(year-1)``. Each fraction must lie in [0, 1]. The appraisal's impact is
    a difference-in-differences, whose comparison area is the counterfactual, so a
    deadweight above 0 is refused unless ``additionality.allow_deadweight_with_did``.
    Missing parameters count as 0 (a project folder without ``additionality.yaml``).
    """
    factor = np.asarray(1.0)
    for name in (*ADDITIONALITY, "drop_off"):
        key = f"additionality.{name}"
        if key not in params:
            continue
        v = np.asarray(params[key], dtype=float)
        bad = ~((v >= 0) & (v <= 1))
        if np.any(bad):
            raise ParameterError(
                f"{_where(params, key)}: must lie in [0, 1], got {_first_bad(v[bad])!r}"
            )
        if name == "deadweight" and np.any(v > 0):
            allow = "additionality.allow_deadweight_with_did"
            if not (allow in params and bool(np.all(params[allow]))):
                raise ParameterError(
                    f"{_where(params, key)}: deadweight {_first_bad(v[v > 0])!r} on a "
                    "difference-in-differences impact: the comparison area already is "
                    "the counterfactual, so this deducts deadweight twice; set "
                    f"{allow}: true to insist"
                )
        if name == "drop_off":
            factor = factor[..., None] * (1.0 - v[..., None]) ** (
                np.asarray(years, dtype=float) - 1.0
            )
        else:
            factor = factor * (1.0 - v)
    if factor.ndim == 0 or factor.shape[-1:] != (len(years),):
        factor = np.asarray(factor)[..., None] * np.ones(len(years))
    return factor


def _component_benefits(
    params: Any, sites: list[str], comps: list[str], total_flow: np.ndarray, **dids: Any
) -> list[np.ndarray]:
    """Split the yearly benefit flow (..., site, year) into harm components, exactly.

    The harm model is linear in the untreated and in-treatment harms, so running the
    appraisal with one component's harms (each component scaled so the components add
    up to the model's total, e.g. Table C.5.1's 4,543 + 50,585 = 55,128 against the
    total 55,127) gives that component's part. The component runs skip the unit-value
    rounding (rounding is not linear); their parts become shares of the flow, and the
    last component takes the residual, so the components add up to the flow exactly.
    """
    if comps == ["total"]:
        return [total_flow]
    if "total" in comps:
        raise ParameterError(
            "ledger.harms: split either the total (ledger.harms.total.*) or the "
            f"components, not both (found {comps})"
        )
    missing = [
        f"harms.{state}.{c}"
        for c in comps
        for state in ("untreated", "in_treatment")
        if f"harms.{state}.{c}" not in params
    ]
    if missing:
        raise ParameterError(
            f"ledger.harms names component(s) {comps} but {missing} are not parameters; "
            "use ledger.harms.total.<agency>.<value_type> to split the total harm"
        )
    parts = []
    for c in comps:
        scaled: dict[str, Any] = {"appraisal.unit_value_rounding": 0.0}
        for state in ("untreated", "in_treatment"):
            comp = np.asarray(params[f"harms.{state}.{c}"], dtype=float)
            whole = sum(np.asarray(params[f"harms.{state}.{k}"], float) for k in comps)
            share = np.where(whole > 0, comp / np.where(whole > 0, whole, 1.0), 0.0)
            scaled[f"harms.{state}.total"] = (
                np.asarray(params[f"harms.{state}.total"], dtype=float) * share
            )
        one = params.with_values(scaled, validate=False)
        run = appraisal_arrays(one, sites, by_year=True, **dids)
        parts.append(np.asarray(run["benefit_by_year"], dtype=float))
    parts = list(np.broadcast_arrays(*parts, total_flow))
    flow = parts.pop()
    whole = sum(parts)
    safe = np.where(whole != 0, whole, 1.0)
    out = [np.where(whole != 0, q / safe, 1.0 / len(parts)) * flow for q in parts[:-1]]
    out.append(flow - sum(out) if out else flow)
    return out


def _cost_agencies(
    params: Any, vocab: Vocabulary, sites: list[str], n_years: int
) -> list[list[str]]:
    """Who pays each site's costs, by project year (checked against the vocabulary).

    ``sites.<id>.costs.agency.year_<k>`` for one year, else ``sites.<id>.costs.agency``
    for all years (a project's costs CSV ``agency`` column), else
    ``ledger.costs.default_agency``.
    """
    default_key = "ledger.costs.default_agency"
    if default_key not in params:
        raise ParameterError(
            f"{params.source or 'parameters'}: no {default_key} (ledger/costs.yaml): "
            "who pays a site's costs when the site names no agency"
        )
    out = []
    for site in sites:
        row = []
        for k in range(1, n_years + 1):
            key = next(
                (
                    x
                    for x in (
                        f"sites.{site}.costs.agency.year_{k}",
                        f"sites.{site}.costs.agency",
                    )
                    if x in params
                ),
                default_key,
            )
            agency = params[key]
            if not isinstance(agency, str) or agency not in vocab.agencies:
                raise ParameterError(
                    f"{_where(params, key)} = {agency!r}: unknown agency; known: "
                    f"{sorted(vocab.agencies)} ({vocab.source}; a project may add its "
                    "own agencies in its own agencies.yaml)"
                )
            row.append(agency)
        out.append(row)
    return out


def ledger_arrays(
    params: Any, sites: Sequence[str] | None = None, **dids: Any
) -> dict[str, Any]:
    """The ledger as arrays: benefit and cost lines by agency, value type, site, year.

    Parameters
    ----------
    params : ParameterSet
        Point values or a sample (leading dimension).
    sites : sequence of str, optional
        Default: every site with DiD data.
    **dids
        ``did_effective`` / ``did_completions`` overrides, as
        :func:`dsc_econ.model.appraisal.appraisal_arrays`.

    Returns
    -------
    dict
        ``benefit`` and ``cost``, ndarray shape (..., agency, value_type, site, year),
        £ thousand; ``agencies``, ``value_types``, ``sites``, ``years``;
        ``total_benefit`` and ``total_cost`` (..., site) of the appraisal;
        ``vocabulary``.
    """
    vocab = load_vocabulary(params)
    sites = resolve_sites(params, sites)
    arr = appraisal_arrays(params, sites, by_year=True, **dids)
    flow = np.array(arr["benefit_by_year"], dtype=float)
    # the yearly flows are rescaled to the unit values, so they add up to the total
    # only to rounding; book that rounding (~1e-12) in the last year, so the ledger
    # sums to the appraisal's total benefit exactly
    total = np.asarray(arr["total_benefit"], dtype=float)
    flow = np.broadcast_to(flow, np.broadcast_shapes(flow.shape, (*total.shape, 1))).copy()
    flow[..., -1] += total - flow.sum(-1)
    costs = np.asarray(arr["cost_by_year"], dtype=float)  # (..., site, project_year)
    n_years = max(flow.shape[-1], costs.shape[-1])
    years = np.arange(1, n_years + 1)
    splits = harm_splits(params, vocab)
    comps = list(splits)
    parts = _component_benefits(params, sites, comps, flow, **dids)
    add = additionality_factor(params, years)[..., None, :]  # (..., 1, year)
    lead = np.broadcast_shapes(
        flow.shape[:-2],
        costs.shape[:-2],
        add.shape[:-2],
        *(np.shape(s) for lines in splits.values() for _, _, s in lines),
    )
    agencies, vtypes = list(vocab.agencies), list(vocab.value_types)
    shape = (*lead, len(agencies), len(vtypes), len(sites), n_years)
    benefit = np.zeros(shape)
    cost = np.zeros(shape)
    for comp, part in zip(comps, parts, strict=True):
        padded = np.zeros((*part.shape[:-1], n_years))
        padded[..., : part.shape[-1]] = part
        lines = splits[comp]
        done = np.zeros_like(padded)
        for k, (agency, vt, share) in enumerate(lines):
            s = np.asarray(share, dtype=float)[..., None, None]
            line = padded - done if k == len(lines) - 1 else padded * s
            done = done + line
            i, j = agencies.index(agency), vtypes.index(vt)
            benefit[..., i, j, :, :] += line * add
    cost_vt = params["ledger.costs.value_type"]
    if cost_vt not in vocab.value_types:
        raise ParameterError(
            f"{_where(params, 'ledger.costs.value_type')} = {cost_vt!r}: unknown value "
            f"type; known: {sorted(vocab.value_types)} ({vocab.source})"
        )
    j = vtypes.index(cost_vt)
    payers = _cost_agencies(params, vocab, list(sites), costs.shape[-1])
    for k, row in enumerate(payers):
        for t, agency in enumerate(row):
            cost[..., agencies.index(agency), j, k, t] += costs[..., k, t]
    return {
        "benefit": benefit,
        "cost": cost,
        "agencies": agencies,
        "value_types": vtypes,
        "sites": list(sites),
        "years": years,
        "total_benefit": total,
        "total_cost": np.asarray(arr["cost"], dtype=float),
        "vocabulary": vocab,
    }


def perspective_results(
    benefit: np.ndarray, cost: np.ndarray, value_types: Sequence[str], vocab: Vocabulary
) -> dict[str, np.ndarray]:
    """NPSV, BCR and ROI of each perspective.

    Parameters
    ----------
    benefit, cost : ndarray, shape (..., value_type)
        Present values by value type (summed over agencies, sites, years as wanted).

    Returns
    -------
    dict of ndarray, each shape (..., perspective)
        ``benefit``, ``cost``, ``npsv`` (benefit - cost), ``bcr`` (benefit / cost) and
        ``roi`` ((benefit - cost) / cost). BCR and ROI are NaN where a perspective
        carries no cost (undefined, not infinite).
    """
    b, c = [], []
    for p in PERSPECTIVES:
        idx = [list(value_types).index(v) for v in vocab.in_perspective(p)]
        b.append(benefit[..., idx].sum(-1))
        c.append(cost[..., idx].sum(-1))
    bb, cc = np.stack(b, -1), np.stack(c, -1)
    safe = np.where(cc > 0, cc, 1.0)
    return {
        "benefit": bb,
        "cost": cc,
        "npsv": bb - cc,
        "bcr": np.where(cc > 0, bb / safe, np.nan),
        "roi": np.where(cc > 0, (bb - cc) / safe, np.nan),
    }


def agency_payback(cost: np.ndarray, net: np.ndarray, years: np.ndarray) -> np.ndarray:
    """First year from which an agency's cumulative net impact stays >= 0.

    Parameters
    ----------
    cost, net : ndarray, shape (..., year)
        Costs borne and net impact (savings - costs) by year.

    Returns
    -------
    ndarray of int, shape (...,)
        The year; :data:`NO_COST` (0) when the agency bears no cost;
        :data:`NO_PAYBACK` (-1) when it is not repaid within the years.

    Examples
    --------
    >>> agency_payback(np.array([100., 0, 0]), np.array([-100., 60, 60]), np.arange(1, 4))
    array(3)
    >>> agency_payback(np.array([0., 0]), np.array([5., 5]), np.arange(1, 3))
    array(0)
    """
    from .cashflow import payback_year

    pay = payback_year(cost, net, years)
    bears = np.asarray(cost).sum(-1) > 0
    return np.where(bears, pay, NO_COST).astype(int)


def present_value_costs(params: Any, cost: np.ndarray) -> np.ndarray:
    """Cost lines (..., agency, value_type, site, year) as present values.

    The appraisal's costs are present values when ``appraisal.discount_costs`` is true
    (then returned as they are); otherwise they are cash a year (the report's Table 7.10
    adds its two cost years undiscounted) and are discounted here with the benefits'
    factors for the same project year (:func:`~dsc_econ.model.discounting.yearly_factors`),
    so a budget impact nets present values against present values.
    """
    from .discounting import yearly_factors

    cost = np.asarray(cost, dtype=float)
    discounted = np.asarray(params["appraisal.discount_costs"], dtype=bool)
    if np.all(discounted):
        return cost
    d = np.moveaxis(np.asarray(yearly_factors(params, cost.shape[-1])), 0, -1)
    d = d[..., None, None, None, :]  # (..., 1, 1, 1, year)
    return np.where(discounted[..., None, None, None, None], cost, cost * d)


def budget_basis(params: Any) -> str:
    """How the budget impact and an agency's payback are valued, in one phrase."""
    if np.all(np.asarray(params["appraisal.discount_costs"], dtype=bool)):
        return (
            "savings and costs both present values (costs discounted like the "
            "benefits, as in the appraisal)"
        )
    return (
        "savings and costs both present values: the costs, which the appraisal adds "
        "undiscounted (the convention of the report's Table 7.10), are discounted here "
        "like the benefits"
    )


def ledger(params: Any, sites: Sequence[str] | None = None, **dids: Any) -> xr.Dataset:
    """Who pays and who saves, as a Dataset.

    Parameters
    ----------
    params : ParameterSet
        Point values or a sample (leading dimension).
    sites : sequence of str, optional
        Default: every site with DiD data.

    Returns
    -------
    xarray.Dataset
        ``benefit``, ``cost``, ``net`` with dims ``([sample,] agency, value_type, site,
        year)``; summing ``benefit`` over all but the sample and site dims gives the
        appraisal's ``total_benefit`` (with no additionality), ``cost`` its ``cost``.
        Programme results by perspective (fiscal, economic, social): ``pv_benefit``,
        ``pv_cost``, ``npsv``, ``bcr``, ``roi`` (dims ``([sample,] perspective)``).
        Per agency: ``cost_borne``, ``saving_cashable``, ``saving_non_cashable``,
        ``saving_economic``, ``saving_social``, ``npv`` (all value types),
        ``cost_borne_pv`` (the same costs as present values; by year
        ``cost_pv_by_year``), ``budget_impact``
        (fiscal savings less fiscal costs by year, both present values:
        :func:`present_value_costs`), ``cumulative_budget_impact`` and
        ``payback_year`` (0: bears no cost; -1: not repaid within the years; on the
        budget impact, so only the agency's fiscal lines count). ``cost`` and the
        perspectives keep the appraisal's basis (for DSCP, costs undiscounted as Table
        7.10), so they add up to :func:`~dsc_econ.model.appraisal.appraise`. Money in
        £ thousand (``units`` attrs); ``attrs['budget_basis']`` says the basis in words.
    """
    arr = ledger_arrays(params, sites, **dids)
    vocab: Vocabulary = arr["vocabulary"]
    ben, cost = arr["benefit"], arr["cost"]
    lead = ("sample",) if ben.ndim == 5 else ()
    vts = arr["value_types"]
    dims = (*lead, "agency", "value_type", "site", "year")
    k = "GBP thousand"
    data: dict[str, Any] = {
        "benefit": (dims, ben, {"units": k, "long_name": "benefit (saving) received"}),
        "cost": (dims, cost, {"units": k, "long_name": "cost borne"}),
        "net": (dims, ben - cost, {"units": k, "long_name": "benefit less cost"}),
    }
    by_vt_b = ben.sum((-1, -2, -4))  # (..., value_type)
    by_vt_c = cost.sum((-1, -2, -4))
    res = perspective_results(by_vt_b, by_vt_c, vts, vocab)
    for name, key, unit in (
        ("pv_benefit", "benefit", k),
        ("pv_cost", "cost", k),
        ("npsv", "npsv", k),
        ("bcr", "bcr", "1"),
        ("roi", "roi", "1"),
    ):
        data[name] = ((*lead, "perspective"), res[key], {"units": unit})
    per_agency_vt = ben.sum((-1, -2))  # (..., agency, value_type)

    def vt_sum(names: list[str]) -> np.ndarray:
        idx = [vts.index(v) for v in names if v in vts]
        return per_agency_vt[..., idx].sum(-1)

    adims = (*lead, "agency")
    data["cost_borne"] = (adims, cost.sum((-1, -2, -3)), {"units": k})
    data["saving_cashable"] = (adims, vt_sum(["fiscal_cashable"]), {"units": k})
    data["saving_non_cashable"] = (adims, vt_sum(["fiscal_non_cashable"]), {"units": k})
    data["saving_economic"] = (adims, vt_sum(["economic"]), {"units": k})
    data["saving_social"] = (adims, vt_sum(["social"]), {"units": k})
    data["npv"] = (adims, (ben - cost).sum((-1, -2, -3)), {"units": k})
    # the budget impact is a net *present* value year by year: savings are present
    # values, so the costs it nets are too (discounted with the benefits' factors even
    # where the appraisal adds them undiscounted, as Table 7.10 does for DSCP)
    cost_pv = present_value_costs(params, cost)
    data["cost_borne_pv"] = (
        adims,
        cost_pv.sum((-1, -2, -3)),
        {"units": k, "long_name": "cost borne, present value (the budget impact's basis)"},
    )
    data["cost_pv_by_year"] = (
        (*lead, "agency", "year"),
        cost_pv.sum((-2, -3)),
        {"units": k, "long_name": "cost borne by year, present value"},
    )
    fidx = [vts.index(v) for v in vocab.fiscal]
    fiscal_net = (ben - cost_pv)[..., fidx, :, :].sum((-2, -3))  # (..., agency, year)
    fiscal_cost = cost_pv[..., fidx, :, :].sum((-2, -3))
    ydims = (*lead, "agency", "year")
    data["budget_impact"] = (
        ydims,
        fiscal_net,
        {
            "units": k,
            "long_name": "net present impact on the budget (fiscal savings less costs, "
            "both present values)",
        },
    )
    data["cumulative_budget_impact"] = (ydims, np.cumsum(fiscal_net, -1), {"units": k})
    data["payback_year"] = (
        adims,
        agency_payback(fiscal_cost, fiscal_net, arr["years"]),
        {"units": "year (0: bears no cost; -1: not repaid within the years)"},
    )
    data["counted"] = (
        ("perspective", "value_type"),
        np.array([[vt in vocab.in_perspective(p) for vt in vts] for p in PERSPECTIVES]),
        {"long_name": "value type counted in the perspective"},
    )
    applied = [
        n
        for n in (*ADDITIONALITY, "drop_off")
        if f"additionality.{n}" in params
        and np.any(np.asarray(params[f"additionality.{n}"]) > 0)
    ]

    def _value(n: str) -> str:
        v = np.asarray(params[f"additionality.{n}"], dtype=float)
        return f"{n} {float(v):g}" if v.ndim == 0 else f"{n} sampled"

    additionality = (
        "applied to benefits (" + ", ".join(_value(n) for n in applied) + ")"
        if applied
        else "none (as the report)"
    )
    return xr.Dataset(
        data,
        coords={
            "agency": arr["agencies"],
            "value_type": vts,
            "site": arr["sites"],
            "year": arr["years"],
            "perspective": list(PERSPECTIVES),
            "agency_label": ("agency", [vocab.label(a) for a in arr["agencies"]]),
            "value_type_label": (
                "value_type",
                [str(vocab.value_types[v].get("label", v)) for v in vts],
            ),
        },
        attrs={
            "title": "Who pays and who saves: costs and benefits by agency",
            "units": k,
            "year_convention": (
                "year 1 = first project year (2009-10 for DSCP) and first year of "
                "treatment of the pilot clients; benefits discounted as in Table 7.10"
            ),
            "perspectives": "fiscal = public budgets; economic = fiscal + economic; "
            "social = all values",
            "budget_basis": budget_basis(params),
            "additionality": additionality,
            "harm_split": "; ".join(
                f"{c}: " + ", ".join(f"{a}/{v}" for a, v, _ in lines)
                for c, lines in harm_splits(params, vocab).items()
            ),
            "harm_split_text": "; ".join(  # the same split in words, for readers
                f"{c}: "
                + ", ".join(
                    f"{vocab.agencies[a].get('label', a)} "
                    f"({str(vocab.value_types[v].get('label', v)).lower()})"
                    for a, v, _ in lines
                )
                for c, lines in harm_splits(params, vocab).items()
            ),
        },
    )


def _point(ds: xr.Dataset) -> xr.Dataset:
    if "sample" in ds.dims:
        raise ParameterError(
            "the ledger tables take point values; reduce the sample first (e.g. "
            "ds.mean('sample') or ds.isel(sample=0))"
        )
    return ds


def agency_table(ds: xr.Dataset) -> pd.DataFrame:
    """Who pays, who saves: one row per agency that bears a cost or receives a value.

    Columns (£ thousand): ``cost`` borne (as the appraisal counts it), savings
    ``cashable``, ``non_cashable`` (fiscal), ``economic`` and ``social`` values
    received (present values), ``net`` (all values less costs), ``budget_impact``
    (fiscal values less fiscal costs, both present values: the net present budget
    impact), ``cost_pv`` (the costs borne as present values, the budget impact's basis;
    equal to ``cost`` when the appraisal discounts costs) and ``payback_year`` (project
    year from which its cumulative budget impact stays >= 0; 0 bears no cost, -1 not
    repaid within the years). ``label`` is the agency's plain name. Agencies with no
    line are left out.
    """
    ds = _point(ds)
    frame = pd.DataFrame(
        {
            "label": ds.agency_label.values,
            "cost": ds.cost_borne.values,
            "cashable": ds.saving_cashable.values,
            "non_cashable": ds.saving_non_cashable.values,
            "economic": ds.saving_economic.values,
            "social": ds.saving_social.values,
            "net": ds.npv.values,
            "budget_impact": ds.budget_impact.sum("year").values,
            "cost_pv": ds.cost_borne_pv.values,
            "payback_year": ds.payback_year.values.astype(int),
        },
        index=pd.Index(ds.agency.values, name="agency"),
    )
    used = (np.abs(ds.benefit).sum(("value_type", "site", "year")) > 0) | (
        ds.cost_borne > 0
    )
    frame = frame.loc[used.values]
    frame.attrs["units"] = {c: "GBP thousand" for c in frame.columns[1:-1]}
    frame.attrs["units"]["payback_year"] = "year"
    return frame


def value_type_table(ds: xr.Dataset) -> pd.DataFrame:
    """Benefits and costs by value type (£ thousand), with the perspectives that count
    each (``fiscal``, ``economic``, ``social`` columns, True/False)."""
    ds = _point(ds)
    ben = ds.benefit.sum(("agency", "site", "year"))
    cost = ds.cost.sum(("agency", "site", "year"))
    frame = pd.DataFrame(
        {"benefit": ben.values, "cost": cost.values, "net": (ben - cost).values},
        index=pd.Index(ds.value_type.values, name="value_type"),
    )
    for p in PERSPECTIVES:
        frame[p] = ds.counted.sel(perspective=p).values.astype(bool)
    frame.attrs["units"] = {c: "GBP thousand" for c in ("benefit", "cost", "net")}
    return frame


def perspective_table(ds: xr.Dataset) -> pd.DataFrame:
    """NPSV, BCR and ROI of the programme from each perspective (fiscal, economic,
    social): benefits and costs in £ thousand (present values), ratios; a ratio is
    missing (NaN) where a perspective carries no cost."""
    ds = _point(ds)
    frame = pd.DataFrame(
        {
            "benefit": ds.pv_benefit.values,
            "cost": ds.pv_cost.values,
            "npsv": ds.npsv.values,
            "bcr": ds.bcr.values,
            "roi": ds.roi.values,
        },
        index=pd.Index(ds.perspective.values, name="perspective"),
    )
    frame.attrs["units"] = {
        "benefit": "GBP thousand",
        "cost": "GBP thousand",
        "npsv": "GBP thousand",
        "bcr": "ratio",
        "roi": "ratio",
    }
    return frame


def budget_table(ds: xr.Dataset) -> pd.DataFrame:
    """Net budget impact (fiscal values less fiscal costs, £ thousand, both present
    values: :func:`present_value_costs`) by project year (rows) and agency (columns,
    ids), for agencies with a fiscal line."""
    ds = _point(ds)
    imp = ds.budget_impact
    keep = (np.abs(imp).sum("year") > 0).values
    frame = pd.DataFrame(
        imp.values[keep].T,
        index=pd.Index(ds.year.values, name="year"),
        columns=list(ds.agency.values[keep]),
    )
    frame.attrs["units"] = {c: "GBP thousand" for c in frame.columns}
    return frame


OUTCOMES: tuple[str, ...] = ("npv", "fiscal_npv", "economic_npv", "social_npv")
"""Outcomes a sensitivity analysis may be asked for (``--outcome``): ``npv`` is the
appraisal's (or, with an agency, that agency's net over all values), the others a
perspective's NPSV from the ledger (additionality applied)."""


def outcome_totals(
    params: Any,
    sites: Sequence[str] | None,
    outcome: str,
    agency: str | None = None,
    **dids: Any,
) -> dict[str, np.ndarray]:
    """Benefits, costs, net and BCR per site of one perspective and/or one agency.

    A lean form of :func:`ledger` for many samples: it never builds the full
    (agency, value_type, site, year) lines, only the sums the outcome needs.

    Parameters
    ----------
    params : ParameterSet
        Point values or a sample.
    sites : sequence of str, optional
    outcome : str
        One of :data:`OUTCOMES`.
    agency : str, optional
        Keep only this agency's lines (its savings and the costs it bears).
    **dids
        ``did_effective`` / ``did_completions`` (sampled DiD estimates).

    Returns
    -------
    dict of ndarray, shape (..., site)
        ``total_benefit``, ``cost``, ``net_benefit`` (£ thousand) and ``bcr`` (NaN
        where the selection bears no cost).
    """
    if outcome not in OUTCOMES:
        raise ParameterError(f"outcome {outcome!r}: choose one of {list(OUTCOMES)}")
    vocab = load_vocabulary(params)
    if agency is not None and agency not in vocab.agencies:
        raise ParameterError(
            f"--agency {agency!r}: unknown agency; known: {sorted(vocab.agencies)} "
            f"({vocab.source})"
        )
    perspective = "social" if outcome == "npv" else outcome.removesuffix("_npv")
    counted = set(vocab.in_perspective(perspective))
    sites = resolve_sites(params, sites)
    arr = appraisal_arrays(params, sites, by_year=True, **dids)
    total = np.asarray(arr["total_benefit"], dtype=float)
    flow = np.array(arr["benefit_by_year"], dtype=float)
    flow = np.broadcast_to(flow, np.broadcast_shapes(flow.shape, (*total.shape, 1))).copy()
    flow[..., -1] += total - flow.sum(-1)
    costs = np.asarray(arr["cost_by_year"], dtype=float)
    splits = harm_splits(params, vocab)
    parts = _component_benefits(params, sites, list(splits), flow, **dids)
    years = np.arange(1, flow.shape[-1] + 1)
    add = additionality_factor(params, years)[..., None, :]
    benefit = np.zeros(np.broadcast_shapes(total.shape, add.shape[:-1]))
    for comp, part in zip(splits, parts, strict=True):
        weight = sum(
            np.asarray(share, dtype=float)
            for a, vt, share in splits[comp]
            if vt in counted and (agency is None or a == agency)
        )
        if np.any(np.asarray(weight) != 0):
            w = np.asarray(weight, dtype=float)[..., None]
            benefit = benefit + (part * add).sum(-1) * w
    cost = np.zeros(np.broadcast_shapes(benefit.shape, costs.shape[:-1]))
    if params["ledger.costs.value_type"] in counted:
        payers = _cost_agencies(params, vocab, list(sites), costs.shape[-1])
        mask = np.array([[agency is None or a == agency for a in row] for row in payers])
        cost = cost + (costs * mask).sum(-1)
    benefit = np.broadcast_to(benefit, cost.shape)
    safe = np.where(cost > 0, cost, 1.0)
    return {
        "total_benefit": benefit,
        "cost": cost,
        "net_benefit": benefit - cost,
        "bcr": np.where(cost > 0, benefit / safe, np.nan),
    }
