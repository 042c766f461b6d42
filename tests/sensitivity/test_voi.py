"""Value of information: EVPI and regression-based EVPPI, validated against a closed form
(linear-Gaussian) and a two-level nested Monte Carlo of the model itself."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr
from scipy import stats

import dsc_econ as dsc
from dsc_econ import sensitivity as sens
from dsc_econ.sensitivity.distributions import did_distribution, load_uncertainty
from dsc_econ.sensitivity.smoothers import fit_additive, fit_gam, fit_multi, residual_check
from dsc_econ.sensitivity.voi import (
    PROGRAMME,
    evpi,
    evppi,
    input_groups,
    input_values,
    net_benefits,
    voi,
)


@pytest.fixture(scope="module")
def uncertainty():
    return load_uncertainty()


def _nb(inc: np.ndarray, site: str = "x") -> xr.DataArray:
    """Two options, comparator 0, incremental net benefit ``inc``."""
    data = np.stack([np.zeros_like(inc), inc], axis=-1)[:, None, :]
    return xr.DataArray(
        data,
        dims=("sample", "site", "option"),
        coords={"site": [site], "option": ["do not", "continue"]},
    )


def _expected_max0(mean: float, sd: float) -> float:
    """E[max(Z, 0)] for Z ~ N(mean, sd^2)."""
    if sd == 0:
        return max(mean, 0.0)
    z = mean / sd
    return mean * stats.norm.cdf(z) + sd * stats.norm.pdf(z)


# --------------------------------------------------------------------------- EVPI


def test_evpi_by_hand_and_scaled_by_decisions():
    nb = _nb(np.array([-2.0, 1.0, 3.0, -1.0]))
    ds = evpi(nb)
    # mean 0.25 > 0: continue; losses where continue loses: 2 and 1 -> mean 0.75
    assert float(ds.evpi.sel(site="x")) == pytest.approx(0.75)
    assert ds.best_option.sel(site="x").item() == "continue"
    assert float(ds.prob_best.sel(site="x", option="continue")) == 0.5
    loss = np.array([2.0, 0.0, 0.0, 1.0])
    assert float(ds.evpi_se.sel(site="x")) == pytest.approx(loss.std(ddof=1) / 2)
    assert ds.attrs["scale"] == "per decision" and ds.evpi.attrs["units"]
    scaled = evpi(nb, decisions=40)
    assert float(scaled.evpi.sel(site="x")) == pytest.approx(30.0)
    assert "40 decisions" in scaled.attrs["scale"]
    with pytest.raises(ValueError, match="decisions must be a positive"):
        evpi(nb, decisions=0)


def test_no_uncertainty_about_the_choice_means_no_value():
    ds = evpi(_nb(np.linspace(5, 10, 50)))
    assert float(ds.evpi.sel(site="x")) == 0.0


# --------------------------------------------------------------------------- decision


def test_net_benefits_per_site_and_programme(params, uncertainty):
    result = sens.psa(params, uncertainty, n=200, chunked=False, progress=False)
    nb = net_benefits(result)
    assert nb.dims == ("sample", "site", "option")
    assert list(nb.option.values) == ["do not", "continue"]
    assert list(nb.site.values) == [*params.impact_sites(), PROGRAMME]
    np.testing.assert_allclose(nb.sel(option="do not"), 0.0)
    np.testing.assert_allclose(
        nb.sel(option="continue", site="3"), result.npv.sel(site="3")
    )
    np.testing.assert_allclose(
        nb.sel(option="continue", site=PROGRAMME), result.npv.sum("site")
    )
    assert nb.attrs["units"] == "GBP thousand"


def test_user_options_and_clear_errors(params, uncertainty):
    result = sens.psa(
        params, uncertainty, n=200, sites=["2"], chunked=False, progress=False
    )

    def extend(ds):
        npv = ds.npv.sel(site="2")
        more = npv + 2 * (ds.total_benefit.sel(site="2") - 150.0)
        return xr.concat([0 * npv, npv, more], "option").assign_coords(
            option=["stop", "continue", "extend"]
        )

    nb = net_benefits(result, extend)
    assert list(nb.option.values) == ["stop", "continue", "extend"]
    assert list(nb.site.values) == [PROGRAMME]
    ds = evpi(nb)
    assert ds.expected_nb.sizes["option"] == 3
    broken = result.copy()
    broken["npv"] = broken.npv.where(broken.sample != 5)
    with pytest.raises(ValueError, match=r"option 'continue' at site 2 is nan in sample 5"):
        net_benefits(broken)
    with pytest.raises(ValueError, match="keep_samples=True"):
        net_benefits(result.drop_vars("npv"))


def test_input_values_are_physical(params, uncertainty):
    result = sens.psa(params, uncertainty, n=500, chunked=False, progress=False)
    values = input_values(uncertainty, result.inputs.values, params)
    unit = result.inputs.sel(parameter="abstinence").values
    np.testing.assert_allclose(
        values.sel(parameter="abstinence"), uncertainty.input("abstinence").quantile(unit)
    )
    assert float(values.sel(parameter="abstinence").min()) >= 0.41
    # A DiD input's columns are the site's sampled differences in differences, centred
    # on the point estimate from the counts.
    mean, chol = did_distribution(params, "3")
    et = values.sel(parameter="did_site_3_et")
    assert float(et.mean()) == pytest.approx(mean[0], abs=4 * chol[0, 0] / np.sqrt(500))
    assert float(et.std()) == pytest.approx(chol[0, 0], rel=0.15)


def test_input_groups_cover_groups_and_their_members(uncertainty):
    groups = input_groups(uncertainty)
    assert groups["site_costs"]["kind"] == "group"
    assert len(groups["site_costs"]["columns"]) == 6
    assert groups["costs_site_4"] == {"columns": ["costs_site_4"], "kind": "input"}
    assert groups["did_site_5"]["columns"] == ["did_site_5_et", "did_site_5_sc"]
    n_groups = len(dict.fromkeys(uncertainty.groups))
    assert list(groups)[:n_groups] == list(dict.fromkeys(uncertainty.groups))


# --------------------------------------------------------------------------- smoothers


def test_gam_recovers_a_smooth_curve_and_flags_a_stiff_fit():
    rng = np.random.default_rng(3)
    x = rng.uniform(-2, 2, size=(4000, 1))
    truth = np.sin(2 * x[:, 0])
    y = (truth + 0.3 * rng.standard_normal(4000))[:, None]
    fit = fit_gam(x, y)
    assert np.abs(fit.fitted[:, 0] - truth).max() < 0.15
    assert fit.r_squared[0] == pytest.approx(np.var(truth) / np.var(y), abs=0.03)
    assert fit.residual_p[0] > 0.001
    # A straight line through a sine leaves a trend the residual check sees.
    line = np.polyval(np.polyfit(x[:, 0], y[:, 0], 1), x[:, 0])[:, None]
    assert residual_check(y, line)[0] < 1e-6


def test_multi_input_smoother_does_not_read_noise_as_signal():
    rng = np.random.default_rng(4)
    x = rng.normal(size=(3000, 4))
    y = np.stack(
        [x[:, 0] * x[:, 1] + 0.2 * rng.standard_normal(3000), rng.standard_normal(3000)],
        axis=1,
    )
    fit = fit_multi(x, y, seed=1)
    assert fit.r_squared[0] > 0.9  # an interaction: the GP is kept
    assert fit.r_squared[1] < 0.01  # pure noise: nothing fitted
    assert fit_additive(x, y).r_squared[0] < 0.05  # an additive model misses it


# --------------------------------------------------------------------------- validation


def test_linear_gaussian_evppi_matches_the_closed_form():
    """NB = a + b . theta, theta ~ N(0, I): E[NB | theta_G] ~ N(a, sum_G b^2), so
    EVPPI_G = E[max(Z, 0)] - max(a, 0) in closed form."""
    rng = np.random.default_rng(20121)
    n, a, b = 10_000, 0.3, np.array([1.0, 0.6, 0.3])
    theta = rng.standard_normal((n, 3))
    nb = _nb(a + theta @ b)
    values = xr.DataArray(
        theta, dims=("sample", "parameter"), coords={"parameter": ["t1", "t2", "t3"]}
    )
    groups = {
        "t1": ["t1"],
        "t2": ["t2"],
        "t3": ["t3"],
        "t1+t2": ["t1", "t2"],
        "all": ["t1", "t2", "t3"],
    }
    ds = evppi(nb, values, groups, progress=False)
    full = evpi(nb)
    value = float(full.evpi.sel(site="x"))
    exact_evpi = _expected_max0(a, np.sqrt((b**2).sum())) - a
    assert value == pytest.approx(exact_evpi, abs=4 * float(full.evpi_se.sel(site="x")))
    for name, cols in groups.items():
        sd = np.sqrt(sum(b[int(c[1]) - 1] ** 2 for c in cols))
        exact = _expected_max0(a, sd) - a
        est = float(ds.evppi.sel(site="x", group=name))
        se = float(ds.evppi_se.sel(site="x", group=name))
        assert 0 < se < 0.05
        assert est == pytest.approx(exact, abs=4 * se + 0.003), name
        assert est <= value + 2 * se
    # all inputs together: EVPPI = EVPI (the fit is exact for a deterministic model)
    assert float(ds.evppi.sel(site="x", group="all")) == pytest.approx(value, rel=0.01)
    assert float(ds.r_squared.sel(site="x", group="all")) > 0.999
    # voi's regression: te() of cubic regression splines up to four inputs
    assert ds.method.sel(group="t1").item().startswith("GAM te(x1)")
    assert ds.method.sel(group="all").item().startswith("GAM te(x1, x2, x3)")


def test_groups_of_five_or_more_inputs_go_to_a_gp_checked_against_an_additive_gam():
    """The documented method choice (voi's: a GAM for up to four inputs, a GP for more),
    counted in independent inputs, on cases with a known EVPPI: six inputs acting
    linearly (closed form; the additive GAM is kept) and five with an interaction
    t1 x t2 (a 2,000,000-draw reference of the known conditional mean; the GP is kept,
    and an additive model alone would miss half the value)."""
    import pandas as pd

    rng = np.random.default_rng(11)
    n, a = 10_000, 0.25
    b = np.array([0.5, 0.4, 0.35, 0.3, 0.25, 0.2])
    t = rng.standard_normal((n, 7))
    draws = pd.DataFrame(t, columns=[f"t{i + 1}" for i in range(7)])
    nb = np.column_stack([np.zeros(n), a + t[:, :6] @ b + 0.6 * t[:, 6]])
    six = [f"t{i + 1}" for i in range(6)]
    ds = dsc.voi.evppi(nb, draws, {"six": six}, draws=100)
    exact = _expected_max0(a, float(np.sqrt((b**2).sum()))) - a
    se = float(ds.evppi_se.item())
    assert float(ds.evppi.item()) == pytest.approx(exact, abs=4 * se + 0.003)
    assert "Gaussian process on 6 inputs" in ds.method.item()
    assert "GP kept for 0 of 1" in ds.method.item()  # no interaction: additive GAM
    # five columns of which one is a linear combination: four inputs, a GAM
    draws["sum"] = draws.t1 + draws.t2
    four = dsc.voi.evppi(nb, draws, {"g": ["t1", "t2", "t3", "sum", "t4"]}, draws=0)
    assert four.method.item().startswith("GAM te(x1, x2, x3, x4)")
    assert four.dropped.item() == "sum"

    n = 5000
    t = rng.standard_normal((n, 6))

    def mean_given(v: np.ndarray) -> np.ndarray:
        return 0.2 + v[:, 0] * v[:, 1] + 0.5 * v[:, 2] + 0.3 * v[:, 3] + 0.2 * v[:, 4]

    draws = pd.DataFrame(t, columns=[f"t{i + 1}" for i in range(6)])
    nb = np.column_stack([np.zeros(n), mean_given(t) + 0.8 * t[:, 5]])
    big = mean_given(np.random.default_rng(12).standard_normal((2_000_000, 5)))
    reference = float(np.mean(np.maximum(big, 0)) - max(big.mean(), 0))
    five = {"five": [f"t{i + 1}" for i in range(5)]}
    ds = dsc.voi.evppi(nb, draws, five, draws=100)
    assert "GP kept for 1 of 1" in ds.method.item()
    est, se = float(ds.evppi.item()), float(ds.evppi_se.item())
    assert abs(est - reference) < 3 * se + 0.01 * reference, (est, reference, se)
    additive = float(
        dsc.voi.evppi(nb, draws, five, draws=0, method="additive").evppi.item()
    )
    assert additive < 0.6 * reference


def _nested_evppi(params, uncertainty, site, columns, n_outer, n_inner, seed):
    """Two-level Monte Carlo: draw the group's inputs (outer), average the NPV over the
    other inputs (inner), EVPPI = mean max(E[NB | g], 0) - max(mean, 0)."""
    rng = np.random.default_rng(seed)
    idx = [uncertainty.columns.index(c) for c in columns]
    outer = rng.random((n_outer, len(idx)))
    unit = rng.random((n_outer * n_inner, len(uncertainty.columns)))
    unit[:, idx] = np.repeat(outer, n_inner, axis=0)
    npv = sens.evaluate(params, uncertainty, unit, [site])["npv"][:, 0]
    conditional = npv.reshape(n_outer, n_inner).mean(axis=1)
    loss = np.maximum(conditional, 0) - max(conditional.mean(), 0)
    return loss.mean(), loss.std(ddof=1) / np.sqrt(n_outer)


@pytest.mark.parametrize(("site", "group"), [("7", "did_site_7"), ("4", "did_site_4")])
def test_regression_evppi_agrees_with_nested_monte_carlo(params, uncertainty, site, group):
    columns = input_groups(uncertainty)[group]["columns"]
    nested, nested_se = _nested_evppi(params, uncertainty, site, columns, 1000, 200, 7)
    result = sens.psa(
        params, uncertainty, n=10_000, sites=[site], chunked=False, progress=False
    )
    nb = net_benefits(result)
    values = input_values(uncertainty, result.inputs.values, params)
    ds = evppi(nb, values, {group: columns, "abstinence": ["abstinence"]}, progress=False)
    est = float(ds.evppi.sel(site=site, group=group))
    se = float(ds.evppi_se.sel(site=site, group=group))
    assert nested > 0 and est > 0
    assert abs(est - nested) < 3 * np.hypot(se, nested_se)
    full = evpi(nb)
    assert est <= float(full.evpi.sel(site=site)) + 2 * se
    # abstinence barely moves the decision at these sites
    assert float(ds.evppi.sel(site=site, group="abstinence")) < 0.1 * est


def test_voi_on_the_bundled_defaults(params, uncertainty):
    groups = {
        k: v
        for k, v in input_groups(uncertainty).items()
        if k in ("did_site_4", "harm_level", "site_costs", "costs_site_4")
    }
    ds = voi(
        params,
        uncertainty,
        n=3000,
        groups=groups,
        progress=False,
        gp_options={"fit_rows": 150, "condition_rows": 500},
    )
    assert set(ds.evppi.dims) == {"site", "group"}
    assert list(ds.site.values) == [*params.impact_sites(), PROGRAMME]
    assert ds.evpi.attrs["units"] == ds.evppi.attrs["units"] == "GBP thousand"
    assert ds.attrs["scale"] == "per decision" and ds.attrs["analysis"] == "voi"
    assert (ds.evppi >= 0).all()
    assert (ds.evppi <= ds.evpi + 3 * ds.evppi_se + 1e-9).all()
    assert float(ds.evppi_share.sel(site="4", group="did_site_4")) > 0.8
    # the six cost multipliers barely matter next to the DiD: no spurious value
    assert float(ds.evppi.sel(site="4", group="site_costs")) < 0.05 * float(
        ds.evpi.sel(site="4")
    )
