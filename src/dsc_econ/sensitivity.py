"""How far the answer moves when the assumptions do.

One contract throughout, after SALib: a sample matrix on the unit hypercube (one column
per uncertain input, :mod:`dsc_econ.uncertainty`) goes through :func:`evaluate` -- the
same array functions as the point estimate, never a per-sample loop -- and comes back
as net present values and benefit-cost ratios per site. The analyses differ only in how
they build the matrix and what they compute from the results:

* :func:`oneway` -- each input at a low and high quantile (tornado) and across a grid
  (spider), the others at their point values;
* :func:`scenarios` -- named sets of overrides, the report's and the user's;
* :func:`threshold` -- the value of an input at which a site's NPV is zero (BCR = 1);
* :func:`psa` -- Monte Carlo: distributions of NPV and BCR, intervals, P(BCR > 1);
* :func:`sobol` -- variance-based first-, total- and second-order indices (SALib);
* :func:`morris` -- elementary-effects screening (SALib).

Every result is an :class:`xarray.Dataset` with named dims (``sample``, ``site``,
``parameter``...), units and a reproducibility record (seed, parameter hash, uncertainty
file, package version) in its attrs; :func:`tidy` gives a long DataFrame and
:func:`save` / :func:`load` round-trip through NetCDF (or Zarr).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from .appraisal import appraisal_arrays, resolve_sites
from .parameters import UNITS, ParameterError, ParameterSet
from .scenarios import Scenario, apply_scenario, load_scenarios
from .uncertainty import Uncertainty, parameter_hash

__all__ = [
    "BLOCK",
    "OUTPUTS",
    "evaluate",
    "evaluate_blocks",
    "lazy_outputs",
    "load",
    "morris",
    "oneway",
    "psa",
    "sample_blocks",
    "save",
    "scenarios",
    "sobol",
    "spider",
    "threshold",
    "tidy",
]

OUTPUTS: dict[str, str] = {
    "npv": "GBP thousand",
    "bcr": "1",
    "total_benefit": "GBP thousand",
    "cost": "GBP thousand",
}
"""Outputs of every evaluation, with units (per site)."""

BLOCK = 2**16
"""Rows per sampling block: samples are drawn block by block from seeds spawned from the
run's seed, so a run is bit-for-bit reproducible for a given seed whatever the chunking."""


def _version() -> str:
    from . import __version__

    return __version__


def _record(
    params: ParameterSet,
    uncertainty: Uncertainty | None,
    analysis: str,
    seed: int | None = None,
    **extra: Any,
) -> dict[str, Any]:
    attrs: dict[str, Any] = {
        "analysis": analysis,
        "package_version": _version(),
        "parameter_hash": parameter_hash(params),
        "parameter_source": params.source,
        "parameters_overridden": ", ".join(params.overridden),
        "parameters_json": json.dumps(
            {
                k: (np.asarray(v).tolist() if isinstance(v, np.ndarray) else v)
                for k, v in params.items()
            },
            default=str,
        ),
        "command_line": " ".join(sys.argv),
    }
    if uncertainty is not None:
        attrs["uncertainty_source"] = uncertainty.source
        attrs["uncertainty_digest"] = uncertainty.digest
    if seed is not None:
        attrs["seed"] = int(seed)
    for key, value in extra.items():
        attrs[key] = value if isinstance(value, (int, float, str)) else json.dumps(value)
    return attrs


def evaluate(
    params: ParameterSet,
    uncertainty: Uncertainty,
    unit: np.ndarray,
    sites: Sequence[str] | None = None,
) -> dict[str, np.ndarray]:
    """Evaluate the appraisal for every row of a unit-hypercube sample matrix.

    Parameters
    ----------
    params : ParameterSet
        Point values the uncertain inputs replace or scale.
    uncertainty : Uncertainty
        The inputs the columns stand for.
    unit : ndarray, shape (n, columns)
        Rows of probabilities; NaN keeps an input at its point value.
    sites : sequence of str, optional
        Default: every site with DiD data.

    Returns
    -------
    dict of ndarray, each shape (n, site)
        ``npv`` and ``total_benefit``, ``cost`` (£ thousand), ``bcr``.
    """
    sites = resolve_sites(params, sites)
    overrides, dids = uncertainty.transform(unit, params, sites)
    sampled = params.with_values(overrides, origin="sample", validate=False)
    arr = appraisal_arrays(sampled, sites, by_year=False, **dids)
    n = unit.shape[0]
    shape = (n, len(sites))
    return {
        "npv": np.broadcast_to(arr["net_benefit"], shape),
        "bcr": np.broadcast_to(arr["bcr"], shape),
        "total_benefit": np.broadcast_to(arr["total_benefit"], shape),
        "cost": np.broadcast_to(arr["cost"], shape),
    }


def sample_blocks(uncertainty: Uncertainty, n: int, seed: int) -> Iterable[np.ndarray]:
    """Monte Carlo unit samples in blocks of :data:`BLOCK` rows, reproducible by seed."""
    seeds = np.random.SeedSequence(seed).spawn(-(-n // BLOCK))
    for i, child in enumerate(seeds):
        rows = min(BLOCK, n - i * BLOCK)
        yield np.random.default_rng(child).random((rows, len(uncertainty.columns)))


def _progress(total: int, desc: str, progress: bool | None) -> Any:
    from tqdm.auto import tqdm

    # disable=None: shown only on a terminal.
    return tqdm(
        total=total,
        desc=desc,
        unit="row",
        disable=None if progress is None else not progress,
    )


def evaluate_blocks(
    params: ParameterSet,
    uncertainty: Uncertainty,
    unit: np.ndarray,
    sites: Sequence[str] | None = None,
    progress: bool | None = None,
    desc: str = "evaluating",
) -> dict[str, np.ndarray]:
    """:func:`evaluate` over a large matrix in blocks (bounded memory, progress bar)."""
    parts: dict[str, list[np.ndarray]] = {k: [] for k in OUTPUTS}
    with _progress(unit.shape[0], desc, progress) as bar:
        for start in range(0, unit.shape[0], BLOCK):
            block = unit[start : start + BLOCK]
            out = evaluate(params, uncertainty, block, sites)
            for key in OUTPUTS:
                parts[key].append(np.array(out[key]))
            bar.update(block.shape[0])
    return {k: np.concatenate(v) for k, v in parts.items()}


def _outputs_dataset(
    values: dict[str, np.ndarray], dims: tuple[str, ...], coords: dict[str, Any]
) -> xr.Dataset:
    return xr.Dataset(
        {k: (dims, values[k], {"units": OUTPUTS[k]}) for k in OUTPUTS}, coords=coords
    )


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

    from .uncertainty import did_distribution

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
        at each bound), and ``swing`` (parameter, site: |NPV high - NPV low|), the
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
    ds = _outputs_dataset(
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
    ds.attrs.update(_record(params, uncertainty, "oneway", low=low, high=high))
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
    grid = np.linspace(low, high, points)
    d = len(columns)
    unit = np.full((d * points, d), np.nan)
    for i, (_, col, _) in enumerate(columns):
        unit[i * points : (i + 1) * points, col] = grid
    out = evaluate(params, uncertainty, unit, sites)
    values = {k: np.asarray(v).reshape(d, points, len(sites)) for k, v in out.items()}
    ds = _outputs_dataset(
        values,
        ("parameter", "quantile", "site"),
        {"parameter": [c[0] for c in columns], "quantile": grid, "site": sites},
    )
    ds["value"] = (
        ("parameter", "quantile"),
        np.array([_column_value(uncertainty, params, c, grid) for _, c, _ in columns]),
    )
    ds.attrs.update(_record(params, uncertainty, "spider", points=points))
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
        Further :class:`~dsc_econ.scenarios.Scenario` objects (e.g. built in Python).

    Returns
    -------
    xarray.Dataset
        Outputs with dims ``(scenario, site)``; ``description`` per scenario.
    """
    from .parameters import data_dir

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
    ds = _outputs_dataset(
        {k: np.stack(v) for k, v in values.items()},
        ("scenario", "site"),
        {"scenario": list(rows), "site": sites},
    )
    ds["description"] = (
        "scenario",
        ["point estimate"] + [sc.description for sc in named.values()],
    )
    ds.attrs.update(_record(params, None, "scenarios", files=[str(p) for p in paths]))
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
    if uncertainty is not None and name in [i.name for i in uncertainty.inputs]:
        item = uncertainty.input(name)
        if item.kind != "parameter":
            raise ParameterError(f"threshold: {name} is a DiD input; choose a parameter")
        lo_q, hi_q = item.quantile(np.array([0.001, 0.999]))
        low = float(lo_q) if low is None else low
        high = float(hi_q) if high is None else high
        base = item.base_value(params)
        targets, scale = item.parameters, item.apply == "scale"
    else:
        if name not in params:
            raise ParameterError(f"threshold: {params._unknown(name)}")
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
        _record(params, uncertainty, "threshold", input=name, low=low, high=high)
    )
    return ds


# --------------------------------------------------------------------------- Monte Carlo


def psa(
    params: ParameterSet,
    uncertainty: Uncertainty,
    n: int = 10_000,
    seed: int = 20121,
    sites: Sequence[str] | None = None,
    interval: float = 0.90,
    keep_samples: bool = True,
    progress: bool | None = None,
    chunked: bool | None = None,
) -> xr.Dataset:
    """Probabilistic sensitivity analysis (Monte Carlo) of NPV and BCR per site.

    Draws ``n`` rows of independent uniforms in :data:`BLOCK`-row blocks, each block
    from its own seed spawned from ``seed`` (so the draws do not depend on how the run
    is chunked), maps them through the input distributions and evaluates every row.

    Parameters
    ----------
    chunked : bool, optional
        Evaluate through dask, block by block (xarray's dask backend): memory stays flat
        in ``n``, the blocks run in parallel, and an active ``dask.distributed`` client
        is used if there is one. Default: chunked when ``n`` exceeds 16 blocks. With
        ``keep_samples`` the draws then stay lazy (dask-backed) in the result. The draws
        are the same as unchunked; means can differ in the last digits (summation
        order) and interval bounds come from histograms of 2^14 bins placed at the
        first block's quantiles (within a bin's width of the exact ones).

    Returns
    -------
    xarray.Dataset
        Summary per site: ``npv_mean``, ``npv_sd``, ``npv_low``/``npv_median``/
        ``npv_high`` (the central ``interval``), the same for ``bcr``,
        ``prob_bcr_gt_1`` and ``prob_npv_gt_0``; with ``keep_samples`` also the draws
        (``npv``, ``bcr``... dims ``(sample, site)``) and, in memory, the sampled
        ``inputs`` (``(sample, parameter)``, unit-hypercube values).
    """
    if n < 2:
        raise ValueError(f"n must be at least 2, got {n}")
    if not 0 < interval < 1:
        raise ValueError(f"interval must be between 0 and 1 (e.g. 0.9), got {interval}")
    sites = resolve_sites(params, sites)
    chunked = n > 16 * BLOCK if chunked is None else chunked
    if chunked:
        ds = _psa_dask(
            params, uncertainty, n, seed, sites, interval, keep_samples, progress
        )
    else:
        unit = np.concatenate(list(sample_blocks(uncertainty, n, seed)))
        out = evaluate_blocks(params, uncertainty, unit, sites, progress, "psa")
        ds = summarise(out, sites, interval)
        if keep_samples:
            for key, units in OUTPUTS.items():
                ds[key] = (("sample", "site"), out[key], {"units": units})
            ds["inputs"] = (
                ("sample", "parameter"),
                unit,
                {"long_name": "unit-hypercube sample"},
            )
            ds = ds.assign_coords(parameter=uncertainty.columns)
    ds.attrs.update(
        _record(
            params, uncertainty, "psa", seed, n=n, interval=interval, chunked=int(chunked)
        )
    )
    return ds


def _block_unit(block_id: int, seeds: list[Any], n: int, columns: int) -> np.ndarray:
    rows = min(BLOCK, n - block_id * BLOCK)
    return np.random.default_rng(seeds[block_id]).random((rows, columns))


def _make_block(
    seeds: list[Any], n: int, columns: int, block_id: tuple[int, ...] | None = None
) -> np.ndarray:
    assert block_id is not None
    return _block_unit(block_id[0], seeds, n, columns)


def _evaluate_stack(
    unit: np.ndarray, params: ParameterSet, uncertainty: Uncertainty, sites: list[str]
) -> np.ndarray:
    out = evaluate(params, uncertainty, unit, sites)
    return np.stack([out[k] for k in OUTPUTS], axis=-1)


def lazy_outputs(
    params: ParameterSet, uncertainty: Uncertainty, n: int, seed: int, sites: Sequence[str]
) -> xr.DataArray:
    """Monte Carlo outputs as a lazy, dask-backed DataArray (sample, site, output).

    The unit sample is generated block by block (:data:`BLOCK` rows, seeds spawned from
    ``seed``) and evaluated with :func:`xarray.apply_ufunc` (``dask="parallelized"``),
    so nothing is computed until asked and any dask scheduler, including a
    ``dask.distributed`` cluster, runs it.
    """
    import functools

    import dask.array as da

    n_blocks = -(-n // BLOCK)
    seeds = np.random.SeedSequence(seed).spawn(n_blocks)
    d = len(uncertainty.columns)
    chunks = ((BLOCK,) * (n_blocks - 1) + (n - BLOCK * (n_blocks - 1),), (d,))
    unit = da.map_blocks(
        functools.partial(_make_block, seeds, n, d),
        chunks=chunks,
        dtype=float,
        meta=np.empty((0, 0)),
    )
    unit_xr = xr.DataArray(unit, dims=("sample", "parameter"))
    result = xr.apply_ufunc(
        functools.partial(
            _evaluate_stack, params=params, uncertainty=uncertainty, sites=list(sites)
        ),
        unit_xr,
        input_core_dims=[["parameter"]],
        output_core_dims=[["site", "output"]],
        dask="parallelized",
        output_dtypes=[float],
        dask_gufunc_kwargs={"output_sizes": {"site": len(sites), "output": len(OUTPUTS)}},
    )
    return result.assign_coords(site=list(sites), output=list(OUTPUTS))


def _psa_dask(
    params: ParameterSet,
    uncertainty: Uncertainty,
    n: int,
    seed: int,
    sites: list[str],
    interval: float,
    keep_samples: bool,
    progress: bool | None,
) -> xr.Dataset:
    import functools

    import dask

    lazy = lazy_outputs(params, uncertainty, n, seed, sites)
    tail = (1 - interval) / 2
    npv, bcr = lazy.sel(output="npv").data, lazy.sel(output="bcr").data
    tasks = {
        "npv_mean": npv.mean(axis=0),
        "npv_sd": npv.std(axis=0, ddof=1),
        "bcr_mean": bcr.mean(axis=0),
        "bcr_sd": bcr.std(axis=0, ddof=1),
        "prob_bcr_gt_1": (bcr > 1).mean(axis=0),
        "prob_npv_gt_0": (npv > 0).mean(axis=0),
    }
    # Quantiles in one pass with flat memory: per-chunk histograms, summed. The bins
    # follow the first block's quantiles (fine where the mass is, whatever the tails),
    # with an outer bin on each side reaching well beyond the block's range.
    pilot = lazy.isel(sample=slice(0, min(n, BLOCK))).sel(output=["npv", "bcr"]).values
    lo, hi = pilot.min(axis=0), pilot.max(axis=0)  # (site, 2)
    margin = np.maximum(hi - lo, 1e-9 * np.maximum(abs(hi), 1.0))
    ordered = np.sort(pilot, axis=0)  # order statistics of the first block
    inner = ordered[np.linspace(0, len(ordered) - 1, _BINS - 1).round().astype(int)]
    edges = np.concatenate([(lo - 10 * margin)[None], inner, (hi + 10 * margin)[None]])
    both = lazy.sel(output=["npv", "bcr"]).data
    counts = both.map_blocks(
        functools.partial(_histograms, edges=edges),
        chunks=((1,) * both.numblocks[0], (len(sites),), (2,), (_BINS + 2,)),
        new_axis=3,
        dtype=float,
    ).sum(axis=0)
    tasks["histograms"] = counts
    show = sys.stderr.isatty() if progress is None else progress
    if show and not _distributed_client():
        from dask.diagnostics import ProgressBar

        with ProgressBar():
            (computed,) = dask.compute(tasks)
    else:
        (computed,) = dask.compute(tasks)
    probs = np.array([tail, 0.5, 1 - tail])
    data = {}
    for k, key in enumerate(("npv", "bcr")):
        units = OUTPUTS[key]
        q = np.array(
            [
                _hist_quantiles(computed["histograms"][j, k], edges[:, j, k], probs)
                for j in range(len(sites))
            ]
        )
        data[f"{key}_mean"] = ("site", computed[f"{key}_mean"], {"units": units})
        data[f"{key}_sd"] = ("site", computed[f"{key}_sd"], {"units": units})
        data[f"{key}_low"] = ("site", q[:, 0], {"units": units, "quantile": tail})
        data[f"{key}_median"] = ("site", q[:, 1], {"units": units})
        data[f"{key}_high"] = ("site", q[:, 2], {"units": units, "quantile": 1 - tail})
    data["prob_bcr_gt_1"] = ("site", computed["prob_bcr_gt_1"], {"units": "1"})
    data["prob_npv_gt_0"] = ("site", computed["prob_npv_gt_0"], {"units": "1"})
    ds = xr.Dataset(data, coords={"site": sites})
    ds.attrs["quantiles"] = (
        f"histogram of {_BINS} bins per site at the first block's quantiles"
    )
    if keep_samples:
        for key, units in OUTPUTS.items():
            ds[key] = lazy.sel(output=key, drop=True).assign_attrs(units=units)
    return ds


_BINS = 2**14


def _histograms(block: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Counts per bin, with underflow and overflow, for each (site, output) column."""
    out = np.zeros((1, block.shape[1], block.shape[2], _BINS + 2))
    for j in range(block.shape[1]):
        for k in range(block.shape[2]):
            e = edges[:, j, k]
            idx = np.searchsorted(e, block[:, j, k], side="right")  # 0: under, B+1: over
            out[0, j, k] = np.bincount(idx, minlength=_BINS + 2)[: _BINS + 2]
    return out


def _hist_quantiles(counts: np.ndarray, edges: np.ndarray, probs: np.ndarray) -> np.ndarray:
    """Quantiles from binned counts (with under/overflow) by interpolation in the bin."""
    total = counts.sum()
    cum = (counts[0] + np.concatenate([[0.0], np.cumsum(counts[1:-1])])) / total
    if np.any(probs < cum[0]) or np.any(probs > cum[-1]):
        raise RuntimeError(
            "psa: a requested quantile lies outside the histogram range set from the first "
            "block; rerun with chunked=False"
        )
    keep = np.concatenate([[True], np.diff(cum) > 0])  # interp needs rising positions
    return np.interp(probs, cum[keep], edges[keep])


def _distributed_client() -> Any:
    try:
        from distributed import get_client

        return get_client()
    except (ImportError, ValueError):
        return None


def summarise(
    out: dict[str, np.ndarray], sites: Sequence[str], interval: float
) -> xr.Dataset:
    """Mean, sd, central interval and exceedance probabilities per site."""
    tail = (1 - interval) / 2
    data = {}
    for key in ("npv", "bcr"):
        v = out[key]
        q = np.quantile(v, [tail, 0.5, 1 - tail], axis=0)
        units = OUTPUTS[key]
        data[f"{key}_mean"] = ("site", v.mean(0), {"units": units})
        data[f"{key}_sd"] = (
            "site",
            v.std(0, ddof=1) if len(v) > 1 else np.zeros(len(sites)),
            {"units": units},
        )
        data[f"{key}_low"] = ("site", q[0], {"units": units, "quantile": tail})
        data[f"{key}_median"] = ("site", q[1], {"units": units})
        data[f"{key}_high"] = ("site", q[2], {"units": units, "quantile": 1 - tail})
    data["prob_bcr_gt_1"] = ("site", (out["bcr"] > 1).mean(0), {"units": "1"})
    data["prob_npv_gt_0"] = ("site", (out["npv"] > 0).mean(0), {"units": "1"})
    return xr.Dataset(data, coords={"site": list(sites)})


# --------------------------------------------------------------------------- SALib


def _salib_outputs(
    analyse: Callable[[np.ndarray], dict[str, Any]],
    out: dict[str, np.ndarray],
    sites: Sequence[str],
    keys: Sequence[str],
    outputs: Sequence[str],
) -> dict[str, np.ndarray]:
    res: dict[str, list[list[np.ndarray]]] = {k: [] for k in keys}
    for output in outputs:
        per_site: dict[str, list[np.ndarray]] = {k: [] for k in keys}
        for j in range(len(sites)):
            y = np.ascontiguousarray(out[output][:, j])
            if not np.all(np.isfinite(y)):
                raise ValueError(f"{output} for site {sites[j]} has non-finite values")
            r = analyse(y)
            for k in keys:
                per_site[k].append(np.asarray(r[k], dtype=float))
        for k in keys:
            res[k].append(per_site[k])
    return {k: np.array(v) for k, v in res.items()}


def sobol(
    params: ParameterSet,
    uncertainty: Uncertainty,
    n: int = 2**10,
    seed: int = 20121,
    sites: Sequence[str] | None = None,
    second_order: bool = False,
    groups: bool = True,
    resamples: int = 100,
    conf_level: float = 0.95,
    outputs: Sequence[str] = ("npv", "bcr"),
    progress: bool | None = None,
) -> xr.Dataset:
    """Variance-based (Sobol) sensitivity indices of NPV and BCR for every site.

    Saltelli's design from a scrambled, seeded Sobol sequence for ``n`` base rows on the
    unit hypercube, one evaluation of all ``n (D + 2)`` rows (``D`` inputs or groups;
    ``n (2D + 2)`` with ``second_order``), then the Sobol estimators with bootstrap
    confidence intervals for every site and output at once. Design and estimators are
    those of ``SALib.sample.sobol`` and ``SALib.analyze.sobol``, vectorised
    (:mod:`dsc_econ.saltelli`; tests check they agree to rounding).

    Parameters
    ----------
    n : int
        Base sample size; a power of two keeps the Sobol sequence balanced.
    groups : bool
        Analyse groups (a site's two DiD columns, all site costs) rather than columns.

    Returns
    -------
    xarray.Dataset
        ``S1``, ``S1_conf``, ``ST``, ``ST_conf`` with dims ``(output, site, parameter)``
        (``parameter`` = input or group names); with ``second_order`` also ``S2`` and
        ``S2_conf`` over ``(output, site, parameter, parameter_2)``.
    """
    from .saltelli import group_names, sobol_design, sobol_indices

    if n < 2 or n & (n - 1):
        raise ValueError(f"n must be a power of two (Sobol sequence), got {n}")
    if resamples < 2:
        raise ValueError(f"resamples must be at least 2 for an interval, got {resamples}")
    sites = resolve_sites(params, sites)
    problem = uncertainty.problem(groups=groups)
    unit = sobol_design(problem, n, second_order=second_order, seed=seed)
    out = evaluate_blocks(params, uncertainty, unit, sites, progress, "sobol")
    names = group_names(problem)
    stacked = np.concatenate([out[o] for o in outputs], axis=1)  # (rows, output x site)
    res = sobol_indices(
        problem,
        stacked,
        second_order,
        resamples=resamples,
        conf_level=conf_level,
        seed=seed,
    )
    shape = (len(outputs), len(sites))
    data = {
        k: (("output", "site", "parameter"), res[k].reshape(*shape, len(names)))
        for k in ("S1", "S1_conf", "ST", "ST_conf")
    }
    if second_order:
        for k in ("S2", "S2_conf"):
            data[k] = (
                ("output", "site", "parameter", "parameter_2"),
                res[k].reshape(*shape, len(names), len(names)),
            )
    ds = xr.Dataset(
        data,
        coords={
            "output": list(outputs),
            "site": sites,
            "parameter": names,
            **({"parameter_2": names} if second_order else {}),
        },
    )
    ds["output_variance"] = (
        ("output", "site"),
        np.array([[np.var(out[o][:, j]) for j in range(len(sites))] for o in outputs]),
    )
    ds.attrs.update(
        _record(
            params,
            uncertainty,
            "sobol",
            seed,
            n=n,
            rows=int(unit.shape[0]),
            groups=int(groups),
            second_order=int(second_order),
            resamples=resamples,
            conf_level=conf_level,
        )
    )
    return ds


def morris(
    params: ParameterSet,
    uncertainty: Uncertainty,
    trajectories: int = 50,
    levels: int = 4,
    seed: int = 20121,
    sites: Sequence[str] | None = None,
    groups: bool = True,
    resamples: int = 100,
    conf_level: float = 0.95,
    outputs: Sequence[str] = ("npv", "bcr"),
    progress: bool | None = None,
) -> xr.Dataset:
    """Morris elementary-effects screening: a quick ranking with ``r (D + 1)`` runs.

    Returns
    -------
    xarray.Dataset
        ``mu``, ``mu_star``, ``sigma`` and ``mu_star_conf`` with dims
        ``(output, site, parameter)``.
    """
    from SALib.analyze import morris as morris_analyze
    from SALib.sample import morris as morris_sample

    if trajectories < 2:
        raise ValueError(f"trajectories must be at least 2, got {trajectories}")
    if levels < 2 or levels % 2:
        raise ValueError(f"levels must be an even number of at least 2, got {levels}")

    sites = resolve_sites(params, sites)
    problem = uncertainty.problem(groups=groups)
    unit = morris_sample.sample(problem, trajectories, num_levels=levels, seed=seed)
    # Evaluate at the centres of equal-probability strata (1/2p, 3/2p, ...) rather
    # than at 0 and 1, where unbounded distributions have infinite quantiles; the map
    # is linear, so SALib's effects per grid step are unchanged in meaning.
    centred = (unit * (levels - 1) + 0.5) / levels
    out = evaluate_blocks(params, uncertainty, centred, sites, progress, "morris")
    names = list(dict.fromkeys(problem["groups"])) if groups else problem["names"]

    def analyse(y: np.ndarray) -> dict[str, Any]:
        return morris_analyze.analyze(
            problem,
            unit,
            y,
            num_resamples=resamples,
            conf_level=conf_level,
            num_levels=levels,
            seed=seed,
        )

    keys = ["mu", "mu_star", "sigma", "mu_star_conf"]
    res = _salib_outputs(analyse, out, sites, keys, outputs)
    ds = xr.Dataset(
        {k: (("output", "site", "parameter"), res[k]) for k in keys},
        coords={"output": list(outputs), "site": sites, "parameter": names},
    )
    ds.attrs.update(
        _record(
            params,
            uncertainty,
            "morris",
            seed,
            trajectories=trajectories,
            levels=levels,
            rows=int(unit.shape[0]),
            groups=int(groups),
        )
    )
    return ds


# --------------------------------------------------------------------------- results I/O


def tidy(ds: xr.Dataset) -> pd.DataFrame:
    """A long (tidy) DataFrame: one row per coordinate combination, one column per
    variable, with the ID columns (``site``, ``parameter``, ``sample``...) as columns."""
    return (
        ds.drop_vars(
            [v for v in ds.data_vars if ds[v].dtype.kind in "OU" and ds[v].ndim == 0]
        )
        .to_dataframe()
        .reset_index()
    )


def save(ds: xr.Dataset, path: str | Path) -> Path:
    """Write a result to NetCDF (``.nc``, via h5netcdf) or Zarr (``.zarr``), atomically."""
    import os
    import shutil
    import tempfile

    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}."))
    try:
        staged = tmp / target.name
        if target.suffix == ".zarr":
            try:
                import zarr  # noqa: F401
            except ImportError:
                raise ValueError(
                    f"{target}: writing Zarr needs the zarr package (pip install "
                    "'dsc-econ[scale]'); or use a .nc file name"
                ) from None
            ds.to_zarr(staged, mode="w")
        elif target.suffix in (".nc", ".nc4", ".h5"):
            ds.to_netcdf(staged, engine="h5netcdf")
        else:
            raise ValueError(f"{target}: use a .nc or .zarr file name")
        if target.exists():
            shutil.rmtree(target) if target.is_dir() else target.unlink()
        os.replace(staged, target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


def load(path: str | Path) -> xr.Dataset:
    """Read a result written by :func:`save`."""
    target = Path(path)
    if target.suffix == ".zarr":
        return xr.open_zarr(target).load()
    return xr.load_dataset(target, engine="h5netcdf")
