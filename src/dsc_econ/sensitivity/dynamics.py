"""Sensitivity of the time dimension: payback year, time-profile NPV, P(payback by N).

The same contract as the rest of the wing: unit-hypercube rows (``default.yaml`` plus
``dynamics.yaml``, :func:`dynamics_uncertainty`) go through one vectorised call of the
cash-flow model (:func:`dsc_econ.model.cashflow.cashflow_arrays`) per block of rows:

* :func:`evaluate_cashflow` -- the kernel: NPV, BCR and payback per row and site;
* :func:`payback_oneway` -- each input at its low and high quantile;
* :func:`payback_psa` -- Monte Carlo: NPV quantiles, P(NPV > 0) and P(payback within N
  years) per site, simple and discounted;
* :func:`payback_sobol` -- first-order and total Sobol indices of the time-profile NPV;
* :func:`payback_threshold` -- the value of one parameter at which the time-profile NPV
  is zero, and the range of values with payback within N years.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from ..inputs.parameters import ParameterSet, data_dir
from ..model.appraisal import resolve_sites
from ..model.cashflow import ALL, NO_PAYBACK, cashflow_arrays
from .distributions import Uncertainty, load_uncertainty
from .engine import progress_bar, record

__all__ = [
    "CASHFLOW_OUTPUTS",
    "dynamics_uncertainty",
    "evaluate_cashflow",
    "payback_oneway",
    "payback_psa",
    "payback_sobol",
    "payback_threshold",
]

CASHFLOW_OUTPUTS: dict[str, str] = {
    "npv_time": "GBP thousand",
    "bcr_time": "1",
    "payback": "programme year (-1: not within the horizon)",
    "payback_discounted": "programme year (-1: not within the horizon)",
}
"""Outputs of every cash-flow evaluation, per site and the programme (``all``)."""

ROWS = 2048
"""Rows per block: a block holds (rows, site, year) arrays, so it is kept small."""


def dynamics_uncertainty(
    params: ParameterSet | None = None,
    base: str | Path | None = None,
    dynamics: str | Path | None = None,
) -> Uncertainty:
    """The default uncertainty and ``uncertainty/dynamics.yaml`` as one set of inputs."""
    from ..inputs.project import own_uncertainty_file

    first = load_uncertainty(base, params)
    if dynamics is None:  # the parameter set's own dynamics file, else the bundled one
        dynamics = own_uncertainty_file(params, "dynamics.yaml") or (
            data_dir("uncertainty") / "dynamics.yaml"
        )
    second = load_uncertainty(dynamics, params)
    clash = {i.name for i in first.inputs} & {i.name for i in second.inputs}
    if clash:
        raise ValueError(f"inputs defined in both uncertainty files: {sorted(clash)}")
    digest = hashlib.sha256((first.digest + second.digest).encode()).hexdigest()[:16]
    return Uncertainty(
        inputs=first.inputs + second.inputs,
        source=f"{first.source} + {second.source}",
        description=f"{first.description} {second.description}",
        digest=digest,
    )


def evaluate_cashflow(
    params: ParameterSet,
    uncertainty: Uncertainty,
    unit: np.ndarray,
    sites: Sequence[str] | None = None,
) -> dict[str, np.ndarray]:
    """Time-profile NPV, BCR and payback years for every row of a unit sample matrix.

    Returns
    -------
    dict of ndarray, each shape (n, row)
        Keys of :data:`CASHFLOW_OUTPUTS`; rows are the sites and ``all``.
    """
    sites = resolve_sites(params, sites)
    overrides, dids = uncertainty.transform(unit, params, sites)
    sampled = params.with_values(overrides, origin="sample", validate=False)
    arr = cashflow_arrays(sampled, sites, table=False, **dids)
    shape = (unit.shape[0], len(sites) + 1)
    return {
        "npv_time": np.broadcast_to(arr["npv"], shape),
        "bcr_time": np.broadcast_to(arr["bcr"], shape),
        "payback": np.broadcast_to(arr["payback"], shape),
        "payback_discounted": np.broadcast_to(arr["payback_discounted"], shape),
    }


def _blocks(
    params: ParameterSet,
    uncertainty: Uncertainty,
    unit: np.ndarray,
    sites: list[str],
    progress: bool | None,
    desc: str,
) -> dict[str, np.ndarray]:
    parts: dict[str, list[np.ndarray]] = {k: [] for k in CASHFLOW_OUTPUTS}
    with progress_bar(unit.shape[0], desc, progress) as bar:
        for start in range(0, unit.shape[0], ROWS):
            block = unit[start : start + ROWS]
            out = evaluate_cashflow(params, uncertainty, block, sites)
            for key in CASHFLOW_OUTPUTS:
                parts[key].append(np.array(out[key]))
            bar.update(block.shape[0])
    return {k: np.concatenate(v) for k, v in parts.items()}


def _dataset(values: dict[str, np.ndarray], dims: tuple[str, ...], coords: dict) -> Any:
    return xr.Dataset(
        {k: (dims, values[k], {"units": CASHFLOW_OUTPUTS[k]}) for k in CASHFLOW_OUTPUTS},
        coords=coords,
    )


def payback_oneway(
    params: ParameterSet,
    uncertainty: Uncertainty | None = None,
    sites: Sequence[str] | None = None,
    low: float = 0.05,
    high: float = 0.95,
) -> xr.Dataset:
    """Each input at its low and high quantile, the others at point values.

    Returns
    -------
    xarray.Dataset
        The :data:`CASHFLOW_OUTPUTS` with dims ``(parameter, bound, site)``, the point
        estimate as ``base_*`` (site), and ``swing`` = ``abs(NPV high - NPV low)``.
    """
    if not 0 < low < high < 1:
        raise ValueError(f"need 0 < low < high < 1, got low={low}, high={high}")
    uncertainty = uncertainty or dynamics_uncertainty(params)
    sites = resolve_sites(params, sites)
    d = len(uncertainty.columns)
    unit = np.full((2 * d + 1, d), np.nan)
    for col in range(d):
        unit[2 * col, col] = low
        unit[2 * col + 1, col] = high
    out = _blocks(params, uncertainty, unit, sites, False, "payback oneway")
    rows = [*sites, ALL]
    ds = _dataset(
        {k: v[:-1].reshape(d, 2, len(rows)) for k, v in out.items()},
        ("parameter", "bound", "site"),
        {"parameter": uncertainty.columns, "bound": ["low", "high"], "site": rows},
    )
    for key, units in CASHFLOW_OUTPUTS.items():
        ds[f"base_{key}"] = ("site", out[key][-1], {"units": units})
    ds["swing"] = abs(ds.npv_time.sel(bound="high") - ds.npv_time.sel(bound="low"))
    ds.attrs.update(record(params, uncertainty, "payback_oneway", low=low, high=high))
    return ds


def payback_psa(
    params: ParameterSet,
    n: int = 10_000,
    seed: int = 20121,
    uncertainty: Uncertainty | None = None,
    sites: Sequence[str] | None = None,
    within: Sequence[int] = (2, 5, 10, 20),
    keep_samples: bool = False,
    progress: bool | None = None,
) -> xr.Dataset:
    """Monte Carlo of the cash flows: NPV, BCR and the chance of paying back by N years.

    Parameters
    ----------
    n, seed : int
        Number of samples and the seed (reproducible, whatever the block size).
    within : sequence of int
        Horizons N for ``p_payback_within`` (payback year <= N).
    keep_samples : bool
        Keep every sample's outputs (dims ``sample, site``).

    Returns
    -------
    xarray.Dataset
        Per site (and ``all``): ``npv_mean``, ``npv_q05``, ``npv_q50``, ``npv_q95``,
        ``p_npv_positive``, ``payback_median`` (of the samples that pay back) and
        ``p_payback_within`` / ``p_payback_discounted_within`` (dims ``site, within``).
    """
    if n < 1:
        raise ValueError(f"n must be positive, got {n}")
    uncertainty = uncertainty or dynamics_uncertainty(params)
    sites = resolve_sites(params, sites)
    from . import memory
    from .estimates import payback_estimate

    need = payback_estimate(
        n, len(uncertainty.columns), len(sites), int(params["cashflow.horizon"]),
        len(list(within)),
    )
    memory.check_memory(
        need.bytes, f"a payback Monte Carlo of n = {n:,}", "use fewer samples"
    )
    unit = np.random.default_rng(seed).random((n, len(uncertainty.columns)))
    out = _blocks(params, uncertainty, unit, sites, progress, "payback psa")
    rows = [*sites, ALL]
    npv = out["npv_time"]
    horizons = np.asarray(list(within), dtype=int)

    def p_within(years: np.ndarray) -> np.ndarray:
        paid = years != NO_PAYBACK
        return np.mean(paid[..., None] & (years[..., None] <= horizons), axis=0)

    payback = np.where(out["payback"] == NO_PAYBACK, np.nan, out["payback"])
    all_missing = np.all(np.isnan(payback), axis=0)
    median = np.full(len(rows), np.nan)
    if not all_missing.all():
        median[~all_missing] = np.nanmedian(payback[:, ~all_missing], axis=0)
    ds = xr.Dataset(
        {
            "npv_mean": ("site", npv.mean(0), {"units": "GBP thousand"}),
            "npv_q05": ("site", np.quantile(npv, 0.05, axis=0), {"units": "GBP thousand"}),
            "npv_q50": ("site", np.quantile(npv, 0.5, axis=0), {"units": "GBP thousand"}),
            "npv_q95": ("site", np.quantile(npv, 0.95, axis=0), {"units": "GBP thousand"}),
            "p_npv_positive": ("site", (npv > 0).mean(0), {"units": "1"}),
            "payback_median": (
                "site",
                median,
                {"units": "programme year", "long_name": "median among samples that pay "
                 "back (NaN: none do)"},
            ),
            "p_payback_within": (("site", "within"), p_within(out["payback"]),
                                 {"units": "1"}),
            "p_payback_discounted_within": (
                ("site", "within"), p_within(out["payback_discounted"]), {"units": "1"}),
        },
        coords={"site": rows, "within": horizons},
    )
    if keep_samples:
        for key, units in CASHFLOW_OUTPUTS.items():
            ds[key] = (("sample", "site"), out[key], {"units": units})
    ds.attrs.update(record(params, uncertainty, "payback_psa", seed, n=n))
    return ds


def payback_sobol(
    params: ParameterSet,
    n: int = 256,
    seed: int = 20121,
    uncertainty: Uncertainty | None = None,
    sites: Sequence[str] | None = None,
    resamples: int = 100,
    progress: bool | None = None,
) -> xr.Dataset:
    """Sobol indices (first order and total) of the time-profile NPV per site.

    Returns
    -------
    xarray.Dataset
        ``S1``, ``S1_conf``, ``ST``, ``ST_conf`` with dims ``(site, parameter)`` (input
        groups, as :func:`dsc_econ.sensitivity.sobol`).
    """
    from .saltelli import group_names, sobol_design, sobol_indices

    if n < 2 or n & (n - 1):
        raise ValueError(f"n must be a power of two (Sobol sequence), got {n}")
    uncertainty = uncertainty or dynamics_uncertainty(params)
    sites = resolve_sites(params, sites)
    problem = uncertainty.problem(groups=True)
    unit = sobol_design(problem, n, seed=seed)
    out = _blocks(params, uncertainty, unit, sites, progress, "payback sobol")
    res = sobol_indices(problem, out["npv_time"], resamples=resamples, seed=seed)
    names = group_names(problem)
    ds = xr.Dataset(
        {k: (("site", "parameter"), res[k]) for k in ("S1", "S1_conf", "ST", "ST_conf")},
        coords={"site": [*sites, ALL], "parameter": names},
    )
    ds.attrs.update(record(params, uncertainty, "payback_sobol", seed, n=n))
    return ds


def payback_threshold(
    params: ParameterSet,
    name: str,
    low: float,
    high: float,
    sites: Sequence[str] | None = None,
    within: int = 10,
    grid: int = 401,
) -> xr.Dataset:
    """Switching values of one parameter for the time-profile NPV and for payback.

    The parameter is set to ``grid`` values from ``low`` to ``high`` in one vectorised
    call. Per site: ``threshold`` is where the NPV changes sign nearest the point value
    (linear interpolation between grid points; NaN with status "none in range" if it
    keeps one sign); ``payback_from`` / ``payback_to`` bound the grid values at which
    the simple payback comes within ``within`` years (NaN if none does).
    """
    if name not in params:
        raise ValueError(f"payback_threshold: {params._unknown(name)}")
    if not low < high:
        raise ValueError(f"payback_threshold: need low < high, got {low} and {high}")
    sites = resolve_sites(params, sites)
    xs = np.linspace(low, high, grid)
    arr = cashflow_arrays(
        params.with_values({name: xs}, origin=f"threshold {name}"), sites, table=False
    )
    rows = [*sites, ALL]
    npv = np.broadcast_to(arr["npv"], (grid, len(rows)))
    pay = np.broadcast_to(arr["payback"], (grid, len(rows)))
    base = float(np.asarray(params[name], dtype=float))
    result = np.full(len(rows), np.nan)
    for j in range(len(rows)):
        f = npv[:, j]
        change = np.flatnonzero(np.sign(f[1:]) * np.sign(f[:-1]) <= 0)
        change = change[f[change] != f[change + 1]]
        if change.size:
            k = change[np.argmin(abs(xs[change] - base))]
            result[j] = xs[k] - f[k] * (xs[k + 1] - xs[k]) / (f[k + 1] - f[k])
    ok = (pay != NO_PAYBACK) & (pay <= within)
    lo = np.where(ok.any(0), xs[np.argmax(ok, axis=0)], np.nan)
    hi = np.where(ok.any(0), xs[len(xs) - 1 - np.argmax(ok[::-1], axis=0)], np.nan)
    ds = xr.Dataset(
        {
            "threshold": ("site", result, {"long_name": f"{name} at which NPV = 0"}),
            "status": ("site", np.where(np.isfinite(result), "found", "none in range")),
            "payback_from": ("site", lo),
            "payback_to": ("site", hi),
            "npv_low": ("site", npv[0], {"units": "GBP thousand"}),
            "npv_high": ("site", npv[-1], {"units": "GBP thousand"}),
            "base": ((), base),
        },
        coords={"site": rows},
    )
    ds.attrs.update(
        record(params, None, "payback_threshold", input=name, low=low, high=high,
               within=within)
    )
    return ds
