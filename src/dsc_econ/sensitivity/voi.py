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
  34:311-326), so it costs no extra model runs: a GAM of cubic regression splines as
  the R package voi fits it (``mgcv::gam(y ~ te(...))``) for up to four inputs, a
  Gaussian process for more (:mod:`.smoothers`, :mod:`.gam`).

:func:`voi` runs the whole analysis from parameters and an uncertainty file. Values are
per decision unless the number of decisions the information would inform is given
(then multiplied by it); the Dataset's attrs say which.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import xarray as xr

from ..inputs.limits import MAX_YEARS, MIN_VOI_SAMPLES
from ..inputs.parameters import ParameterSet
from ..model.appraisal import resolve_sites
from .distributions import Uncertainty
from .engine import OUTPUTS, record
from .sample_checks import check_net_benefits

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = [
    "AS_GIVEN",
    "PROGRAMME",
    "analyse",
    "ceac",
    "enbs",
    "evpi",
    "evppi",
    "evsi",
    "evsi_mm",
    "input_groups",
    "input_values",
    "net_benefits",
    "population",
    "voi",
]

PROGRAMME = "programme"
"""Site label of the programme-wide decision (every site's change together)."""

OPTIONS = ("do not", "continue")
"""Default options: no change (net benefit 0) and the change (net benefit = NPV)."""

GAM_MAX_COLUMNS = 4
"""Groups of up to this many independent inputs are smoothed with a tensor-product GAM
(as the R package voi does: its ``default_npreg_method`` is "gam" for up to four
parameters, "gp" for more), larger ones with a Gaussian process checked against an
additive GAM (:func:`~dsc_econ.sensitivity.smoothers.fit_multi`)."""

SE_ROWS = 5_000
"""Rows the posterior draws for an EVPPI's standard error are evaluated at, at most (a
random subset beyond that: the spread over draws barely changes, the cost does)."""

AS_GIVEN = "as given"
"""Units of results when the user's net benefits carry none: the units they were in."""

EVPI_MIN_SAMPLES = 2
"""Fewest samples for an EVPI: its Monte Carlo standard error needs two."""

EVPPI_MIN_SAMPLES = MIN_VOI_SAMPLES
"""Fewest samples for an EVPPI: the regression fits up to 20 spline coefficients (one
input) or 64 (a pair) per comparison, and with fewer than about five samples per
coefficient the fit reads noise as signal and the EVPPI is biased upwards."""

Options = Callable[[xr.Dataset], xr.DataArray] | xr.DataArray | np.ndarray


def se_description(
    draws: int,
    fit: str = "evppi_fit_se",
    mc: str = "evppi_mc_se",
    total: str = "evppi_se",
) -> str:
    """What an EVPPI's standard errors include and how they are computed (the
    ``standard_error`` attr of :func:`evppi`'s result, and the CLIs' note), naming
    them ``fit``, ``mc`` and ``total``."""
    fit_text = (
        f"{fit}, the regression's error: {draws} draws of the fitted function from "
        "its posterior (a GAM's coefficients from N(beta, Vp), mgcv's Bayesian "
        "covariance sigma^2 (X'X + sum lambda_j S_j)^-1 with the smoothing parameters "
        "held at their estimates; a Gaussian process's by pathwise conditioning), the "
        f"EVPPI recomputed for each draw on up to {SE_ROWS:,} rows, and the standard "
        "deviation over draws (Strong et al. 2014)"
        if draws > 1
        else f"{fit}, the regression's error: not estimated (0 draws), so 0"
    )
    return (
        f"{fit_text}; {mc}, the Monte Carlo error of the outer mean over samples with "
        "the fitted function held fixed: the standard deviation of the per-sample "
        "opportunity loss (max_k g_ik - g_ik*) over sqrt(samples); "
        f"{total} = sqrt({fit}^2 + {mc}^2), the two treated as independent. None "
        "includes the upward bias of a regression that fits noise (see R^2 and the "
        "residual check) or uncertainty in the smoothing parameters"
    )


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


def _evpi(nb: xr.DataArray, decisions: float | None = None) -> xr.Dataset:
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
    check_net_benefits(values, "evpi", minimum=EVPI_MIN_SAMPLES)  # finite, enough samples
    n = values.shape[0]
    mean = values.mean(axis=0)  # (site, option)
    best = mean.argmax(axis=1)
    loss = values.max(axis=2) - np.take_along_axis(values, best[None, :, None], 2)[..., 0]
    chosen = values.argmax(axis=2)
    prob = np.stack([(chosen == k).mean(axis=0) for k in range(values.shape[2])], axis=1)
    units = nb.attrs.get("units", AS_GIVEN)
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


def _evppi_sites(
    nb: xr.DataArray,
    values: xr.DataArray,
    groups: Mapping[str, Sequence[str]] | Mapping[str, Mapping[str, Any]],
    decisions: float | None = None,
    draws: int = 100,
    seed: int = 20121,
    progress: bool | None = None,
    gp_options: Mapping[str, Any] | None = None,
    method: str = "auto",
    basis: int | None = None,
    smoothing: str = "reml",
    placement: str = "rank",
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
    method, basis, smoothing, placement
        The regression (see :func:`evppi`).

    Returns
    -------
    xarray.Dataset
        Dims ``(site, group)``: ``evppi``; ``evppi_fit_se`` (the regression's
        uncertainty, from posterior draws of the fitted function), ``evppi_mc_se``
        (the Monte Carlo error of the outer mean) and ``evppi_se`` (both combined);
        ``r_squared`` and ``residual_p`` (the regression's diagnostics; with more than
        two options the worst over the comparisons). Coordinates on ``group``:
        ``kind``, ``columns``, ``dropped`` (inputs left out as fixed or linearly
        dependent), ``method``.
    """
    from threadpoolctl import threadpool_limits

    check_net_benefits(  # finite, enough samples for a regression
        np.asarray(nb.transpose("sample", ...).values, dtype=float),
        "evppi",
        minimum=EVPPI_MIN_SAMPLES,
    )

    with threadpool_limits(limits=1, user_api="blas"):
        # The regressions' matrices are small (20-1,000 columns): one BLAS thread is
        # faster than several competing for a shared machine's cores (6x for the
        # two-column GAM on the 2-core test machine).
        return _evppi(
            nb,
            values,
            groups,
            decisions,
            draws,
            seed,
            progress,
            gp_options,
            method,
            basis,
            smoothing,
            placement,
        )


def _evppi(
    nb: xr.DataArray,
    values: xr.DataArray,
    groups: Mapping[str, Sequence[str]] | Mapping[str, Mapping[str, Any]],
    decisions: float | None,
    draws: int,
    seed: int,
    progress: bool | None,
    gp_options: Mapping[str, Any] | None,
    method: str = "auto",
    basis: int | None = None,
    smoothing: str = "reml",
    placement: str = "rank",
) -> xr.Dataset:
    from .engine import progress_bar
    from .gam import independent_columns

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
    keys = ("evppi", "evppi_se", "evppi_fit_se", "evppi_mc_se", "r_squared", "residual_p")
    result = {k: np.zeros(shape) for k in keys}
    methods, columns_text, kinds, dropped_text = [], [], [], []
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
            # fixed inputs carry no information; an input that is a linear combination
            # of others (with the constant) adds none and makes the basis singular
            keep = independent_columns(x)
            dropped_text.append(", ".join(c for i, c in enumerate(cols) if i not in keep))
            x = x[:, keep]
            if x.shape[1] == 0:
                methods.append("none (inputs fixed)")
                result["residual_p"][:, g] = 1.0
                bar.update(1)
                continue
            fit = _fit_group(x, inc, method, basis, smoothing, seed, gp_options, placement)
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
                result["evppi_fit_se"][s, g] = reg_se
                result["evppi_mc_se"][s, g] = mc_se[0]
                result["evppi_se"][s, g] = np.hypot(mc_se[0], reg_se)
                result["r_squared"][s, g] = fit.r_squared[block].min()
                result["residual_p"][s, g] = fit.residual_p[block].min()
            bar.update(1)
    units = nb.attrs.get("units", AS_GIVEN)
    se_note = "" if draws > 1 else " (draws=0: the fit's error is not included)"
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
                {
                    "units": units,
                    "long_name": "standard error of the EVPPI: fit and Monte Carlo "
                    "combined, sqrt(fit_se^2 + mc_se^2)" + se_note,
                },
            ),
            "evppi_fit_se": (
                ("site", "group"),
                factor * result["evppi_fit_se"],
                {
                    "units": units,
                    "long_name": "fit (regression) standard error of the EVPPI: sd "
                    f"of the EVPPI over {draws} posterior draws of the fitted function"
                    + se_note,
                },
            ),
            "evppi_mc_se": (
                ("site", "group"),
                factor * result["evppi_mc_se"],
                {
                    "units": units,
                    "long_name": "Monte Carlo standard error of the EVPPI: sd of the "
                    "per-sample opportunity loss / sqrt(samples), the fit held fixed",
                },
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
            "dropped": ("group", dropped_text),
            "method": ("group", methods),
        },
    )
    ds["dropped"].attrs["long_name"] = (
        "inputs left out of the regression: fixed, or a linear combination of inputs "
        "before them in the group"
    )
    ds.attrs.update(
        scale=scale,
        decisions=float(factor),
        draws=draws,
        units=units,
        standard_error=se_description(draws),
    )
    return ds


METHODS = ("auto", "gam", "additive", "gp", "pspline")
"""EVPPI regression methods (see :func:`evppi`)."""


def _fit_group(
    x: np.ndarray,
    inc: np.ndarray,
    method: str,
    basis: int | None,
    smoothing: str,
    seed: int,
    gp_options: Mapping[str, Any] | None,
    placement: str = "rank",
) -> Any:
    """Fit the regression of ``inc`` on a group's independent inputs ``x``."""
    from .smoothers import fit_gam, fit_gp, fit_multi, fit_spline

    d = x.shape[1]
    if method == "auto":
        method = "gam" if d <= GAM_MAX_COLUMNS else "gp-or-additive"
    if method == "gam":
        if d > GAM_MAX_COLUMNS:
            raise ValueError(
                f"method='gam' (a tensor product) takes up to {GAM_MAX_COLUMNS} inputs; "
                f"this group has {d}: use method='additive' or 'gp'"
            )
        return fit_spline(x, inc, "te", basis, smoothing, placement)
    if method == "additive":
        return fit_spline(x, inc, "additive", basis or 10, smoothing, placement)
    if method == "gp":
        return fit_gp(x, inc, seed=seed, **dict(gp_options or {}))
    if method == "gp-or-additive":
        return fit_multi(x, inc, seed=seed, **dict(gp_options or {}))
    if method == "pspline":
        if d > 2:
            raise ValueError(
                f"method='pspline' takes one or two inputs; this group has {d}"
            )
        return fit_gam(x, inc)
    raise ValueError(f"method must be one of {METHODS}, got {method!r}")


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
    perfect = _evpi(nb, decisions)
    partial = _evppi_sites(nb, values, groups, decisions, draws, seed, progress, gp_options)
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
                "GAM te() of cubic regression splines on each input's ranks "
                "(curvature penalty, REML; the R package voi's form) for groups of up "
                f"to {GAM_MAX_COLUMNS} independent inputs; Gaussian process, or "
                "additive GAM where it predicts held-out rows better, for larger groups"
            ),
            standard_error=se_description(draws),
        )
    )
    return ds


analyse = voi
"""The whole analysis from parameters and an uncertainty file (alias of :func:`voi`)."""


# --------------------------------------------------------------------------- user input

_DECISION = "site"
"""Internal name of the decision dimension (a site, a willingness to pay, ...)."""


def _describe(value: Any) -> str:
    shape = getattr(value, "shape", None)
    dims = getattr(value, "dims", None)
    text = type(value).__name__
    if dims is not None:
        text += f" with dims {tuple(dims)}"
    if shape is not None:
        text += f" of shape {tuple(shape)}"
    return text


def _as_table(value: Any, argument: str) -> xr.DataArray:
    """A user's per-option table as a DataArray with dims ``sample`` and ``option``
    (and any extra decision dims)."""
    import pandas as pd

    expected = (
        "a numpy array (samples x options), a pandas DataFrame (one row per sample, one "
        "column per option) or an xarray object with dims 'sample' and 'option'"
    )
    if isinstance(value, xr.Dataset):
        if len(value.data_vars) == 0:
            raise ValueError(f"{argument}: expected {expected}; got an empty Dataset")
        value = (
            value.to_array("option")
            if len(value.data_vars) > 1
            else (value[next(iter(value.data_vars))])
        )
    if isinstance(value, pd.Series):
        raise ValueError(
            f"{argument}: expected {expected}; got a Series (one option): a decision "
            "needs a column per option"
        )
    if isinstance(value, pd.DataFrame):
        try:
            data = value.to_numpy(dtype=float)
        except (TypeError, ValueError) as err:
            bad = [c for c in value.columns if not pd.api.types.is_numeric_dtype(value[c])]
            raise ValueError(
                f"{argument}: every column must be numeric; not numeric: {bad}"
            ) from err
        out = xr.DataArray(
            data,
            dims=("sample", "option"),
            coords={"option": [str(c) for c in value.columns]},
        )
    elif isinstance(value, xr.DataArray):
        out = value
        if "sample" not in out.dims or "option" not in out.dims:
            raise ValueError(
                f"{argument}: expected {expected}; got {_describe(value)} (name the "
                "dims, e.g. da.rename({'draw': 'sample', 'strategy': 'option'}))"
            )
        if "option" not in out.coords:
            out = out.assign_coords(
                option=[f"option {k}" for k in range(out.sizes["option"])]
            )
    elif isinstance(value, (np.ndarray, list, tuple)):
        data = np.asarray(value)
        if data.ndim != 2 or not np.issubdtype(data.dtype, np.number):
            raise ValueError(
                f"{argument}: expected {expected}; got {_describe(data)} of {data.dtype}"
            )
        out = xr.DataArray(
            data.astype(float),
            dims=("sample", "option"),
            coords={"option": [f"option {k}" for k in range(data.shape[1])]},
        )
    else:
        raise TypeError(f"{argument}: expected {expected}; got {_describe(value)}")
    values = np.asarray(out.values, dtype=float)
    bad = ~np.isfinite(values)
    if bad.any():
        where = dict(zip(out.dims, (int(i) for i in np.argwhere(bad)[0]), strict=True))
        raise ValueError(
            f"{argument}: {int(bad.sum())} value(s) are NaN or infinite; the first at "
            f"{where} (0-based positions) is {values[bad][0]}"
        )
    if out.sizes["option"] < 2:
        raise ValueError(
            f"{argument}: a decision needs at least two options (columns), got "
            f"{out.sizes['option']}"
        )
    return out.astype(float)


def _wtp(wtp: Any) -> np.ndarray:
    k = np.atleast_1d(np.asarray(wtp, dtype=float))
    if k.ndim != 1 or k.size == 0 or not np.isfinite(k).all() or (k < 0).any():
        raise ValueError(
            f"wtp: expected one or more finite willingness-to-pay values >= 0, got {wtp!r}"
        )
    return k


def decision_values(
    nb: Any = None,
    *,
    costs: Any = None,
    effects: Any = None,
    wtp: Any = None,
    units: str | None = None,
) -> xr.DataArray:
    """Net benefits as the user holds them, as one DataArray.

    Parameters
    ----------
    nb : array-like, optional
        Net benefit per sample and option: a numpy array ``(samples, options)``, a
        DataFrame (one column per option) or an xarray object with dims ``sample``
        and ``option`` and any further decision dims (sites, subgroups...).
    costs, effects : array-like, optional
        Instead of ``nb``: costs and effects in the same forms and shape; with ``wtp``
        the net monetary benefit ``effects * k - costs`` at each willingness to pay k.
    wtp : float or sequence of float
        Willingness to pay per unit of effect (with ``costs`` and ``effects``).
    units : str, optional
        Units of the net benefits (e.g. "GBP"); default the DataArray's ``units``
        attribute, else "as given".

    Returns
    -------
    xarray.DataArray
        Dims ``(sample, option)`` plus extra decision dims (``wtp`` for costs and
        effects).
    """
    if nb is not None and (costs is not None or effects is not None):
        raise ValueError("give either nb, or costs and effects with wtp, not both")
    if nb is not None:
        if wtp is not None:
            raise ValueError("wtp applies to costs and effects; nb is already net benefit")
        out = _as_table(nb, "nb")
    else:
        if costs is None or effects is None or wtp is None:
            raise ValueError(
                "give nb (net benefits), or costs, effects and wtp together; missing: "
                + ", ".join(
                    n
                    for n, v in (("costs", costs), ("effects", effects), ("wtp", wtp))
                    if v is None
                )
            )
        c = _as_table(costs, "costs")
        e = _as_table(effects, "effects")
        if c.shape != e.shape:
            raise ValueError(
                f"costs and effects must have the same shape; costs {_describe(c)}, "
                f"effects {_describe(e)}"
            )
        if list(c.option.values) != list(e.option.values):
            raise ValueError(
                "costs and effects must name the same options in the same order; costs "
                f"{list(c.option.values)}, effects {list(e.option.values)}"
            )
        k = xr.DataArray(_wtp(wtp), dims="wtp", coords={"wtp": _wtp(wtp)})
        out = (e * k - c).transpose("sample", "wtp", ...)
    unit = units or out.attrs.get("units") or AS_GIVEN
    return out.assign_attrs(units=unit, long_name="net benefit")


def _to_sites(nb: xr.DataArray) -> tuple[xr.DataArray, Callable[[xr.Dataset], xr.Dataset]]:
    """The decision dims folded into one internal ``site`` dim, and the inverse."""
    extra = [d for d in nb.dims if d not in ("sample", "option")]
    if extra == [_DECISION]:
        return nb.transpose("sample", _DECISION, "option"), lambda ds: ds
    if not extra:
        folded = nb.expand_dims({_DECISION: ["all"]}, axis=1)

        def restore(ds: xr.Dataset) -> xr.Dataset:
            return ds.isel({_DECISION: 0}, drop=True)

        return folded.transpose("sample", _DECISION, "option"), restore
    if len(extra) == 1:
        (dim,) = extra
        coords = nb[dim].values if dim in nb.coords else np.arange(nb.sizes[dim])
        folded = nb.rename({dim: _DECISION}).assign_coords(
            {_DECISION: np.arange(len(coords))}
        )

        def restore(ds: xr.Dataset) -> xr.Dataset:
            return ds.rename({_DECISION: dim}).assign_coords({dim: coords})

        return folded.transpose("sample", _DECISION, "option"), restore
    stacked = nb.stack({"__decision": extra})
    index = stacked["__decision"].to_index()
    folded = stacked.drop_vars(["__decision", *[d for d in extra if d in stacked.coords]])
    folded = folded.rename({"__decision": _DECISION}).assign_coords(
        {_DECISION: np.arange(len(index))}
    )

    def restore(ds: xr.Dataset) -> xr.Dataset:
        ds = ds.rename({_DECISION: "__decision"}).assign_coords(__decision=index)
        return ds.unstack("__decision")

    return folded.transpose("sample", _DECISION, "option"), restore


def _check_samples(n: int, minimum: int, what: str) -> None:
    if n < minimum:
        why = (
            "its Monte Carlo standard error needs two"
            if what == "EVPI"
            else "the regression fits up to 64 spline coefficients per comparison and "
            "needs about five samples per coefficient to tell signal from noise"
        )
        raise ValueError(f"{what} needs at least {minimum} samples ({why}); got {n}")


def evpi(
    nb: Any = None,
    decisions: float | None = None,
    *,
    costs: Any = None,
    effects: Any = None,
    wtp: Any = None,
    units: str | None = None,
) -> xr.Dataset:
    """Expected value of perfect information, with its Monte Carlo standard error.

    ``EVPI = mean_i max_k NB_ik - max_k mean_i NB_ik``: what learning every uncertain
    input before choosing would be worth, on average, per decision.

    Parameters
    ----------
    nb : array-like, optional
        Net benefits: numpy ``(samples, options)``, a DataFrame (a column per option)
        or xarray with dims ``sample``, ``option`` and any decision dims.
    decisions : float, optional
        Number of decisions informed; multiplies the results (see :func:`population`
        for a discounted population over a horizon).
    costs, effects, wtp : optional
        Instead of ``nb``: costs and effects per sample and option and a grid of
        willingness-to-pay values; gives the EVPI curve over ``wtp``.
    units : str, optional
        Units of the net benefits; default "as given".

    Returns
    -------
    xarray.Dataset
        ``evpi``, ``evpi_se``, ``expected_nb``, ``prob_best``, ``best_option`` over the
        decision dims (``wtp`` for costs and effects).

    Examples
    --------
    A two-option model (treat or not), costs in £ and effects in QALYs:

    >>> import numpy as np, dsc_econ as dsc
    >>> rng = np.random.default_rng(1)
    >>> p = rng.beta(20, 80, 4000)                      # response rate with treatment
    >>> effects = np.column_stack([np.full(4000, 0.5), 0.5 + 2 * (p - 0.15)])
    >>> costs = np.column_stack([np.zeros(4000), np.full(4000, 1000.0)])
    >>> curve = dsc.voi.evpi(costs=costs, effects=effects, wtp=[10_000, 20_000, 30_000])
    >>> curve.evpi.dims
    ('wtp',)
    """
    values = decision_values(nb, costs=costs, effects=effects, wtp=wtp, units=units)
    _check_samples(values.sizes["sample"], EVPI_MIN_SAMPLES, "EVPI")
    folded, restore = _to_sites(values)
    return restore(_evpi(folded, decisions))


def parameter_values(parameters: Any, n: int | None = None) -> xr.DataArray:
    """Parameter draws as the user holds them, as a DataArray ``(sample, parameter)``.

    Parameters
    ----------
    parameters : DataFrame, dict of arrays, numpy array or xarray object
        One column (key, or entry of the non-sample dim) per input, one row per
        sample; a Dataset's data variables are the inputs.
    n : int, optional
        Samples expected (those of the net benefits).
    """
    import pandas as pd

    expected = (
        "a DataFrame (one column per input), a dict of 1-d arrays, a 2-d numpy array or "
        "an xarray object with a 'sample' dim"
    )
    if isinstance(parameters, xr.Dataset):
        parameters = parameters.to_array("parameter")
    if isinstance(parameters, Mapping):
        parameters = pd.DataFrame({str(k): np.asarray(v) for k, v in parameters.items()})
    if isinstance(parameters, pd.DataFrame):
        bad = [
            c
            for c in parameters.columns
            if not pd.api.types.is_numeric_dtype(parameters[c])
        ]
        if bad:
            raise ValueError(
                f"parameters: every column must be numeric; not numeric: {bad}"
            )
        out = xr.DataArray(
            parameters.to_numpy(dtype=float),
            dims=("sample", "parameter"),
            coords={"parameter": [str(c) for c in parameters.columns]},
        )
    elif isinstance(parameters, xr.DataArray):
        if "sample" not in parameters.dims or parameters.ndim != 2:
            raise ValueError(
                f"parameters: expected {expected}; got {_describe(parameters)}"
            )
        (other,) = [d for d in parameters.dims if d != "sample"]
        out = parameters.rename({other: "parameter"}).transpose("sample", "parameter")
        if "parameter" not in out.coords:
            out = out.assign_coords(
                parameter=[f"x{j}" for j in range(out.sizes["parameter"])]
            )
        out = out.assign_coords(parameter=[str(p) for p in out.parameter.values])
    elif isinstance(parameters, np.ndarray):
        if parameters.ndim != 2:
            raise ValueError(
                f"parameters: expected {expected}; got {_describe(parameters)}"
            )
        out = xr.DataArray(
            parameters.astype(float),
            dims=("sample", "parameter"),
            coords={"parameter": [f"x{j}" for j in range(parameters.shape[1])]},
        )
    else:
        raise TypeError(f"parameters: expected {expected}; got {_describe(parameters)}")
    data = np.asarray(out.values, dtype=float)
    bad_cells = ~np.isfinite(data)
    if bad_cells.any():
        i, j = np.argwhere(bad_cells)[0]
        raise ValueError(
            f"parameters: {int(bad_cells.sum())} value(s) are NaN or infinite; the first "
            f"is input {str(out.parameter.values[j])!r} in sample {int(i)} (0-based)"
        )
    if n is not None and out.sizes["sample"] != n:
        raise ValueError(
            f"parameters: {out.sizes['sample']} samples, but the net benefits have {n}; "
            "one row of parameter draws per model run is expected"
        )
    return out.astype(float)


def as_groups(groups: Any, columns: Sequence[str]) -> dict[str, Any]:
    """Input groups as a dict name -> columns, from a str, a list or a dict.

    A string is one input; a list holds inputs (strings, each its own group) and groups
    (lists of inputs, named by joining with "+"); a dict maps names to inputs. Default:
    every input on its own.
    """
    if groups is None:
        return {c: [c] for c in columns}
    if isinstance(groups, str):
        groups = [groups]
    if isinstance(groups, Mapping):
        out = {
            str(k): (
                v if isinstance(v, Mapping) else [v] if isinstance(v, str) else list(v)
            )
            for k, v in groups.items()
        }
    elif isinstance(groups, (list, tuple)):
        out = {}
        for item in groups:
            if isinstance(item, str):
                out[item] = [item]
            else:
                item = [str(c) for c in item]
                out["+".join(item)] = item
    else:
        raise TypeError(
            "groups: expected a str, a list of str / lists or a dict, got "
            f"{type(groups).__name__}"
        )
    known = set(columns)
    for name, spec in out.items():
        cols = spec["columns"] if isinstance(spec, Mapping) else spec
        unknown = [c for c in cols if c not in known]
        if unknown:
            raise ValueError(
                f"groups: {name!r} names unknown input(s) {unknown}; the inputs are "
                f"{list(columns)}"
            )
    return out


def evppi(
    nb: Any = None,
    parameters: Any = None,
    groups: Any = None,
    decisions: float | None = None,
    draws: int = 100,
    seed: int = 20121,
    progress: bool | None = None,
    gp_options: Mapping[str, Any] | None = None,
    *,
    costs: Any = None,
    effects: Any = None,
    wtp: Any = None,
    units: str | None = None,
    method: str = "auto",
    basis: int | None = None,
    smoothing: str = "reml",
    placement: str = "rank",
) -> xr.Dataset:
    """Partial EVPI of inputs and groups of inputs, by regression on the draws.

    Each option's net benefit less the first option's is regressed on the group's
    input values (Strong, Oakley & Brennan 2014) and ``EVPPI = mean_i max_k g_ik -
    max_k mean_i g_ik`` from the fitted values ``g``. By default the regression is the
    R package voi's: ``mgcv::gam(y ~ te(x1, ..., bs = "cr"))`` for up to four inputs
    (:mod:`.gam`), a Gaussian process (or an additive GAM where it predicts held-out
    rows better) for more. Inputs that are fixed, or a linear combination of inputs
    before them in the group, are left out (named in the ``dropped`` coordinate).

    Parameters
    ----------
    nb : array-like, optional
        Net benefits, as for :func:`evpi`.
    parameters : DataFrame, dict of arrays, numpy array or xarray
        The input draws behind each sample (see :func:`parameter_values`).
    groups : str, list or dict, optional
        Inputs and groups to value (see :func:`as_groups`); default each input.
    decisions, draws, seed, progress, gp_options
        As for the per-site form. ``draws`` posterior draws of the fitted function
        give ``evppi_fit_se``; with ``draws=0`` it is 0 and ``evppi_se`` is the Monte
        Carlo error alone.
    costs, effects, wtp, units
        As for :func:`evpi`; with ``wtp`` a curve per group.
    method : {"auto", "gam", "additive", "gp", "pspline"}
        ``"auto"``, the R package voi's choice (``gam`` for up to four inputs, ``gp``
        for more), counted in the group's independent inputs (after fixed and linearly
        dependent ones are dropped): up to four, ``"gam"``; five or more, an additive
        GAM fitted first, then a Gaussian process (hyperparameters on 200 rows,
        conditioned on 1,000; ``gp_options``) only for outputs whose additive
        residuals still correlate with products of pairs of inputs (an interaction),
        kept where it predicts up to 5,000 rows it was not conditioned on better
        (:func:`~dsc_econ.sensitivity.smoothers.fit_multi`; ``method`` in the result
        says which was kept). ``"gam"``: tensor product of cubic regression splines
        (curvature penalty); ``"additive"``: ``s(x1) + s(x2) + ...`` (no
        interactions, 10 basis functions per input unless ``basis``); ``"gp"``:
        Gaussian process; ``"pspline"``: the earlier P-spline (one or two inputs).
    basis : int, optional
        Basis functions per input (per margin of a tensor product); default 10 for one
        input (mgcv's ``s()``), and for two or three 5 and for four 4 (voi's ``te()``).
        With ``placement="rank"`` they are ``basis - 1`` spline functions (at least 3)
        and the input's linear term.
    smoothing : {"reml", "gcv"}
        Criterion for the smoothing parameters: REML (mgcv's recommended; it
        undersmooths less than GCV, which on a small, bounded input of voi's example
        tripled an EVPPI of ~1 at one basis size), or GCV (``gam()``'s default and so
        voi's: ``basis=5, smoothing="gcv", placement="x"`` reproduces voi's ``te()``
        EVPPI).
    placement : {"rank", "x"}
        Where each input's spline basis and curvature penalty are placed (GAM methods).
        ``"rank"`` (default): on the input's empirical distribution function -- knots
        evenly spaced in it, i.e. at the input's quantiles, so every interval holds the
        same share of the sample; penalty on curvature in that scale -- plus the input
        itself as an unpenalised linear term; the EVPPI of a skewed input moves by
        well under 1% from 10 to 40 basis functions. ``"x"``: mgcv's (curvature
        measured in x), as the R package voi; on inputs with a long tail or bunched
        against a bound its estimate moved by 2-5% with the basis size.

    Returns
    -------
    xarray.Dataset
        ``evppi``, ``evppi_se``, ``evppi_fit_se``, ``evppi_mc_se``, ``r_squared``,
        ``residual_p`` over the decision dims and ``group``; the attr
        ``standard_error`` says what the standard errors include (see Notes).

    Notes
    -----
    Standard errors, two sources kept apart and then combined:

    * ``evppi_fit_se``, the regression's (fit) error: ``draws`` draws of the fitted
      function from its posterior -- for a GAM, coefficients from ``N(beta, Vp)``
      with mgcv's Bayesian covariance ``Vp = sigma^2 (X'X + sum_j lambda_j S_j)^-1``
      (smoothing parameters held at their estimates), for a Gaussian process by
      pathwise conditioning at its conditioning rows -- the EVPPI recomputed from each
      draw (on up to 5,000 random rows), and the standard deviation over draws (the
      method of Strong, Oakley & Brennan 2014, and the R package voi's ``se=TRUE``);
    * ``evppi_mc_se``, the Monte Carlo error of the outer mean: with the fitted
      values ``g`` held fixed, ``sd_i(max_k g_ik - g_ik*) / sqrt(n)``, ``k*`` the
      option best on average;
    * ``evppi_se = sqrt(evppi_fit_se^2 + evppi_mc_se^2)``, the two treated as
      independent.

    None of them includes the upward bias a regression that fits noise gives an
    EVPPI (check ``r_squared`` and ``residual_p``), nor uncertainty in the choice of
    smoothing parameters.

    Examples
    --------
    >>> import numpy as np, pandas as pd, dsc_econ as dsc
    >>> rng = np.random.default_rng(1)
    >>> draws = pd.DataFrame({"p": rng.beta(20, 80, 2000), "c": rng.gamma(10, 100, 2000)})
    >>> effects = np.column_stack([np.full(2000, 0.5), 0.5 + 2 * (draws.p - 0.15)])
    >>> costs = np.column_stack([np.zeros(2000), draws.c])
    >>> ds = dsc.voi.evppi(costs=costs, effects=effects, wtp=[20_000],
    ...                    parameters=draws, groups=["p", "c"], draws=0)
    >>> ds.group.values.tolist()
    ['p', 'c']
    """
    values_nb = decision_values(nb, costs=costs, effects=effects, wtp=wtp, units=units)
    if parameters is None:
        raise ValueError("parameters: the input draws behind each sample are required")
    n = values_nb.sizes["sample"]
    _check_samples(n, EVPPI_MIN_SAMPLES, "EVPPI")
    values = parameter_values(parameters, n)
    spec = as_groups(groups, list(values.parameter.values))
    folded, restore = _to_sites(values_nb)
    if method not in METHODS:
        raise ValueError(f"method: expected one of {METHODS}, got {method!r}")
    if smoothing not in ("gcv", "reml"):
        raise ValueError(f"smoothing: expected 'gcv' or 'reml', got {smoothing!r}")
    if basis is not None and (int(basis) != basis or not 3 <= basis <= 60):
        raise ValueError(f"basis: expected a whole number 3-60, got {basis!r}")
    if placement not in ("rank", "x"):
        raise ValueError(f"placement: expected 'rank' or 'x', got {placement!r}")
    return restore(
        _evppi_sites(
            folded,
            values,
            spec,
            decisions,
            draws,
            seed,
            progress,
            gp_options,
            method,
            basis,
            smoothing,
            placement,
        )
    )


def ceac(
    nb: Any = None, *, costs: Any = None, effects: Any = None, wtp: Any = None
) -> xr.DataArray:
    """Cost-effectiveness acceptability curve: probability each option is best.

    Parameters
    ----------
    nb, costs, effects, wtp
        As for :func:`evpi`.

    Returns
    -------
    xarray.DataArray
        Share of samples in which each option has the highest net benefit, dims
        ``option`` and the decision dims (``wtp``).

    Examples
    --------
    >>> import numpy as np, dsc_econ as dsc
    >>> costs = np.array([[0.0, 900.0], [0.0, 1100.0], [0.0, 1000.0], [0.0, 1000.0]])
    >>> effects = np.array([[0.5, 0.55], [0.5, 0.56], [0.5, 0.52], [0.5, 0.58]])
    >>> dsc.voi.ceac(costs=costs, effects=effects, wtp=[10_000, 50_000]).sel(
    ...     option="option 1").values.tolist()
    [0.0, 0.75]
    """
    values = decision_values(nb, costs=costs, effects=effects, wtp=wtp)
    best = values.argmax("option")
    shares = [(best == k).mean("sample") for k in range(values.sizes["option"])]
    out = xr.concat(shares, dim="option").assign_coords(option=values.option.values)
    return out.assign_attrs(units="1", long_name="probability of being the best option")


def population(value: Any, per_period: float, horizon: int, rate: float = 0.035) -> Any:
    """Population value of information: per-decision value times the discounted
    number of decisions it informs over the decision's life.

    ``value * per_period * sum_{t=0}^{horizon-1} (1 + rate)^-t`` (periods counted from
    0, the first undiscounted, as the Green Book's year 0).

    Parameters
    ----------
    value : float, DataArray or Dataset
        EVPI or EVPPI per decision (e.g. per client).
    per_period : float
        Decisions (clients, areas) per period informed by the information.
    horizon : int
        Periods the decision stands before it is revisited.
    rate : float
        Discount rate per period (Green Book 3.5%).

    Examples
    --------
    >>> import dsc_econ as dsc
    >>> round(dsc.voi.population(10.0, per_period=1000, horizon=2, rate=0.0))
    20000
    """
    if not np.isfinite(per_period) or per_period <= 0:
        raise ValueError(f"per_period must be a positive number, got {per_period}")
    if int(horizon) != horizon or horizon < 1 or horizon > MAX_YEARS:
        raise ValueError(
            f"horizon must be a whole number of periods, 1-{MAX_YEARS}, got {horizon}"
        )
    if not np.isfinite(rate) or rate <= -1 or rate > 1:
        raise ValueError(f"rate must be a discount rate in (-1, 1], got {rate}")
    factor = per_period * float(np.sum((1.0 + rate) ** -np.arange(int(horizon))))
    return value * factor


# --------------------------------------------------------------------------- sampling


def study_summary(
    parameters: Any, input: str, n: int, sd: float, seed: int = 20121
) -> pd.DataFrame:
    """Simulated summary of a proposed study measuring one input, one row per sample.

    The study of ``n`` clients estimates the input by a sample mean with individual
    standard deviation ``sd``: ``xbar_i = theta_i + sd / sqrt(n) * z_i`` (a normal
    likelihood, the simplest case of Strong, Oakley, Brennan & Breeze 2015).
    """
    import pandas as pd

    values = parameter_values(parameters)
    if input not in values.parameter.values:
        raise ValueError(
            f"study input {input!r} is not among the parameters "
            f"{list(values.parameter.values)}"
        )
    if int(n) != n or not 1 <= n <= 10_000_000:
        raise ValueError(f"study size n must be a whole number 1-10,000,000, got {n}")
    if not np.isfinite(sd) or sd <= 0:
        raise ValueError(f"study sd must be a positive number, got {sd}")
    theta = np.asarray(values.sel(parameter=input).values)
    z = np.random.default_rng(seed).standard_normal(theta.size)
    return pd.DataFrame({f"study of {input}": theta + sd / np.sqrt(n) * z})


def evsi(
    nb: Any = None,
    summary: Any = None,
    decisions: float | None = None,
    *,
    costs: Any = None,
    effects: Any = None,
    wtp: Any = None,
    units: str | None = None,
    seed: int = 20121,
) -> xr.Dataset:
    """Expected value of sample information by regression on simulated study data.

    Strong, Oakley, Brennan & Breeze (2015), "Estimating the expected value of sample
    information using the probabilistic sensitivity analysis sample: a fast
    nonparametric regression-based method", Medical Decision Making 35(5):570-583:
    for each PSA sample, simulate the proposed study's summary statistic given that
    sample's parameters (:func:`study_summary`, or the user's own), then regress each
    option's incremental net benefit on the summary; ``EVSI = mean_i max_k g_ik -
    max_k mean_i g_ik``, the EVPPI formula with the data in place of the inputs.

    Parameters
    ----------
    nb, costs, effects, wtp, units, decisions
        As for :func:`evpi`.
    summary : DataFrame, dict or array
        One row per sample: the simulated study's summary statistic(s) (one or two
        columns are smoothed by a penalised spline).

    Returns
    -------
    xarray.Dataset
        ``evsi`` and ``evsi_se`` over the decision dims.

    Examples
    --------
    A study of 200 clients measuring the response rate ``p`` of a two-option model:

    >>> import numpy as np, pandas as pd, dsc_econ as dsc
    >>> rng = np.random.default_rng(1)
    >>> draws = pd.DataFrame({"p": rng.beta(20, 80, 4000), "c": rng.gamma(10, 100, 4000)})
    >>> effects = np.column_stack([np.full(4000, 0.5), 0.5 + 2 * (draws.p - 0.15)])
    >>> costs = np.column_stack([np.zeros(4000), draws.c])
    >>> study = dsc.voi.study_summary(draws, "p", n=200, sd=0.5)
    >>> ds = dsc.voi.evsi(costs=costs, effects=effects, wtp=[20_000], summary=study)
    >>> bool(0 < ds.evsi.item() <= dsc.voi.evpi(costs=costs, effects=effects,
    ...                                         wtp=[20_000]).evpi.item())
    True
    """
    if summary is None:
        raise ValueError("summary: the simulated study summary per sample is required")
    frame = parameter_values(summary)
    groups = {"study": list(frame.parameter.values)}
    ds = evppi(
        nb,
        frame,
        groups,
        decisions,
        draws=0,
        seed=seed,
        progress=False,
        costs=costs,
        effects=effects,
        wtp=wtp,
        units=units,
    ).isel(group=0, drop=True)
    out = xr.Dataset(
        {
            "evsi": ds.evppi.assign_attrs(long_name="expected value of sample information"),
            "evsi_se": ds.evppi_se.assign_attrs(
                long_name="Monte Carlo standard error of the outer mean only (no fit error)"
            ),
        }
    )
    attrs = {k: v for k, v in ds.attrs.items() if k != "standard_error"}
    return out.assign_attrs(
        attrs,
        method="regression (Strong et al. 2015)",
        standard_error="Monte Carlo error of the outer mean only (sd of the per-sample "
        "opportunity loss / sqrt(samples), the fit held fixed); no fit error",
    )


MM_QUANTILES = 50
"""Study datasets simulated for the moment-matching EVSI (voi's default Q is 30-50)."""

MM_MIN_ESS = 30.0
"""Smallest importance-sampling effective sample size of a simulated study's posterior
before the moment-matching EVSI is refused (too few draws near the data)."""


def evsi_mm(
    nb: Any = None,
    parameters: Any = None,
    input: str | None = None,
    n: int | None = None,
    sd: float | None = None,
    decisions: float | None = None,
    *,
    costs: Any = None,
    effects: Any = None,
    wtp: Any = None,
    units: str | None = None,
    quantiles: int = MM_QUANTILES,
    seed: int = 20121,
) -> xr.Dataset:
    """Expected value of sample information by moment matching.

    Heath, Manolopoulou & Baio (2018), "Efficient Monte Carlo estimation of the expected
    value of sample information using moment matching", Medical Decision Making
    38(2):163-173. The preposterior distribution of each option's expected incremental
    net benefit given the study's data is approximated by rescaling the EVPPI
    regression's fitted values ``g(theta)`` (the same regression as :func:`evppi`) so
    that their covariance becomes ``Var(INB) - E_X[Var(INB | X)]``::

        mu_X = mean(g) + (g - mean(g)) Sigma_g^-1/2 (Sigma_INB - E_X Sigma_X)^1/2

    and ``EVSI = mean max(mu_X, 0) - max(mean mu_X, 0)`` over the options. The
    expected posterior variance ``E_X[Var(INB | X)]`` is averaged over ``quantiles``
    simulated studies, one at each quantile of the input's draws. Heath et al. obtain
    each posterior variance by re-running the model on posterior draws; here each is
    estimated by importance sampling of the PSA draws already held (weights the study's
    likelihood at each draw), so no model function is needed -- refused when the
    effective sample size falls below :data:`MM_MIN_ESS` (a study so large that few
    draws sit near its data; use :func:`evsi` then).

    The study is as :func:`study_summary`'s: ``n`` clients measuring ``input`` with
    individual standard deviation ``sd``, so its summary is normal with variance
    ``sd^2 / n`` about the input's value.

    Parameters
    ----------
    nb, costs, effects, wtp, units, decisions
        As for :func:`evpi`.
    parameters
        The input draws behind each sample (as for :func:`evppi`).
    input : str
        The input the study measures.
    n : int
        Study size.
    sd : float
        Individual standard deviation of the measurement.
    quantiles : int
        Simulated studies (Q).
    seed : int
        Seeds the simulated studies.

    Returns
    -------
    xarray.Dataset
        ``evsi`` and ``evsi_mc_se`` (the Monte Carlo error of the outer mean, the fit
        and the Q studies held fixed) over the decision dims; attrs ``method`` and
        ``min_ess``.

    Examples
    --------
    >>> import numpy as np, pandas as pd, dsc_econ as dsc
    >>> rng = np.random.default_rng(1)
    >>> draws = pd.DataFrame({"p": rng.normal(0.2, 0.05, 4000)})
    >>> nb = np.column_stack([np.zeros(4000), 10_000 * (draws.p - 0.19)])
    >>> ds = dsc.voi.evsi_mm(nb, draws, "p", n=100, sd=0.5)
    >>> bool(0 < ds.evsi < dsc.voi.evppi(nb, draws, "p", draws=0).evppi.item())
    True
    """
    values_nb = decision_values(nb, costs=costs, effects=effects, wtp=wtp, units=units)
    if parameters is None:
        raise ValueError("parameters: the input draws behind each sample are required")
    n_samples = values_nb.sizes["sample"]
    _check_samples(n_samples, EVPPI_MIN_SAMPLES, "EVPPI")
    values = parameter_values(parameters, n_samples)
    if input is None or input not in values.parameter.values:
        raise ValueError(
            f"input: expected one of the parameters {list(values.parameter.values)}, "
            f"got {input!r}"
        )
    if n is None or int(n) != n or not 1 <= n <= 10_000_000:
        raise ValueError(f"n: study size must be a whole number 1-10,000,000, got {n}")
    if sd is None or not np.isfinite(sd) or sd <= 0:
        raise ValueError(f"sd: expected a positive number, got {sd}")
    if int(quantiles) != quantiles or not 5 <= quantiles <= 1000:
        raise ValueError(f"quantiles: expected a whole number 5-1,000, got {quantiles}")
    factor, scale = _scale(decisions)
    folded, restore = _to_sites(values_nb)
    data = np.asarray(folded.values, dtype=float)  # (sample, site, option)
    _, n_sites, n_options = data.shape
    comparisons = n_options - 1
    inc = (data[:, :, 1:] - data[:, :, :1]).reshape(n_samples, -1)
    theta = np.asarray(values.sel(parameter=input).values, dtype=float)
    if np.ptp(theta) <= 0:
        raise ValueError(f"input {input!r} is fixed: a study of it has no value")
    fit = _fit_group(theta[:, None], inc, "auto", None, "reml", seed, None)
    # Q simulated studies at quantiles of the input, their posteriors by importance
    # sampling of the draws held
    rng = np.random.default_rng(seed)
    points = np.quantile(theta, (np.arange(quantiles) + 0.5) / quantiles)
    se2 = float(sd) ** 2 / float(n)
    xbar = points + np.sqrt(se2) * rng.standard_normal(quantiles)
    log_w = -0.5 * (xbar[:, None] - theta[None, :]) ** 2 / se2  # (Q, samples)
    w = np.exp(log_w - log_w.max(axis=1, keepdims=True))
    w /= w.sum(axis=1, keepdims=True)
    ess = 1.0 / (w**2).sum(axis=1)
    if ess.min() < MM_MIN_ESS:
        raise ValueError(
            f"a study of n={n} with sd={sd:g} is so informative that only "
            f"{ess.min():.0f} of the {n_samples:,} draws support its posterior (fewer "
            f"than {MM_MIN_ESS:.0f}); use evsi() (regression) or more samples"
        )
    out = np.zeros(n_sites)
    out_se = np.zeros(n_sites)
    for s_ in range(n_sites):
        block = slice(s_ * comparisons, (s_ + 1) * comparisons)
        y, g = inc[:, block], fit.fitted[:, block]
        prior = np.atleast_2d(np.cov(y, rowvar=False))
        centred = y[None, :, :] - (w @ y)[:, None, :]  # (Q, samples, comparisons)
        posterior = np.einsum("qi,qij,qik->jk", w, centred, centred) / quantiles
        target = _sqrtm(prior - posterior)
        cov_g = np.atleast_2d(np.cov(g, rowvar=False))
        inv_root = _sqrtm(np.linalg.pinv(cov_g))
        transform = inv_root @ target
        if comparisons == 1:  # the preposterior spread never exceeds the EVPPI's
            transform = np.minimum(transform, 1.0)
        mean = g.mean(axis=0)
        mu = mean + (g - mean) @ transform
        value, se = _evppi_from_fitted(mu)
        out[s_], out_se[s_] = value[0], se[0]
    unit = folded.attrs.get("units", AS_GIVEN)
    ds = xr.Dataset(
        {
            "evsi": (
                _DECISION,
                factor * out,
                {
                    "units": unit,
                    "long_name": "expected value of sample information",
                    "scale": scale,
                },
            ),
            "evsi_mc_se": (
                _DECISION,
                factor * out_se,
                {
                    "units": unit,
                    "long_name": "Monte Carlo standard error of the EVSI (outer mean; "
                    "the fit and the simulated studies held fixed)",
                },
            ),
        },
        coords={_DECISION: folded[_DECISION].values},
    )
    ds.attrs.update(
        units=unit,
        scale=scale,
        decisions=float(factor),
        method=(
            "moment matching (Heath, Manolopoulou & Baio 2018) with posterior "
            f"variances by importance sampling of the draws, {quantiles} studies"
        ),
        min_ess=float(ess.min()),
        study=f"{input}: n={n}, sd={sd:g}",
    )
    return restore(ds)


def _sqrtm(a: np.ndarray) -> np.ndarray:
    """Symmetric square root of the positive part of a symmetric matrix."""
    ev, vec = np.linalg.eigh((a + a.T) / 2)
    return (vec * np.sqrt(np.clip(ev, 0.0, None))) @ vec.T


def enbs(
    evsi_value: Any, cost: float, per_period: float, horizon: int, rate: float = 0.035
) -> Any:
    """Expected net benefit of sampling: population EVSI less the study's cost.

    ``ENBS = population(EVSI, per_period, horizon, rate) - cost``; a study is worth
    doing when it is positive.

    Examples
    --------
    An EVSI of £12 per client, 1,000 clients a year for 10 years at 3.5%, a study
    costing £50,000:

    >>> import dsc_econ as dsc
    >>> round(dsc.voi.enbs(12.0, cost=50_000, per_period=1000, horizon=10))
    53292
    """
    if not np.isfinite(cost) or cost < 0:
        raise ValueError(f"study cost must be a number >= 0, got {cost}")
    return population(evsi_value, per_period, horizon, rate) - cost


def statement(
    what: str,
    population_evppi: float,
    n: int | None = None,
    cost: float | None = None,
    enbs_value: float | None = None,
    currency: str = "£",
    fit_se: float | None = None,
    mc_se: float | None = None,
) -> str:
    """The board's sentence: "further research on X is worth up to £y; a study of n
    clients costing £c has expected net benefit £z".

    ``fit_se`` and ``mc_se`` (on the same population scale as ``population_evppi``),
    when given, are named after the value: the regression's (fit) standard error and
    the Monte Carlo one, so a reader knows what the ± covers.

    Examples
    --------
    >>> import dsc_econ as dsc
    >>> print(dsc.voi.statement("p", 12_500.0, fit_se=300.0, mc_se=410.0))
    further research on p is worth up to £12,500 (standard error: fit £300, Monte Carlo
    £410)
    """
    for name, v in (
        ("population EVPPI", population_evppi),
        ("ENBS", enbs_value),
        ("fit_se", fit_se),
        ("mc_se", mc_se),
    ):
        if v is not None and not np.isfinite(v):
            raise ValueError(f"{name} is not a finite number: {v}")
    text = f"further research on {what} is worth up to {currency}{population_evppi:,.0f}"
    errors = [
        f"{label} {currency}{v:,.0f}"
        for label, v in (("fit", fit_se), ("Monte Carlo", mc_se))
        if v is not None
    ]
    if errors:
        text += f" (standard error: {', '.join(errors)})"
    if n is not None and cost is not None and enbs_value is not None:
        sign = "-" if enbs_value < 0 else ""
        text += (
            f"; a study of {n:,} clients costing {currency}{cost:,.0f} has expected net "
            f"benefit {sign}{currency}{abs(enbs_value):,.0f}"
        )
    return text
