"""Value of information: would it pay to find out more before deciding, and about what?

The decision, per site and for the programme as a whole (every site together), is
between options -- by default "do not" (no change: net benefit 0) and "continue" (the
change: net benefit = its NPV against the counterfactual, £ thousand) -- taken on the
expected net benefit over the probabilistic sample (:func:`.probabilistic.psa`).

* **EVPI** (expected value of perfect information), :func:`evpi`: what a decision maker
  would gain, on average, by learning every uncertain input before choosing:
  ``E[max_k NB_k] - max_k E[NB_k]``, the mean opportunity loss of the choice made now.
* **EVPPI** (partial EVPI), :func:`evppi`: the same for one input or group of inputs,
  ``E_g[max_k E[NB_k | g]] - max_k E[NB_k]``. The inner conditional expectation is
  estimated by regressing each option's incremental net benefit on the group's input
  values over the same sample (Strong, Oakley & Brennan 2014, Medical Decision Making
  34:311-326), so it costs no extra model runs: a penalised spline (GAM) for one or two
  columns, a Gaussian process for more (:mod:`.smoothers`).

:func:`voi` runs the whole analysis from parameters and an uncertainty file. Values are
per decision unless the number of decisions the information would inform is given
(then multiplied by it); the Dataset's attrs say which.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import xarray as xr

from ..inputs.parameters import ParameterSet
from ..model.appraisal import resolve_sites
from .distributions import Uncertainty
from .engine import OUTPUTS, record
from .sample_checks import check_net_benefits

__all__ = [
    "PROGRAMME",
    "evpi",
    "evppi",
    "input_groups",
    "input_values",
    "net_benefits",
    "voi",
]

PROGRAMME = "programme"
"""Site label of the programme-wide decision (every site's change together)."""

OPTIONS = ("do not", "continue")
"""Default options: no change (net benefit 0) and the change (net benefit = NPV)."""

GAM_MAX_COLUMNS = 2
"""Groups of up to this many sample columns are smoothed with a GAM, larger ones with a
Gaussian process."""

SE_ROWS = 20_000
"""Rows the posterior draws for an EVPPI's standard error are evaluated at, at most (a
random subset beyond that: the spread over draws barely changes, the cost does)."""

Options = Callable[[xr.Dataset], xr.DataArray] | xr.DataArray | np.ndarray


# --------------------------------------------------------------------------- decision


def net_benefits(result: xr.Dataset, options: Options | None = None) -> xr.DataArray:
    """Net benefit of every option in every sample, per site and for the programme.

    Parameters
    ----------
    result : xarray.Dataset
        A :func:`~dsc_econ.sensitivity.psa` result with ``keep_samples=True`` (its
        ``npv`` draws, dims ``(sample, site)``, £ thousand).
    options : callable, DataArray or ndarray, optional
        The user's own options. A callable receives ``result`` and returns net
        benefits; a DataArray must have dims ``(sample, site, option)`` or
        ``(sample, option)``; an ndarray is ``(sample, site, option)`` over the
        result's sites. The first option is the comparator ("do nothing"), and values
        are in £ thousand. Example: stop, continue site 2, or continue it and extend
        it to two more areas, each with site 2's benefits at a cost of £150k::

            def extend(ds):
                npv = ds.npv.sel(site="2")
                more = npv + 2 * (ds.total_benefit.sel(site="2") - 150.0)
                return xr.concat([0 * npv, npv, more], "option").assign_coords(
                    option=["stop", "continue", "extend"])

    Returns
    -------
    xarray.DataArray
        Dims ``(sample, site, option)``, £ thousand. Default options: "do not" (0) and
        "continue" (the site's NPV); the default adds a site ``"programme"``, the sum
        over sites.
    """
    if options is None:
        if "npv" not in result or "sample" not in result["npv"].dims:
            raise ValueError(
                "value of information needs the Monte Carlo draws: run psa with "
                "keep_samples=True"
            )
        npv = result["npv"].transpose("sample", "site").astype(float)
        npv = npv.assign_coords(site=[str(s) for s in npv.site.values])
        if npv.sizes["site"] > 1:
            total = npv.sum("site").expand_dims(site=[PROGRAMME], axis=1)
            npv = xr.concat([npv, total], dim="site")
        nb = xr.concat([xr.zeros_like(npv), npv], dim="option").assign_coords(
            option=list(OPTIONS)
        )
        nb = nb.transpose("sample", "site", "option")
    else:
        value = options(result) if callable(options) else options
        if isinstance(value, np.ndarray):
            if value.ndim != 3:
                raise ValueError(
                    "options as an array must have shape (sample, site, option), got "
                    f"{value.shape}"
                )
            value = xr.DataArray(
                value,
                dims=("sample", "site", "option"),
                coords={
                    "site": [str(s) for s in result.site.values][: value.shape[1]],
                    "option": [f"option {k}" for k in range(value.shape[2])],
                },
            )
        if not isinstance(value, xr.DataArray):
            raise TypeError(f"options must give a DataArray or array, got {type(value)}")
        if "site" not in value.dims:
            value = value.expand_dims(site=[PROGRAMME])
        if set(value.dims) != {"sample", "site", "option"}:
            raise ValueError(
                f"options must have dims (sample, site, option), got {value.dims}"
            )
        nb = value.transpose("sample", "site", "option").astype(float)
        if "option" not in nb.coords:
            nb = nb.assign_coords(option=[f"option {k}" for k in range(nb.sizes["option"])])
    if nb.sizes["option"] < 2:
        raise ValueError(f"a decision needs at least two options, got {nb.sizes['option']}")
    values = np.asarray(nb.values)
    bad = ~np.isfinite(values)
    if bad.any():
        i, j, k = np.argwhere(bad)[0]
        raise ValueError(
            f"net benefit of option {str(nb.option.values[k])!r} at site "
            f"{nb.site.values[j]} is "
            f"{values[i, j, k]} in sample {i} ({int(bad.sum())} non-finite values in all)"
        )
    return nb.assign_attrs(units=OUTPUTS["npv"], long_name="net benefit")


# --------------------------------------------------------------------------- EVPI


def _scale(decisions: float | None) -> tuple[float, str]:
    if decisions is None:
        return 1.0, "per decision"
    if not np.isfinite(decisions) or decisions <= 0:
        raise ValueError(f"decisions must be a positive number, got {decisions}")
    return float(decisions), f"times {decisions:g} decisions informed"


def evpi(nb: xr.DataArray, decisions: float | None = None) -> xr.Dataset:
    """Expected value of perfect information per site, with its Monte Carlo error.

    ``EVPI = mean_i max_k NB_ik - max_k mean_i NB_ik``, the mean over samples of the
    opportunity loss ``L_i = max_k NB_ik - NB_ik*`` of the option ``k*`` best on
    average; its standard error is ``sd(L) / sqrt(n)``.

    Parameters
    ----------
    nb : xarray.DataArray
        Net benefits, dims ``(sample, site, option)`` (:func:`net_benefits`).
    decisions : float, optional
        Number of decisions the information would inform (e.g. areas that would adopt
        the change); the results are multiplied by it. Default: per decision.

    Returns
    -------
    xarray.Dataset
        ``evpi``, ``evpi_se`` (site), ``expected_nb`` and ``prob_best``
        (site, option), ``best_option`` (site).
    """
    factor, scale = _scale(decisions)
    values = np.asarray(nb.transpose("sample", "site", "option").values, dtype=float)
    check_net_benefits(values, "evpi", minimum=2)  # issue 18: finite, enough samples
    n = values.shape[0]
    mean = values.mean(axis=0)  # (site, option)
    best = mean.argmax(axis=1)
    loss = values.max(axis=2) - np.take_along_axis(values, best[None, :, None], 2)[..., 0]
    chosen = values.argmax(axis=2)
    prob = np.stack([(chosen == k).mean(axis=0) for k in range(values.shape[2])], axis=1)
    units = nb.attrs.get("units", OUTPUTS["npv"])
    ds = xr.Dataset(
        {
            "evpi": ("site", factor * loss.mean(axis=0), {"units": units, "scale": scale}),
            "evpi_se": (
                "site",
                factor * loss.std(axis=0, ddof=1) / np.sqrt(n),
                {"units": units, "long_name": "Monte Carlo standard error of the EVPI"},
            ),
            "expected_nb": (("site", "option"), mean, {"units": units}),
            "prob_best": (("site", "option"), prob, {"units": "1"}),
            "best_option": ("site", nb.option.values[best]),
        },
        coords={"site": nb.site.values, "option": nb.option.values},
    )
    ds.attrs.update(scale=scale, decisions=float(factor), n=n, units=units)
    return ds


# --------------------------------------------------------------------------- EVPPI


def input_values(
    uncertainty: Uncertainty, unit: np.ndarray | xr.DataArray, params: ParameterSet
) -> xr.DataArray:
    """The physical values of a unit-hypercube sample, one column per sample column.

    A parameter input's column holds the value its distribution gives (for a scale
    input the multiplier); a DiD input's two columns hold the site's sampled
    (ET/TT, SC/TT) differences in differences. These are what EVPPI regresses on:
    the spline bases are built on them, so the estimate does not hinge on the uniform
    scale of the draws.
    """
    unit = np.asarray(unit, dtype=float)
    out = np.empty_like(unit)
    col = 0
    did_sites = [i.site for i in uncertainty.inputs if i.kind == "did"]
    dids: dict[str, np.ndarray] = {}
    if did_sites:
        _, dids = uncertainty.transform(unit, params, did_sites)
    for item in uncertainty.inputs:
        width = len(item.columns)
        if item.kind == "did":
            j = did_sites.index(item.site)
            out[:, col] = dids["did_effective"][:, j]
            out[:, col + 1] = dids["did_completions"][:, j]
        else:
            out[:, col] = item.quantile(unit[:, col])
        col += width
    return xr.DataArray(
        out,
        dims=("sample", "parameter"),
        coords={"parameter": uncertainty.columns},
        attrs={"long_name": "sampled input values (multipliers for scale inputs)"},
    )


def input_groups(uncertainty: Uncertainty) -> dict[str, dict[str, Any]]:
    """Every input group of an uncertainty file and every input within a larger group.

    Returns
    -------
    dict
        Name -> ``{"columns": [...], "kind": "input" | "group"}``: each group (a
        single input is its own group) and, for groups of several inputs, each member
        too, groups first in file order.
    """
    groups: dict[str, list[Any]] = {}
    for item in uncertainty.inputs:
        groups.setdefault(item.group, []).append(item)
    out: dict[str, dict[str, Any]] = {}
    for name, members in groups.items():
        out[name] = {
            "columns": [c for m in members for c in m.columns],
            "kind": "group" if len(members) > 1 else "input",
        }
    for members in groups.values():
        if len(members) > 1:
            for m in members:
                out.setdefault(m.name, {"columns": list(m.columns), "kind": "input"})
    return out


def evppi(
    nb: xr.DataArray,
    values: xr.DataArray,
    groups: Mapping[str, Sequence[str]] | Mapping[str, Mapping[str, Any]],
    decisions: float | None = None,
    draws: int = 100,
    seed: int = 20121,
    progress: bool | None = None,
    gp_options: Mapping[str, Any] | None = None,
) -> xr.Dataset:
    """Partial EVPI of each group of inputs by nonparametric regression.

    For every group, each option's net benefit less the first option's is regressed on
    the group's input values (all sites and options in one fit for a GAM); with the
    fitted values ``g_ik`` (``g_i0 = 0``), ``EVPPI = mean_i max_k g_ik - max_k mean_i
    g_ik``.

    Parameters
    ----------
    nb : xarray.DataArray
        Net benefits ``(sample, site, option)``.
    values : xarray.DataArray
        Input values ``(sample, parameter)``, same samples (:func:`input_values`).
    groups : mapping
        Group name -> column names (or ``{"columns": [...], ...}``, as
        :func:`input_groups` gives).
    decisions : float, optional
        Multiplies the results (see :func:`evpi`).
    draws : int
        Posterior draws of the fitted functions for the standard error.
    seed : int
        Seeds the draws and the GP's subsamples.
    gp_options : mapping, optional
        Passed to :func:`~dsc_econ.sensitivity.smoothers.fit_gp` (``fit_rows``,
        ``condition_rows``, ``max_iterations``).

    Returns
    -------
    xarray.Dataset
        Dims ``(site, group)``: ``evppi``; ``evppi_se`` (the regression's uncertainty,
        from posterior draws of the fitted function, combined with the Monte Carlo
        error of the outer mean); ``r_squared`` and ``residual_p`` (the regression's
        diagnostics; with more than two options the worst over the comparisons).
        Coordinates on ``group``: ``kind``, ``columns``, ``method``.
    """
    from threadpoolctl import threadpool_limits

    check_net_benefits(  # issue 18: finite, enough samples for a regression
        np.asarray(nb.transpose("sample", ...).values, dtype=float), "evppi"
    )

    with threadpool_limits(limits=1, user_api="blas"):
        # The regressions' matrices are small (20-1,000 columns): one BLAS thread is
        # faster than several competing for a shared machine's cores (6x for the
        # two-column GAM on the 2-core test machine).
        return _evppi(nb, values, groups, decisions, draws, seed, progress, gp_options)


def _evppi(
    nb: xr.DataArray,
    values: xr.DataArray,
    groups: Mapping[str, Sequence[str]] | Mapping[str, Mapping[str, Any]],
    decisions: float | None,
    draws: int,
    seed: int,
    progress: bool | None,
    gp_options: Mapping[str, Any] | None,
) -> xr.Dataset:
    from .engine import progress_bar
    from .smoothers import fit_gam, fit_multi

    factor, scale = _scale(decisions)
    data = np.asarray(nb.transpose("sample", "site", "option").values, dtype=float)
    n, n_sites, n_options = data.shape
    if values.sizes["sample"] != n:
        raise ValueError(
            f"input values have {values.sizes['sample']} samples, net benefits {n}"
        )
    x_all = values.transpose("sample", "parameter")
    inc = (data[:, :, 1:] - data[:, :, :1]).reshape(n, -1)  # (n, site x comparison)
    rng = np.random.default_rng(seed)
    names = list(groups)
    shape = (n_sites, len(names))
    result = {k: np.zeros(shape) for k in ("evppi", "evppi_se", "r_squared", "residual_p")}
    methods, columns_text, kinds = [], [], []
    with progress_bar(len(names), "evppi", progress) as bar:
        for g, name in enumerate(names):
            spec = groups[name]
            cols = list(spec["columns"] if isinstance(spec, Mapping) else spec)
            mapping = isinstance(spec, Mapping)
            kinds.append(spec.get("kind", "group") if mapping else "group")
            columns_text.append(", ".join(cols))
            unknown = [c for c in cols if c not in list(x_all.parameter.values)]
            if unknown:
                raise ValueError(f"group {name!r}: unknown input column(s) {unknown}")
            x = np.asarray(x_all.sel(parameter=cols).values, dtype=float)
            x = x[:, x.std(axis=0) > 0]  # fixed inputs carry no information
            if x.shape[1] == 0:
                methods.append("none (inputs fixed)")
                result["residual_p"][:, g] = 1.0
                bar.update(1)
                continue
            if x.shape[1] <= GAM_MAX_COLUMNS:
                fit = fit_gam(x, inc)
            else:
                fit = fit_multi(x, inc, seed=seed, **dict(gp_options or {}))
            methods.append(fit.detail)
            comparisons = n_options - 1
            for s in range(n_sites):
                block = list(range(s * comparisons, (s + 1) * comparisons))
                g_hat = fit.fitted[:, block]
                value, mc_se = _evppi_from_fitted(g_hat)
                reg_se = 0.0
                if draws > 1:
                    subset = None
                    if len(fit.rows) > SE_ROWS:  # the spread over draws, on fewer rows
                        subset = np.sort(rng.choice(len(fit.rows), SE_ROWS, replace=False))
                    sampled = fit.draws(block, draws, rng, subset)  # (draws, rows, comp.)
                    per_draw = _evppi_from_fitted(sampled, with_se=False)[0]
                    reg_se = float(per_draw.std(ddof=1))
                result["evppi"][s, g] = value[0]
                result["evppi_se"][s, g] = np.hypot(mc_se[0], reg_se)
                result["r_squared"][s, g] = fit.r_squared[block].min()
                result["residual_p"][s, g] = fit.residual_p[block].min()
            bar.update(1)
    units = nb.attrs.get("units", OUTPUTS["npv"])
    ds = xr.Dataset(
        {
            "evppi": (
                ("site", "group"),
                factor * result["evppi"],
                {"units": units, "scale": scale},
            ),
            "evppi_se": (
                ("site", "group"),
                factor * result["evppi_se"],
                {"units": units, "long_name": "standard error of the EVPPI"},
            ),
            "r_squared": (("site", "group"), result["r_squared"], {"units": "1"}),
            "residual_p": (
                ("site", "group"),
                result["residual_p"],
                {
                    "units": "1",
                    "long_name": "p-value of residual means across bins of fitted values",
                },
            ),
        },
        coords={
            "site": nb.site.values,
            "group": names,
            "kind": ("group", kinds),
            "columns": ("group", columns_text),
            "method": ("group", methods),
        },
    )
    ds.attrs.update(scale=scale, decisions=float(factor), draws=draws, units=units)
    return ds


def _evppi_from_fitted(
    g_hat: np.ndarray, with_se: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """EVPPI and its Monte Carlo standard error from fitted incremental net benefits.

    ``g_hat`` has shape (rows, comparisons) or (draws, rows, comparisons); the
    comparator's fitted values are 0. Vectorised over draws; with two options the loss
    is ``max(+-g, 0)`` (the sign set by the option best on average), one pass.
    """
    g = g_hat[None] if g_hat.ndim == 2 else g_hat
    rows = g.shape[1]
    if g.shape[2] == 1:
        inc = g[..., 0]
        sign = np.where(inc.mean(axis=1) > 0, -1.0, 1.0)
        loss = np.maximum(sign[:, None] * inc, 0.0)
    else:
        opts = [np.zeros(g.shape[:2])] + [
            np.ascontiguousarray(g[..., c]) for c in range(g.shape[2])
        ]
        top = opts[0]
        for o in opts[1:]:
            top = np.maximum(top, o)
        means = np.stack([o.mean(axis=1) for o in opts], axis=1)  # (draws, options)
        kstar = means.argmax(axis=1)
        loss = top - np.stack([opts[k][b] for b, k in enumerate(kstar)])
    if with_se and rows > 1:
        se = loss.std(axis=1, ddof=1) / np.sqrt(rows)
    else:
        se = np.zeros(len(loss))
    return loss.mean(axis=1), se


# --------------------------------------------------------------------------- all


def voi(
    params: ParameterSet,
    uncertainty: Uncertainty,
    n: int = 10_000,
    seed: int = 20121,
    sites: Sequence[str] | None = None,
    options: Options | None = None,
    decisions: float | None = None,
    result: xr.Dataset | None = None,
    groups: Mapping[str, Sequence[str]] | None = None,
    draws: int = 100,
    progress: bool | None = None,
    gp_options: Mapping[str, Any] | None = None,
) -> xr.Dataset:
    """EVPI and EVPPI of every input and input group, per site and for the programme.

    Runs :func:`~dsc_econ.sensitivity.psa` (in memory, ``n`` samples, kept), builds the
    decision (:func:`net_benefits`), and estimates :func:`evpi` and :func:`evppi` on the
    sampled input values (:func:`input_values`).

    Parameters
    ----------
    n, seed, sites
        Monte Carlo sample size, seed and sites, as for psa.
    options : optional
        The user's own options (see :func:`net_benefits`).
    decisions : float, optional
        Number of decisions the information informs; default per decision.
    result : xarray.Dataset, optional
        A psa result (``keep_samples=True``, in memory) to reuse instead of a new run.
    groups : mapping, optional
        Default: every group and every input of the uncertainty file
        (:func:`input_groups`).
    draws, gp_options
        As for :func:`evppi`.

    Returns
    -------
    xarray.Dataset
        Dims ``site`` and ``group`` (and ``option``): ``evpi``, ``evpi_se``,
        ``evppi``, ``evppi_se``, ``evppi_share`` (EVPPI / EVPI), ``r_squared``,
        ``residual_p``, ``expected_nb``, ``prob_best``, ``best_option``; £ thousand.
    """
    from .probabilistic import psa

    if result is None:
        sites = resolve_sites(params, sites)
        result = psa(
            params,
            uncertainty,
            n=n,
            seed=seed,
            sites=sites,
            keep_samples=True,
            chunked=False,
            progress=progress,
        )
    if "inputs" not in result:
        raise ValueError(
            "the psa result has no sampled inputs (run it with keep_samples=True and "
            "chunked=False)"
        )
    nb = net_benefits(result, options)
    values = input_values(uncertainty, result["inputs"].values, params)
    groups = groups if groups is not None else input_groups(uncertainty)
    perfect = evpi(nb, decisions)
    partial = evppi(nb, values, groups, decisions, draws, seed, progress, gp_options)
    ds = partial.copy()
    for name in perfect.data_vars:
        ds[name] = perfect[name]
    ds.attrs = {}
    share = ds.evppi / ds.evpi.where(ds.evpi > 0)
    ds["evppi_share"] = share.fillna(0.0).assign_attrs(
        units="1", long_name="EVPPI as a share of the EVPI"
    )
    ds.attrs.update(
        record(
            params,
            uncertainty,
            "voi",
            seed,
            n=int(nb.sizes["sample"]),
            scale=perfect.attrs["scale"],
            decisions=perfect.attrs["decisions"],
            draws=draws,
            units=OUTPUTS["npv"],
            options=", ".join(str(o) for o in nb.option.values),
            regression=(
                f"GAM (penalised cubic spline, GCV) for groups of up to "
                f"{GAM_MAX_COLUMNS} columns; Gaussian process, or additive GAM where it "
                "predicts held-out rows better, for larger groups"
            ),
        )
    )
    return ds
