"""Probabilistic sensitivity (Monte Carlo): distributions of NPV and BCR, intervals,
P(BCR > 1), in memory or chunked: streamed block by block in this process (memory flat in
N), or through dask when the samples are kept or a distributed client is running
(:mod:`dsc_econ.sensitivity.engine`)."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import numpy as np
import xarray as xr

from ..inputs.parameters import ParameterSet
from ..model.appraisal import resolve_sites
from . import memory
from .distributions import Uncertainty
from .engine import (
    BINS,
    BLOCK,
    OUTPUTS,
    block_seeds,
    distributed_client,
    draw_block,
    evaluate_values,
    histogram_quantiles,
    histograms,
    lazy_outputs,
    lazy_values,
    map_in_order,
    progress_bar,
    progress_default,
    record,
    worker_threads,
)

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

    Draws ``n`` rows in :data:`BLOCK`-row blocks, each block from its own generator
    seeded from ``seed`` (so the draws do not depend on how the run is chunked),
    straight from each input's distribution (:meth:`Uncertainty.draw`), and evaluates
    the blocks one at a time, keeping only their outputs or running summaries.

    Parameters
    ----------
    chunked : bool, optional
        Keep running summaries instead of the outputs, so memory stays flat in ``n``:
        sums for means and sds, counts for the probabilities, and histograms for the
        quantiles. Blocks are streamed in this process; with ``keep_samples`` or an
        active ``dask.distributed`` client they go through dask instead (the draws then
        stay lazy, dask-backed, in the result). Default: chunked when ``n`` exceeds 16
        blocks. The draws are the same as unchunked; means can differ in the last
        digits (summation order) and interval bounds come from histograms of 2^14 bins
        placed at the first block's quantiles (within a bin's width of the exact ones).

    Returns
    -------
    xarray.Dataset
        Summary per site: ``npv_mean``, ``npv_sd``, ``npv_low``/``npv_median``/
        ``npv_high`` (the central ``interval``), the same for ``bcr``,
        ``prob_bcr_gt_1`` and ``prob_npv_gt_0``; with ``keep_samples`` also the outputs
        (``npv``, ``bcr``... dims ``(sample, site)``), the sampled inputs in their own
        units (``draws``, dims ``(sample, input)``, and for DiD inputs
        ``did_effective_draw``/``did_completions_draw``, ``(sample, site)``; see
        :func:`draws`) and, in memory, the unit-hypercube rows (``inputs``,
        ``(sample, parameter)``: each draw's CDF).
    """
    if n < 2:
        raise ValueError(f"n must be at least 2, got {n}")
    if not 0 < interval < 1:
        raise ValueError(f"interval must be between 0 and 1 (e.g. 0.9), got {interval}")
    sites = resolve_sites(params, sites)
    chunked = n > 16 * BLOCK if chunked is None else chunked
    if not chunked:
        cols, k = len(uncertainty.columns), len(sites)
        fits = memory.largest(
            lambda m: memory.psa_bytes(m, cols, k, keep_samples), memory.budget()
        )
        memory.check_memory(
            memory.psa_bytes(n, cols, k, keep_samples),
            f"a Monte Carlo run of n = {n:,} in memory",
            f"run it chunked (--chunked, chunked=True: memory stays flat in n) or use "
            f"at most n = {fits:,}",
        )
    if chunked and (keep_samples or distributed_client()):
        ds = _psa_dask(
            params, uncertainty, n, seed, sites, interval, keep_samples, progress
        )
    elif chunked:
        ds = _psa_stream(params, uncertainty, n, seed, sites, interval, progress)
    else:
        keep = list(OUTPUTS) if keep_samples else ["npv", "bcr"]
        out = {k: np.empty((n, len(sites))) for k in keep}
        shape = (n, len(uncertainty.columns))
        kept = np.empty(shape) if keep_samples else None  # the value matrix
        seeds = block_seeds(n, seed)

        def block(i: int) -> tuple[np.ndarray | None, dict[str, np.ndarray]]:
            values = draw_block(uncertainty, seeds, n, i)
            res = evaluate_values(params, uncertainty, values, sites)
            return (values if keep_samples else None), res

        with progress_bar(n, "psa", progress) as bar:
            first = block(0)  # builds the per-run caches before any thread starts
            rest = map_in_order(block, range(1, len(seeds)), worker_threads())
            for i, (drawn, res) in _numbered(first, rest):
                start, stop = i * BLOCK, min(n, (i + 1) * BLOCK)
                for key in keep:
                    out[key][start:stop] = res[key]
                if kept is not None and drawn is not None:
                    kept[start:stop] = drawn
                bar.update(stop - start)
        ds = summarise(out, sites, interval)
        if keep_samples:
            for key, units in OUTPUTS.items():
                ds[key] = (("sample", "site"), out[key], {"units": units})
            ds["inputs"] = (
                ("sample", "parameter"),
                uncertainty.to_unit(kept),
                {"long_name": "unit-hypercube sample"},
            )
            ds = ds.assign_coords(parameter=uncertainty.columns)
            ds = ds.merge(draws(params, uncertainty, kept, sites))
    ds.attrs.update(
        record(
            params, uncertainty, "psa", seed, n=n, interval=interval, chunked=int(chunked)
        )
    )
    return ds


def _numbered(first: Any, rest: Iterable[Any]) -> Iterator[tuple[int, Any]]:
    yield 0, first
    yield from enumerate(rest, start=1)


def _edges(pilot: np.ndarray) -> np.ndarray:
    """Histogram edges (BINS + 1, site, output) at the first block's order statistics,
    with an outer bin on each side reaching well beyond the block's range."""
    lo, hi = pilot.min(axis=0), pilot.max(axis=0)  # (site, output)
    margin = np.maximum(hi - lo, 1e-9 * np.maximum(abs(hi), 1.0))
    ordered = np.sort(pilot, axis=0)  # order statistics of the first block
    inner = ordered[np.linspace(0, len(ordered) - 1, BINS - 1).round().astype(int)]
    return np.concatenate([(lo - 10 * margin)[None], inner, (hi + 10 * margin)[None]])


def _summary_from_counts(
    computed: dict[str, np.ndarray],
    edges: np.ndarray,
    sites: list[str],
    interval: float,
) -> xr.Dataset:
    tail = (1 - interval) / 2
    probs = np.array([tail, 0.5, 1 - tail])
    data = {}
    for k, key in enumerate(("npv", "bcr")):
        units = OUTPUTS[key]
        q = np.array(
            [
                histogram_quantiles(computed["histograms"][j, k], edges[:, j, k], probs)
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
        f"histogram of {BINS} bins per site at the first block's quantiles"
    )
    return ds


def _psa_stream(
    params: ParameterSet,
    uncertainty: Uncertainty,
    n: int,
    seed: int,
    sites: list[str],
    interval: float,
    progress: bool | None,
) -> xr.Dataset:
    """Chunked Monte Carlo in this process: one block drawn, evaluated and folded into
    running summaries at a time (memory flat in ``n``)."""
    total = np.zeros((len(sites), 2))
    squares = np.zeros((len(sites), 2))
    positive = np.zeros((len(sites), 2))
    counts = np.zeros((len(sites), 2, BINS + 2))
    seeds = block_seeds(n, seed)
    values = draw_block(uncertainty, seeds, n, 0)
    first = evaluate_values(params, uncertainty, values, sites)
    pilot = np.stack([first["npv"], first["bcr"]], axis=-1)  # (rows, site, 2)
    edges = _edges(pilot)
    shift = pilot.mean(axis=0)  # sums about it keep the sd accurate
    thresholds = np.array([0.0, 1.0])

    def fold(i: int) -> tuple[np.ndarray, ...]:
        if i == 0:
            both = pilot
        else:
            res = evaluate_values(
                params, uncertainty, draw_block(uncertainty, seeds, n, i), sites
            )
            both = np.stack([res["npv"], res["bcr"]], axis=-1)
        dev = both - shift
        return (
            dev.sum(axis=0),
            np.einsum("ijk,ijk->jk", dev, dev),
            (both > thresholds).sum(axis=0),
            histograms(both, edges)[0],
            both.shape[0],
        )

    with progress_bar(n, "psa", progress) as bar:
        # folded in block order whatever the threads, so sums are reproducible
        for part in map_in_order(fold, range(len(seeds)), worker_threads()):
            total += part[0]
            squares += part[1]
            positive += part[2]
            counts += part[3]
            bar.update(part[4])
    mean_dev = total / n
    var = (squares - n * mean_dev**2) / (n - 1)
    computed = {"histograms": counts}
    for k, key in enumerate(("npv", "bcr")):
        computed[f"{key}_mean"] = shift[:, k] + mean_dev[:, k]
        computed[f"{key}_sd"] = np.sqrt(np.maximum(var[:, k], 0.0))
    computed["prob_npv_gt_0"] = positive[:, 0] / n
    computed["prob_bcr_gt_1"] = positive[:, 1] / n
    return _summary_from_counts(computed, edges, sites, interval)


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

    values = lazy_values(uncertainty, n, seed)  # drawn once for outputs and draws
    lazy = lazy_outputs(params, uncertainty, n, seed, sites, values)
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
    edges = _edges(pilot)
    both = lazy.sel(output=["npv", "bcr"]).data
    counts = both.map_blocks(
        functools.partial(histograms, edges=edges),
        chunks=((1,) * both.numblocks[0], (len(sites),), (2,), (BINS + 2,)),
        new_axis=3,
        dtype=float,
    ).sum(axis=0)
    tasks["histograms"] = counts
    progress = progress_default(progress)
    show = sys.stderr.isatty() if progress is None else progress
    if show and not distributed_client():
        from dask.diagnostics import ProgressBar

        with ProgressBar():
            (computed,) = dask.compute(tasks)
    else:
        (computed,) = dask.compute(tasks)
    ds = _summary_from_counts(computed, edges, sites, interval)
    if keep_samples:
        for key, units in OUTPUTS.items():
            ds[key] = lazy.sel(output=key, drop=True).assign_attrs(units=units)
        ds = ds.merge(draws(params, uncertainty, values, sites))
    return ds


def _physical_block(
    values: np.ndarray, params: ParameterSet, uncertainty: Uncertainty, sites: list[str]
) -> np.ndarray:
    """Physical values of one block of the value matrix: parameter inputs as drawn, then
    each site's DiD pair (from the standard normal scores of the DiD columns)."""
    columns = []
    col = 0
    for item in uncertainty.inputs:
        if item.kind == "parameter":
            columns.append(values[:, col])
        col += len(item.columns)
    out = [np.column_stack(columns)] if columns else [np.empty((len(values), 0))]
    if any(i.kind == "did" for i in uncertainty.inputs):
        _, dids = uncertainty.from_values(values, params, sites)
        out += [dids["did_effective"], dids["did_completions"]]
    return np.concatenate(out, axis=1)


def draws(
    params: ParameterSet,
    uncertainty: Uncertainty,
    values: Any,
    sites: Sequence[str],
) -> xr.Dataset:
    """The sampled inputs in their own units (the physical draws) of a Monte Carlo run.

    Parameters
    ----------
    values : ndarray or dask array, shape (sample, columns)
        The run's value matrix (:meth:`Uncertainty.draw`; a dask array stays lazy,
        block by block).

    Returns
    -------
    xarray.Dataset
        ``draws`` (dims ``sample``, ``input``): each parameter input's value, in the
        unit of its parameter for ``apply: set`` inputs (e.g. ``abstinence`` is
        ``pathways.gamma`` as a proportion) or as a multiplier of the point value for
        ``apply: scale`` inputs; coordinates ``input_unit``, ``input_parameters`` and
        ``input_apply`` say which. With DiD inputs also ``did_effective_draw`` and
        ``did_completions_draw`` (dims ``sample``, ``site``; proportion change), the
        sampled difference-in-differences of each site (sites without a DiD input keep
        their point estimate). Regress outputs on these, e.g.
        ``ds.draws.to_pandas()`` beside ``ds.npv.sel(site="3")``.
    """
    sites = list(sites)
    items = [i for i in uncertainty.inputs if i.kind == "parameter"]
    has_did = any(i.kind == "did" for i in uncertainty.inputs)
    width = len(items) + (2 * len(sites) if has_did else 0)
    if isinstance(values, np.ndarray):
        physical = _physical_block(values, params, uncertainty, sites)
    else:
        physical = values.map_blocks(
            _physical_block,
            params=params,
            uncertainty=uncertainty,
            sites=sites,
            chunks=(values.chunks[0], (width,)),
            dtype=float,
            meta=np.empty((0, 0)),
        )
    units = [
        "multiplier" if i.apply == "scale" else params.meta(i.parameters[0]).unit
        for i in items
    ]
    data = {
        "draws": (
            ("sample", "input"),
            physical[:, : len(items)],
            {
                "long_name": "sampled input values in their units",
                "units": "per input: see the input_unit coordinate",
            },
        )
    }
    if has_did:
        k = len(items)
        for j, name in enumerate(("did_effective_draw", "did_completions_draw")):
            data[name] = (
                ("sample", "site"),
                physical[:, k + j * len(sites) : k + (j + 1) * len(sites)],
                {"units": "proportion_change", "long_name": f"sampled {name[:-5]}"},
            )
    return xr.Dataset(
        data,
        coords={
            "input": [i.name for i in items],
            "input_unit": ("input", units),
            "input_parameters": ("input", [", ".join(i.parameters) for i in items]),
            "input_apply": ("input", [i.apply for i in items]),
            "site": sites,
        },
    )


def summarise(
    out: dict[str, np.ndarray], sites: Sequence[str], interval: float
) -> xr.Dataset:
    """Mean, sd, central interval and exceedance probabilities per site."""
    tail = (1 - interval) / 2
    data = {}
    for key in ("npv", "bcr"):
        v = out[key]
        # column by column on contiguous copies: the same values as axis=0, which
        # partitions strided columns and took longer than the whole evaluation
        q = np.array(
            [np.quantile(np.ascontiguousarray(v[:, j]), [tail, 0.5, 1 - tail])
             for j in range(v.shape[1])]
        ).T.reshape(3, *v.shape[1:])
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


