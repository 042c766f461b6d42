"""mgcv-grade EVPPI regression (sensitivity.gam): the cubic regression spline basis and
its curvature penalty, smoothing by GCV/REML, stability in the basis size, dropping of
linearly dependent inputs, and a brute-force nested Monte Carlo check."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import dsc_econ as dsc
from dsc_econ.sensitivity.gam import (
    additive_design,
    cr_basis,
    fit_penalised,
    independent_columns,
    place_knots,
    tensor_design,
)


def test_knots_are_placed_through_the_data_as_mgcv_does():
    # mgcv's place.knots(0:9, 4) is 0, 3, 6, 9; with uneven data, between data points
    np.testing.assert_allclose(place_knots(np.arange(10.0), 4), [0, 3, 6, 9])
    np.testing.assert_allclose(place_knots(np.array([0, 1, 2, 10.0]), 3), [0, 1.5, 10])


def test_penalty_is_the_integrated_squared_second_derivative_in_x():
    """beta' S beta equals int f''(x)^2 dx computed numerically on the input's scale,
    for knots far from evenly spaced (a skewed input)."""
    rng = np.random.default_rng(0)
    x = rng.lognormal(0, 1, 5000)
    design, penalty, knots = cr_basis(x, 8)
    assert design.shape == (5000, 8)
    beta = rng.normal(size=8)
    grid = np.linspace(knots[0], knots[-1], 200_001)
    f = cr_basis_at(grid, x, 8) @ beta
    second = np.gradient(np.gradient(f, grid), grid)
    numeric = np.trapezoid(second[2:-2] ** 2, grid[2:-2])
    assert beta @ penalty @ beta == pytest.approx(numeric, rel=2e-3)
    # the basis interpolates: coefficients are the function's values at the knots
    np.testing.assert_allclose(cr_basis_at(knots, x, 8) @ beta, beta, atol=1e-12)
    # straight lines are not penalised
    assert knots @ penalty @ knots == pytest.approx(0, abs=1e-8 * knots @ knots)


def cr_basis_at(points: np.ndarray, data: np.ndarray, k: int) -> np.ndarray:
    from dsc_econ.sensitivity.gam import _cr_eval, _cr_maps

    knots = place_knots(data, k)
    return _cr_eval(points, knots, _cr_maps(knots)[0])


def test_gcv_and_reml_recover_a_smooth_curve():
    rng = np.random.default_rng(3)
    x = rng.uniform(-2, 2, size=(4000, 1))
    truth = np.sin(2 * x[:, 0])
    y = np.column_stack([truth + 0.3 * rng.standard_normal(4000), np.zeros(4000)])
    design, penalties = tensor_design(x, 12)
    for criterion in ("gcv", "reml"):
        fit = fit_penalised(design, penalties, y, criterion)
        assert np.abs(fit.fitted[:, 0] - truth).max() < 0.1, criterion
        assert 4 < fit.edf[0] < 12
        np.testing.assert_allclose(fit.fitted[:, 1], 0, atol=1e-9)  # a zero output
    with pytest.raises(ValueError, match="criterion"):
        fit_penalised(design, penalties, y, "aic")


def test_additive_design_is_centred_and_has_a_penalty_per_input():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(500, 2))
    design, penalties = additive_design(x, 6)
    assert design.shape == (500, 1 + 5 + 5) and len(penalties) == 2
    np.testing.assert_allclose(design[:, 1:].sum(axis=0), 0, atol=1e-9)


def test_independent_columns_keeps_the_first_of_a_dependent_set():
    rng = np.random.default_rng(2)
    a, b = rng.normal(size=(2, 300))
    x = np.column_stack([a, b, a + b, np.full(300, 4.0), 2 * a - 1])
    assert independent_columns(x).tolist() == [0, 1]


# --------------------------------------------------------------------------- EVPPI


def _model(n: int, seed: int):
    """A small model not of this package: INB = 400 (a b - 1.1) + 300 c, with a
    skewed (log-normal) input a, an interaction a x b and an unrelated input c."""
    rng = np.random.default_rng(seed)
    draws = pd.DataFrame(
        {
            "a": rng.lognormal(0.0, 0.5, n),
            "b": rng.normal(1.0, 0.3, n),
            "c": rng.normal(0.0, 1.0, n),
        }
    )
    inb = 400 * (draws.a * draws.b - 1.1) + 300 * draws.c
    nb = np.column_stack([np.zeros(n), inb])
    return nb, draws


def _nested(
    columns: list[str], n_outer: int, n_inner: int, seed: int
) -> tuple[float, float]:
    """Brute-force two-level Monte Carlo: for each outer draw of ``columns``, the mean
    INB over ``n_inner`` fresh draws of the other inputs."""
    outer = _model(n_outer, seed)[1]
    inner = _model(n_outer * n_inner, seed + 1)[1]
    for col in columns:
        inner[col] = np.repeat(outer[col].to_numpy(), n_inner)
    inb = 400 * (inner.a * inner.b - 1.1) + 300 * inner.c
    g = inb.to_numpy().reshape(n_outer, n_inner).mean(axis=1)
    loss = np.maximum(g, 0) - max(g.mean(), 0)
    return float(loss.mean()), float(loss.std(ddof=1) / np.sqrt(n_outer))


def test_evppi_agrees_with_brute_force_nested_monte_carlo():
    nb, draws = _model(20_000, 5)
    ds = dsc.voi.evppi(nb, draws, ["a", ["a", "b"], "c"], draws=50, seed=1)
    for group, cols in (("a", ["a"]), ("a+b", ["a", "b"])):
        nested, nested_se = _nested(cols, 4000, 400, 11)
        est = float(ds.evppi.sel(group=group))
        se = float(ds.evppi_se.sel(group=group))
        assert abs(est - nested) < 3 * np.hypot(se, nested_se) + 0.01 * nested, group
    evpi = float(dsc.voi.evpi(nb).evpi)
    assert (ds.evppi <= evpi).all()
    # both kinds of standard error are reported, and combine to the total
    np.testing.assert_allclose(ds.evppi_se, np.hypot(ds.evppi_fit_se, ds.evppi_mc_se))
    assert (ds.evppi_fit_se > 0).all() and (ds.evppi_mc_se > 0).all()
    # ... and the result says what each includes and how it is computed
    text = ds.attrs["standard_error"]
    assert "50 draws of the fitted function" in text
    assert "evppi_se = sqrt(evppi_fit_se^2 + evppi_mc_se^2)" in text
    assert "held fixed" in text and "over sqrt(samples)" in text
    no_draws = dsc.voi.evppi(nb, draws, "c", draws=0).attrs["standard_error"]
    assert "not estimated (0 draws)" in no_draws


def test_evppi_is_stable_as_the_basis_grows():
    """The curvature penalty acts in x: 5 to 40 basis functions move the EVPPI of a
    skewed input by well under 1% (a neighbour-difference penalty on quantile knots
    moved it by 5%)."""
    nb, draws = _model(10_000, 7)
    values = [
        float(dsc.voi.evppi(nb, draws, "a", draws=0, basis=k).evppi.item())
        for k in (5, 10, 20, 40)
    ]
    assert max(values) / min(values) - 1 < 0.01, values
    pair = [
        float(dsc.voi.evppi(nb, draws, [["a", "b"]], draws=0, basis=k).evppi.item())
        for k in (5, 8, 12)
    ]
    assert max(pair) / min(pair) - 1 < 0.01, pair


def test_a_linear_combination_of_inputs_is_dropped_and_named():
    nb, draws = _model(5000, 9)
    draws["a_plus_b"] = draws.a + draws.b
    draws["fixed"] = 2.0
    ds = dsc.voi.evppi(
        nb, draws, [["a", "b"], ["a", "b", "a_plus_b"], ["a", "b", "fixed"]], draws=0
    )
    values = ds.evppi.values
    assert values[1] == pytest.approx(values[0], rel=1e-9)
    assert values[2] == pytest.approx(values[0], rel=1e-9)
    assert ds.dropped.values.tolist() == ["", "a_plus_b", "fixed"]


def test_method_choice_and_refusals():
    nb, draws = _model(3000, 4)
    te = dsc.voi.evppi(nb, draws, [["a", "b"]], draws=0)
    add = dsc.voi.evppi(nb, draws, [["a", "b"]], draws=0, method="additive")
    gcv = dsc.voi.evppi(nb, draws, [["a", "b"]], draws=0, smoothing="gcv")
    assert "te(x1, x2)" in te.method.item() and "REML" in te.method.item()
    assert "s(x1) + s(x2)" in add.method.item()
    assert "GCV" in gcv.method.item()
    # a pure interaction, which an additive model cannot see and te() can
    inter = np.column_stack(
        [np.zeros(len(draws)), 1000 * (draws.a - draws.a.mean()) * (draws.b - 1) + 20]
    )
    te_i = float(dsc.voi.evppi(inter, draws, [["a", "b"]], draws=0).evppi.item())
    add_i = float(
        dsc.voi.evppi(inter, draws, [["a", "b"]], draws=0, method="additive").evppi.item()
    )
    assert te_i == pytest.approx(float(dsc.voi.evpi(inter).evpi), rel=0.02)
    assert add_i < 0.2 * te_i
    gp = dsc.voi.evppi(
        nb,
        draws,
        [["a", "b", "c"]],
        draws=0,
        method="gp",
        gp_options={"fit_rows": 100, "condition_rows": 300},
    )
    assert "Gaussian process" in gp.method.item()
    with pytest.raises(ValueError, match="method: expected one of"):
        dsc.voi.evppi(nb, draws, "a", method="loess")
    with pytest.raises(ValueError, match="smoothing: expected"):
        dsc.voi.evppi(nb, draws, "a", smoothing="aic")
    with pytest.raises(ValueError, match="basis: expected a whole number"):
        dsc.voi.evppi(nb, draws, "a", basis=2)


def test_a_design_matrix_too_large_is_refused_before_it_is_built(monkeypatch):
    from dsc_econ.sensitivity import smoothers

    monkeypatch.setattr(smoothers, "MAX_DESIGN_CELLS", 10_000)
    x = np.random.default_rng(0).normal(size=(1000, 2))
    with pytest.raises(ValueError, match="25 coefficients on 1,000 samples"):
        smoothers.fit_spline(x, x[:, :1])


# --------------------------------------------------------------------------- skewed


def _quad_normal(f, lo: float, hi: float) -> float:
    """``int_lo^hi f(u) phi(u) du``, phi the standard normal density."""
    from scipy import integrate, stats

    return integrate.quad(lambda u: f(u) * stats.norm.pdf(u), lo, hi, limit=400)[0]


def _saturating(x: np.ndarray) -> np.ndarray:
    """Incremental net benefit as a function of a log-normal input: rises steeply,
    then saturates (the decision switches at x = -log(1 - 330/600) ~ 0.80)."""
    return 600 * (1 - np.exp(-x)) - 330


def _skewed_case(n: int, seed: int):
    rng = np.random.default_rng(seed)
    draws = pd.DataFrame({"x": rng.lognormal(0.0, 1.0, n), "z": rng.normal(size=n)})
    inb = _saturating(draws.x.to_numpy()) + 200 * draws.z.to_numpy()
    return np.column_stack([np.zeros(n), inb]), draws


def test_skewed_input_evppi_is_stable_in_the_basis_and_near_the_truth():
    """A log-normal input (sd_log 1: the top 1% of draws spread over x = 10 to 100):
    10 and 40 basis functions agree within 1%, and both are within a few % of the
    analytic EVPPI (quadrature over the input's distribution) and of the EVPPI of the
    same sample with the conditional expectation known (the regression's own error)."""
    g = _saturating
    root = float(np.log(-np.log(1 - 330 / 600)))  # g(exp(u)) = 0
    mean = _quad_normal(lambda u: g(np.exp(u)), -12, 12)
    assert mean > 0  # "continue" is best on average; the loss is where g < 0
    truth = _quad_normal(lambda u: -g(np.exp(u)), -12, root)
    nb, draws = _skewed_case(20_000, 3)
    g_true = g(draws.x.to_numpy())
    exact = float(np.mean(np.maximum(-g_true, 0)))  # this sample, g known
    ds10 = dsc.voi.evppi(nb, draws, "x", basis=10, draws=100, seed=1)
    e10 = float(ds10.evppi.item())
    e40 = float(dsc.voi.evppi(nb, draws, "x", basis=40, draws=0).evppi.item())
    assert abs(e40 / e10 - 1) < 0.01, (e10, e40)
    for est in (e10, e40):
        assert abs(est / exact - 1) < 0.04, (est, exact)
        assert abs(est / truth - 1) < 0.05, (est, truth)
        assert abs(est - truth) < 3 * float(ds10.evppi_se.item()), (est, truth)
    assert "ranks" in ds10.method.item()


def test_input_bunched_against_a_bound_is_stable_in_the_basis():
    """A utility near 1 (Beta, mean 0.98, sd 0.028, skewness -2.7, as the R package
    voi's u_recovery) with a linear effect: 10, 20 and 40 basis functions agree within
    1%, and with the EVPPI of the same sample with the conditional expectation known
    to within the fit's standard error (the signal is small beside the noise).
    (mgcv's placement, knots at quantiles but curvature measured in x, moved by 3.5%
    here: its tail intervals hold few draws.)"""
    m, s = 0.98, 0.0283
    a = ((1 - m) / s**2 - 1 / m) * m**2
    rng = np.random.default_rng(0)
    n = 10_000
    draws = pd.DataFrame({"u": rng.beta(a, a * (1 / m - 1), n), "z": rng.normal(size=n)})
    g = 3000 * (draws.u.to_numpy() - 0.98) + 30
    nb = np.column_stack([np.zeros(n), g + 400 * draws.z.to_numpy()])
    fits = [dsc.voi.evppi(nb, draws, "u", draws=100, basis=k) for k in (10, 20, 40)]
    values = [float(ds.evppi.item()) for ds in fits]
    assert max(values) / min(values) - 1 < 0.01, values
    exact = float(np.mean(np.maximum(-g, 0)))
    assert abs(values[0] - exact) < 3 * float(fits[0].evppi_fit_se.item())


def test_rank_basis_holds_the_input_linearly_and_spreads_knots_by_quantile():
    from dsc_econ.sensitivity.gam import margin, rank_basis, rank_scale

    rng = np.random.default_rng(4)
    x = rng.lognormal(0, 1, 2000)
    u = rank_scale(x)
    assert u.min() == pytest.approx(0.5 / 2000) and u.max() == pytest.approx(1 - 0.25e-3)
    np.testing.assert_allclose(np.sort(u), (np.arange(2000) + 0.5) / 2000)
    design, penalty = rank_basis(x, 10)
    assert design.shape == (2000, 10)  # 9 spline functions in u, plus x
    # a straight line in x and a straight line in u cost nothing
    for target in (x, u, np.ones(2000)):
        coef, *_ = np.linalg.lstsq(design, target, rcond=None)
        np.testing.assert_allclose(design @ coef, target, atol=1e-8 * np.abs(target).max())
        assert coef @ penalty @ coef == pytest.approx(0, abs=1e-8 * (coef @ coef))
    # a binary input: constant and the input, no penalty
    b = (x > 1).astype(float)
    design, penalty = margin(b, 10)
    assert design.shape == (2000, 2) and not penalty.any()
    with pytest.raises(ValueError, match="placement must be one of"):
        margin(x, 5, "log")


def test_binary_and_three_valued_inputs_give_the_group_means_evppi():
    """With two or three distinct values the regression is the group means, so the
    EVPPI is exact (mgcv's cr basis, placement="x", needs three or more values)."""
    rng = np.random.default_rng(0)
    n = 3000
    draws = pd.DataFrame(
        {
            "b": (rng.random(n) < 0.3).astype(float),
            "t": rng.integers(0, 3, n).astype(float),
            "x": rng.normal(size=n),
        }
    )
    inc = 100 * (draws.b - 0.3) + 50 * draws.x + 30 * (draws.t - 1)
    inc = (inc + 20 * rng.normal(size=n)).to_numpy()
    nb = np.column_stack([np.zeros(n), inc])
    ds = dsc.voi.evppi(nb, draws, ["b", "t", ["b", "x"]], draws=0)
    for col in ("b", "t"):
        g = pd.Series(inc).groupby(draws[col]).transform("mean").to_numpy()
        exact = np.mean(np.maximum(g, 0)) - max(g.mean(), 0)
        assert float(ds.evppi.sel(group=col)) == pytest.approx(exact, rel=1e-6), col
    assert float(ds.evppi.sel(group="b+x")) > float(ds.evppi.sel(group="b"))
