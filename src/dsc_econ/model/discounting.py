"""HM Treasury Green Book discounting: discount factors, present values, annuities.

Small broadcasting functions in the style of numpy-financial. Every function states its
timing convention. Years are indexed from 1: year 1 is the first year of the appraisal
(for the DSCP valuation, the first year of treatment). The report's convention is
``timing="end"``: a flow in year t is discounted by ``(1 + r) ** -t``, so year 1 is
discounted by 1/1.035 (Table C.6.1: 12,040 / 1.035 = 11,633).

Rates may carry a leading sample dimension: ``rate`` of shape ``(n,)`` and ``years`` of
shape ``(y,)`` give factors of shape ``(n, y)``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import numpy as np
import numpy_financial as npf

from . import checks

__all__ = [
    "TIMINGS",
    "annuity_factor",
    "discount_factors",
    "factors_for",
    "green_book_factors",
    "long_horizon_factors",
    "net_present_value",
    "perpetuity_factor",
    "present_value",
    "schedule_for",
    "stepped_annuity_factor",
    "stepped_discount_factor",
    "yearly_factors",
]

Timing = Literal["end", "middle", "start"]
TIMINGS: dict[str, float] = {"end": 0.0, "middle": 0.5, "start": 1.0}
"""Shift (in years) of each timing convention relative to the end of the year."""


def _shift(timing: str) -> float:
    try:
        return TIMINGS[timing]
    except KeyError:
        raise ValueError(
            f"timing must be one of {sorted(TIMINGS)}, got {timing!r}"
        ) from None


def discount_factors(rate: Any, years: Any, timing: Timing = "end") -> np.ndarray:
    """Discount factors at a constant annual rate.

    Parameters
    ----------
    rate : float or array_like, shape (...,)
        Annual discount rate (0.035 = 3.5%).
    years : array_like, shape (y,)
        Year indices, 1 = first year.
    timing : {'end', 'middle', 'start'}
        When in the year flows fall.

    Returns
    -------
    ndarray, shape (..., y)
        ``(1 + rate) ** -(years - s)`` with s = 0 (end), 0.5 (middle), 1 (start).

    Raises
    ------
    ValueError
        For a rate of -1 or below, a year before ``s`` (a factor above 1), non-finite
        or empty inputs; the message names the argument.

    Notes
    -----
    The report (Table C.6.1, p.118) uses ``timing='end'`` at 3.5%.

    Examples
    --------
    >>> round(float(12040 * discount_factors(0.035, [1])[0]))
    11633
    """
    shift = _shift(timing)
    r = checks.rate("rate", rate)[..., None]
    t = checks.at_least(
        "years",
        years,
        shift,
        why=f"year 1 is the first year; under timing {timing!r} an earlier year would "
        "be discounted by a factor above 1",
    )
    with np.errstate(over="ignore"):
        out = (1.0 + r) ** -(t - shift)
    return checks.finite_result(
        "discount_factors",
        out,
        f"rate {float(np.min(r))!r} over {float(np.max(t)):g} years (a rate near -1 "
        "makes late factors astronomically large)",
    )


def green_book_factors(
    years: Any,
    from_years: Any,
    rates: Any,
    timing: Timing = "end",
) -> np.ndarray:
    """Discount factors under the Green Book's declining long-term schedule.

    The rate of the band a year falls in applies to that year, compounded year by year:
    ``D(t) = prod_{s=1..t} 1 / (1 + r_s)``. Within the first band this equals
    :func:`discount_factors`.

    Parameters
    ----------
    years : array_like, shape (y,)
        Year indices, 1 = first year.
    from_years : array_like, shape (b,)
        First year of each band (increasing, starting at 1); the Green Book's are the
        parameter ``discounting.schedule_from_years``.
    rates : array_like, shape (..., b)
        Rate in each band (``discounting.schedule_rates``); may carry a leading sample
        dimension when called directly.
    timing : {'end', 'middle', 'start'}
        ``end``: D(t); ``start``: D(t - 1); ``middle``: D(t - 1) / (1 + r_t) ** 0.5.

    Returns
    -------
    ndarray, shape (..., y)

    References
    ----------
    HM Treasury, The Green Book (2003 Annex 6; 2022 Annex A6 Table 8): 3.5% for years
    1-30, 3.0% to 75, 2.5% to 125, 2.0% to 200, 1.5% to 300, 1.0% after.
    """
    shift = _shift(timing)
    raw = np.asarray(years)
    if raw.size and (np.any(raw < 1) or np.any(raw != np.round(raw))):
        raise ValueError(f"years must be whole numbers from 1, got {raw.ravel()[:5]!r}")
    t = raw.astype(int)
    starts = checks.whole_years("from_years", from_years, 1).astype(int)
    if starts[0] != 1 or np.any(np.diff(starts) <= 0):
        raise ValueError(f"from_years must start at 1 and rise, got {starts.tolist()}")
    r = checks.rate("rates", rates)
    if r.shape[-1] != starts.size:
        raise ValueError(
            f"rates has {r.shape[-1]} bands but from_years has {starts.size}"
        )
    last = max(int(t.max(initial=1)), 1)
    grid = np.arange(1, last + 1)
    band = np.searchsorted(starts, grid, side="right") - 1
    yearly = r[..., band]  # (..., last)
    log_d = -np.cumsum(np.log1p(yearly), axis=-1)
    log_d = np.concatenate([np.zeros((*log_d.shape[:-1], 1)), log_d], axis=-1)
    end = np.exp(log_d[..., t])  # D(t)
    if shift == 0.0:
        return end
    before = np.exp(log_d[..., t - 1])  # D(t - 1)
    return before if shift == 1.0 else before * (1.0 + yearly[..., t - 1]) ** -0.5


def factors_for(params: Mapping[str, Any], years: Any) -> np.ndarray:
    """Discount factors for ``years`` as the parameter set specifies.

    Uses ``discounting.method`` (``constant`` at ``discounting.rate``, ``health``: the
    Green Book's reduced schedule for health effects, ``discounting.health_rate`` to
    year 30 then ``discounting.health_schedule_rates``, or ``green_book``), and
    ``discounting.timing``. Every method gives the same factors as
    :func:`yearly_factors` and :func:`long_horizon_factors` at any horizon (tested to
    300 years).
    """
    method = params["discounting.method"]
    timing = params["discounting.timing"]
    if method == "constant":
        return discount_factors(params["discounting.rate"], years, timing)
    if method == "health":
        starts, rates = schedule_for(params)
        return green_book_factors(years, starts, rates, timing)
    if method == "green_book":
        return green_book_factors(
            years,
            params["discounting.schedule_from_years"],
            params["discounting.schedule_rates"],
            timing,
        )
    raise ValueError(f"discounting.method: unknown method {method!r}")


def yearly_factors(params: Mapping[str, Any], horizon: int) -> np.ndarray:
    """Discount factors for years 1..horizon, year axis first, built by compounding.

    The same factors as :func:`factors_for` (tested), laid out ``(year, ...)`` and
    computed by multiplying one year's factor into the next, which is what the
    year-by-year valuation kernel consumes: a sample of n rates costs n powers, not
    n x horizon.

    Returns
    -------
    ndarray, shape (horizon,) or (horizon, n)
    """
    method = params["discounting.method"]
    shift = _shift(params["discounting.timing"])
    if isinstance(horizon, bool) or int(horizon) != horizon or horizon < 1:
        raise ValueError(f"horizon must be a whole number of years >= 1, got {horizon!r}")
    horizon = int(horizon)
    if method == "health":  # the declining health schedule; rates may be sampled
        starts, rates = schedule_for(params)
        grid = np.arange(1, horizon + 1)
        out = green_book_factors(grid, starts, rates, params["discounting.timing"])
        return np.moveaxis(out, -1, 0)
    if method == "constant":
        key = "discounting.rate"
        r = checks.rate(key, params[key])
        step = 1.0 / (1.0 + r)
        first = step if not shift else step * (1.0 + r) ** shift  # D(1), shifted
        end = np.empty((horizon, *r.shape))
        end[0] = first
        for t in range(1, horizon):  # compounding year by year: D(t) = D(t-1) / (1 + r)
            end[t] = end[t - 1] * step
        return end
    if method == "green_book":
        starts = np.asarray(params["discounting.schedule_from_years"], dtype=int)
        key = "discounting.schedule_rates"
        rates = checks.rate(key, params[key])
        grid = np.arange(1, horizon + 1)
        yearly = rates[np.searchsorted(starts, grid, side="right") - 1]
        end = np.cumprod(1.0 / (1.0 + yearly))
        before = np.concatenate([[1.0], end[:-1]])
        if shift == 0.0:
            return end
        return before if shift == 1.0 else before * (1.0 + yearly) ** -0.5
    raise ValueError(f"discounting.method: unknown method {method!r}")


def present_value(flows: Any, factors: Any, axis: int = -1) -> np.ndarray:
    """Present value: the sum over years of flows times discount factors.

    Parameters
    ----------
    flows, factors : array_like
        Broadcastable arrays with years along ``axis``.

    Returns
    -------
    ndarray
        ``sum(flows * factors, axis)``.
    """
    values = checks.finite("flows", flows) * checks.finite("factors", factors)
    return np.sum(values, axis=axis)


def net_present_value(rate: float, flows: Any, timing: Timing = "end") -> Any:
    """Net present value of yearly flows at a constant rate.

    Parameters
    ----------
    rate : float
        Annual discount rate.
    flows : array_like, shape (..., y)
        Flows in years 1..y (benefits positive, costs negative).
    timing : {'end', 'middle', 'start'}
        When in the year flows fall.

    Returns
    -------
    float or ndarray, shape (...)

    Notes
    -----
    Computed with :func:`numpy_financial.npv`, whose convention is that the *first*
    value is at time 0 and is not discounted. Year 1 under ``timing='end'`` is at
    time 1, so a zero flow is put in front before calling it.
    """
    checks.rate("rate", rate)
    arr = checks.finite("flows", flows)
    values = arr.reshape(-1, arr.shape[-1]) if arr.ndim else arr.reshape(1, 1)
    shift = _shift(timing)
    if shift == 1.0:
        padded = values
    else:
        padded = np.concatenate([np.zeros((values.shape[0], 1)), values], axis=1)
    out = np.array([npf.npv(rate, row) for row in padded])
    if shift == 0.5:
        out = out * (1.0 + rate) ** 0.5
    out = out.reshape(np.shape(flows)[:-1])
    return float(out) if out.ndim == 0 else out


def annuity_factor(rate: Any, years: Any, timing: Timing = "end") -> Any:
    """Present value of 1 a year for ``years`` years (the annuity factor).

    ``(1 - (1 + r) ** -n) / r`` for flows at the end of each year (``n`` when r = 0);
    multiplied by ``(1 + r)`` for the start of the year, ``(1 + r) ** 0.5`` mid-year.
    Broadcasts over ``rate`` and ``years``.

    Notes
    -----
    Equal to ``-numpy_financial.pv(rate, years, 1)`` (tested), but evaluated as
    ``-expm1(-n log1p(r)) / r``, which stays accurate for very small rates where
    ``numpy_financial.pv`` loses all precision.
    """
    shift = _shift(timing)
    r = checks.rate("rate", rate)
    n = checks.at_least("years", years, 0)
    safe = np.where(r == 0, 1.0, r)
    with np.errstate(over="ignore", invalid="ignore"):
        factor = np.where(r == 0, n, -np.expm1(-n * np.log1p(r)) / safe)
        factor = factor * (1.0 + r) ** shift
    checks.finite_result(
        "annuity_factor",
        factor,
        f"rate {float(np.min(r))!r} over {float(np.max(n)):g} years",
    )
    return float(factor) if np.ndim(factor) == 0 else factor


def perpetuity_factor(rate: Any, timing: Timing = "end") -> Any:
    """Present value of 1 a year for ever: ``1 / r`` (end), ``(1 + r) / r`` (start).

    Raises ``ValueError`` when any rate is not positive (the sum diverges).
    """
    r = checks.finite("rate", rate)
    if np.any(r <= 0):
        raise ValueError(f"perpetuity needs a positive rate, got {rate!r}")
    return (1.0 + r) ** _shift(timing) / r


# --- Long horizons: stepped schedules, exact annuities and perpetuities -----------------


def schedule_for(params: Mapping[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    """The rate schedule a parameter set implies for long horizons and perpetuities.

    ``constant``: one band at ``discounting.rate``; ``health``: the Green Book's reduced
    schedule for health effects (``discounting.health_schedule_from_years`` /
    ``discounting.health_schedule_rates``: 1.5% for years 1-30, then 3/7 of the
    standard bands), its first band taken from ``discounting.health_rate`` so that a
    sampled or changed health rate moves years 1-30; ``green_book``:
    ``discounting.schedule_from_years`` / ``schedule_rates``. :func:`factors_for`,
    :func:`yearly_factors` and :func:`long_horizon_factors` all use this schedule.

    Returns
    -------
    from_years : ndarray, shape (b,)
    rates : ndarray, shape (..., b)
        May carry a leading sample dimension when a rate is sampled.
    """
    method = params["discounting.method"]
    if method == "constant":
        return np.array([1]), np.asarray(params["discounting.rate"], dtype=float)[..., None]
    if method == "health":
        keys = (
            "discounting.health_schedule_from_years",
            "discounting.health_schedule_rates",
        )
        missing = [k for k in keys if k not in params]
        if missing:
            raise ValueError(
                f"discounting.method 'health' over long horizons needs {missing} "
                "(the Green Book's reduced schedule for health effects)"
            )
        first = np.asarray(params["discounting.health_rate"], dtype=float)
        bands = np.asarray(params[keys[1]], dtype=float)
        rates = np.broadcast_to(bands, (*first.shape, bands.size)).copy()
        rates[..., 0] = first
        return np.asarray(params[keys[0]], dtype=int), rates
    if method == "green_book":
        return (
            np.asarray(params["discounting.schedule_from_years"], dtype=int),
            np.asarray(params["discounting.schedule_rates"], dtype=float),
        )
    raise ValueError(f"discounting.method: unknown method {method!r}")


def long_horizon_factors(params: Mapping[str, Any], years: Any) -> np.ndarray:
    """Discount factors for any horizon under :func:`schedule_for`'s schedule.

    Returns
    -------
    ndarray, shape (..., y)
    """
    starts, rates = schedule_for(params)
    return green_book_factors(years, starts, rates, params["discounting.timing"])


def _band_ends(starts: np.ndarray) -> np.ndarray:
    return np.append(starts[1:] - 1, np.inf).astype(float)


def stepped_discount_factor(year: Any, from_years: Any, rates: Any) -> np.ndarray:
    """End-of-year factor ``D(k) = prod_{s<=k} 1/(1 + r_s)`` in closed form per band.

    ``k`` may be 0 (``D(0) = 1``) and an array of shape (...,); ``rates`` (..., b).
    """
    starts = checks.whole_years("from_years", from_years, 1)
    r = checks.rate("rates", rates)
    k = checks.at_least("year", year, 0)[..., None]
    n = np.clip(np.minimum(k, _band_ends(starts)) - starts + 1.0, 0.0, None)
    return np.exp(-np.sum(n * np.log1p(r), axis=-1))


def stepped_annuity_factor(
    last_year: Any,
    from_years: Any,
    rates: Any,
    timing: Timing = "end",
    first_year: Any = 1,
) -> np.ndarray:
    """PV of 1 a year in years ``first_year..last_year`` under a stepped schedule.

    Computed exactly, band by band: the years a band covers contribute
    ``D(lo - 1) a(n, r_b) (1 + r_b) ** s`` with ``a(n, r) = (1 - (1 + r) ** -n) / r``
    and s the timing shift (0 end, 0.5 middle, 1 start). ``last_year = inf`` gives the
    perpetuity factor: the last band's annuity becomes ``1 / r`` (a geometric tail), not
    ``1 / r`` of the first rate.

    Parameters
    ----------
    last_year : float or array_like
        Last year of the stream (``numpy.inf`` for ever).
    from_years : array_like, shape (b,)
        First year of each band (starting at 1, rising).
    rates : array_like, shape (..., b)
        Rate of each band.
    timing : {'end', 'middle', 'start'}
    first_year : float or array_like
        First year of the stream (a lag of k years is ``first_year = k + 1``).

    Returns
    -------
    ndarray, shape (...,)

    Raises
    ------
    ValueError
        For a perpetuity whose last band's rate is not positive, a rate of -1 or below,
        a first year before 1, NaN or empty inputs (naming the argument).

    Examples
    --------
    >>> round(float(60000 * stepped_annuity_factor(np.inf, [1], [0.035])), 2)
    1714285.71
    >>> round(float(60000 * stepped_annuity_factor(np.inf, [1], [0.035], first_year=2)), 2)
    1656314.7
    """
    shift = _shift(timing)
    starts = checks.whole_years("from_years", from_years, 1)
    r = checks.rate("rates", rates)
    first = checks.at_least("first_year", first_year, 1)
    last = np.asarray(last_year, dtype=float)
    if last.size == 0 or np.isnan(last).any() or np.any(last == -np.inf):
        raise ValueError(f"last_year must be a year or inf (for ever), got {last_year!r}")
    if np.any(np.isinf(last)) and np.any(r[..., -1] <= 0):
        raise ValueError(
            f"a perpetuity needs a positive last-band rate, got {r[..., -1]!r}"
        )
    lo = np.maximum(first[..., None], starts)
    hi = np.minimum(last[..., None], _band_ends(starts))
    n = np.clip(hi - lo + 1.0, 0.0, None)
    safe = np.where(r == 0, 1.0, r)
    with np.errstate(invalid="ignore"):
        annuity = np.where(r == 0, n, -np.expm1(-n * np.log1p(r)) / safe)
    annuity = np.where(n == 0, 0.0, annuity)
    before = np.exp(
        -np.sum(
            np.clip(
                np.minimum((lo - 1.0)[..., None], _band_ends(starts)) - starts + 1.0,
                0.0,
                None,
            )
            * np.log1p(r)[..., None, :],
            axis=-1,
        )
    )  # D(lo - 1) for each band, shape (..., b)
    return np.sum(before * annuity * (1.0 + r) ** shift, axis=-1)
