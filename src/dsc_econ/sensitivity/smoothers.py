"""Nonparametric regression smoothers for the value-of-information estimators.

EVPPI by regression (Strong, Oakley & Brennan 2014) needs, for every input group, the
conditional expectation of each option's incremental net benefit given the group's
inputs, estimated from the probabilistic sample. The smoothers, chosen by the number of
independent columns in the group as the R package ``voi`` chooses them:

* **up to four columns: a GAM as mgcv fits it**, :func:`fit_spline`: a tensor product
  of cubic regression splines, ``te(x1, ..., bs = "cr")``, whose penalty is the
  integrated squared second derivative, smoothing parameters by GCV or REML
  (:mod:`.gam`); or, by choice, the additive ``s(x1) + s(x2) + ...``. By default each
  input's basis is placed on its ranks (knots at its quantiles, curvature measured
  there, the input itself linear beside it); ``placement="x"`` is mgcv's, in x.
  Agrees with voi's published values on its chemotherapy example (tests/sensitivity/
  test_voi_reference.py) and hardly moves with the basis size.
* :func:`fit_gam`, the earlier P-spline (knots at quantiles, a second-difference
  penalty on the coefficients; GCV in closed form), kept as ``method="pspline"``: its
  penalty does not measure curvature in x, so its estimate moves with the basis size.
* **more columns: a Gaussian process**, :func:`fit_gp` (scikit-learn), with an
  anisotropic squared-exponential kernel and a noise term. Its cost is cubic in the
  rows it conditions on, so the hyperparameters are fitted on a random subsample
  (default 200 rows) and the posterior mean conditions on a larger one (default 1,000)
  and is predicted at every row (a subset-of-data approximation). :func:`fit_multi`,
  which the EVPPI uses by default, also fits an additive spline model
  (:func:`fit_additive`) and keeps, per output, whichever predicts rows the GP did not
  see better: a GP fitted on few rows can read a pattern into noise, and
  regression-based EVPPI is biased upwards by overfitting.

Every fit returns a :class:`Fit` with the fitted values, R², a residual check and draws
from the posterior of the fitted function, from which the EVPPI's standard error follows
(as in Strong et al. 2014, who sample the fitted values from their posterior).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

__all__ = [
    "Fit",
    "default_basis",
    "fit_additive",
    "fit_gam",
    "fit_gp",
    "fit_multi",
    "fit_spline",
    "interaction_check",
    "residual_check",
]

_GCV_GRID = 10.0 ** np.linspace(-7, 7, 57)

CHECK_ROWS = 20_000
"""Rows the residual check uses at most (a fixed random subset beyond that)."""


@dataclass
class Fit:
    """A fitted smoother: values at every row, diagnostics and posterior draws.

    Attributes
    ----------
    fitted : ndarray, shape (n, outputs)
        Estimated conditional expectations at the sample rows.
    r_squared : ndarray, shape (outputs,)
        Share of each output's variance the group's inputs explain.
    residual_p : ndarray, shape (outputs,)
        p-value of the residual check (:func:`residual_check`); small values mean the
        residuals still trend with the fitted values (a poor fit).
    method : str
        ``"gam"`` or ``"gp"``, with details in ``detail``.
    rows : ndarray
        Rows the posterior draws refer to (all rows for a GAM, the conditioning
        subsample for a GP).
    """

    fitted: np.ndarray
    r_squared: np.ndarray
    residual_p: np.ndarray
    method: str
    detail: str
    rows: np.ndarray
    _draw: Any

    def draws(
        self,
        columns: list[int],
        size: int,
        rng: np.random.Generator,
        subset: np.ndarray | None = None,
    ) -> np.ndarray:
        """Posterior draws of the fitted function for some outputs.

        ``subset`` (positions in :attr:`rows`) limits the rows drawn at: the spread of
        a mean over draws hardly changes on a large random subset, and the cost does.

        Returns
        -------
        ndarray, shape (size, len(rows) or len(subset), len(columns))
        """
        return np.stack([self._draw(j, size, rng, subset) for j in columns], axis=-1)


def residual_check(y: np.ndarray, fitted: np.ndarray, bins: int = 20) -> np.ndarray:
    """p-value that the residuals' mean is the same across bins of the fitted values.

    A one-way analysis of variance of the residuals grouped into ``bins`` equal-count
    bins of the fitted values, per output: a systematic trend left in the residuals (a
    smoother too stiff for the relation) gives a small p-value. Outputs the inputs do
    not move at all (constant fitted values) get p = 1. Beyond ``CHECK_ROWS`` rows
    the check runs on a fixed random subset of that many (a diagnostic; the sort is
    the cost).
    """
    if len(y) > CHECK_ROWS:
        rows = np.sort(np.random.default_rng(0).choice(len(y), CHECK_ROWS, replace=False))
        y, fitted = y[rows], fitted[rows]
    n, m = y.shape
    resid = y - fitted
    out = np.ones(m)
    bins = max(2, min(bins, n // 5))
    for j in range(m):
        if np.ptp(fitted[:, j]) <= 1e-12 * max(1.0, np.abs(fitted[:, j]).max()):
            continue
        order = np.argsort(fitted[:, j], kind="stable")
        label = np.empty(n, dtype=int)
        label[order] = np.arange(n) * bins // n
        count = np.bincount(label, minlength=bins)
        means = np.bincount(label, weights=resid[:, j], minlength=bins) / count
        between = np.sum(count * (means - resid[:, j].mean()) ** 2) / (bins - 1)
        within = np.sum((resid[:, j] - means[label]) ** 2) / (n - bins)
        if within <= 0:
            continue
        out[j] = float(stats.f.sf(between / within, bins - 1, n - bins))
    return out


def _r_squared(y: np.ndarray, fitted: np.ndarray) -> np.ndarray:
    tss = ((y - y.mean(axis=0)) ** 2).sum(axis=0)
    rss = ((y - fitted) ** 2).sum(axis=0)
    return np.where(tss > 0, 1 - rss / np.where(tss > 0, tss, 1.0), 0.0)


# --------------------------------------------------------------------------- GAM


def _basis(x: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Cubic B-spline basis (n, k') with knots at quantiles of ``x`` and its
    second-difference penalty (k', k'); k' <= k when ``x`` has ties."""
    from scipy.interpolate import BSpline

    lo, hi = float(x.min()), float(x.max())
    if hi - lo <= 1e-12 * max(1.0, abs(lo), abs(hi)):
        return np.ones((len(x), 1)), np.zeros((1, 1))
    inner = np.unique(np.quantile(x, np.linspace(0, 1, k - 2)[1:-1]))
    inner = inner[(inner > lo) & (inner < hi)]
    t = np.concatenate([[lo] * 4, inner, [hi] * 4])
    basis = BSpline.design_matrix(np.clip(x, lo, hi), t, 3).toarray()
    p = basis.shape[1]
    d = np.diff(np.eye(p), n=2, axis=0)
    return basis, d.T @ d


def _design(x: np.ndarray, k1: int, k2: int) -> tuple[np.ndarray, list[np.ndarray]]:
    """Design matrix and penalty matrices for one column (k1 basis functions) or a
    tensor product of two (k2 each)."""
    if x.shape[1] == 1:
        b, s = _basis(x[:, 0], k1)
        return b, [s]
    b1, s1 = _basis(x[:, 0], k2)
    b2, s2 = _basis(x[:, 1], k2)
    n = len(x)
    design = (b1[:, :, None] * b2[:, None, :]).reshape(n, -1)
    i1, i2 = np.eye(len(s1)), np.eye(len(s2))
    return design, [np.kron(s1, i2), np.kron(i1, s2)]


def fit_gam(x: np.ndarray, y: np.ndarray, basis_1d: int = 20, basis_2d: int = 8) -> Fit:
    """Penalised cubic regression spline of every output column on one or two inputs.

    Parameters
    ----------
    x : ndarray, shape (n, 1) or (n, 2)
        The group's input values (physical values are preferred: the basis is built on
        their quantiles, so a monotone transform changes the fit only a little).
    y : ndarray, shape (n, outputs)
        Incremental net benefits, one column per (site, option).
    basis_1d, basis_2d : int
        Basis functions for one column, and per direction of a two-column tensor
        product.

    Notes
    -----
    With the Cholesky factor ``L`` of ``X'X`` and the eigen-decomposition
    ``L^-1 S L^-T = U diag(d) U'``, the penalised fit for smoothing parameter ``λ`` has
    coefficients ``c_i / (1 + λ d_i)`` in the rotated basis, so the residual sum of
    squares and the effective degrees of freedom -- hence GCV -- are closed-form in
    ``λ`` for every output at once. Two columns have two penalties; their ratio is
    chosen from a small grid. The posterior covariance of the coefficients is the
    Bayesian one, ``σ² (X'X + λS)^-1`` (as mgcv's ``Vp``).
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if x.ndim != 2 or x.shape[1] not in (1, 2):
        raise ValueError(f"fit_gam takes one or two input columns, got shape {x.shape}")
    n, m = y.shape
    design, penalties = _design(x, basis_1d, basis_2d)
    p = design.shape[1]
    xtx = design.T @ design
    ridge = 1e-9 * np.trace(xtx) / p
    chol = np.linalg.cholesky(xtx + ridge * np.eye(p))
    z = np.linalg.solve(chol, design.T @ y)  # (p, m): y projected on the basis
    yy = (y**2).sum(axis=0)
    base_rss = np.maximum(yy - (z**2).sum(axis=0), 0.0)
    ratios = [1.0] if len(penalties) == 1 else [0.1, 0.3, 1.0, 3.0, 10.0]
    candidates = []  # per ratio: (gcv of best lambda per output, lambda index, u, d, c)
    for ratio in ratios:
        s = penalties[0] + (ratio * penalties[1] if len(penalties) > 1 else 0.0)
        tmp = np.linalg.solve(chol, s)
        d, u = np.linalg.eigh(np.linalg.solve(chol, tmp.T))  # L^-1 S L^-T, symmetric
        d = np.clip(d, 0.0, None)
        c = u.T @ z  # (p, m)
        scale = d[d > 1e-12].mean() if np.any(d > 1e-12) else 1.0
        lams = _GCV_GRID / scale
        shrink = 1.0 / (1.0 + lams[:, None] * d[None, :])  # (grid, p)
        rss = base_rss + ((1 - shrink) ** 2) @ (c**2)  # (grid, m)
        edf = shrink.sum(axis=1)
        gcv = n * rss / np.maximum(n - edf, 1.0)[:, None] ** 2
        pick = gcv.argmin(axis=0)
        candidates.append(
            (
                gcv[pick, np.arange(m)],
                shrink[pick].T,
                rss[pick, np.arange(m)],
                edf[pick],
                u,
                c,
            )
        )
    choice = np.argmin(np.stack([cand[0] for cand in candidates]), axis=0)  # (m,)
    shrinks = np.empty((p, m))
    coefs = np.empty((p, m))
    rss_best = np.empty(m)
    edf_best = np.empty(m)
    fitted = np.empty((n, m))
    maps: list[np.ndarray] = []
    for j in range(m):
        _, shrink_j, rss_j, edf_j, u, c = candidates[choice[j]]
        shrinks[:, j], coefs[:, j] = shrink_j[:, j], c[:, j]
        rss_best[j], edf_best[j] = rss_j[j], edf_j[j]
        to_beta = np.linalg.solve(chol.T, u)  # L^-T U
        fitted[:, j] = design @ (to_beta @ (shrinks[:, j] * coefs[:, j]))
        maps.append(to_beta)
    sigma = np.sqrt(rss_best / np.maximum(n - edf_best, 1.0))

    def draw(
        j: int, size: int, rng: np.random.Generator, subset: np.ndarray | None
    ) -> np.ndarray:
        basis = design if subset is None else design[subset]
        shrink = shrinks[:, j]
        coef = shrink * coefs[:, j]
        eps = rng.standard_normal((p, size)) * (sigma[j] * np.sqrt(shrink))[:, None]
        return (basis @ (maps[j] @ (coef[:, None] + eps))).T  # (size, rows)

    detail = (
        f"cubic P-spline, {p} basis functions"
        + (" (tensor product)" if x.shape[1] == 2 else "")
        + ", smoothing by GCV"
    )
    return Fit(
        fitted=fitted,
        r_squared=_r_squared(y, fitted),
        residual_p=residual_check(y, fitted),
        method="gam",
        detail=detail,
        rows=np.arange(n),
        _draw=draw,
    )


# --------------------------------------------------------------------------- GP


def fit_gp(
    x: np.ndarray,
    y: np.ndarray,
    seed: int = 0,
    fit_rows: int = 200,
    condition_rows: int = 1000,
    max_iterations: int = 40,
) -> Fit:
    """Gaussian-process regression of every output column on three or more inputs.

    Parameters
    ----------
    x : ndarray, shape (n, d)
    y : ndarray, shape (n, outputs)
    seed : int
        Seeds the subsamples (reproducible).
    fit_rows : int
        Rows the kernel hyperparameters are fitted on (marginal likelihood,
        scikit-learn's L-BFGS); the cost is cubic in this number.
    condition_rows : int
        Rows the posterior conditions on; the posterior mean is then predicted at every
        row (a subset-of-data approximation: cost ``condition_rows^3`` once plus
        ``n x condition_rows`` for the prediction).
    max_iterations : int
        Cap on the L-BFGS iterations of the hyperparameter fit.

    Notes
    -----
    Inputs are standardised, outputs centred and scaled; the kernel is a constant times
    an anisotropic squared exponential (one length scale per input, so inputs that do
    not matter get long scales) plus white noise, the form Strong et al. (2014) use.
    Posterior draws are made at the conditioning rows by pathwise conditioning
    (Matheron's rule). Linear algebra runs on one BLAS thread: the matrices are small,
    and threads competing for a shared machine's cores made fits four times slower.
    """
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        return _fit_gp(x, y, seed, fit_rows, condition_rows, max_iterations)


def _fit_gp(
    x: np.ndarray,
    y: np.ndarray,
    seed: int,
    fit_rows: int,
    condition_rows: int,
    max_iterations: int,
    reference: np.ndarray | None = None,
    held_rows: int = 5000,
    skip: np.ndarray | None = None,
) -> Fit:
    """The GP fit; with ``reference`` (another smoother's fitted values at every row),
    each output's GP is first scored on up to ``held_rows`` rows it was not
    conditioned on and, where it predicts them no better than the reference, the
    reference's values are kept and the costly prediction at every row is skipped
    (``use_gp`` on the returned Fit's ``_draw`` says which). Outputs where ``skip``
    is true keep the reference without a GP being fitted."""
    from scipy.optimize import minimize
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.gaussian_process import GaussianProcessRegressor
    from sklearn.gaussian_process.kernels import RBF, ConstantKernel, WhiteKernel

    def optimizer(objective: Any, theta: np.ndarray, bounds: Any) -> Any:
        res = minimize(
            objective,
            theta,
            method="L-BFGS-B",
            jac=True,
            bounds=bounds,
            options={"maxiter": max_iterations},
        )
        return res.x, res.fun

    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    n, m = y.shape
    sd = x.std(axis=0)
    keep = sd > 0
    xs = (x[:, keep] - x[:, keep].mean(axis=0)) / sd[keep]
    if xs.shape[1] == 0:
        xs = np.zeros((n, 1))
    rng = np.random.default_rng(seed)
    cond = np.sort(rng.choice(n, size=min(n, condition_rows), replace=False))
    sub = cond[rng.permutation(len(cond))[: min(len(cond), fit_rows)]]
    d = xs.shape[1]
    fitted = np.empty((n, m))
    draws: list[Any] = []
    use_gp = np.ones(m, dtype=bool)
    outside = np.setdiff1d(np.arange(n), cond)
    held = np.sort(rng.choice(outside, size=min(len(outside), held_rows), replace=False))
    kernels = []
    for j in range(m):
        yj = y[:, j]
        mu, scale = yj.mean(), yj.std()
        if scale <= 1e-12 * max(1.0, abs(mu)):
            fitted[:, j] = yj.mean()
            draws.append(_ConstantDraw(float(mu), len(cond)))
            kernels.append("constant output")
            continue
        if skip is not None and reference is not None and skip[j]:
            use_gp[j] = False
            fitted[:, j] = reference[:, j]
            draws.append(None)
            kernels.append("not fitted")
            continue
        yn = (yj - mu) / scale
        kernel = ConstantKernel(0.1, (1e-5, 1e5)) * RBF(
            length_scale=np.full(d, 3.0), length_scale_bounds=(1e-2, 1e3)
        ) + WhiteKernel(1.0, (1e-9, 1e1))
        gp = GaussianProcessRegressor(
            kernel=kernel, optimizer=optimizer, normalize_y=False, random_state=seed
        )
        with warnings.catch_warnings():
            # Inputs that do not matter push their length scale to the upper bound;
            # scikit-learn warns about it, but it is the expected answer.
            warnings.simplefilter("ignore", ConvergenceWarning)
            gp.fit(xs[sub], yn[sub])
        signal, noise = gp.kernel_.k1, float(gp.kernel_.k2.noise_level)
        kernels.append(str(gp.kernel_))
        xc = xs[cond]
        k_mm = signal(xc)
        factor = _safe_cholesky(k_mm, noise)
        alpha = _chol_solve(factor, yn[cond])
        if reference is not None and len(held) >= 50:
            pred = mu + scale * (signal(xs[held], xc) @ alpha)
            err_gp = float(((yj[held] - pred) ** 2).mean())
            err_ref = float(((yj[held] - reference[held, j]) ** 2).mean())
            if not err_gp < err_ref:
                use_gp[j] = False
                fitted[:, j] = reference[:, j]
                draws.append(None)
                continue
        for start in range(0, n, 4096):
            block = slice(start, start + 4096)
            fitted[block, j] = mu + scale * (signal(xs[block], xc) @ alpha)

        draws.append(_GPDraw(k_mm, factor, fitted[cond, j].copy(), noise, scale))

    def draw_j(
        j: int, size: int, rng: np.random.Generator, subset: np.ndarray | None
    ) -> np.ndarray:
        out = draws[j](size, rng)
        return out if subset is None else out[:, subset]

    draw_j.use_gp = use_gp  # type: ignore[attr-defined]
    return Fit(
        fitted=fitted,
        r_squared=_r_squared(y, fitted),
        residual_p=residual_check(y, fitted),
        method="gp",
        detail=(
            f"Gaussian process on {d} inputs, hyperparameters from {len(sub)} rows, "
            f"conditioned on {len(cond)}"
        ),
        rows=cond,
        _draw=draw_j,
    )


def fit_additive(x: np.ndarray, y: np.ndarray, sweeps: int = 4) -> Fit:
    """Additive GAM: a penalised spline per input, fitted by backfitting.

    ``E[y | x] ~ a + sum_j f_j(x_j)``, each ``f_j`` a :func:`fit_gam` smooth of the
    partial residuals, ``sweeps`` passes over the inputs. No interactions, but it
    cannot chase noise in many dimensions: each smooth has its own GCV. Posterior
    draws add the components' draws (independently, an approximation).
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    n, m = y.shape
    centre = y.mean(axis=0)
    parts = np.zeros((x.shape[1], n, m))
    fits: list[Fit] = []
    for sweep in range(sweeps):
        for j in range(x.shape[1]):
            partial = y - centre - parts.sum(axis=0) + parts[j]
            fit = fit_gam(x[:, [j]], partial)
            parts[j] = fit.fitted - fit.fitted.mean(axis=0)
            if sweep == sweeps - 1:
                fits.append(fit)
    fitted = centre + parts.sum(axis=0)

    def draw(
        j: int, size: int, rng: np.random.Generator, subset: np.ndarray | None
    ) -> np.ndarray:
        total = np.full((size, n if subset is None else len(subset)), centre[j])
        for fit in fits:
            d = fit.draws([j], size, rng, subset)[..., 0]
            total += d - d.mean(axis=1, keepdims=True)
        return total

    return Fit(
        fitted=fitted,
        r_squared=_r_squared(y, fitted),
        residual_p=residual_check(y, fitted),
        method="additive",
        detail=f"additive GAM of {x.shape[1]} cubic P-splines (backfitting)",
        rows=np.arange(n),
        _draw=draw,
    )


INTERACTION_P = 0.01
"""p-value below which the additive model's residuals are taken to hold an interaction
(:func:`interaction_check`), so a Gaussian process is tried."""


def interaction_check(x: np.ndarray, resid: np.ndarray, rows: int = 20_000) -> np.ndarray:
    """p-value, per output, that an additive model's residuals are unrelated to the
    products of pairs of inputs (an F-test of their regression on the standardised
    pairwise products, on up to ``rows`` rows).

    An additive GAM cannot represent ``f(x1, x2) != f1(x1) + f2(x2)``; the leading
    term of such an interaction is the product ``x1 x2``, so residuals that do not
    correlate with any product leave a GP nothing to find. Used to fit a GP only where
    it may help (it is most of the cost of a large group's EVPPI).
    """
    from scipy import stats as st

    x = np.asarray(x, dtype=float)
    resid = np.asarray(resid, dtype=float)
    n = len(x)
    if n > rows:
        pick = np.sort(np.random.default_rng(1).choice(n, rows, replace=False))
        x, resid, n = x[pick], resid[pick], rows
    sd = x.std(axis=0)
    xs = (x - x.mean(axis=0)) / np.where(sd > 0, sd, 1.0)
    d = xs.shape[1]
    pairs = [xs[:, i] * xs[:, j] for i in range(d) for j in range(i + 1, d)]
    if not pairs:
        return np.ones(resid.shape[1])
    z = np.column_stack([np.ones(n), *pairs])
    coef, *_ = np.linalg.lstsq(z, resid, rcond=None)
    rss = ((resid - z @ coef) ** 2).sum(axis=0)
    tss = ((resid - resid.mean(axis=0)) ** 2).sum(axis=0)
    q = z.shape[1] - 1
    with np.errstate(divide="ignore", invalid="ignore"):
        f = ((tss - rss) / q) / (rss / max(n - q - 1, 1))
    f = np.where(np.isfinite(f), f, 0.0)
    return st.f.sf(f, q, max(n - q - 1, 1))


def fit_multi(x: np.ndarray, y: np.ndarray, seed: int = 0, **gp: Any) -> Fit:
    """Three or more inputs: a Gaussian process, or an additive GAM where better.

    Fits :func:`fit_additive` and :func:`fit_gp` and keeps, for each output, the one
    with the smaller mean squared error on (up to 5,000) rows the GP did not condition
    on; the GP is predicted at every row only for the outputs where it is kept (that
    prediction is most of a GP's cost at 10^5 samples). A GP is tried only for outputs
    whose additive residuals correlate with products of pairs of inputs
    (:func:`interaction_check`): without such an interaction the additive model is
    the right one, and the GP's hyperparameter fit is skipped. With
    few hyperparameter rows a GP can read a pattern into noise -- an output that the
    group barely moves (R² ~ 0.001) came out with a GP R² below zero on all rows and
    an EVPPI far from zero -- and regression-based EVPPI is biased upwards by such
    overfitting; the additive model holds it near zero and, for inputs acting
    additively (e.g. one cost multiplier per site), is the right model anyway.
    """
    from threadpoolctl import threadpool_limits

    y = np.asarray(y, dtype=float)
    m = y.shape[1]
    add_fit = fit_additive(x, y)
    interacting = interaction_check(x, y - add_fit.fitted) < INTERACTION_P
    options = {"fit_rows": 200, "condition_rows": 1000, "max_iterations": 40, **gp}
    with threadpool_limits(limits=1, user_api="blas"):
        gp_fit = _fit_gp(
            np.asarray(x, dtype=float),
            y,
            seed,
            reference=add_fit.fitted,
            skip=~interacting,
            **options,
        )
    use_gp = gp_fit._draw.use_gp
    fitted = gp_fit.fitted
    rows = gp_fit.rows

    def draw(
        j: int, size: int, rng: np.random.Generator, subset: np.ndarray | None
    ) -> np.ndarray:
        if use_gp[j]:
            return gp_fit.draws([j], size, rng, subset)[..., 0]
        at = rows if subset is None else rows[subset]
        return add_fit.draws([j], size, rng, at)[..., 0]

    return Fit(
        fitted=fitted,
        r_squared=_r_squared(y, fitted),
        residual_p=residual_check(y, fitted),
        method="gp" if use_gp.all() else "additive" if not use_gp.any() else "mixed",
        detail=(
            f"{gp_fit.detail}; additive GAM where no pairwise interaction is left in "
            f"its residuals ({int((~interacting).sum())} of {m} outputs) or it predicted "
            f"held-out rows better (GP kept for {int(use_gp.sum())} of {m} outputs)"
        ),
        rows=rows,
        _draw=draw,
    )


@dataclass
class _ConstantDraw:
    value: float
    rows: int

    def __call__(self, size: int, rng: np.random.Generator) -> np.ndarray:
        return np.full((size, self.rows), self.value)


@dataclass
class _GPDraw:
    """Posterior draws of a GP's function at its conditioning rows by pathwise
    conditioning: ``f = mean + f0 - K (K + noise I)^-1 (f0 + e0)`` with ``f0`` a prior
    draw and ``e0`` a noise draw."""

    k_mm: np.ndarray
    factor: np.ndarray  # Cholesky factor of K + noise I
    mean: np.ndarray
    noise: float
    scale: float

    def __call__(self, size: int, rng: np.random.Generator) -> np.ndarray:
        rows = len(self.k_mm)
        prior = _safe_cholesky(self.k_mm, 0.0)
        f0 = prior @ rng.standard_normal((rows, size))
        e0 = np.sqrt(self.noise) * rng.standard_normal((rows, size))
        update = self.k_mm @ _chol_solve(self.factor, f0 + e0)
        return (self.mean[:, None] + self.scale * (f0 - update)).T


def _safe_cholesky(k: np.ndarray, noise: float) -> np.ndarray:
    """Cholesky factor of ``k + noise I``, adding jitter until it is positive definite
    (a nearly noiseless fit of a smooth function leaves ``k`` numerically singular)."""
    scale = float(np.mean(np.diag(k))) or 1.0
    eye = np.eye(len(k))
    for jitter in (1e-10, 1e-8, 1e-6, 1e-4):
        try:
            return np.linalg.cholesky(k + (noise + jitter * scale) * eye)
        except np.linalg.LinAlgError:
            continue
    raise np.linalg.LinAlgError("GP covariance not positive definite even with jitter")


def _chol_solve(factor: np.ndarray, b: np.ndarray) -> np.ndarray:
    from scipy.linalg import solve_triangular

    tmp = solve_triangular(factor, b, lower=True)
    return solve_triangular(factor.T, tmp, lower=False)


# --------------------------------------------------------------------------- mgcv-grade


MAX_DESIGN_CELLS = 150_000_000
"""Largest GAM design matrix, in cells (1.2 GB): a tensor product of four inputs (256
coefficients) on up to about 580,000 samples."""

SPLINE_FORMS = ("te", "additive")
"""Forms of :func:`fit_spline`: a tensor product ``te()`` or an additive ``s() + s()``."""


def default_basis(columns: int) -> int:
    """Basis functions per input: 10 for one input (mgcv's default for ``s()``: with 5,
    as voi's ``te(x)``, a skewed input's bulk gets too few knots and the estimate moved
    by 6% on voi's example), and for tensor products voi's ``te(..., bs = "cr")``
    margins, mgcv's default of 5, 4 from four inputs on (4^4 = 256 coefficients)."""
    if columns == 1:
        return 10
    return 5 if columns < 4 else 4


def fit_spline(
    x: np.ndarray,
    y: np.ndarray,
    form: str = "te",
    basis: int | None = None,
    criterion: str = "reml",
    placement: str = "rank",
) -> Fit:
    """mgcv-grade penalised cubic regression spline of every output on a few inputs.

    Parameters
    ----------
    x : ndarray, shape (n, d)
        The group's input values, linearly independent columns (see
        :func:`~dsc_econ.sensitivity.gam.independent_columns`).
    y : ndarray, shape (n, outputs)
    form : {"te", "additive"}
        ``"te"``: ``te(x1, ..., bs = "cr")``, interactions included (voi's default);
        ``"additive"``: ``s(x1, bs = "cr") + ...``, no interactions, ``basis`` per
        input.
    basis : int, optional
        Basis functions per input (per margin of a tensor product); default
        :func:`default_basis`. The curvature penalty makes the estimate insensitive to
        it (it mainly bounds how wiggly a fit can be).
    criterion : {"gcv", "reml"}
        How the smoothing parameters are chosen (see
        :func:`~dsc_econ.sensitivity.gam.fit_penalised`).
    placement : {"rank", "x"}
        Where each input's basis and curvature penalty live
        (:func:`~dsc_econ.sensitivity.gam.margin`). ``"rank"`` (default): a cubic
        regression spline on the input's empirical distribution function (knots
        evenly spaced in it, so at quantiles of the input, each interval holding the
        same share of the sample; penalty ``int f''(u)^2 du``) plus the input itself,
        unpenalised; on a skewed input the EVPPI then moves by well under 1% from 10 to
        40 basis functions. ``"x"``: mgcv's, curvature measured in x, as R voi's
        ``te(..., bs = "cr")`` (reproduces its values); on an input with a long tail,
        or one bunched against a bound, the fit can move with the basis size.
    """
    from .gam import additive_design, fit_penalised, tensor_design

    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if form not in SPLINE_FORMS:
        raise ValueError(f"form must be one of {SPLINE_FORMS}, got {form!r}")
    d = x.shape[1]
    k = int(basis) if basis is not None else default_basis(d)
    if k < 3:
        raise ValueError(f"basis must be 3 or more functions per input, got {k}")
    per = max(k, 4) if placement == "rank" else k  # a rank margin: at least 3 cr + x
    width = per**d if form == "te" else 1 + d * per
    if len(x) * width > MAX_DESIGN_CELLS:
        raise ValueError(
            f"a GAM with {width} coefficients on {len(x):,} samples needs a "
            f"{len(x) * width * 8 / 1e9:.1f} GB design matrix (limit "
            f"{MAX_DESIGN_CELLS * 8 / 1e9:.1f} GB): use fewer samples, a smaller basis "
            "or method='additive'"
        )
    design, penalties = (tensor_design if form == "te" else additive_design)(
        x, k, placement
    )
    fit = fit_penalised(design, penalties, y, criterion)
    factors: dict[int, np.ndarray] = {}

    def draw(
        j: int, size: int, rng: np.random.Generator, subset: np.ndarray | None
    ) -> np.ndarray:
        if j not in factors:  # a square root of Vp; eigh copes with a singular one
            ev, vec = np.linalg.eigh(fit.vp[j])
            factors[j] = vec * np.sqrt(np.clip(ev, 0.0, None))
        rows = design if subset is None else design[subset]
        beta = fit.coef[:, j][:, None] + factors[j] @ rng.standard_normal(
            (design.shape[1], size)
        )
        return (rows @ beta).T

    names = (
        "te(" + ", ".join(f"x{i + 1}" for i in range(d)) + ")"
        if form == "te"
        else (" + ".join(f"s(x{i + 1})" for i in range(d)))
    )
    edf = ", ".join(f"{e:.1f}" for e in fit.edf)
    placed = (
        "on each input's ranks (curvature penalty there) plus the input linearly"
        if placement == "rank"
        else "in x (curvature penalty in x, as mgcv)"
    )
    detail = (
        f"GAM {names}, cubic regression splines {placed}, {k} basis "
        f"functions per input, {design.shape[1]} coefficients, smoothing by "
        f"{criterion.upper()} (edf {edf})"
    )
    return Fit(
        fitted=fit.fitted,
        r_squared=_r_squared(y, fit.fitted),
        residual_p=residual_check(y, fit.fitted),
        method="gam",
        detail=detail,
        rows=np.arange(len(x)),
        _draw=draw,
    )
