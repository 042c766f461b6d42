"""Stocks and flows of clients in treatment, year by year (Appendix C3).

Each programme year t = 1..H, per site (DYNAMICS notes, a.8; OCR repairs of C3 applied):

* the opening stock ``S[t-1]`` and the new journeys ``J[t]`` each split into planned
  exits ``x``, early unplanned exits ``y`` (within the 83-day / 12-week window, so not
  effective), late unplanned exits ``u`` (after 83 days, so effective) and clients
  remaining ``z``;
* closing stock ``S[t] = z_s + z_j``;
* clients in effective treatment (C3's T, renamed ``effective`` because C1 uses T1 for a
  terminal node) ``S[t-1] + J[t] - y_s - y_j``;
* planned exits (C3's X, renamed ``planned_exits``) ``x_s + x_j``;
* benefits: Driver 1 = B1 x effective, with B1 an *annual* value per client-year in
  effective treatment; Driver 2 = (gamma B2 + (1 - gamma) B3) x planned exits, with B2 and
  B3 values at the date of exit (:func:`flow_values`).

Reading choice: C3's partition ``S0 = x + y + z`` has no place for clients who drop out
after 12 weeks although Appendix B counts them as effective; the site data show such
exits in every area-period (:func:`period_partition`). They are the flow ``u``; setting
its shares to 0 gives C3's three-way form exactly.

A pilot is a second run with changed shares, new journeys or budget; its effect is the
difference year by year (:func:`stockflow_arrays`). Every input broadcasts over a leading
``sample`` dimension and a ``site`` axis; the year loop is the only Python loop.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import xarray as xr

from ..inputs.project import year_axis
from . import checks
from .impact import site_counts
from .valuation import present_values, valuation_inputs

__all__ = [
    "FLOWS",
    "annualise",
    "benefit_effect",
    "benefits",
    "calibrate",
    "flow_values",
    "period_partition",
    "simulate",
    "steady_state_stock",
    "stockflow",
    "stockflow_arrays",
]

FLOWS = ("planned", "early_unplanned", "late_unplanned")
"""The kinds of exit, in order; what is left of a group remains in treatment."""

_OUTPUTS = {
    "opening_stock": "clients in treatment at the start of the year",
    "new_journeys": "clients starting a new journey in the year",
    "planned_stock": "planned exits from the opening stock (x_s)",
    "planned_new": "planned exits from new journeys (x_j)",
    "early_unplanned_stock": "unplanned exits within 83 days, opening stock (y_s)",
    "early_unplanned_new": "unplanned exits within 83 days, new journeys (y_j)",
    "late_unplanned_stock": "unplanned exits after 83 days, opening stock (u_s)",
    "late_unplanned_new": "unplanned exits after 83 days, new journeys (u_j)",
    "remaining_stock": "opening stock still in treatment at the year end (z_s)",
    "remaining_new": "new journeys still in treatment at the year end (z_j)",
    "closing_stock": "clients in treatment at the end of the year",
    "effective": "clients in effective treatment in the year (C3's T)",
    "planned_exits": "planned exits in the year (C3's X)",
}


def _check_shares(shares: Mapping[str, Any], where: str) -> list[np.ndarray]:
    arrays = [np.asarray(shares[k], dtype=float) for k in FLOWS]
    total = arrays[0] + arrays[1] + arrays[2]
    for k, a in zip(FLOWS, arrays, strict=True):
        if np.any(a < 0) or np.any(~np.isfinite(a)):
            bad = a[(a < 0) | ~np.isfinite(a)].ravel()[0]
            raise ValueError(f"{where} share {k!r} must be >= 0, got {bad!r}")
    if np.any(total > 1 + 1e-12):
        raise ValueError(
            f"{where} shares {FLOWS} sum to more than 1 (largest {float(total.max())!r})"
        )
    return arrays


def simulate(
    opening_stock: Any,
    new_journeys: Any,
    stock_shares: Mapping[str, Any],
    journey_shares: Mapping[str, Any],
    years: int,
    places: Any = None,
    outputs: Sequence[str] | None = None,
) -> dict[str, np.ndarray]:
    """Run the stock-flow recursion for ``years`` years.

    Parameters
    ----------
    opening_stock : array_like, shape (...,)
        Clients in treatment at the end of year 0 (``(..., site)`` in practice).
    new_journeys : float or array_like, shape (..., 1) or (..., years)
        New journeys in each year (a trailing year axis always, so a site axis can
        never be mistaken for years); ignored when ``places`` is given.
    stock_shares, journey_shares : mapping of str to float or array_like
        Keys :data:`FLOWS`; yearly shares of the opening stock / of new journeys ending
        in each kind of exit, each a scalar or of shape (..., 1) or (..., years) (a
        year axis lets a pilot start in a later year). Each triple sums to at most 1.
    years : int
        Number of years simulated.
    places : array_like, shape (...,), optional
        Treatment places (budget / cost per client-year): new journeys are then
        ``max(0, places - clients retained from the opening stock)`` each year.
    outputs : sequence of str, optional
        Only these outputs (default: all); the recursion itself needs none of them, so
        asking for ``effective`` and ``planned_exits`` alone is several times faster.

    Returns
    -------
    dict of ndarray, each shape (..., years)
        The flows, stocks, ``effective`` and ``planned_exits`` (keys of ``_OUTPUTS``).

    Raises
    ------
    ValueError
        When a share is negative or a triple sums to more than 1, or a stock is negative.

    Examples
    --------
    >>> out = simulate(100, 50, {"planned": .2, "early_unplanned": 0, "late_unplanned": .1},
    ...                {"planned": .1, "early_unplanned": .2, "late_unplanned": 0}, 1)
    >>> float(out["effective"][0]), float(out["planned_exits"][0])
    (140.0, 25.0)
    """
    from ..inputs.limits import MAX_YEARS

    years = checks.whole_number("years", years, 1, MAX_YEARS)
    ps = [np.asarray(a) for a in _check_shares(stock_shares, "stock")]
    pj = [np.asarray(a) for a in _check_shares(journey_shares, "journey")]
    s0 = checks.at_least("opening_stock", opening_stock, 0.0)
    j_all = checks.at_least("new_journeys", new_journeys, 0.0)
    cap = None if places is None else checks.at_least("places", places, 0.0)
    for a in (*ps, *pj, j_all):
        if a.ndim and a.shape[-1] not in (1, years):
            raise ValueError(
                f"shares and new_journeys need a trailing year axis of 1 or {years}, "
                f"got shape {a.shape}"
            )
    shape = np.broadcast_shapes(
        s0.shape,
        *(a.shape[:-1] for a in (*ps, *pj, j_all) if a.ndim),
        () if cap is None else cap.shape,
    )

    def at(a: np.ndarray, t: int) -> np.ndarray:
        if not a.ndim:
            return a
        return a[..., t] if a.shape[-1] == years else a[..., 0]

    want = tuple(_OUTPUTS) if outputs is None else tuple(outputs)
    unknown = [k for k in want if k not in _OUTPUTS]
    if unknown:
        raise ValueError(f"unknown output(s) {unknown}; known: {list(_OUTPUTS)}")
    # per-year shares kept from each group, computed once (year axis first)
    keep_s = 1.0 - (ps[0] + ps[1] + ps[2])
    keep_j = 1.0 - (pj[0] + pj[1] + pj[2])
    out = {k: np.empty((years, *shape)) for k in want}  # year-first: contiguous writes
    stock = np.broadcast_to(s0, shape)
    for t in range(years):
        retained = at(keep_s, t) * stock  # z_s
        if cap is None:
            journeys = np.broadcast_to(at(j_all, t), shape)
        else:
            journeys = np.maximum(cap - retained, 0.0)
        closing = retained + at(keep_j, t) * journeys
        for key in want:
            out[key][t] = _flow(key, t, at, ps, pj, stock, journeys, retained, closing)
        stock = closing
    for key, value in out.items():
        checks.finite_result(f"simulate {key}", value, "opening_stock or new_journeys")
    return {k: np.moveaxis(v, 0, -1) for k, v in out.items()}


def _flow(
    key: str,
    t: int,
    at: Any,
    ps: list[np.ndarray],
    pj: list[np.ndarray],
    stock: np.ndarray,
    journeys: np.ndarray,
    retained: np.ndarray,
    closing: np.ndarray,
) -> np.ndarray:
    """One output of year t of :func:`simulate` from the year's stocks."""
    if key == "effective":  # T = S + J - y_s - y_j
        return (1.0 - at(ps[1], t)) * stock + (1.0 - at(pj[1], t)) * journeys
    if key == "planned_exits":  # X = x_s + x_j
        return at(ps[0], t) * stock + at(pj[0], t) * journeys
    simple = {
        "opening_stock": stock,
        "new_journeys": journeys,
        "remaining_stock": retained,
        "closing_stock": closing,
    }
    if key in simple:
        return simple[key]
    if key == "remaining_new":
        return closing - retained
    kind, _, group = key.rpartition("_")
    shares = ps if group == "stock" else pj
    base = stock if group == "stock" else journeys
    return at(shares[FLOWS.index(kind)], t) * base


def steady_state_stock(new_journeys: Any, stock_exit: Any, journey_exit: Any) -> Any:
    """Closed-form stationary stock: ``S* = (1 - e_j) J / e_s``.

    Fixed point of ``S = (1 - e_s) S + (1 - e_j) J`` with total yearly exit shares
    ``e_s`` (opening stock) and ``e_j`` (new journeys).

    Raises ``ValueError`` for negative or non-finite new journeys, an exit share outside
    [0, 1], or ``stock_exit`` of 0 (no one ever leaves: the stock grows without bound).
    """
    j = checks.at_least("new_journeys", new_journeys, 0.0)
    e_j = checks.probability("journey_exit", journey_exit)
    e_s = checks.probability("stock_exit", stock_exit)
    if np.any(e_s <= 0):
        raise ValueError(
            "stock_exit must be above 0 (with no exits the stock grows without bound, "
            "there is no steady state), got 0.0"
        )
    out = (1.0 - e_j) * j / e_s
    checks.finite_result("steady_state_stock", out, "new_journeys / stock_exit")
    return out if np.ndim(out) else float(out)


def flow_values(params: Mapping[str, Any]) -> dict[str, Any]:
    """Values per client the benefit drivers use, all derived from the harm parameters.

    Returns
    -------
    dict
        ``annual_value`` (B1, £ per client-year in effective treatment: untreated harm
        less in-treatment harm, Table C.5.1: 55,127 - 43,087 = 12,040; never the 4-year
        PV £44,224, which would count each client's treatment years up to 4 times);
        ``abstinent_value`` (B2, £ per completer at the date of exit: the Table C.6.1
        long-term value carried forward to the end of treatment, 330,225 x 1.035^4 =
        378,940.55); ``represent_value`` (B3: the same over the first
        ``stockflow.represent_years`` years only; 0 by default); ``gamma``, the share
        of successful completions that stay abstinent, and ``represent_share``, the
        share that re-presents (in-treatment then untreated harm), both from the
        parameter folder's pathway tree below its completion node
        (:func:`dsc_econ.model.tree.completion_coefficients`: ``pathways.gamma`` and
        ``1 - pathways.gamma`` for Figure C1.1, whatever a user's tree calls them).

    Notes
    -----
    B2 and B3 are carried forward from the start of treatment to the exit date at the
    first-band rate of the discounting method (3.5% unless changed), with the timing
    convention of the harm valuation. Both are relative to re-presenting at untreated
    harm, so Driver 2 = (gamma B2 + (1 - gamma) B3) x planned exits (with a user's
    tree, ``gamma B2 + represent_share B3``: a completer below a branch whose harm is
    untreated throughout is worth nothing after exit).
    """
    from .tree import completion_coefficients

    coef = completion_coefficients(params)
    inputs = valuation_inputs(params, coef.b_completion)
    n_t = np.asarray(params["career.years_in_treatment"], dtype=float)
    method = params["discounting.method"]
    rate = np.asarray(
        params["discounting.health_rate"]
        if method == "health"
        else params["discounting.rate"]
        if method == "constant"
        else np.asarray(params["discounting.schedule_rates"], dtype=float)[0],
        dtype=float,
    )
    forward = (1.0 + rate) ** n_t
    long_all = present_values(**inputs)["long_term"]
    k = np.minimum(
        np.asarray(params["stockflow.represent_years"], dtype=float),
        np.asarray(params["career.years_after_treatment"], dtype=float),
    )
    if np.all(k == 0):
        long_k: Any = 0.0 * long_all
    else:
        long_k = present_values(**{**inputs, "years_after_treatment": k})["long_term"]
    return {
        "annual_value": np.asarray(params["harms.untreated.total"], dtype=float)
        - np.asarray(params["harms.in_treatment.total"], dtype=float),
        "abstinent_value": long_all * forward,
        "represent_value": long_k * forward,
        "gamma": np.asarray(coef.b_completion, dtype=float),
        "represent_share": np.asarray(coef.r_completion, dtype=float),
    }


def benefits(
    effective: Any,
    planned_exits: Any,
    annual_value: Any,
    abstinent_value: Any,
    represent_value: Any,
    gamma: Any,
    represent_share: Any = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Driver 1 and Driver 2 benefits by year (Appendix C3), in £.

    Parameters
    ----------
    effective, planned_exits : array_like, shape (..., site, year)
    annual_value, abstinent_value, represent_value, gamma : float or array_like (...,)
    represent_share : float or array_like (...,), optional
        Share of completions that re-present; default ``1 - gamma`` (Figure C1.1).

    Returns
    -------
    driver_1, driver_2 : ndarray, shape (..., site, year)
        ``B1 x effective`` and ``(gamma B2 + represent_share B3) x planned_exits``.
    """

    def lead(a: Any) -> np.ndarray:
        return np.asarray(a, dtype=float)[..., None, None]

    g = lead(gamma)
    r = 1.0 - g if represent_share is None else lead(represent_share)
    per_exit = g * lead(abstinent_value) + r * lead(represent_value)
    return lead(annual_value) * np.asarray(effective), per_exit * np.asarray(planned_exits)


def period_partition(tt: Any, et: Any, sc: Any, tc: Any) -> dict[str, np.ndarray]:
    """Split the clients of one window into the four flows of the extended C3 model.

    ``planned = SC``, ``early_unplanned = TT - ET`` (journeys shorter than 83 days),
    ``late_unplanned = (TC - SC) - (TT - ET)``, ``remaining = TT - TC``; so
    ``TT = planned + early + late + remaining`` and ``ET = planned + late + remaining``.

    Raises
    ------
    ValueError
        When a flow is negative (the counts contradict the model).
    """
    tt, et, sc, tc = (
        checks.at_least(name, a, 0.0)
        for name, a in (("tt", tt), ("et", et), ("sc", sc), ("tc", tc))
    )
    out = {
        "planned": sc,
        "early_unplanned": tt - et,
        "late_unplanned": (tc - sc) - (tt - et),
        "remaining": tt - tc,
    }
    for key, value in out.items():
        if np.any(value < 0):
            raise ValueError(
                f"site counts give a negative {key} flow ({value[value < 0].ravel()[0]!r}):"
                f" TT={tt.ravel()[:3]}, ET={et.ravel()[:3]}, SC={sc.ravel()[:3]}, "
                f"TC={tc.ravel()[:3]}"
            )
    return out


def annualise(period_shares: Mapping[str, Any], period_years: Any) -> dict[str, Any]:
    """Yearly exit shares from shares over a window of ``period_years`` years.

    The total exit share is converted at a constant hazard,
    ``e = 1 - (1 - e_P) ** (1 / P)``, and each kind of exit keeps its share of all exits.
    A window of one year returns the shares unchanged.
    """
    p = checks.positive("period_years", period_years)
    parts = [checks.probability(k, period_shares[k]) for k in FLOWS]
    e_p = parts[0] + parts[1] + parts[2]
    if np.any(e_p >= 1):
        raise ValueError(
            "period_shares: every client exits within the window (planned + "
            "early_unplanned + late_unplanned = 1): cannot annualise"
        )
    e_y = -np.expm1(np.log1p(-e_p) / p)
    scale = np.where(e_p > 0, e_y / np.where(e_p > 0, e_p, 1.0), 0.0)
    return {k: v * scale for k, v in zip(FLOWS, parts, strict=True)}


def calibrate(
    tt: Any, et: Any, sc: Any, tc: Any, period_years: Any
) -> dict[str, Any]:
    """Yearly shares, opening stock and new journeys from one window's counts.

    The shares of the window (:func:`period_partition` over TT) are annualised
    (:func:`annualise`) and used for both the stock and new journeys (the counts cannot
    separate them). The system is read as stationary, ``S = (1 - e) J / e``, with
    ``TT = S + P J`` clients seen in a window of P years, so ``J = TT / ((1 - e)/e + P)``.

    Returns
    -------
    dict
        ``period_shares``, ``shares`` (yearly), ``opening_stock``, ``new_journeys``.
    """
    flows = period_partition(tt, et, sc, tc)
    total = checks.positive("tt", tt, why="a window with no clients has no shares")
    checks.positive("period_years", period_years)
    period_shares = {k: flows[k] / total for k in FLOWS}
    shares = annualise(period_shares, period_years)
    e = shares["planned"] + shares["early_unplanned"] + shares["late_unplanned"]
    if np.any(e <= 0):
        raise ValueError(
            "calibrate: no client exits in the window (sc = 0 and tt - et = 0 and "
            "tc = sc), so the stationary stock is unbounded; check tc and sc"
        )
    journeys = total / ((1.0 - e) / e + np.asarray(period_years, dtype=float))
    return {
        "period_shares": period_shares,
        "shares": shares,
        "opening_stock": (1.0 - e) * journeys / e,
        "new_journeys": journeys,
    }


def _pilot_period_shares(
    base: Mapping[str, np.ndarray], d_effective: Any, d_planned: Any
) -> dict[str, np.ndarray]:
    """Window shares moved by a change in ET/TT and in SC/TT (clipped at 0)."""
    early = np.maximum(base["early_unplanned"] - np.asarray(d_effective), 0.0)
    planned = np.maximum(base["planned"] + np.asarray(d_planned), 0.0)
    late = np.maximum(base["late_unplanned"] - np.asarray(d_planned), 0.0)
    return {"planned": planned, "early_unplanned": early, "late_unplanned": late}


def _baseline(params: Any, sites: Sequence[str]) -> dict[str, Any]:
    mode = params["stockflow.calibration"]
    period = params["stockflow.calibration_period"]
    counts = site_counts(params, sites).sel(area="pilot", period=period)
    tt, et, sc, tc = (
        counts[k].values
        for k in (
            "total_in_treatment",
            "effective_treatment",
            "successful_completions",
            "total_completing",
        )
    )
    p_years = params["stockflow.period_years"]
    site_cal = calibrate(tt, et, sc, tc, p_years)
    if mode == "site_counts":
        return {**site_cal, "period_years": p_years, "national": False}
    if mode == "national":
        nat = "national.ndtms.year_2007_08"
        discharged = np.asarray(params[f"{nat}.individuals_discharged"], dtype=float)
        nat_cal = calibrate(
            params[f"{nat}.individuals_in_contact"],
            params["national.treatment_budgets.fy_2007_08.adults_in_effective_treatment"],
            np.asarray(params[f"{nat}.discharges_planned"]) * discharged,
            (
                np.asarray(params[f"{nat}.discharges_planned"])
                + np.asarray(params[f"{nat}.discharges_unplanned"])
            )
            * discharged,
            1.0,
        )
        shares = {k: np.asarray(v)[..., None] for k, v in nat_cal["shares"].items()}
        e = sum(shares.values())
        journeys = tt / ((1.0 - e) / e + np.asarray(p_years, dtype=float))
        # the site's DiD is a change in shares of its 18-month window: express the
        # national yearly shares over the same window before moving them
        window = annualise(shares, 1.0 / np.asarray(p_years, dtype=float))
        return {
            "period_shares": {k: np.broadcast_to(v, tt.shape) for k, v in window.items()},
            "shares": {k: np.broadcast_to(v, tt.shape) for k, v in shares.items()},
            "opening_stock": (1.0 - e) * journeys / e,
            "new_journeys": journeys,
            "period_years": p_years,
            "national": True,
        }
    d = "stockflow.direct"
    ones = np.ones(tt.shape)  # (..., site)

    def per_site(key: str) -> np.ndarray:
        return np.asarray(params[f"{d}.{key}"], dtype=float)[..., None] * ones

    return {
        "period_shares": None,
        "stock_shares": {k: per_site(f"stock.{k}") for k in FLOWS},
        "shares": {k: per_site(f"journeys.{k}") for k in FLOWS},
        "opening_stock": per_site("opening_stock"),
        "new_journeys": per_site("new_journeys"),
        "period_years": 1.0,
        "national": False,
    }


def stockflow_arrays(
    params: Any,
    sites: Sequence[str] | None = None,
    did_effective: Any = None,
    did_completions: Any = None,
    outputs: Sequence[str] | None = None,
) -> dict[str, Any]:
    """Baseline and pilot runs and the pilot's effect, as plain arrays.

    Parameters
    ----------
    params : ParameterSet
        Point values or arrays with a leading sample dimension.
    sites : sequence of str, optional
        Default: every site with DiD data.
    did_effective, did_completions : array_like, shape (..., site), optional
        DiD estimates replacing those from the counts (e.g. sampled ones).
    outputs : sequence of str, optional
        Flows and stocks of :func:`simulate` to keep (default all); ``effective`` and
        ``planned_exits`` are always computed (the benefits need them).

    Returns
    -------
    dict
        ``baseline`` and ``pilot`` (dicts of (..., site, year) arrays from
        :func:`simulate` plus ``driver_1``, ``driver_2``, ``benefit`` in £), ``effect``
        (pilot - baseline of ``effective``, ``planned_exits``, ``benefit``...),
        ``values`` (:func:`flow_values`), ``sites``, ``years``, ``national``.
    """
    st = _setup(params, sites, did_effective, did_completions)
    after, horizon, base = st["after"], st["horizon"], st["base"]

    def by_year(pilot: Mapping[str, Any], baseline: Mapping[str, Any]) -> dict:
        return {
            k: np.where(
                after, np.asarray(pilot[k])[..., None], np.asarray(baseline[k])[..., None]
            )
            for k in FLOWS
        }

    def year_axis(shares: Mapping[str, Any]) -> dict:
        return {k: np.asarray(shares[k])[..., None] for k in FLOWS}

    keep = None if outputs is None else tuple(
        dict.fromkeys(["effective", "planned_exits", *outputs])
    )
    runs = {
        "baseline": simulate(
            base["opening_stock"], st["j_base"][..., None],
            year_axis(st["stock_shares"]), year_axis(st["journey_shares"]), horizon,
            st["places"], keep,
        ),
        "pilot": simulate(
            base["opening_stock"], st["j_pilot"],
            by_year(st["pilot_stock"], st["stock_shares"]),
            by_year(st["pilot_shares"], st["journey_shares"]),
            horizon, st["places_pilot"], keep,
        ),
    }
    values = flow_values(params)
    for run in runs.values():
        d1, d2 = benefits(
            run["effective"], run["planned_exits"], values["annual_value"],
            values["abstinent_value"], values["represent_value"], values["gamma"],
            values["represent_share"],
        )
        run["driver_1"], run["driver_2"], run["benefit"] = d1, d2, d1 + d2
    effect = {k: runs["pilot"][k] - runs["baseline"][k] for k in runs["pilot"]}
    return {
        **runs,
        "effect": effect,
        "values": values,
        "sites": st["sites"],
        "years": st["years"],
        "national": bool(base["national"]),
    }


def _setup(
    params: Any, sites: Sequence[str] | None, did_effective: Any, did_completions: Any
) -> dict[str, Any]:
    """Calibration, the pilot's shares and the places: what both runs start from."""
    from .appraisal import resolve_sites, site_impacts

    sites = resolve_sites(params, sites)
    horizon = int(np.max(params["stockflow.horizon"]))
    if horizon < 1:
        raise ValueError(f"stockflow.horizon must be at least 1 year, got {horizon}")
    base = _baseline(params, sites)
    stock_shares = base.get("stock_shares", base["shares"])
    journey_shares = base["shares"]
    start = np.asarray(params["stockflow.pilot.start_year"], dtype=float)
    years = np.arange(1, horizon + 1)
    after = years >= start[..., None, None]  # (..., 1, year): may be sampled

    if params["stockflow.pilot.source"] == "did":
        if base["period_shares"] is None:
            raise ValueError(
                "stockflow.pilot.source 'did' needs calibration 'site_counts' or "
                "'national' (window shares to move); with 'direct' use source 'direct'"
            )
        impact = site_impacts(params, sites)
        d_et = impact["did_effective"] if did_effective is None else did_effective
        d_sc = impact["did_completions"] if did_completions is None else did_completions
    else:
        d_et = params["stockflow.pilot.early_unplanned_change"]
        d_et = -np.asarray(d_et, dtype=float)[..., None]  # fewer early exits = +ET/TT
        d_sc = np.asarray(params["stockflow.pilot.planned_change"], dtype=float)[..., None]
    if base["period_shares"] is not None:
        moved = _pilot_period_shares(base["period_shares"], d_et, d_sc)
        pilot_shares = annualise(moved, base["period_years"])
        pilot_stock = pilot_shares
    else:  # direct yearly shares: move them by the yearly changes given
        pilot_stock = _pilot_period_shares(stock_shares, d_et, d_sc)
        pilot_shares = _pilot_period_shares(journey_shares, d_et, d_sc)

    j_change = np.asarray(params["stockflow.pilot.new_journeys_change"], dtype=float)
    j_base = np.asarray(base["new_journeys"], dtype=float)
    j_pilot = np.where(
        after, (j_base * (1.0 + j_change[..., None]))[..., None], j_base[..., None]
    )
    places = places_pilot = None
    if np.any(params["stockflow.budget.limit"]):
        # places the baseline budget buys: the year-1 retained stock plus new journeys,
        # which keeps a stationary baseline stationary
        e_s = sum(np.asarray(stock_shares[k]) for k in FLOWS)
        places = (1.0 - e_s) * base["opening_stock"] + j_base
        b_change = np.asarray(params["stockflow.budget.pilot_change"], dtype=float)
        # extra money a year buys places at the cost per client-year (places = budget /
        # treatment.annual_cost), e.g. section 7.3's £60,000 = 20 places at £3,000
        extra = np.asarray(params["stockflow.budget.pilot_extra"], dtype=float) * 1000.0
        cost = np.asarray(params["treatment.annual_cost"], dtype=float)
        places_pilot = places * (1.0 + b_change[..., None]) + (extra / cost)[..., None]

    return {
        "sites": list(sites),
        "horizon": horizon,
        "years": years,
        "start": start,
        "after": after,
        "base": base,
        "stock_shares": stock_shares,
        "journey_shares": journey_shares,
        "pilot_stock": pilot_stock,
        "pilot_shares": pilot_shares,
        "j_base": j_base,
        "j_pilot": j_pilot,
        "j_change": j_change,
        "places": places,
        "places_pilot": places_pilot,
    }


def benefit_effect(
    params: Any,
    sites: Sequence[str] | None = None,
    did_effective: Any = None,
    did_completions: Any = None,
) -> dict[str, Any]:
    """The benefits alone of :func:`stockflow_arrays`, by a faster recursion.

    Benefits are linear in the stock and new journeys each year, ``B1 T + K X`` with
    ``K = gamma B2 + (1 - gamma) B3`` (the shares of :func:`flow_values`), so each run
    needs two coefficients per group and year and never forms the flows; arrays are
    kept year-first. Equal to
    ``stockflow_arrays(...)[run]["benefit"]`` (tested); this is the path the cash flows
    and the sensitivity analyses use.

    Returns
    -------
    dict
        ``baseline``, ``pilot`` and ``effect`` benefits in £, each (..., site, year);
        ``sites``, ``years``.
    """
    st = _setup(params, sites, did_effective, did_completions)
    base = st["base"]
    v = flow_values(params)
    b1 = np.asarray(v["annual_value"], dtype=float)[..., None]
    g = np.asarray(v["gamma"], dtype=float)[..., None]
    r = np.asarray(v["represent_share"], dtype=float)[..., None]
    k = g * np.asarray(v["abstinent_value"], dtype=float)[..., None] + r * (
        np.asarray(v["represent_value"], dtype=float)[..., None]
    )

    def coefficients(shares: Mapping[str, Any]) -> tuple[np.ndarray, np.ndarray]:
        x, y, u = (np.asarray(shares[f], dtype=float) for f in FLOWS)
        return b1 * (1.0 - y) + k * x, 1.0 - x - y - u  # benefit per head, kept share

    _check_shares(st["stock_shares"], "stock")
    _check_shares(st["journey_shares"], "journey")
    _check_shares(st["pilot_stock"], "stock")
    _check_shares(st["pilot_shares"], "journey")
    ben_s, keep_s = coefficients(st["stock_shares"])
    ben_j, keep_j = coefficients(st["journey_shares"])
    pben_s, pkeep_s = coefficients(st["pilot_stock"])
    pben_j, pkeep_j = coefficients(st["pilot_shares"])
    j_base = np.asarray(st["j_base"], dtype=float)
    j_pilot = j_base * (1.0 + np.asarray(st["j_change"], dtype=float)[..., None])
    s0 = np.asarray(base["opening_stock"], dtype=float)
    shape = np.broadcast_shapes(s0.shape, ben_s.shape, pben_s.shape, j_pilot.shape)
    horizon = st["horizon"]
    start = st["start"]
    cap, cap_p = st["places"], st["places_pilot"]
    out = {r: np.empty((horizon, *shape)) for r in ("baseline", "pilot")}
    stock = np.broadcast_to(s0, shape)
    pstock = stock
    first_any, first_all = float(np.min(start)), float(np.max(start))
    for t in range(horizon):
        retained = keep_s * stock
        journeys = j_base if cap is None else np.maximum(cap - retained, 0.0)
        out["baseline"][t] = ben_s * stock + ben_j * journeys
        stock = retained + keep_j * journeys
        if t + 1 >= first_all:  # every sample's pilot has started
            c = (pben_s, pkeep_s, pben_j, pkeep_j, j_pilot)
        elif t + 1 < first_any:  # none has
            c = (ben_s, keep_s, ben_j, keep_j, j_base)
        else:
            m = ((t + 1) >= start)[..., None]
            c = tuple(
                np.where(m, p_, b_)
                for p_, b_ in (
                    (pben_s, ben_s), (pkeep_s, keep_s), (pben_j, ben_j),
                    (pkeep_j, keep_j), (j_pilot, j_base),
                )
            )
        retained = c[1] * pstock
        journeys = c[4] if cap_p is None else np.maximum(cap_p - retained, 0.0)
        out["pilot"][t] = c[0] * pstock + c[2] * journeys
        pstock = retained + c[3] * journeys
    runs = {r: np.moveaxis(a, 0, -1) for r, a in out.items()}
    return {
        **runs,
        "effect": runs["pilot"] - runs["baseline"],
        "sites": st["sites"],
        "years": st["years"],
    }


_UNITS = {"driver_1": "GBP", "driver_2": "GBP", "benefit": "GBP"}


def stockflow(params: Any, sites: Sequence[str] | None = None) -> xr.Dataset:
    """The stock-flow model of every site as a Dataset.

    Returns
    -------
    xarray.Dataset
        Every flow and stock of :func:`simulate` plus ``driver_1``, ``driver_2`` and
        ``benefit`` (£, undiscounted), dims ``([sample,] run, site, year)`` with run =
        baseline, pilot, effect (pilot - baseline). Attrs: the calibration, whether it
        is national, the period length and the values per client.
    """
    arr = stockflow_arrays(params, sites)
    runs = ("baseline", "pilot", "effect")
    data = {}
    for key in arr["pilot"]:
        stacked = np.stack([np.asarray(arr[r][key]) for r in runs], axis=-3)
        lead = ("sample",) if stacked.ndim == 4 else ()
        data[key] = (
            (*lead, "run", "site", "year"),
            stacked,
            {
                "units": _UNITS.get(key, "clients"),
                "long_name": _OUTPUTS.get(key, key.replace("_", " ")),
            },
        )
    values = {
        k: float(v) if np.ndim(v) == 0 else str(np.round(np.asarray(v), 2).tolist()[:3])
        for k, v in arr["values"].items()
    }
    return xr.Dataset(
        data,
        coords={"run": list(runs), "site": arr["sites"], "year": arr["years"]},
        attrs={
            "title": "Stocks and flows of clients in treatment (Appendix C3)",
            "calibration": str(params["stockflow.calibration"]),
            "national": int(arr["national"]),
            "period_years": float(np.max(params["stockflow.period_years"])),
            "year_convention": f"programme {year_axis(params)}",
            **{f"value_{k}": v for k, v in values.items()},
        },
    )
