"""Cash flows on a programme-time axis: time profiles, streams, payback (Appendix C2).

Programme year 1 is the project's first year (``project.start``; 2009-10, the first
pilot year, for the DSCP parameters). Per site and year:

* costs: the project years of Table 7.10 (``sites.<id>.costs.year_1`` ... ``year_N``,
  £ thousand),
  uplifted by ``appraisal.optimism_bias`` (Green Book style, default 0);
* benefits (£ thousand) from ``cashflow.benefits``:

  - ``stockflow``: the pilot's effect in the stock-flow model
    (:mod:`dsc_econ.model.stockflow`), year by year;
  - ``early`` / ``late``: a steady level times a named profile of Figure C2.2
    (:func:`profile_shape`): *early* (profile 2) ramps up to the level over
    ``full_years``; *late* (profile 1) has no effect for ``lag`` years, then ramps over
    ``ramp`` years; either with an optional early dip;
  - ``vector``: the user's yearly vector ``cashflow.vector`` (same for every site);
  - ``single_cohort``: the Table 7.10 cohort's own yearly flows, the cohort entering in
    year 1. Its present value is exactly the Table 7.10 benefit, so with costs
    undiscounted (``appraisal.discount_costs: false``) the time-profile NPV equals Table
    7.10's net benefit (tested). Reading choice: "the single-cohort benefit in year 1"
    is read as the cohort starting in year 1, not as its four-year PV dropped into year
    1 and discounted a second time;

* streams outside the pathway tree (:mod:`dsc_econ.inputs.streams`) that count in the BCR;
* a horizon in years (``cashflow.horizon``) and optionally a perpetuity tail at the last
  year's level (``cashflow.perpetual``), valued exactly under the long-horizon schedule
  (:func:`dsc_econ.model.discounting.stepped_annuity_factor`).

Payback year: the first year from which cumulative benefits stay >= cumulative costs
(:func:`payback_year`), simple (undiscounted) and discounted; :data:`NO_PAYBACK` when
there is none within the horizon. Everything broadcasts over a leading ``sample`` dimension.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from ..inputs.project import year_axis, year_label
from ..inputs.streams import Stream, load_streams
from . import checks
from .discounting import long_horizon_factors, schedule_for, stepped_annuity_factor

__all__ = [
    "BENEFIT_SOURCES",
    "NO_PAYBACK",
    "cash_flows",
    "cashflow",
    "cashflow_arrays",
    "cashflow_table",
    "effect_assumption",
    "effect_persistence",
    "payback_summary",
    "payback_year",
    "profile_shape",
    "stream_flows",
    "stream_present_values",
]

BENEFIT_SOURCES = ("stockflow", "early", "late", "vector", "single_cohort")
NO_PAYBACK = -1
"""Payback year when the cumulative benefits never reach the costs within the horizon."""
ALL = "all"
"""Row of the programme total: every site plus programme-level streams."""


def profile_shape(
    kind: str,
    years: Any,
    full_years: Any = 4,
    lag: Any = 5,
    ramp: Any = 4,
    dip: Any = 0.0,
    dip_years: Any = 0,
) -> np.ndarray:
    """Share of the steady benefit level reached in each year (Figure C2.2).

    Parameters
    ----------
    kind : {'early', 'late'}
        ``early`` (profile 2): ``min(t / full_years, 1)``; ``late`` (profile 1): 0 for
        ``t <= lag``, then ``min((t - lag) / ramp, 1)``.
    years : array_like, shape (y,)
    full_years, lag, ramp : float or array_like, shape (...,)
        Ramp length (years to the steady level) and lag; may be sampled.
    dip, dip_years : float or array_like, shape (...,)
        ``dip`` (a share of the level) is subtracted in years ``1..dip_years``: the
        temporary fall of C2 ("volumes will decrease initially before increasing").

    Returns
    -------
    ndarray, shape (..., y)

    Examples
    --------
    >>> profile_shape("early", [1, 2, 3, 4, 5]).tolist()
    [0.25, 0.5, 0.75, 1.0, 1.0]
    >>> profile_shape("late", [5, 6, 9, 10], lag=5, ramp=4).tolist()
    [0.0, 0.25, 1.0, 1.0]
    """
    t = checks.finite("years", years)
    for name, value in (
        ("full_years", full_years),
        ("lag", lag),
        ("ramp", ramp),
        ("dip", dip),
        ("dip_years", dip_years),
    ):
        checks.finite(name, value)

    def lead(a: Any) -> np.ndarray:
        return np.asarray(a, dtype=float)[..., None]

    if kind == "early":
        full = lead(full_years)
        if np.any(full <= 0):
            raise ValueError(f"cashflow.profile.full_years must be > 0, got {full_years!r}")
        g = np.minimum(t / full, 1.0)
    elif kind == "late":
        r = lead(ramp)
        if np.any(r <= 0):
            raise ValueError(f"cashflow.profile.ramp must be > 0, got {ramp!r}")
        g = np.clip((t - lead(lag)) / r, 0.0, 1.0)
    else:
        raise ValueError(f"profile must be 'early' or 'late', got {kind!r}")
    return g - lead(dip) * (t <= lead(dip_years))


def cash_flows(
    costs: Any, benefits: Any, factors: Any, discount_costs: Any = True
) -> dict[str, np.ndarray]:
    """The cash-flow table as arrays.

    Parameters
    ----------
    costs, benefits : array_like, shape (..., row, year)
        Undiscounted money a year.
    factors : array_like, shape (..., year)
        Discount factors of years 1..y.
    discount_costs : bool or array_like (...,)
        Discount the costs too (else their discounted value is the cash value, as
        Table 7.10 adds its two cost years undiscounted).

    Returns
    -------
    dict of ndarray, shape (..., row, year)
        ``cost``, ``benefit``, ``net``, ``discount_factor``, ``cost_discounted``,
        ``benefit_discounted``, ``net_discounted``, ``cumulative_net``,
        ``cumulative_net_discounted``.
    """
    c = checks.finite("costs", costs)
    b = checks.finite("benefits", benefits)
    d = checks.at_least("factors", factors, 0.0)[..., None, :]
    dc = np.where(np.asarray(discount_costs)[..., None, None], d, 1.0)
    with np.errstate(over="ignore", invalid="ignore"):
        return _table(c, b, d, dc)


def _table(c: np.ndarray, b: np.ndarray, d: np.ndarray, dc: Any) -> dict[str, np.ndarray]:
    """The body of :func:`cash_flows` (inside its ``errstate``), results checked."""
    c_d, b_d = c * dc, b * d
    shape = np.broadcast_shapes(c.shape, b.shape, d.shape)
    out = {
        "cost": c,
        "benefit": b,
        "net": b - c,
        "discount_factor": d,
        "cost_discounted": c_d,
        "benefit_discounted": b_d,
        "net_discounted": b_d - c_d,
    }
    out = {k: np.broadcast_to(v, shape) for k, v in out.items()}
    out["cumulative_net"] = np.cumsum(out["net"], axis=-1)
    out["cumulative_net_discounted"] = np.cumsum(out["net_discounted"], axis=-1)
    for key, value in out.items():
        checks.finite_result(
            f"cash_flows {key}", value, "costs or benefits too large to add up"
        )
    return out


def _year_first(a: Any, ndim: int) -> np.ndarray:
    """Move the last (year) axis of ``a`` to the front, padding lead axes to ``ndim``.

    ``(..., year)`` becomes ``(year, 1, ..., 1, ...)`` so it broadcasts against a
    year-first array of ``ndim`` dimensions whatever the sample dims of ``a``.
    """
    arr = np.asarray(a, dtype=float)
    arr = arr.reshape((1,) * (ndim - arr.ndim) + arr.shape)
    return np.moveaxis(arr, -1, 0)


def _cash_flows_year_first(
    cost: np.ndarray,
    benefit: np.ndarray,
    factors: np.ndarray,
    discount_costs: Any,
    years: np.ndarray,
    table: bool = True,
) -> dict[str, np.ndarray]:
    """:func:`cash_flows` and both payback years on (year, ..., row) arrays.

    With ``table=False`` only what the summaries need is formed (discounted benefits and
    costs, the two cumulative nets), not the nine arrays of the table.
    """
    dc = np.where(np.asarray(discount_costs)[..., None], factors, 1.0)
    c_d = cost * dc
    b_d = benefit * factors
    shape = np.broadcast_shapes(cost.shape, b_d.shape)
    net = benefit - cost
    net_d = b_d - c_d
    out = {
        "benefit_discounted": b_d,
        "cost_discounted": np.broadcast_to(c_d, shape),
        "cumulative_net": np.cumsum(np.broadcast_to(net, shape), axis=0),
        "cumulative_net_discounted": np.cumsum(np.broadcast_to(net_d, shape), axis=0),
    }
    if table:
        out.update(
            {
                "cost": np.broadcast_to(cost, shape),
                "benefit": np.broadcast_to(benefit, shape),
                "net": np.broadcast_to(net, shape),
                "discount_factor": np.broadcast_to(factors, shape),
                "net_discounted": np.broadcast_to(net_d, shape),
            }
        )
    # payback needs some cost by the year: the first year with a cost, per row
    first_cost = np.argmax(np.broadcast_to(cost, shape) > 0, axis=0)
    any_cost = np.any(np.broadcast_to(cost, shape) > 0, axis=0)
    idx = np.arange(len(years)).reshape((-1,) + (1,) * (len(shape) - 1))
    spent = (idx >= first_cost) & any_cost
    for key, cum_net in (
        ("_payback", out["cumulative_net"]),
        ("_payback_discounted", out["cumulative_net_discounted"]),
    ):
        ok = spent & (cum_net >= -1e-9)
        stays = np.logical_and.accumulate(ok[::-1], axis=0)[::-1]
        first = np.argmax(stays, axis=0)
        out[key] = np.where(stays.any(axis=0), years[first], NO_PAYBACK)
        out[key] = out[key].astype(int)
    return out


def payback_year(cost: Any, net: Any, years: Any) -> np.ndarray:
    """First year from which the cumulative net stays >= 0 after some cost.

    Reading choice (the report names payback but never defines it): the payback year
    is the first year t with costs incurred by t and cumulative benefits >= cumulative
    costs in t *and every later year of the horizon*, so a benefit that turns negative
    later does not count as paid back. :data:`NO_PAYBACK` when there is no such year.

    Parameters
    ----------
    cost, net : array_like, shape (..., year)
        Yearly costs and net flows (both discounted, or both not).
    years : array_like, shape (year,)

    Returns
    -------
    ndarray of int, shape (...,)

    Examples
    --------
    >>> payback_year([100, 0, 0], [-100, 60, 60], [1, 2, 3]).item()
    3
    >>> payback_year([100, 0], [-100, 60], [1, 2]).item()
    -1
    >>> payback_year([100, 0, 0], [20, -30, 0], [1, 2, 3]).item()
    -1
    """
    spent = np.cumsum(np.asarray(cost, dtype=float), axis=-1) > 0
    ok = spent & (np.cumsum(np.asarray(net, dtype=float), axis=-1) >= -1e-9)
    stays = np.flip(np.logical_and.accumulate(np.flip(ok, -1), axis=-1), -1)
    first = np.argmax(stays, axis=-1)
    yrs = np.asarray(years)
    return np.where(stays.any(axis=-1), yrs[first], NO_PAYBACK).astype(int)


def stream_flows(
    streams: Sequence[Stream], years: np.ndarray
) -> tuple[list[np.ndarray], np.ndarray]:
    """Yearly amounts (£ thousand) of streams within the horizon, and where they end.

    Returns
    -------
    flows : list of ndarray, each shape (..., year)
        Unsigned amounts a year (an amount may carry a sample dimension).
    last : ndarray, shape (stream,)
        Last year of each stream (``inf`` if perpetual).
    """
    flows = []
    last = np.zeros(len(streams))
    for i, s in enumerate(streams):
        last[i] = np.inf if s.perpetual else s.last_year
        active = (years >= s.first_year) & (years <= last[i])
        flows.append(np.asarray(s.amount, dtype=float)[..., None] * active)
    return flows, last


def _single_cohort(params: Any, sites: list[str], years: np.ndarray, **dids: Any) -> Any:
    from .appraisal import appraisal_arrays
    from .discounting import yearly_factors

    arr = appraisal_arrays(params, sites, by_year=True, **dids)
    flows = np.asarray(arr["benefit_by_year"])  # discounted, (..., site, career year)
    n = flows.shape[-1]
    d = np.moveaxis(yearly_factors(params, n), 0, -1)[..., None, :]
    undiscounted = flows / d
    out = np.zeros((*undiscounted.shape[:-1], len(years)))
    k = min(n, len(years))
    out[..., :k] = undiscounted[..., :k]
    return out, arr


def _site_costs(params: Any, sites: list[str]) -> np.ndarray:
    """Undiscounted costs per site and project year (..., site, project_year)."""
    from .appraisal import _site_costs as by_year

    return by_year(params, sites, None)


def _effect_values(params: Any) -> tuple[Any, Any, Any]:
    """``cashflow.effect_duration``, ``effect_decay`` and ``running_costs`` (defaults:
    the horizon, 1 and 0 for a parameter set that predates them)."""
    get = params.get if hasattr(params, "get") else lambda k, d: d
    return (
        get("cashflow.effect_duration", params["cashflow.horizon"]),
        get("cashflow.effect_decay", 1.0),
        get("cashflow.running_costs", 0.0),
    )


def effect_persistence(params: Any, years: Any) -> np.ndarray:
    """Share of the full effect still at work in each year (..., year): 1 up to
    ``cashflow.effect_duration``, then falling by ``cashflow.effect_decay`` a year.

    >>> effect_persistence({"cashflow.horizon": 5, "cashflow.effect_duration": 2,
    ...     "cashflow.effect_decay": 0.5}, [1, 2, 3, 4]).tolist()
    [1.0, 1.0, 0.5, 0.25]
    """
    duration, decay, _ = _effect_values(params)
    t = np.asarray(years, dtype=float)
    d = np.asarray(duration, dtype=float)[..., None]
    keep = 1.0 - np.asarray(decay, dtype=float)[..., None]
    with np.errstate(divide="ignore", invalid="ignore"):
        after = np.where(keep > 0, keep ** np.maximum(t - d, 0.0), 0.0)
    return np.where(t <= d, 1.0, after)


def _running_costs(params: Any, years: np.ndarray, cost_years: int) -> Any:
    """Running costs a year per site (..., year) after the cost years while the effect
    lasts, or None when there are none."""
    duration, _, amount = _effect_values(params)
    amount = np.asarray(amount, dtype=float)
    if not np.any(amount > 0):
        return None
    t = years.astype(float)
    active = (t > cost_years) & (t <= np.asarray(duration, dtype=float)[..., None])
    return amount[..., None] * active


def effect_assumption(params: Any) -> str:
    """The over-time view's assumption in words, for the line that shows its figures
    (e.g. "if the effect lasts 30 years with no further spending")."""
    if params["cashflow.benefits"] == "single_cohort":
        return "from the appraised cohort's own yearly benefits, as in the appraisal"
    duration, decay, running = (float(np.mean(v)) for v in _effect_values(params))
    horizon = float(np.max(params["cashflow.horizon"]))
    text = f"if the effect lasts {min(duration, horizon):g} years"
    text += (
        " with no further spending"
        if running <= 0
        else f" with running costs of {running:,.0f} £k a year per site after the cost "
        "years"
    )
    if duration < horizon and decay < 1:
        text += f", then fades by {decay:.0%} a year"
    if np.any(params["cashflow.perpetual"]) and (duration >= horizon or decay < 1):
        text += ", and its last year's benefit continues for ever after the horizon"
    return text


def cashflow_arrays(
    params: Any,
    sites: Sequence[str] | None = None,
    did_effective: Any = None,
    did_completions: Any = None,
    table: bool = True,
) -> dict[str, Any]:
    """Cash flows, NPV, BCR and payback per site and for the programme, as arrays.

    Parameters
    ----------
    params : ParameterSet
        Point values or a sample (leading dimension).
    sites : sequence of str, optional
        Default: every site with DiD data. The last row, ``all``, sums them and adds
        programme-level streams.
    did_effective, did_completions : array_like, shape (..., site), optional
        Sampled DiD estimates (as :func:`dsc_econ.model.appraisal.appraisal_arrays`).
    table : bool
        Form the year-by-year table (default). ``False`` returns only the summaries and
        the discounted and cumulative flows, which is what sampling needs and about
        half the memory traffic.

    Returns
    -------
    dict
        The :func:`cash_flows` arrays with rows = sites + ``all``; ``tail_benefit``
        (PV of the perpetuity tail, 0 without one), ``npv``, ``bcr``, ``pv_benefit``,
        ``pv_cost``, ``payback``, ``payback_discounted`` (..., row); the single-cohort
        ``npv_single_cohort`` and ``bcr_single_cohort`` (..., row); ``rows``, ``years``.
    """
    from .appraisal import resolve_sites
    from .stockflow import benefit_effect

    sites = resolve_sites(params, sites)
    horizon = int(np.max(params["cashflow.horizon"]))
    site_costs = _site_costs(params, sites)  # (..., site, project_year), cash
    if horizon < site_costs.shape[-1]:
        raise ValueError(
            f"cashflow.horizon must cover the {site_costs.shape[-1]} cost years, got "
            f"{horizon}"
        )
    years = np.arange(1, horizon + 1)
    dids = {
        k: v
        for k, v in (("did_effective", did_effective), ("did_completions", did_completions))
        if v is not None
    }
    source = params["cashflow.benefits"]
    share = np.asarray(params["appraisal.benefit_share"], dtype=float)[..., None, None]
    single, arr = _single_cohort(params, sites, years, **dids)

    def stock_effect() -> np.ndarray:
        b = benefit_effect(params, sites, **dids)["effect"] / 1000.0
        out = np.zeros((*b.shape[:-1], horizon))
        k = min(b.shape[-1], horizon)
        out[..., :k] = b[..., :k]
        if k < horizon:  # hold the last simulated year's effect
            out[..., k:] = b[..., -1:]
        return out

    if source == "single_cohort":
        benefit = single
    elif source == "stockflow":
        benefit = stock_effect() * share
    elif source in ("early", "late"):
        p = "cashflow.profile"
        shape = profile_shape(
            source,
            years,
            params[f"{p}.full_years"],
            params[f"{p}.lag"],
            params[f"{p}.ramp"],
            params[f"{p}.dip"],
            params[f"{p}.dip_years"],
        )[..., None, :]
        if params[f"{p}.level_from"] == "stockflow":
            level = stock_effect()[..., -1:]
        else:
            level = np.asarray(params[f"{p}.level"], dtype=float)[..., None, None]
        benefit = level * shape * share
    elif source == "vector":
        vec = np.asarray(params["cashflow.vector"], dtype=float)
        flat = np.zeros(horizon)
        flat[: min(len(vec), horizon)] = vec[:horizon]
        benefit = np.broadcast_to(flat, (len(sites), horizon)) * share
    else:
        raise ValueError(
            f"cashflow.benefits must be one of {BENEFIT_SOURCES}, got {source!r}"
        )

    if source != "single_cohort":  # how long the effect lasts, and what keeps it
        benefit = benefit * effect_persistence(params, years)[..., None, :]
    running = _running_costs(params, years, site_costs.shape[-1])
    if running is not None:
        extra = np.zeros((*np.shape(running)[:-1], len(sites), horizon))
        extra[...] = running[..., None, :]
        extra[..., : site_costs.shape[-1]] += site_costs
        site_costs = extra

    streams = [s for s in load_streams(params) if s.include_in_bcr]
    s_flows, s_last = stream_flows(streams, years)
    row_ids = [*sites, ALL]
    lead = np.broadcast_shapes(
        benefit.shape[:-2], site_costs.shape[:-2], *(f.shape[:-1] for f in s_flows)
    )
    # year-first internally: (year, ..., row); the year loops and cumulative sums then
    # run over contiguous slabs
    ben_rows = np.zeros((horizon, *lead, len(row_ids)))
    cost_rows = np.zeros_like(ben_rows)
    ben_rows[..., :-1] = _year_first(benefit, ben_rows.ndim)
    cost_rows[: site_costs.shape[-1], ..., :-1] = _year_first(site_costs, cost_rows.ndim)
    for s, flow in zip(streams, s_flows, strict=True):
        if s.site != "programme":
            if s.site not in sites:
                continue
            j = sites.index(s.site)
            target = ben_rows if s.kind == "benefit" else cost_rows
            target[..., j] += _year_first(flow, target.ndim - 1)
    ben_rows[..., -1] = ben_rows[..., :-1].sum(-1)
    cost_rows[..., -1] = cost_rows[..., :-1].sum(-1)
    for s, flow in zip(streams, s_flows, strict=True):
        if s.site == "programme":
            target = ben_rows if s.kind == "benefit" else cost_rows
            target[..., -1] += _year_first(flow, target.ndim - 1)

    factors = _year_first(long_horizon_factors(params, years), ben_rows.ndim - 1)[..., None]
    yf = _cash_flows_year_first(
        cost_rows, ben_rows, factors, params["appraisal.discount_costs"], years, table
    )
    out = {k: np.moveaxis(v, 0, -1) for k, v in yf.items() if not k.startswith("_")}
    ben_rows = np.moveaxis(ben_rows, 0, -1)

    # perpetuity tail beyond the horizon: each row's last-year benefit (streams apart)
    # for ever, and each stream to its own end, under the long-horizon schedule
    starts, rates = schedule_for(params)
    timing = params["discounting.timing"]
    tail = np.zeros(yf["benefit_discounted"].shape[1:])  # (..., row), any sampled rate
    tail_cost = np.zeros_like(tail)
    if np.any(params["cashflow.perpetual"]):
        pf = stepped_annuity_factor(np.inf, starts, rates, timing, first_year=horizon + 1)
        last_year = np.broadcast_to(ben_rows[..., -1], tail.shape).copy()
        for s, flow, end in zip(streams, s_flows, s_last, strict=True):
            rows = [len(sites)] + ([sites.index(s.site)] if s.site in sites else [])
            pv = (
                np.asarray(s.amount, dtype=float)
                * stepped_annuity_factor(
                    end, starts, rates, timing, first_year=max(horizon + 1, s.first_year)
                )
                if end > horizon
                else 0.0
            )
            for j in rows:
                if s.kind == "benefit":
                    last_year[..., j] -= flow[..., -1]
                    tail[..., j] += pv
                else:
                    tail_cost[..., j] += pv
        tail = tail + last_year * np.asarray(pf)[..., None]
    pv_benefit = yf["benefit_discounted"].sum(0) + tail
    pv_cost = yf["cost_discounted"].sum(0) + tail_cost
    with np.errstate(divide="ignore", invalid="ignore"):
        bcr = np.where(pv_cost > 0, pv_benefit / np.where(pv_cost > 0, pv_cost, 1), np.nan)
    single_total = np.asarray(arr["total_benefit"])
    single_cost = np.asarray(arr["cost"])  # uplifted by appraisal.optimism_bias
    npv_single = np.concatenate(
        [single_total - single_cost, (single_total - single_cost).sum(-1, keepdims=True)],
        axis=-1,
    )
    bcr_single = np.concatenate(
        [
            single_total / single_cost,
            single_total.sum(-1, keepdims=True) / single_cost.sum(-1, keepdims=True),
        ],
        axis=-1,
    )
    out.update(
        {
            "rows": row_ids,
            "years": years,
            "tail_benefit": tail,
            "pv_benefit": pv_benefit,
            "pv_cost": pv_cost,
            "npv": pv_benefit - pv_cost,
            "bcr": bcr,
            "payback": yf["_payback"],
            "payback_discounted": yf["_payback_discounted"],
            "npv_single_cohort": npv_single,
            "bcr_single_cohort": bcr_single,
            "streams": [s.name for s in streams],
        }
    )
    return out


_TABLE = (
    "cost",
    "benefit",
    "net",
    "discount_factor",
    "cost_discounted",
    "benefit_discounted",
    "net_discounted",
    "cumulative_net",
    "cumulative_net_discounted",
)
_SUMMARY = {
    "pv_cost": "GBP thousand",
    "pv_benefit": "GBP thousand",
    "tail_benefit": "GBP thousand",
    "npv": "GBP thousand",
    "bcr": "1",
    "payback": "programme year (-1: not within the horizon)",
    "payback_discounted": "programme year (-1: not within the horizon)",
    "npv_single_cohort": "GBP thousand",
    "bcr_single_cohort": "1",
}


def cashflow(params: Any, sites: Sequence[str] | None = None) -> xr.Dataset:
    """Cash flows per site and year, NPV, BCR and payback, as a Dataset.

    Returns
    -------
    xarray.Dataset
        The yearly table (``cost``, ``benefit``, ``net``, ``discount_factor``, the
        discounted and cumulative values) with dims ``([sample,] site, year)``, where
        site includes ``all`` (the programme); the summaries of :data:`_SUMMARY` with
        dims ``([sample,] site)``. Money in £ thousand (``units`` attrs).
    """
    arr = cashflow_arrays(params, sites)
    lead = ("sample",) if np.ndim(arr["npv"]) == 2 else ()
    data: dict[str, Any] = {}
    for key in _TABLE:
        data[key] = (
            (*lead, "site", "year"),
            np.asarray(arr[key]),
            {"units": "1" if key == "discount_factor" else "GBP thousand"},
        )
    for key, units in _SUMMARY.items():
        data[key] = ((*lead, "site"), np.asarray(arr[key]), {"units": units})
    return xr.Dataset(
        data,
        coords={
            "site": arr["rows"],
            "year": arr["years"],
            "year_label": ("year", [year_label(params, int(y)) for y in arr["years"]]),
        },
        attrs={
            "title": "Cash flows, payback and time-profile NPV",
            "benefits": str(params["cashflow.benefits"]),
            "perpetual": int(bool(np.any(params["cashflow.perpetual"]))),
            "discounting": (
                f"{params['discounting.method']}, {params['discounting.timing']}"
            ),
            "discount_costs": int(bool(np.any(params["appraisal.discount_costs"]))),
            "year_convention": f"programme {year_axis(params)}",
            "effect_assumption": effect_assumption(params),
            "streams_in_bcr": ", ".join(arr["streams"]) or "none",
        },
    )


def cashflow_table(
    params: Any, site: str, sites: Sequence[str] | None = None
) -> pd.DataFrame:
    """The year-by-year cash-flow table of one site (or ``all``), £ thousand."""
    ds = cashflow(params, sites)
    if "sample" in ds.dims:
        raise ValueError("cashflow_table needs point values; select one sample first")
    if site not in ds.site.values:
        raise ValueError(
            f"site {site!r} not in the cash flows; rows: {list(ds.site.values)}"
        )
    one = ds.sel(site=site)
    frame = pd.DataFrame({k: one[k].values for k in _TABLE}, index=one.year.values)
    frame.index.name = "year"
    return frame


def payback_summary(params: Any, sites: Sequence[str] | None = None) -> pd.DataFrame:
    """Per site: payback years (text when none), time-profile and single-cohort NPV/BCR."""
    ds = cashflow(params, sites)
    if "sample" in ds.dims:
        raise ValueError("payback_summary needs point values; select one sample first")
    frame = pd.DataFrame(
        {k: ds[k].values for k in _SUMMARY}, index=pd.Index(ds.site.values, name="site")
    )
    for key in ("payback", "payback_discounted"):
        frame[key] = [
            "not within the horizon" if v == NO_PAYBACK else str(int(v))
            for v in frame[key]
        ]
    return frame


def stream_present_values(
    params: Mapping[str, Any],
    stream: Stream,
    first_years: Sequence[int] = (1, 2, 3),
) -> pd.DataFrame:
    """PV (£ thousand) of a stream under each timing convention and start year.

    Rows: first year of the stream (a lag of ``first_year - 1`` years); columns:
    ``end``, ``middle``, ``start`` under the parameter set's long-horizon schedule, and
    ``end_constant_3.5%`` for comparison with the report's only rate. Perpetual streams
    use the exact stepped perpetuity factor.
    """
    starts, rates = schedule_for(params)
    last = np.inf if stream.perpetual else stream.last_year
    rows = {}
    for first in first_years:
        row = {
            timing: float(
                stream.amount
                * stepped_annuity_factor(last, starts, rates, timing, first_year=first)
            )
            for timing in ("end", "middle", "start")
        }
        row["end_constant_3.5%"] = float(
            stream.amount * stepped_annuity_factor(last, [1], [0.035], first_year=first)
        )
        rows[first] = row
    frame = pd.DataFrame.from_dict(rows, orient="index")
    frame.index.name = "first_year"
    frame.attrs["units"] = "GBP thousand"
    return frame
