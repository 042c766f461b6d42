"""The evaluation engine every analysis shares: unit-hypercube rows in, site outputs out.

After SALib's contract, a sample matrix on the unit hypercube (one column per uncertain
input, :mod:`dsc_econ.sensitivity.distributions`) goes through :func:`evaluate` -- the
same array functions as the point estimate, never a per-sample loop -- and comes back as
net present values and benefit-cost ratios per site. :func:`evaluate_blocks` walks a
large matrix block by block; a Monte Carlo run draws its blocks directly
(:func:`draw_block`, :func:`evaluate_values`), and :func:`lazy_outputs` does the same
through dask for a chunked run that keeps its samples or runs on a cluster. The
reproducibility record every result carries is built here.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import numpy as np
import xarray as xr

from ..inputs.parameters import ParameterSet
from ..model.appraisal import appraisal_totals, resolve_sites, site_impacts
from . import perspective
from .distributions import Uncertainty, parameter_hash

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

EVAL_ROWS = 2**13
"""Rows evaluated at a time: the temporaries of a few thousand rows (x 6 sites) stay in
the processor's cache, where elementwise work runs several times faster than on
arrays streamed from memory."""


def package_version() -> str:
    from .._version import __version__

    return __version__


def record(
    params: ParameterSet,
    uncertainty: Uncertainty | None,
    analysis: str,
    seed: int | None = None,
    **extra: Any,
) -> dict[str, Any]:
    attrs: dict[str, Any] = {
        "analysis": analysis,
        "package_version": package_version(),
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
    return _in_slices(params, uncertainty, np.asarray(unit, dtype=float), sites, True)


def evaluate_values(
    params: ParameterSet,
    uncertainty: Uncertainty,
    values: np.ndarray,
    sites: Sequence[str] | None = None,
) -> dict[str, np.ndarray]:
    """:func:`evaluate` for a value matrix of direct draws (:meth:`Uncertainty.draw`)."""
    sites = resolve_sites(params, sites)
    return _in_slices(params, uncertainty, values, sites, False)


def _in_slices(
    params: ParameterSet,
    uncertainty: Uncertainty,
    rows: np.ndarray,
    sites: list[str],
    unit: bool,
) -> dict[str, np.ndarray]:
    """Evaluate ``rows`` :data:`EVAL_ROWS` at a time into preallocated outputs."""
    n = rows.shape[0]
    if unit and (rows.ndim != 2 or rows.shape[1] != len(uncertainty.columns)):
        uncertainty.transform(rows, params, sites)  # raises the shape error
    out = {k: np.empty((n, len(sites))) for k in OUTPUTS}
    impact = _fixed_impact(params, sites)
    for start in range(0, max(n, 1), EVAL_ROWS):
        part = rows[start : start + EVAL_ROWS]
        if unit:
            overrides, dids = uncertainty.transform(part, params, sites)
        else:
            overrides, dids = uncertainty.from_values(part, params, sites)
        sampled = params.with_values(overrides, origin="sample", validate=False)
        touched = any(
            k.startswith("appraisal.") or ".counts." in k or ".did_reported." in k
            for k in overrides
        )
        res = appraisal_totals(
            sampled, sites, **dids, impact=None if touched else impact
        )
        res = perspective.totals(sampled, sites, dids, res)  # issue 22: --outcome
        stop = start + part.shape[0]
        shape = (stop - start, len(sites))
        out["npv"][start:stop] = np.broadcast_to(res["net_benefit"], shape)
        out["bcr"][start:stop] = np.broadcast_to(res["bcr"], shape)
        out["total_benefit"][start:stop] = np.broadcast_to(res["total_benefit"], shape)
        out["cost"][start:stop] = np.broadcast_to(res["cost"], shape)
    return out


_IMPACT: dict[str, Any] = {}


def _fixed_impact(params: ParameterSet, sites: list[str]) -> dict[str, np.ndarray]:
    """:func:`site_impacts` of the parameter set under analysis, built once per run."""
    key = (id(params), tuple(sites))
    entry = _IMPACT.get("entry")  # one tuple, replaced whole (safe across threads)
    if entry is None or entry[0] != key or entry[1] is not params:
        entry = (key, params, site_impacts(params, sites))
        _IMPACT["entry"] = entry
    return entry[2]


def worker_threads() -> int:
    """Threads that draw and evaluate Monte Carlo blocks: ``DSC_ECON_THREADS`` if set,
    else the machine's cores (at most 4). Results do not depend on it: blocks are
    drawn from their own seeds and folded in block order."""
    env = os.environ.get("DSC_ECON_THREADS", "").strip()
    if env:
        return max(1, int(env))
    return max(1, min(os.cpu_count() or 1, 4))


def map_in_order(
    fn: Callable[[int], Any], items: Iterable[int], threads: int
) -> Iterator[Any]:
    """``fn`` over ``items`` on ``threads`` threads, results in order, at most
    ``2 x threads`` in flight (so memory holds a few blocks, whatever N). The random
    generators and the compiled kernels release the GIL, so blocks overlap."""
    if threads <= 1:
        yield from map(fn, items)
        return
    from collections import deque
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(threads) as pool:
        window: deque[Any] = deque()
        for item in items:
            window.append(pool.submit(fn, item))
            if len(window) >= 2 * threads:
                yield window.popleft().result()
        while window:
            yield window.popleft().result()


def block_seeds(n: int, seed: int) -> list[np.random.SeedSequence]:
    """One seed per :data:`BLOCK` rows, spawned from the run's seed."""
    return np.random.SeedSequence(seed).spawn(-(-n // BLOCK))


def draw_block(
    uncertainty: Uncertainty, seeds: list[Any], n: int, block_id: int
) -> np.ndarray:
    """Block ``block_id`` of a Monte Carlo run of ``n`` rows: a value matrix of direct
    draws (:meth:`Uncertainty.draw`) from the block's own generator. Every block is
    the same whoever draws it and in whatever order, so any chunking of the run (in
    memory, streamed, dask) draws exactly the same samples."""
    rows = min(BLOCK, n - block_id * BLOCK)
    return uncertainty.draw(np.random.default_rng(seeds[block_id]), rows)


def draw_blocks(uncertainty: Uncertainty, n: int, seed: int) -> Iterable[np.ndarray]:
    """The value matrices of a Monte Carlo run of ``n`` rows, block by block."""
    seeds = block_seeds(n, seed)
    for i in range(len(seeds)):
        yield draw_block(uncertainty, seeds, n, i)


def sample_blocks(uncertainty: Uncertainty, n: int, seed: int) -> Iterable[np.ndarray]:
    """The unit-hypercube rows of a Monte Carlo run (each draw's CDF), block by block:
    :func:`evaluate` of these gives the run's outputs (to the 1e-10 of the quantile
    tables)."""
    for values in draw_blocks(uncertainty, n, seed):
        yield uncertainty.to_unit(values)


def progress_bar(total: int, desc: str, progress: bool | None) -> Any:
    from tqdm.auto import tqdm

    progress = progress_default(progress)
    # disable=None: shown only on a terminal.
    return tqdm(
        total=total,
        desc=desc,
        unit="row",
        disable=None if progress is None else not progress,
    )


def progress_default(progress: bool | None) -> bool | None:
    """``progress``, or the ``DSC_ECON_PROGRESS`` setting (0/1) when it is None.

    None means: show on a terminal, stay silent when piped.
    """
    if progress is not None:
        return progress
    import os

    flag = os.environ.get("DSC_ECON_PROGRESS")
    return {"0": False, "1": True}.get(flag or "")


def evaluate_blocks(
    params: ParameterSet,
    uncertainty: Uncertainty,
    unit: np.ndarray | Iterable[np.ndarray],
    sites: Sequence[str] | None = None,
    progress: bool | None = None,
    desc: str = "evaluating",
    rows: int | None = None,
    outputs: Sequence[str] = tuple(OUTPUTS),
) -> dict[str, np.ndarray]:
    """:func:`evaluate` block by block, with a progress bar.

    ``unit`` is a matrix, or an iterable of unit-hypercube blocks generated one at a
    time (a design streamed block by block, ``rows`` in all): only ``outputs`` are
    kept, so memory holds the outputs and one block of inputs, never the whole design.
    """
    sites = resolve_sites(params, sites)
    if isinstance(unit, np.ndarray):
        matrix = unit
        rows = matrix.shape[0]
        blocks: Iterable[np.ndarray] = (
            matrix[i : i + BLOCK] for i in range(0, max(rows, 1), BLOCK)
        )
    else:
        blocks = unit
        if rows is None:
            raise ValueError("rows is needed when the blocks are streamed")
    out = {k: np.empty((rows, len(sites))) for k in outputs}
    start = 0
    with progress_bar(rows, desc, progress) as bar:
        for block in blocks:
            res = evaluate(params, uncertainty, block, sites)
            stop = start + block.shape[0]
            for key in outputs:
                out[key][start:stop] = res[key]
            bar.update(stop - start)
            start = stop
    if start != rows:
        raise ValueError(f"the blocks held {start} rows, expected {rows}")
    return out


def outputs_dataset(
    values: dict[str, np.ndarray], dims: tuple[str, ...], coords: dict[str, Any]
) -> xr.Dataset:
    return xr.Dataset(
        {k: (dims, values[k], {"units": OUTPUTS[k]}) for k in OUTPUTS}, coords=coords
    )


def make_block(
    uncertainty: Uncertainty,
    seeds: list[Any],
    n: int,
    block_id: tuple[int, ...] | None = None,
) -> np.ndarray:
    assert block_id is not None
    return draw_block(uncertainty, seeds, n, block_id[0])


def evaluate_stack(
    values: np.ndarray, params: ParameterSet, uncertainty: Uncertainty, sites: list[str]
) -> np.ndarray:
    out = evaluate_values(params, uncertainty, values, sites)
    return np.stack([out[k] for k in OUTPUTS], axis=-1)


def lazy_values(uncertainty: Uncertainty, n: int, seed: int) -> Any:
    """The Monte Carlo value matrix as a dask array (``n``, columns), block by block.

    The same blocks as :func:`draw_blocks` (one seed spawned per :data:`BLOCK` rows,
    each drawn by :func:`draw_block`), so a lazy run draws what an eager one does.
    """
    import functools

    import dask.array as da

    seeds = block_seeds(n, seed)
    n_blocks = len(seeds)
    d = len(uncertainty.columns)
    chunks = ((BLOCK,) * (n_blocks - 1) + (n - BLOCK * (n_blocks - 1),), (d,))
    return da.map_blocks(
        functools.partial(make_block, uncertainty, seeds, n),
        chunks=chunks,
        dtype=float,
        meta=np.empty((0, 0)),
    )


def lazy_outputs(
    params: ParameterSet,
    uncertainty: Uncertainty,
    n: int,
    seed: int,
    sites: Sequence[str],
    values: Any = None,
) -> xr.DataArray:
    """Monte Carlo outputs as a lazy, dask-backed DataArray (sample, site, output).

    The sample is drawn block by block (:func:`draw_block`: :data:`BLOCK` rows, seeds
    spawned from ``seed``) and evaluated with :func:`xarray.apply_ufunc`
    (``dask="parallelized"``),
    so nothing is computed until asked and any dask scheduler, including a
    ``dask.distributed`` cluster, runs it. ``values`` (:func:`lazy_values` of the same
    run) lets a caller that also keeps the draws share one graph of them.
    """
    import functools

    if values is None:
        values = lazy_values(uncertainty, n, seed)
    values = xr.DataArray(values, dims=("sample", "parameter"))
    result = xr.apply_ufunc(
        functools.partial(
            evaluate_stack, params=params, uncertainty=uncertainty, sites=list(sites)
        ),
        values,
        input_core_dims=[["parameter"]],
        output_core_dims=[["site", "output"]],
        dask="parallelized",
        output_dtypes=[float],
        dask_gufunc_kwargs={"output_sizes": {"site": len(sites), "output": len(OUTPUTS)}},
    )
    return result.assign_coords(site=list(sites), output=list(OUTPUTS))


BINS = 2**14


def histograms(block: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Counts per bin, with underflow and overflow, for each (site, output) column."""
    out = np.zeros((1, block.shape[1], block.shape[2], BINS + 2))
    for j in range(block.shape[1]):
        for k in range(block.shape[2]):
            e = edges[:, j, k]
            idx = np.searchsorted(e, block[:, j, k], side="right")  # 0: under, B+1: over
            out[0, j, k] = np.bincount(idx, minlength=BINS + 2)[: BINS + 2]
    return out


def histogram_quantiles(
    counts: np.ndarray, edges: np.ndarray, probs: np.ndarray
) -> np.ndarray:
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


def distributed_client() -> Any:
    try:
        from distributed import get_client

        return get_client()
    except (ImportError, ValueError):
        return None
