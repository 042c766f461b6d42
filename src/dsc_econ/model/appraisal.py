"""Site appraisal: benefits, costs, net benefit and benefit-cost ratio (Tables 7.8-7.11).

For each pilot site s (Chapter 7.4-7.5):

* additional clients in effective treatment ``dET_s = DiD_s(ET/TT) x X1_s`` (Table 7.8);
* additional successful completions ``dSC_s = DiD_s(SC/TT) x X1_s`` (Table 7.9; the
  formula of Appendix C4 uses Z1 instead, see ``appraisal.completions_base``);
* benefits ``B_s = share x (dET_s x B^A + dSC_s x B^B)`` with the unit values of
  :mod:`dsc_econ.model.valuation` (Table 7.10);
* costs ``C_s`` = the sum of the project years' costs ``costs.year_1`` ... ``year_N``
  (undiscounted, as the report, unless ``appraisal.discount_costs``);
* net benefit ``B_s - C_s`` and benefit-cost ratio ``B_s / C_s``.

Money is in £ thousand, as in Table 7.10. Everything broadcasts over a leading sample
dimension, so one call values a point estimate or a whole Monte Carlo sample.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from ..inputs.parameters import ParameterError
from . import checks
from .impact import MEASURES, site_counts
from .tree import unit_pair as _unit_pair
from .valuation import present_values, valuation_inputs

__all__ = [
    "appraisal_arrays",
    "appraisal_table",
    "appraisal_totals",
    "appraise",
    "benefit_cost_ratio",
    "resolve_sites",
    "site_benefits",
    "site_impacts",
]


def site_benefits(
    extra_effective: Any,
    extra_completions: Any,
    unit_effective: Any,
    unit_completion: Any,
    benefit_share: Any = 1.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Value of the additional clients, in the units of the unit values.

    Parameters
    ----------
    extra_effective, extra_completions : array_like, shape (..., site)
        Additional clients in effective treatment and successful completions.
    unit_effective, unit_completion : float or array_like, shape (...,)
        PV per client in effective treatment (B^A) and per completion (B^B).
    benefit_share : float or array_like, shape (...,)
        Share of benefits counted.

    Returns
    -------
    value_effective, value_completions : ndarray, shape (..., site)
    """
    checks.benefit_args(
        extra_effective, extra_completions, unit_effective, unit_completion, benefit_share
    )
    share = checks.at_least("benefit_share", benefit_share, 0)[..., None]
    ue = checks.finite("unit_effective", unit_effective)[..., None]
    uc = checks.finite("unit_completion", unit_completion)[..., None]
    return (
        share * checks.finite("extra_effective", extra_effective) * ue,
        share * checks.finite("extra_completions", extra_completions) * uc,
    )


def benefit_cost_ratio(benefits: Any, costs: Any) -> np.ndarray:
    """Benefits divided by costs; costs must be positive (else ``ValueError``)."""
    checks.ratio_args(benefits, costs)
    c = checks.finite("costs", costs)
    if np.any(c <= 0):
        raise ValueError(
            f"costs must be positive for a ratio, got {c[c <= 0].ravel()[0]!r}"
        )
    return checks.finite("benefits", benefits) / c


def _site_param(params: Mapping[str, Any], sites: Sequence[str], key: str) -> np.ndarray:
    """One per-site parameter as an array (..., site); scalars stay cheap."""
    arrays = [np.asarray(params[f"sites.{s}.{key}"], dtype=float) for s in sites]
    if all(a.ndim == 0 for a in arrays):
        return np.array(arrays)
    shape = np.broadcast_shapes(*(a.shape for a in arrays))
    out = np.empty((len(arrays), *shape))  # site-major fill is a contiguous copy
    for j, a in enumerate(arrays):
        out[j] = a
    return np.moveaxis(out, 0, -1)


def resolve_sites(params: Any, sites: Sequence[str] | None) -> list[str]:
    """Sites to appraise: every site with DiD data, or the chosen ids, checked."""
    if sites is None:
        return params.impact_sites()
    chosen = params.check_sites(sites)
    with_data = set(params.impact_sites())  # once: a list scan per site was quadratic
    missing = [s for s in chosen if s not in with_data]
    if missing:
        raise ParameterError(
            f"site(s) {missing} have no difference-in-differences data "
            f"(sites.<id>.in_impact_analysis is false); sites with data: "
            f"{params.impact_sites()}"
        )
    return chosen


def _round_to(values: Any, step: Any) -> Any:
    step = np.asarray(step, dtype=float)
    if np.all(step == 0):
        return values
    safe = np.where(step > 0, step, 1.0)
    return np.where(step > 0, np.round(np.asarray(values) / safe) * safe, values)


def _rescale(flow: np.ndarray, total: Any) -> np.ndarray:
    """Scale a yearly flow (..., y) so it sums to ``total`` (...,); 0 stays 0."""
    modelled = flow.sum(-1)
    safe = np.where(modelled != 0, modelled, 1.0)
    scale = np.where(modelled != 0, np.asarray(total, dtype=float) / safe, 0.0)
    return flow * np.asarray(scale)[..., None]


def site_impacts(params: Any, sites: Sequence[str]) -> dict[str, np.ndarray]:
    """DiD estimates and the numbers they apply to, per site (Tables 7.7-7.9).

    Returns
    -------
    dict of ndarray, each shape (..., site)
        ``did_effective`` (ET/TT), ``did_completions`` (SC/TT), ``clients_in_treatment``
        (X1, pilot, post) and ``completions_base`` (X1 or Z1 per
        ``appraisal.completions_base``).
    """
    counts = site_counts(params, sites)
    x1 = counts.total_in_treatment.sel(area="pilot", period="post").values
    if params["appraisal.did_source"] == "reported":
        missing = [s for s in sites if f"sites.{s}.did_reported.et_tt" not in params]
        if missing:
            raise ParameterError(
                f"appraisal.did_source is 'reported' but site(s) {missing} have no "
                "did_reported estimates; use did_source 'counts'"
            )
        did_et = _site_param(params, sites, "did_reported.et_tt")
        did_sc = _site_param(params, sites, "did_reported.sc_tt")
    else:
        share = {
            m: counts[num].values / counts[den].values for m, (num, den) in MEASURES.items()
        }

        def did(m: str) -> np.ndarray:
            s = share[m]  # (..., site, area, period)
            return (s[..., 0, 1] - s[..., 0, 0]) - (s[..., 1, 1] - s[..., 1, 0])

        did_et, did_sc = did("et_tt"), did("sc_tt")
    base_sc = (
        x1
        if params["appraisal.completions_base"] == "total_in_treatment"
        else counts.successful_completions.sel(area="pilot", period="post").values
    )
    return {
        "did_effective": did_et,
        "did_completions": did_sc,
        "clients_in_treatment": x1,
        "completions_base": base_sc,
    }


def _site_costs(
    params: Any, sites: Sequence[str], factors: np.ndarray | None
) -> np.ndarray:
    """Every project year's costs per site (..., site, project_year), uplifted by
    ``appraisal.optimism_bias`` (the one place it is applied), discounted with
    the benefits' factors if ``appraisal.discount_costs`` (cash when ``factors`` is
    None); a site with fewer years than the longest has zeros after its last. Checked
    positive so a ratio can be formed."""
    from ..inputs.parameters import cost_years
    from .discounting import yearly_factors

    n = max(cost_years(params, s) for s in sites)
    years = []
    for k in range(1, n + 1):  # a site without year k spends 0 in it
        arrays = [
            np.asarray(params.get(f"sites.{s}.costs.year_{k}", 0.0), dtype=float)
            for s in sites
        ]
        years.append(np.stack(np.broadcast_arrays(*arrays), axis=-1))
    by_year = np.stack(np.broadcast_arrays(*years), axis=-1)
    if "appraisal.optimism_bias" in params:  # Green Book uplift, every view alike
        by_year = by_year * (1.0 + np.asarray(params["appraisal.optimism_bias"]))[
            ..., None, None
        ]
    discount = np.asarray(params["appraisal.discount_costs"])
    if factors is not None and np.any(discount):
        if np.shape(factors)[0] < n:
            factors = yearly_factors(params, n)
        d = np.moveaxis(np.asarray(factors[:n]), 0, -1)[..., None, :]
        by_year = np.where(discount[..., None, None], by_year * d, by_year)
    cost = by_year.sum(-1)
    if np.any(cost <= 0):
        bad = [s for s, c in zip(sites, np.atleast_2d(cost).min(0), strict=True) if c <= 0]
        raise ParameterError(f"site(s) {bad}: costs must be positive to form a ratio")
    return by_year


def _unit_coefficients(params: Any) -> Any:
    """The tree's unit-value coefficients (:func:`dsc_econ.model.tree.unit_coefficients`)
    for the parameter folder's tree (issue 19)."""
    from .tree import completion_coefficients

    return completion_coefficients(params)


TOTALS = ("total_benefit", "cost", "net_benefit", "bcr")
"""The outputs of :func:`appraisal_totals`."""


def appraisal_totals(
    params: Any,
    sites: Sequence[str] | None = None,
    did_effective: Any = None,
    did_completions: Any = None,
    impact: Mapping[str, Any] | None = None,
) -> dict[str, np.ndarray]:
    """Benefits, costs, net benefit and BCR per site: the four totals of
    :func:`appraisal_arrays`, for many samples at once.

    Same arguments as :func:`appraisal_arrays` (no unit-value overrides, no yearly
    flows). With a leading sample dimension and numba installed, the valuation and the
    site sums run as fused compiled loops (:mod:`dsc_econ.model.compiled`), one pass
    over each sample with no temporaries; otherwise, and for point values, this is
    :func:`appraisal_arrays` (the reference the compiled loops are tested against).

    ``impact`` may pass :func:`site_impacts` of ``params`` and ``sites`` (a list of
    checked site ids) when the caller evaluates many blocks of one parameter set whose
    counts and DiD settings are not sampled; it saves rebuilding them per block.

    Returns
    -------
    dict of ndarray
        ``total_benefit``, ``cost``, ``net_benefit`` (£ thousand) and ``bcr``, each of
        shape (..., site).
    """
    checks.appraisal_args(
        params, sites, did_effective=did_effective, did_completions=did_completions,
        impact=impact,
    )
    from .compiled import kernels

    sites = list(sites) if impact is not None and sites is not None else (
        resolve_sites(params, sites)
    )
    coef = _unit_coefficients(params)
    inputs = valuation_inputs(params, coef.b_completion)
    fast = kernels()
    leading = np.broadcast_shapes(
        *(np.shape(v) for k, v in inputs.items() if k != "factors"),
        np.shape(inputs["factors"])[1:],
        np.shape(coef.a_effective),
        np.shape(coef.a_completion),
        np.shape(coef.b_completion),
        np.shape(params["appraisal.benefit_share"]),
        np.shape(did_effective)[:-1] if did_effective is not None else (),
        np.shape(did_completions)[:-1] if did_completions is not None else (),
    )
    if fast is None or len(leading) != 1:
        arr = appraisal_arrays(
            params,
            sites,
            did_effective=did_effective,
            did_completions=did_completions,
            by_year=False,
        )
        return {k: arr[k] for k in TOTALS}
    (n,) = leading
    impact = site_impacts(params, sites) if impact is None else impact
    did_et = impact["did_effective"] if did_effective is None else did_effective
    did_sc = impact["did_completions"] if did_completions is None else did_completions

    def vec(x: Any) -> np.ndarray:
        return np.broadcast_to(np.asarray(x, dtype=float), (n,))

    def mat(x: Any, rows: int) -> np.ndarray:
        a = np.asarray(x, dtype=float)
        return np.broadcast_to(a, (rows, *a.shape[a.ndim - 1 :]) if a.ndim else (rows, 1))

    factors = np.asarray(inputs["factors"], dtype=float)
    short, long_ = np.empty(n), np.empty(n)
    fast.present_values(
        vec(inputs["untreated"]),
        vec(inputs["in_treatment"]),
        vec(inputs["years_in_treatment"]),
        vec(inputs["years_after_treatment"]),
        vec(1.0 - np.asarray(inputs["decline_rate"], dtype=float)),
        vec(inputs["decline_from_year"]),
        vec(1.0 - np.asarray(inputs["decay_rate"], dtype=float)),
        np.broadcast_to(factors.reshape(factors.shape[0], -1), (factors.shape[0], n)),
        short,
        long_,
    )
    short, completion = _unit_pair(
        coef, short, long_, params["appraisal.completion_value"] == "abstinence_only"
    )
    step = params["appraisal.unit_value_rounding"]
    cost = _site_costs(params, sites, factors).sum(-1)
    out = {k: np.empty((n, len(sites))) for k in TOTALS}
    fast.site_totals(
        mat(did_et, n),
        mat(did_sc, n),
        np.broadcast_to(np.asarray(impact["clients_in_treatment"], float), (len(sites),)),
        np.broadcast_to(np.asarray(impact["completions_base"], float), (len(sites),)),
        vec(_round_to(short, step)),
        vec(_round_to(completion, step)),
        vec(params["appraisal.benefit_share"]),
        mat(cost, n),
        out["total_benefit"],
        out["cost"],
        out["net_benefit"],
        out["bcr"],
    )
    return out


def appraisal_arrays(
    params: Any,
    sites: Sequence[str] | None = None,
    unit_value_effective: Any = None,
    unit_value_completion: Any = None,
    did_effective: Any = None,
    did_completions: Any = None,
    by_year: bool = True,
) -> dict[str, Any]:
    """The appraisal as plain arrays: the kernel under :func:`appraise`.

    Same arguments as :func:`appraise`, plus ``did_effective`` / ``did_completions``
    (arrays of shape (..., site) replacing the DiD estimates, e.g. sampled ones) and
    ``by_year`` (skip the yearly benefit flows, which are the only (..., site, year)
    output, when only totals are needed). Returns a dict of arrays with shapes
    (..., site) (``cost_year_1`` ... ``cost_year_N`` as used, discounted if asked, and
    ``cost_by_year`` (..., site, project_year)), (...,)
    for unit values, and (..., site, year) for ``benefit_by_year``, plus ``sites`` and
    ``years``.
    """
    checks.appraisal_args(
        params, sites, unit_value_effective=unit_value_effective,
        unit_value_completion=unit_value_completion, did_effective=did_effective,
        did_completions=did_completions, by_year=by_year,
    )
    sites = resolve_sites(params, sites)
    impact = site_impacts(params, sites)
    did_et = impact["did_effective"] if did_effective is None else np.asarray(did_effective)
    did_sc = (
        impact["did_completions"]
        if did_completions is None
        else np.asarray(did_completions)
    )
    x1 = impact["clients_in_treatment"]
    extra_et = did_et * x1
    extra_sc = did_sc * impact["completions_base"]

    coef = _unit_coefficients(params)
    inputs = valuation_inputs(params, coef.b_completion)
    pv = present_values(**inputs, keep_years=by_year)
    abstinence_only = params["appraisal.completion_value"] == "abstinence_only"
    effective, completion = _unit_pair(
        coef, pv["effective"], pv["long_term"], abstinence_only
    )
    step = params["appraisal.unit_value_rounding"]
    unit_et = _round_to(effective, step)
    unit_sc = _round_to(completion, step)
    if unit_value_effective is not None:
        unit_et = np.asarray(unit_value_effective, dtype=float)
    if unit_value_completion is not None:
        unit_sc = np.asarray(unit_value_completion, dtype=float)
    share_counted = params["appraisal.benefit_share"]
    value_et, value_sc = site_benefits(extra_et, extra_sc, unit_et, unit_sc, share_counted)
    value_et, value_sc = value_et / 1000.0, value_sc / 1000.0
    total = value_et + value_sc

    cost_by_year = _site_costs(params, sites, inputs["factors"])
    cost = cost_by_year.sum(-1)

    sens_share = np.asarray(params["appraisal.sensitivity_benefit_share"], dtype=float)
    benefit_sens = total * sens_share[..., None]
    out: dict[str, Any] = {
        "sites": list(sites),
        "years": np.arange(1, inputs["factors"].shape[0] + 1),
        "did_effective": did_et,
        "did_completions": did_sc,
        "clients_in_treatment": x1,
        "extra_effective": extra_et,
        "extra_completions": extra_sc,
        "unit_value_effective": unit_et,
        "unit_value_completion": unit_sc,
        "value_effective": value_et,
        "value_completions": value_sc,
        "total_benefit": total,
        "cost": cost,
        "net_benefit": total - cost,
        "bcr": total / cost,
        "benefit_sensitivity": benefit_sens,
        "bcr_sensitivity": benefit_sens / cost,
    }
    out["cost_by_year"] = cost_by_year
    for k in range(cost_by_year.shape[-1]):
        out[f"cost_year_{k + 1}"] = cost_by_year[..., k]
    if by_year:
        # Discounted benefit flow per year (for payback): per-client flows times
        # clients, rescaled so each year's flows add up to the unit values actually
        # used (they differ from the modelled sums only when rounded or overridden).
        flows = pv["flows"]
        short_flow, completion_flow = _unit_pair(
            coef, flows["short_term"], flows["long_term"], abstinence_only, axis=True
        )
        profile_et = _rescale(short_flow, unit_et)
        profile_sc = _rescale(completion_flow, unit_sc)
        share_arr = np.asarray(share_counted, dtype=float)[..., None, None]
        out["benefit_by_year"] = (
            (
                extra_et[..., None] * profile_et[..., None, :]
                + extra_sc[..., None] * profile_sc[..., None, :]
            )
            * share_arr
            / 1000.0
        )
    return out


_DESCRIPTIONS = {
    "did_effective": ("proportion", "DiD of ET as a share of TT"),
    "did_completions": ("proportion", "DiD of SC as a share of TT"),
    "clients_in_treatment": ("clients", "pilot clients in treatment, post"),
    "extra_effective": ("clients", "extra clients in effective treatment"),
    "extra_completions": ("clients", "additional successful completions"),
    "value_effective": ("GBP thousand", "value of extra effective clients"),
    "value_completions": ("GBP thousand", "value of additional completions"),
    "total_benefit": ("GBP thousand", "total benefits"),
    "cost": ("GBP thousand", "pilot costs"),
    "net_benefit": ("GBP thousand", "benefits less costs"),
    "bcr": ("1", "benefit-cost ratio"),
    "benefit_sensitivity": ("GBP thousand", "sensitivity benefits"),
    "bcr_sensitivity": ("1", "ratio at sensitivity share"),
}


def appraise(
    params: Any,
    sites: Sequence[str] | None = None,
    unit_value_effective: Any = None,
    unit_value_completion: Any = None,
    by_year: bool = True,
) -> xr.Dataset:
    """Appraise pilot sites: additional clients, benefits, costs, NPV and BCR.

    Parameters
    ----------
    params : ParameterSet
        Point values or arrays with a leading sample dimension.
    sites : sequence of str, optional
        Site ids; default every site with DiD data (``'2'`` ... ``'7'``).
    unit_value_effective, unit_value_completion : float or array_like, optional
        Use these values per client (£) instead of those the harm model computes, e.g.
        the report's stated £44,224 and £195,149.
    by_year : bool
        Include ``benefit_by_year`` (dims ``([sample,] site, year)``); turn off for
        large samples when only totals are needed.

    Returns
    -------
    xarray.Dataset
        Dims ``([sample,] site)`` plus ``project_year`` for costs and ``year`` for the
        discounted benefit flows. Money in £ thousand (``units`` attrs); the unit values
        per client in £.

    Raises
    ------
    ParameterError
        For unknown site ids or sites without impact data.

    References
    ----------
    Tables 7.8-7.11, pp.89-92; Appendix C4 (p.116).
    """
    checks.appraisal_args(
        params, sites, unit_value_effective=unit_value_effective,
        unit_value_completion=unit_value_completion, by_year=by_year,
    )
    arr = appraisal_arrays(
        params, sites, unit_value_effective, unit_value_completion, by_year=by_year
    )
    shapes = [np.shape(arr[k]) for k in _DESCRIPTIONS]
    if by_year:
        shapes.append(np.shape(arr["benefit_by_year"])[:-1])
    shapes += [
        (*np.shape(arr[k]), 1) for k in ("unit_value_effective", "unit_value_completion")
    ]
    shape = np.broadcast_shapes(*shapes)
    lead = ("sample",) if len(shape) == 2 else ()
    data: dict[str, Any] = {
        name: (
            (*lead, "site"),
            np.broadcast_to(arr[name], shape),
            {"units": u, "long_name": ln},
        )
        for name, (u, ln) in _DESCRIPTIONS.items()
    }
    for name in ("unit_value_effective", "unit_value_completion"):
        data[name] = (
            lead,
            np.broadcast_to(arr[name], shape[:-1]),
            {"units": "GBP per client"},
        )
    data["cost_by_year"] = (
        (*lead, "site", "project_year"),
        np.broadcast_to(arr["cost_by_year"], (*shape, arr["cost_by_year"].shape[-1])),
        {"units": "GBP thousand", "long_name": "pilot costs by project year"},
    )
    if by_year:
        data["benefit_by_year"] = (
            (*lead, "site", "year"),
            np.broadcast_to(arr["benefit_by_year"], (*shape, len(arr["years"]))),
            {"units": "GBP thousand", "long_name": "discounted benefit in each year"},
        )
    return xr.Dataset(
        data,
        coords={
            "site": arr["sites"],
            "project_year": np.arange(1, arr["cost_by_year"].shape[-1] + 1),
            "year": arr["years"],
        },
        attrs={
            "title": "Site level estimates of costs and benefits",
            "source": "Tables 7.8-7.11 method, pp.89-92",
            "did_source": str(params["appraisal.did_source"]),
            "completions_base": str(params["appraisal.completions_base"]),
            "completion_value": str(params["appraisal.completion_value"]),
        },
    )


def appraisal_table(
    params: Any, sites: Sequence[str] | None = None, **unit_values: Any
) -> pd.DataFrame:
    """Table 7.10 as a DataFrame: one row per site, money in £ thousand.

    Columns: ``cost_year_1`` ... ``cost_year_N`` (every project year), ``cost``,
    ``extra_effective``, ``extra_completions``, ``value_effective``, ``value_completions``,
    ``total_benefit``, ``net_benefit``, ``bcr``, ``benefit_sensitivity`` and
    ``bcr_sensitivity`` (benefits at ``appraisal.sensitivity_benefit_share``).
    Point values only; ``unit_values`` are passed to :func:`appraise`.
    """
    checks.appraisal_args(params, sites, **unit_values)
    ds = appraise(params, sites, **unit_values)
    if "sample" in ds.dims:
        raise ValueError("appraisal_table needs point values; select one sample first")
    frame = pd.DataFrame(
        {
            **{
                f"cost_year_{int(k)}": ds.cost_by_year.sel(project_year=k).values
                for k in ds.project_year.values
            },
            "cost": ds.cost.values,
            "extra_effective": ds.extra_effective.values,
            "extra_completions": ds.extra_completions.values,
            "value_effective": ds.value_effective.values,
            "value_completions": ds.value_completions.values,
            "total_benefit": ds.total_benefit.values,
            "net_benefit": ds.net_benefit.values,
            "bcr": ds.bcr.values,
            "benefit_sensitivity": ds.benefit_sensitivity.values,
            "bcr_sensitivity": ds.bcr_sensitivity.values,
        },
        index=pd.Index(ds.site.values.astype(str), name="site"),
    )
    units = dict.fromkeys(frame.columns, "GBP thousand")
    units.update(extra_effective="clients", extra_completions="clients")
    units.update(bcr="ratio", bcr_sensitivity="ratio")
    frame.attrs["units"] = units
    if hasattr(params, "meta"):  # a ParameterSet: price years and sources too
        from ..inputs.citations import table_provenance

        frame.attrs.update(
            table_provenance(
                params,
                units,
                ["sites.*.costs", "sites", "harms", "treatment", "career", "discounting",
                 "pathways", "appraisal"],
                {"document": "dscp_final_report_2012", "table": "Table 7.10", "page": 91},
                "Site level estimates of costs and benefits",
            )
        )
    return frame
