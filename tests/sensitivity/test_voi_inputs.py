"""Value of information on a user's own samples (dsc.voi): numpy, pandas and xarray
in, costs and effects over willingness to pay, clear refusals."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import xarray as xr

import dsc_econ as dsc

N = 4000


def _model(n: int = N, seed: int = 1):
    """A two-option model not of this package: treat (cost c, response p) or not."""
    rng = np.random.default_rng(seed)
    p = rng.beta(20, 80, n)
    c = rng.gamma(10, 100, n)
    effects = np.column_stack([np.full(n, 0.5), 0.5 + 2 * (p - 0.15)])
    costs = np.column_stack([np.zeros(n), c])
    return costs, effects, pd.DataFrame({"p": p, "c": c})


def _evpi_by_hand(nb: np.ndarray) -> float:
    return float(nb.max(axis=1).mean() - nb.mean(axis=0).max())


def test_dsc_voi_is_the_module_and_sensitivity_voi_no_longer_hides_it():
    import dsc_econ.sensitivity as sens

    assert dsc.voi is sens.voi
    assert callable(sens.voi)  # the old whole-analysis call still works
    for name in ("evpi", "evppi", "ceac", "net_benefits", "population"):
        assert callable(getattr(dsc.voi, name)), name
        assert getattr(dsc.voi, name).__doc__


def test_import_dsc_econ_leaves_regression_stacks_unloaded():
    code = "import sys, dsc_econ as d; d.voi; print(any(m in sys.modules for m in ('sklearn', 'statsmodels')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip() == "False", out.stderr


def test_numpy_pandas_and_xarray_net_benefits_give_the_same_evpi():
    costs, effects, _ = _model()
    nb = effects * 20_000 - costs
    want = _evpi_by_hand(nb)
    frame = pd.DataFrame(nb, columns=["no", "treat"])
    da = xr.DataArray(nb, dims=("sample", "option"), coords={"option": ["no", "treat"]})
    for given in (nb, frame, da):
        ds = dsc.voi.evpi(given)
        assert ds.evpi.dims == ()
        assert float(ds.evpi) == pytest.approx(want, rel=1e-12)
        assert ds.evpi.attrs["units"] == "as given"
    assert dsc.voi.evpi(nb, units="GBP").evpi.attrs["units"] == "GBP"


def test_costs_and_effects_give_an_evpi_curve_and_a_ceac():
    costs, effects, _ = _model()
    k = [0, 10_000, 20_000, 50_000]
    curve = dsc.voi.evpi(costs=costs, effects=effects, wtp=k)
    assert curve.evpi.dims == ("wtp",)
    for j, kk in enumerate(k):
        assert float(curve.evpi[j]) == pytest.approx(_evpi_by_hand(effects * kk - costs))
    acc = dsc.voi.ceac(costs=costs, effects=effects, wtp=k)
    np.testing.assert_allclose(acc.sum("option"), 1.0)
    assert float(acc.sel(option="option 1", wtp=0)) == 0.0  # treating only costs at k=0
    share = ((effects[:, 1] - effects[:, 0]) * 50_000 > costs[:, 1]).mean()
    assert float(acc.sel(option="option 1", wtp=50_000)) == pytest.approx(share)


def test_extra_decision_dims_are_kept():
    costs, effects, _ = _model()
    nb = np.stack([effects * 20_000 - costs, effects * 30_000 - costs], axis=1)
    da = xr.DataArray(nb, dims=("sample", "group", "option"), coords={"group": ["a", "b"]})
    ds = dsc.voi.evpi(da)
    assert ds.evpi.dims == ("group",)
    assert float(ds.evpi.sel(group="b")) == pytest.approx(_evpi_by_hand(nb[:, 1]))


def test_evppi_from_a_dataframe_dict_or_xarray_of_draws():
    costs, effects, draws = _model()
    forms = (
        draws,
        {"p": draws.p.to_numpy(), "c": draws.c.to_numpy()},
        xr.DataArray(
            draws.to_numpy(), dims=("sample", "input"), coords={"input": ["p", "c"]}
        ),
    )
    got = [
        dsc.voi.evppi(
            costs=costs, effects=effects, wtp=[20_000], parameters=f, groups="p", draws=0
        ).evppi.values.ravel()[0]
        for f in forms
    ]
    np.testing.assert_allclose(got, got[0])
    ds = dsc.voi.evppi(
        costs=costs,
        effects=effects,
        wtp=[20_000],
        parameters=draws,
        groups=["p", "c", ["p", "c"]],
        draws=0,
    )
    assert list(ds.group.values) == ["p", "c", "p+c"]
    total = float(dsc.voi.evpi(costs=costs, effects=effects, wtp=[20_000]).evpi[0])
    both = float(ds.evppi.sel(group="p+c")[0])
    assert both == pytest.approx(total, rel=0.02)  # p and c are every uncertainty


def test_evppi_agrees_with_nested_monte_carlo_on_a_tiny_model():
    """INB = 20000 * 2 * (p - 0.15) - c: given p, E[INB | p] is exact (E[c] = 1000),
    so the nested (inner exact) EVPPI of p is mean(max(E[INB|p], 0)) - max(mean, 0)."""
    costs, effects, draws = _model(n=20_000, seed=3)
    inner = 20_000 * 2 * (draws.p.to_numpy() - 0.15) - 1000.0
    rng = np.random.default_rng(9)
    p_outer = rng.beta(20, 80, 400_000)
    g = 20_000 * 2 * (p_outer - 0.15) - 1000.0
    nested = float(np.maximum(g, 0).mean() - max(g.mean(), 0))
    ds = dsc.voi.evppi(
        costs=costs, effects=effects, wtp=[20_000], parameters=draws, groups="p", draws=0
    )
    assert float(ds.evppi[0, 0]) == pytest.approx(nested, rel=0.03)
    assert inner.size == 20_000


def test_clear_refusals():
    costs, effects, draws = _model(n=200)
    with pytest.raises(
        ValueError, match=r"nb: expected .*samples x options.*shape \(200,\)"
    ):
        dsc.voi.evpi(costs[:, 1])
    bad = costs.copy()
    bad[5, 1] = np.nan
    with pytest.raises(ValueError, match=r"costs: 1 value\(s\) are NaN"):
        dsc.voi.evpi(costs=bad, effects=effects, wtp=[1000])
    with pytest.raises(ValueError, match="missing: wtp"):
        dsc.voi.evpi(costs=costs, effects=effects)
    with pytest.raises(ValueError, match="same shape"):
        dsc.voi.evpi(costs=costs, effects=effects[:, :1].repeat(3, axis=1), wtp=[1])
    with pytest.raises(ValueError, match=r"EVPPI needs at least 100 samples .*got 50"):
        dsc.voi.evppi(costs[:50], parameters=draws.iloc[:50], groups="p")
    with pytest.raises(ValueError, match=r"'q' names unknown input\(s\) \['q'\]"):
        dsc.voi.evppi(costs, parameters=draws, groups="q")
    with pytest.raises(
        ValueError, match="parameters: 100 samples, but the net benefits have 200"
    ):
        dsc.voi.evppi(costs, parameters=draws.iloc[:100], groups="p")
    with pytest.raises(ValueError, match=r"sample.*option"):
        dsc.voi.evpi(xr.DataArray(costs, dims=("draw", "strategy")))


def test_population_discounts_the_decisions_informed():
    assert dsc.voi.population(10.0, per_period=100, horizon=3, rate=0.0) == pytest.approx(
        3000
    )
    assert dsc.voi.population(1.0, per_period=1, horizon=2, rate=0.035) == pytest.approx(
        1 + 1 / 1.035
    )
    with pytest.raises(ValueError, match="horizon"):
        dsc.voi.population(1.0, per_period=1, horizon=0)


def test_evsi_by_regression_rises_with_study_size_towards_the_evppi():
    costs, effects, draws = _model(n=8000, seed=5)
    kw = dict(costs=costs, effects=effects, wtp=[20_000])
    partial = float(dsc.voi.evppi(parameters=draws, groups="p", draws=0, **kw).evppi[0, 0])
    small = dsc.voi.study_summary(draws, "p", n=10, sd=0.5, seed=1)
    large = dsc.voi.study_summary(draws, "p", n=10_000, sd=0.5, seed=1)
    e_small = float(dsc.voi.evsi(summary=small, **kw).evsi[0])
    e_large = float(dsc.voi.evsi(summary=large, **kw).evsi[0])
    assert e_small < e_large <= partial * 1.02
    assert e_large == pytest.approx(partial, rel=0.05)
    value = dsc.voi.enbs(e_large, cost=50_000, per_period=100, horizon=1)
    assert value == pytest.approx(100 * e_large - 50_000)
    text = dsc.voi.statement("p", 1234567.4, n=200, cost=50_000, enbs_value=-1500.0)
    assert text == (
        "further research on p is worth up to £1,234,567; a study of 200 clients "
        "costing £50,000 has expected net benefit -£1,500"
    )


def test_evsi_by_moment_matching_matches_the_normal_closed_form():
    """theta ~ N(0, 1), INB = a + b theta + other; a study's mean xbar ~ N(theta, s^2/n)
    gives E[INB | xbar] ~ N(a, b^2 v), v = 1 / (1 + s^2 / n): EVSI in closed form
    (Heath et al. 2018's moment matching, posterior variances by importance sampling)."""
    from scipy import stats

    rng = np.random.default_rng(4)
    m, a, b = 20_000, 0.2, 1.0
    draws = pd.DataFrame({"t": rng.standard_normal(m), "o": rng.standard_normal(m)})
    nb = np.column_stack([np.zeros(m), a + b * draws.t + 0.5 * draws.o])

    def exact(v: float) -> float:
        sd = b * np.sqrt(v)
        return a * stats.norm.cdf(a / sd) + sd * stats.norm.pdf(a / sd) - a

    for n, s in ((10, 2.0), (100, 2.0)):
        v = 1 / (1 + s**2 / n)
        ds = dsc.voi.evsi_mm(nb, draws, "t", n=n, sd=s)
        assert float(ds.evsi) == pytest.approx(
            exact(v), abs=4 * float(ds.evsi_mc_se) + 0.01
        )
        assert "moment matching" in ds.attrs["method"]
    evppi = float(dsc.voi.evppi(nb, draws, "t", draws=0).evppi.item())
    assert float(dsc.voi.evsi_mm(nb, draws, "t", n=10, sd=2.0).evsi) < evppi
    # costs and effects over k: one EVSI per willingness to pay
    costs, effects, p_draws = _model()
    curve = dsc.voi.evsi_mm(
        costs=costs,
        effects=effects,
        wtp=[20_000, 30_000],
        parameters=p_draws,
        input="p",
        n=200,
        sd=0.5,
    )
    assert curve.evsi.dims == ("wtp",) and (curve.evsi >= 0).all()
    with pytest.raises(ValueError, match="so informative"):
        dsc.voi.evsi_mm(nb, draws, "t", n=10_000_000, sd=0.01)
    with pytest.raises(ValueError, match="input: expected one of"):
        dsc.voi.evsi_mm(nb, draws, "nope", n=10, sd=1.0)
