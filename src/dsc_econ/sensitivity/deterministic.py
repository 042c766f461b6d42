"""Deterministic sensitivity: one input (or one named set of inputs) at a time.

* :func:`oneway` -- each input at a low and high quantile (tornado);
* :func:`spider` -- each input across a grid of quantiles, the others at point values;
* :func:`scenarios` -- named sets of overrides, the report's and the user's;
* :func:`threshold` -- the value of an input at which a site's NPV is zero (BCR = 1).
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import xarray as xr

from ..inputs.parameters import UNITS, ParameterError, ParameterSet
from ..inputs.scenarios import Scenario, apply_scenario, load_scenarios
from ..model.appraisal import appraisal_arrays, resolve_sites
from . import memory
from .distributions import Uncertainty
from .engine import OUTPUTS, evaluate, outputs_dataset, record

# --------------------------------------------------------------------------- one-way


def _parameter_inputs(uncertainty: Uncertainty) -> list[tuple[str, int, str]]:
    """(label, column index, input name) of every column, DiD columns separately."""
    out = []
    col = 0
    for item in uncertainty.inputs:
        for name in item.columns:
            out.append((name, col, item.name))
            col += 1
    return out


def _column_value(
    uncertainty: Uncertainty, params: ParameterSet, col: int, q: np.ndarray
) -> np.ndarray:
    """The input value shown for column ``col`` at probabilities ``q`` (axis labels)."""
    label, _, name = _parameter_inputs(uncertainty)[col]
    item = uncertainty.input(name)
    if item.kind == "parameter":
        return item.quantile(q)
    from scipy import stats

    from .distributions import did_distribution

    mean, chol = did_distribution(params, item.site or "")
    which = 0 if label.endswith("_et") else 1
    return mean[which] + chol[which, which] * stats.norm.ppf(q)


def oneway(
    params: ParameterSet,
    uncertainty: Uncertainty,
    sites: Sequence[str] | None = None,
    low: float = 0.05,
    high: float = 0.95,
) -> xr.Dataset:
    """Tornado data: every output with each input at its low and high quantile.

    Each column of the uncertainty is set in turn to its ``low`` and ``high``
    probability (inverse CDF), every other input staying at its point value; all rows
    are evaluated in one call.

    Returns
    -------
    xarray.Dataset
        ``npv``, ``bcr``... with dims ``(parameter, bound, site)`` (bound = low/high),
        ``base_npv``, ``base_bcr`` (site), ``value`` (parameter, bound: the input's value
        at each bound), and ``swing`` (parameter, site: ``abs(NPV high - NPV low)``), the
        tornado's bar length.
    """
    if not 0 < low < high < 1:
        raise ValueError(f"need 0 < low < high < 1, got low={low}, high={high}")
    sites = resolve_sites(params, sites)
    columns = _parameter_inputs(uncertainty)
    d = len(columns)
    unit = np.full((2 * d + 1, d), np.nan)
    for i, (_, col, _) in enumerate(columns):
        unit[2 * i, col] = low
        unit[2 * i + 1, col] = high
    out = evaluate(params, uncertainty, unit, sites)
    labels = [c[0] for c in columns]
    values = {k: np.asarray(v[:-1]).reshape(d, 2, len(sites)) for k, v in out.items()}
    ds = outputs_dataset(
        values,
        ("parameter", "bound", "site"),
        {"parameter": labels, "bound": ["low", "high"], "site": sites},
    )
    ds["base_npv"] = ("site", np.asarray(out["npv"][-1]), {"units": OUTPUTS["npv"]})
    ds["base_bcr"] = ("site", np.asarray(out["bcr"][-1]), {"units": "1"})
    ds["value"] = (
        ("parameter", "bound"),
        np.array(
            [
                _column_value(uncertainty, params, c, np.array([low, high]))
                for _, c, _ in columns
            ]
        ),
        {"long_name": "input value at the bound"},
    )
    ds["swing"] = abs(ds.npv.sel(bound="high") - ds.npv.sel(bound="low"))
    ds["swing"].attrs["units"] = OUTPUTS["npv"]
    ds["input"] = ("parameter", [c[2] for c in columns])
    ds.attrs.update(record(params, uncertainty, "oneway", low=low, high=high))
    return ds


def spider(
    params: ParameterSet,
    uncertainty: Uncertainty,
    sites: Sequence[str] | None = None,
    points: int = 11,
    low: float = 0.05,
    high: float = 0.95,
) -> xr.Dataset:
    """Spider data: outputs across a grid of each input's quantiles, others at point.

    Returns
    -------
    xarray.Dataset
        Outputs with dims ``(parameter, quantile, site)`` and ``value``
        (parameter, quantile): the input's value at each grid point.
    """
    if points < 2:
        raise ValueError(f"points must be at least 2, got {points}")
    sites = resolve_sites(params, sites)
    columns = _parameter_inputs(uncertainty)
    d, cols, k = len(columns), len(uncertainty.columns), len(sites)
    fits = memory.largest(lambda m: memory.spider_bytes(m, d, cols, k), memory.budget())
    memory.check_memory(
        memory.spider_bytes(points, d, cols, k),
        f"spider data with {points:,} points per input",
        f"use at most {fits:,} points (a chart needs 10-50)",
    )
    grid = np.linspace(low, high, points)
    unit = np.full((d * points, d), np.nan)
    for i, (_, col, _) in enumerate(columns):
        unit[i * points : (i + 1) * points, col] = grid
    out = evaluate(params, uncertainty, unit, sites)
    values = {k: np.asarray(v).reshape(d, points, len(sites)) for k, v in out.items()}
    ds = outputs_dataset(
        values,
        ("parameter", "quantile", "site"),
        {"parameter": [c[0] for c in columns], "quantile": grid, "site": sites},
    )
    ds["value"] = (
        ("parameter", "quantile"),
        np.array([_column_value(uncertainty, params, c, grid) for _, c, _ in columns]),
    )
    ds.attrs.update(record(params, uncertainty, "spider", points=points))
    return ds


# --------------------------------------------------------------------------- scenarios


def scenarios(
    params: ParameterSet,
    files: Sequence[str | Path] | None = None,
    sites: Sequence[str] | None = None,
    extra: dict[str, Scenario] | None = None,
) -> xr.Dataset:
    """Outputs under each named scenario (and the base case), per site.

    Parameters
    ----------
    files : sequence of path, optional
        Scenario files; default every bundled file (the report's and the package's).
    extra : dict, optional
        Further :class:`~dsc_econ.inputs.scenarios.Scenario` objects (e.g. built in Python).

    Returns
    -------
    xarray.Dataset
        Outputs with dims ``(scenario, site)``; ``description`` per scenario.
    """
    from ..inputs.parameters import data_dir

    paths = list(files) if files else sorted(data_dir("scenarios").glob("*.yaml"))
    named: dict[str, Scenario] = {}
    for path in paths:
        for name, sc in load_scenarios(path, params).items():
            if name in named:
                raise ParameterError(
                    f"{path}: scenario {name!r} also in {named[name].source}"
                )
            named[name] = sc
    named.update(extra or {})
    sites = resolve_sites(params, sites)
    rows = {"base": params}
    rows.update({name: apply_scenario(params, sc) for name, sc in named.items()})
    values: dict[str, list[np.ndarray]] = {k: [] for k in OUTPUTS}
    for p in rows.values():
        arr = appraisal_arrays(p, sites, by_year=False)
        values["npv"].append(arr["net_benefit"])
        values["bcr"].append(arr["bcr"])
        values["total_benefit"].append(arr["total_benefit"])
        values["cost"].append(arr["cost"])
    ds = outputs_dataset(
        {k: np.stack(v) for k, v in values.items()},
        ("scenario", "site"),
        {"scenario": list(rows), "site": sites},
    )
    ds["description"] = (
        "scenario",
        ["point estimate"] + [sc.description for sc in named.values()],
    )
    ds.attrs.update(record(params, None, "scenarios", files=[str(p) for p in paths]))
    return ds


# --------------------------------------------------------------------------- threshold


def threshold(
    params: ParameterSet,
    name: str,
    sites: Sequence[str] | None = None,
    low: float | None = None,
    high: float | None = None,
    uncertainty: Uncertainty | None = None,
    grid: int = 201,
    tol: float = 1e-10,
) -> xr.Dataset:
    """The value of one input at which each site's NPV is zero (BCR = 1).

    Parameters
    ----------
    name : str
        A numeric parameter (e.g. ``pathways.gamma``) or, with ``uncertainty``, the name
        of a parameter input (its targets are set or scaled together).
    low, high : float, optional
        Search range; default the input's 0.1% and 99.9% quantiles (uncertainty
        input) or 0.5 and 2 times the point value (parameter), kept within the range of
        its unit (a rate stays in [0, 1]; a point value of 0 searches the whole range).
    grid, tol : int, float
        Points of the bracketing grid; relative tolerance of the bisection.

    Returns
    -------
    xarray.Dataset
        Per site: ``threshold`` (NaN with ``status`` = "none in range" where NPV keeps
        one sign), ``status``, ``crossings`` (sign changes on the grid), ``npv_low`` and
        ``npv_high`` (NPV at the range ends) and ``base`` (the point value).
    """
    sites = resolve_sites(params, sites)
    item = uncertainty.find(name, params) if uncertainty is not None else None
    if item is not None:
        if item.kind != "parameter":
            raise ParameterError(f"threshold: {name} is a DiD input; choose a parameter")
        lo_q, hi_q = item.quantile(np.array([0.001, 0.999]))
        low = float(lo_q) if low is None else low
        high = float(hi_q) if high is None else high
        base = item.base_value(params)
        targets, scale = item.parameters, item.apply == "scale"
    else:
        if name not in params:
            inputs = [i.name for i in uncertainty.inputs] if uncertainty else []
            close = difflib.get_close_matches(name, inputs, n=2, cutoff=0.6)
            extra = f" (or input {', '.join(close)}?)" if close else ""
            raise ParameterError(f"threshold: {params._unknown(name)}{extra}")
        name = params.key(name)
        base = params[name]
        if isinstance(base, (str, bool, list)):
            raise ParameterError(f"threshold: {name} is not a numeric parameter ({base!r})")
        base = float(base)
        unit = UNITS[params.meta(name).unit]
        lo_default, hi_default = (base * 0.5, base * 2.0) if base else (unit.low, unit.high)
        if unit.low is not None:
            lo_default = max(lo_default, unit.low) if lo_default is not None else unit.low
        if unit.high is not None:
            hi_default = min(hi_default, unit.high) if hi_default is not None else unit.high
        low = lo_default if low is None else low
        high = hi_default if high is None else high
        if low is None or high is None:
            raise ParameterError(f"threshold: give a search range (low, high) for {name}")
        targets, scale = (name,), False
    if not low < high:
        raise ValueError(f"threshold: need low < high, got {low} and {high}")

    def npv_at(values: np.ndarray) -> np.ndarray:
        over = {
            t: (np.asarray(params[t], dtype=float) * values if scale else values)
            for t in targets
        }
        p = params.with_values(over, origin=f"threshold {name}")
        arr = appraisal_arrays(p, sites, by_year=False)
        return np.broadcast_to(arr["net_benefit"], (len(values), len(sites)))

    xs = np.linspace(low, high, grid)
    npv = npv_at(xs)
    sign = np.sign(npv)
    result = np.full(len(sites), np.nan)
    crossings = np.sum(sign[1:] * sign[:-1] < 0, axis=0) + np.sum(sign == 0, axis=0)
    a = np.full(len(sites), np.nan)
    b = np.full(len(sites), np.nan)
    for j in range(len(sites)):
        zero = np.flatnonzero(sign[:, j] == 0)
        change = np.flatnonzero(sign[1:, j] * sign[:-1, j] < 0)
        if zero.size:
            result[j] = xs[zero[np.argmin(abs(xs[zero] - base))]]
        elif change.size:
            k = change[np.argmin(abs(xs[change] - base))]  # the crossing nearest the base
            a[j], b[j] = xs[k], xs[k + 1]
    todo = np.isfinite(a)
    # Vectorised bisection: every site's bracket halves at each step, one evaluation.
    idx = np.flatnonzero(todo)
    if idx.size:
        fa = npv_at(a[idx])[np.arange(idx.size), idx]
        for _ in range(200):
            mid = (a[idx] + b[idx]) / 2
            fm = npv_at(mid)[np.arange(idx.size), idx]
            left = np.sign(fm) == np.sign(fa)
            a[idx] = np.where(left, mid, a[idx])
            fa = np.where(left, fm, fa)
            b[idx] = np.where(left, b[idx], mid)
            if np.all(b[idx] - a[idx] <= tol * np.maximum(1.0, abs(mid))):
                break
        result[idx] = (a[idx] + b[idx]) / 2
    status = np.where(np.isfinite(result), "found", "none in range")
    ds = xr.Dataset(
        {
            "threshold": ("site", result, {"long_name": f"{name} at which NPV = 0"}),
            "status": ("site", status),
            "crossings": ("site", crossings),
            "npv_low": ("site", npv[0], {"units": OUTPUTS["npv"]}),
            "npv_high": ("site", npv[-1], {"units": OUTPUTS["npv"]}),
            "base": ((), base),
        },
        coords={"site": sites},
    )
    ds.attrs.update(
        record(params, uncertainty, "threshold", input=name, low=low, high=high)
    )
    return ds


def thresholds(
    params: ParameterSet,
    uncertainty: Uncertainty,
    sites: Sequence[str] | None = None,
) -> xr.Dataset:
    """Switching values of every parameter input: where each site's NPV crosses zero.

    Each input of ``uncertainty`` that acts on parameters is searched over its 0.1% to
    99.9% quantiles with the others at their point values (as :func:`threshold`). DiD
    inputs are left out: they move two estimates together and have no single value.

    Returns
    -------
    xarray.Dataset
        Dims ``(input, site)``: ``threshold`` (NaN where NPV keeps one sign over the
        range), ``status``, ``crossings``, ``npv_low``, ``npv_high``; per input
        ``base`` (point value; 1 for a scale input), ``low``, ``high`` (the range
        searched), ``target`` (the parameters it acts on), ``apply`` (``set`` or
        ``scale``: a multiplier) and ``unit``.
    """
    import pandas as pd

    items = [i for i in uncertainty.inputs if i.kind == "parameter"]
    if not items:
        raise ParameterError(f"{uncertainty.source}: no parameter inputs to search")
    parts = []
    for item in items:
        one = threshold(params, item.name, sites, uncertainty=uncertainty)
        one = one.assign(
            low=float(one.attrs["low"]),
            high=float(one.attrs["high"]),
            target=", ".join(item.parameters),
            apply=item.apply,
            unit="multiplier" if item.apply == "scale" else params.meta(
                item.parameters[0]
            ).unit,
        )
        one.attrs = {}
        parts.append(one)
    ds = xr.concat(parts, dim=pd.Index([i.name for i in items], name="input"))
    ds.attrs.update(record(params, uncertainty, "thresholds"))
    return ds
