"""Global sensitivity: variance-based Sobol indices and Morris elementary-effects
screening, on the vectorised Saltelli design (:mod:`dsc_econ.sensitivity.saltelli`) and
SALib's Morris sampler and analyser."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import xarray as xr

from ..inputs.parameters import ParameterSet
from ..model.appraisal import resolve_sites
from . import memory
from .distributions import Uncertainty
from .engine import evaluate_blocks, record

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
    (:mod:`dsc_econ.sensitivity.saltelli`; tests check they agree to rounding).

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
    from .saltelli import design_rows, group_names, sobol_design_blocks, sobol_indices

    if n < 2 or n & (n - 1):
        raise ValueError(f"n must be a power of two (Sobol sequence), got {n}")
    if resamples < 2:
        raise ValueError(f"resamples must be at least 2 for an interval, got {resamples}")
    sites = resolve_sites(params, sites)
    problem = uncertainty.problem(groups=groups)
    d, cols, k = len(group_names(problem)), len(uncertainty.columns), len(sites)

    def size(m: int) -> int:
        return memory.sobol_bytes(m, d, cols, k, second_order, resamples)

    fits = memory.largest(size, memory.budget())
    power = 2 ** (fits.bit_length() - 1) if fits >= 2 else 0
    memory.check_memory(
        size(n),
        f"Sobol indices with n = {n:,} base samples "
        f"({n * (2 * d + 2 if second_order else d + 2):,} model runs)",
        f"use at most n = {power:,} (the estimators need every row at once, so Sobol "
        "cannot be chunked), fewer resamples, or Morris screening",
    )
    rows = design_rows(problem, n, second_order)
    blocks = sobol_design_blocks(problem, n, second_order=second_order, seed=seed)
    out = evaluate_blocks(
        params, uncertainty, blocks, sites, progress, "sobol", rows, list(outputs)
    )
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
        record(
            params,
            uncertainty,
            "sobol",
            seed,
            n=n,
            rows=rows,
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
    d = len(set(problem["groups"])) if groups else len(problem["names"])
    cols, k = len(uncertainty.columns), len(sites)
    fits = memory.largest(lambda r: memory.morris_bytes(r, d, cols, k), memory.budget())
    memory.check_memory(
        memory.morris_bytes(trajectories, d, cols, k),
        f"Morris screening with {trajectories:,} trajectories",
        f"use at most {fits:,} trajectories (screening needs far fewer: 10-100)",
    )
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
        record(
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
