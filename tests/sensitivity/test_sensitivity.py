"""Sensitivity analyses: one-way, scenarios, threshold, Monte Carlo, Sobol, Morris."""

from __future__ import annotations

import numpy as np
import pytest

import dsc_econ as dsc
from dsc_econ import sensitivity as sens
from dsc_econ.outputs.reproduce import MODES
from dsc_econ.sensitivity.distributions import load_uncertainty


@pytest.fixture(scope="module")
def uncertainty():
    return load_uncertainty()


def test_evaluate_without_sampled_inputs_is_the_point_estimate(params, uncertainty):
    unit = np.full((3, len(uncertainty.columns)), np.nan)
    out = sens.evaluate(params, uncertainty, unit)
    point = dsc.appraise(params)
    for i in range(3):
        np.testing.assert_allclose(out["npv"][i], point.net_benefit)
        np.testing.assert_allclose(out["bcr"][i], point.bcr)


def test_oneway_moves_one_input_at_a_time(params, uncertainty):
    ds = sens.oneway(params, uncertainty)
    assert dict(ds.npv.sizes) == {
        "parameter": len(uncertainty.columns),
        "bound": 2,
        "site": 6,
    }
    np.testing.assert_allclose(ds.base_npv, dsc.appraise(params).net_benefit)
    assert (ds.swing >= 0).all()
    # site 3's own DiD matters to site 3 and not to site 2
    assert float(ds.swing.sel(parameter="did_site_3_sc", site="3")) > 1000
    assert float(ds.swing.sel(parameter="did_site_3_sc", site="2")) == 0
    gamma = ds.value.sel(parameter="abstinence")
    assert (
        0.41 < float(gamma.sel(bound="low")) < 0.457 < float(gamma.sel(bound="high")) < 0.53
    )
    assert ds.attrs["analysis"] == "oneway" and ds.attrs["parameter_hash"]


def test_spider_grid(params, uncertainty):
    ds = sens.spider(params, uncertainty, points=5)
    assert ds.npv.sizes["quantile"] == 5
    rate = ds.value.sel(parameter="discount_rate").values
    assert np.all(np.diff(rate) > 0)
    npv3 = ds.npv.sel(parameter="discount_rate", site="3").values
    assert np.all(np.diff(npv3) < 0)  # a higher rate lowers site 3's NPV


def test_report_scenarios(params):
    ap = params.with_values(MODES["as_published"])
    ds = sens.scenarios(ap)
    base = dsc.appraisal_table(ap)
    half = ds.total_benefit.sel(scenario="benefits_50").to_series()
    np.testing.assert_allclose(half.values, base.benefit_sensitivity.values)
    assert round(float(ds.bcr.sel(scenario="benefits_50", site="3"))) == 56  # Table 7.10
    decay = ds.npv.sel(scenario="c6_decay", site="3")
    assert float(decay) < float(ds.npv.sel(scenario="base", site="3"))
    assert "green_book_schedule" in ds.scenario.values


def test_threshold_plugged_back_gives_zero_npv(params):
    ds = sens.threshold(params, "pathways.gamma", low=0.0, high=1.0)
    assert ds.status.sel(site="5").item() == "found"
    value = float(ds.threshold.sel(site="5"))
    at = dsc.appraise(params.with_values({"pathways.gamma": value}), sites=["5"])
    assert abs(at.net_benefit.item()) < 1e-6
    assert abs(at.bcr.item() - 1) < 1e-6
    assert ds.status.sel(site="2").item() == "none in range"
    assert np.isnan(float(ds.threshold.sel(site="2")))


def test_threshold_of_an_uncertain_input(params, uncertainty):
    ds = sens.threshold(params, "harm_level", uncertainty=uncertainty, low=0.0, high=3.0)
    # scaling every harm to zero makes benefits zero: NPV = -cost < 0 for all sites,
    # so a site with positive NPV at the point value has a break-even scale below 1
    assert 0 < float(ds.threshold.sel(site="3")) < 1
    with pytest.raises(dsc.ParameterError, match="unknown parameter"):
        sens.threshold(params, "nosuch")


def test_psa_is_reproducible_and_chunking_changes_nothing(params, uncertainty):
    a = sens.psa(params, uncertainty, n=3000, seed=7, progress=False)
    b = sens.psa(params, uncertainty, n=3000, seed=7, progress=False)
    c = sens.psa(params, uncertainty, n=3000, seed=7, chunked=True, progress=False)
    np.testing.assert_array_equal(a.npv.values, b.npv.values)
    np.testing.assert_array_equal(a.npv.values, c.npv.compute().values)
    np.testing.assert_allclose(a.npv_mean, c.npv_mean, rtol=1e-12)
    np.testing.assert_allclose(a.prob_bcr_gt_1, c.prob_bcr_gt_1)
    width = (a.npv_high - a.npv_low).values
    np.testing.assert_allclose(a.npv_low, c.npv_low, atol=1e-3 * width.max())
    d = sens.psa(params, uncertainty, n=3000, seed=8, progress=False)
    assert not np.array_equal(a.npv.values, d.npv.values)
    assert a.attrs["seed"] == 7


def test_degenerate_distributions_give_the_deterministic_result(tmp_path, params):
    path = tmp_path / "fixed.yaml"
    path.write_text(
        "inputs:\n"
        "  g: {parameter: pathways.gamma, distribution: fixed, value: 0.457038, justification: j}\n"
        "  r: {parameter: discounting.rate, distribution: uniform, low: 0.035, high: 0.035, justification: j}\n"
        "  h: {parameter: harms.untreated.total, distribution: gamma, mean: 55127, sd: 0, justification: j}\n"
        "  s: {parameters: [sites.3.costs.year_1], apply: scale, distribution: lognormal, median: 1, sd_log: 0, justification: j}\n"
    )
    u = load_uncertainty(path, params)
    ds = sens.psa(params, u, n=500, seed=1, progress=False)
    point = dsc.appraise(params)
    np.testing.assert_allclose(
        ds.npv.values, np.broadcast_to(point.net_benefit, (500, 6)), rtol=1e-12
    )
    np.testing.assert_allclose(ds.bcr_mean, point.bcr, rtol=1e-12)


def test_psa_summary_is_consistent(params, uncertainty):
    ds = sens.psa(params, uncertainty, n=4000, seed=3, progress=False)
    assert (ds.npv_low <= ds.npv_median).all() and (ds.npv_median <= ds.npv_high).all()
    np.testing.assert_allclose(ds.prob_npv_gt_0, (ds.npv > 0).mean("sample"))
    np.testing.assert_allclose(ds.prob_bcr_gt_1, ds.prob_npv_gt_0)  # BCR > 1 iff NPV > 0
    assert float(ds.prob_bcr_gt_1.sel(site="3")) > 0.95
    assert ds.inputs.dims == ("sample", "parameter")


def test_sobol_indices_and_groups(params, uncertainty):
    ds = sens.sobol(params, uncertainty, n=256, seed=5, progress=False)
    assert set(ds.dims) == {"output", "site", "parameter"}
    assert "did_site_3" in ds.parameter.values and "site_costs" in ds.parameter.values
    st = ds.ST.sel(output="npv")
    # A site's own DiD drives it; other sites' DiDs do not.
    assert float(st.sel(site="3", parameter="did_site_3")) > 0.3
    assert float(st.sel(site="3", parameter="did_site_2")) == 0
    assert (ds.ST_conf >= 0).all()
    assert ds.attrs["rows"] == 256 * (len(ds.parameter) + 2)
    flat = sens.sobol(
        params, uncertainty, n=64, seed=5, groups=False, second_order=True, progress=False
    )
    assert flat.sizes["parameter"] == len(uncertainty.columns)
    assert "S2" in flat and flat.S2.dims == ("output", "site", "parameter", "parameter_2")
    with pytest.raises(ValueError, match="power of two"):
        sens.sobol(params, uncertainty, n=100)


def test_morris_screening(params, uncertainty):
    ds = sens.morris(params, uncertainty, trajectories=10, seed=2, progress=False)
    mu = ds.mu_star.sel(output="npv")
    assert float(mu.sel(site="4", parameter="did_site_4")) > float(
        mu.sel(site="4", parameter="treatment_cost")
    )
    assert float(mu.sel(site="4", parameter="did_site_2")) == 0


def test_results_round_trip_and_tidy(tmp_path, params, uncertainty):
    ds = sens.psa(params, uncertainty, n=200, seed=9, progress=False)
    path = sens.save(ds, tmp_path / "psa.nc")
    back = sens.load(path)
    np.testing.assert_array_equal(back.npv.values, ds.npv.values)
    assert (
        back.attrs["seed"] == 9
        and back.attrs["parameter_hash"] == ds.attrs["parameter_hash"]
    )
    assert "pathways.gamma" in back.attrs["parameters_json"]
    frame = sens.tidy(sens.oneway(params, uncertainty))
    assert {"parameter", "bound", "site", "npv", "bcr"} <= set(frame.columns)
    with pytest.raises(ValueError, match=r"\.nc or \.zarr"):
        sens.save(ds, tmp_path / "psa.txt")
    assert not (tmp_path / "psa.txt").exists()


def test_runs_on_a_distributed_cluster(params, uncertainty):
    distributed = pytest.importorskip("distributed")
    with (
        distributed.LocalCluster(
            n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster),
    ):
        ds = sens.psa(params, uncertainty, n=2000, seed=4, chunked=True, progress=False)
    local = sens.psa(params, uncertainty, n=2000, seed=4, progress=False)
    np.testing.assert_allclose(ds.npv_mean, local.npv_mean, rtol=1e-12)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda p, u: sens.psa(p, u, n=100, interval=1.5),
            "interval must be between 0 and 1",
        ),
        (
            lambda p, u: sens.psa(p, u, n=100, sites=["1"]),
            "have no difference-in-differences",
        ),
        (lambda p, u: sens.morris(p, u, levels=1), "levels must be an even number"),
        (lambda p, u: sens.morris(p, u, trajectories=0), "trajectories must be at least 2"),
        (lambda p, u: sens.sobol(p, u, n=64, resamples=1), "resamples must be at least 2"),
    ],
)
def test_bad_analysis_arguments(params, uncertainty, call, message):
    with pytest.raises((ValueError, dsc.ParameterError), match=message):
        call(params, uncertainty)


def test_threshold_stays_in_the_unit_range(params):
    ds = sens.threshold(params, "harms.abstinent.decay_rate")
    assert float(ds.attrs["high"]) <= 1.0
    zero = sens.threshold(params, "harms.untreated.decline_rate")
    assert zero.attrs["low"] == 0 and zero.attrs["high"] == 1


def test_sobol_seed_zero_is_reproducible(params, uncertainty):
    a = sens.sobol(params, uncertainty, n=64, seed=0, progress=False)
    b = sens.sobol(params, uncertainty, n=64, seed=0, progress=False)
    np.testing.assert_array_equal(a.S1_conf.values, b.S1_conf.values)


def test_chunked_quantiles_with_heavy_tails(tmp_path, params):
    path = tmp_path / "heavy.yaml"
    path.write_text(
        "inputs:\n  h: {parameters: [harms.untreated.total, harms.in_treatment.total], "
        "apply: scale, distribution: lognormal, median: 1, sd_log: 1.5, justification: j}\n"
    )
    u = load_uncertainty(path, params)
    a = sens.psa(params, u, n=200_000, seed=2, chunked=False, keep_samples=False)
    b = sens.psa(params, u, n=200_000, seed=2, chunked=True, keep_samples=False)
    spread = float((a.npv_high - a.npv_low).max())
    np.testing.assert_allclose(a.npv_high, b.npv_high, atol=1e-3 * spread)
    np.testing.assert_allclose(a.npv_low, b.npv_low, atol=1e-3 * spread)


def test_psa_keeps_the_physical_draws_in_their_units(params, uncertainty):
    ds = sens.psa(params, uncertainty, n=2000, seed=3, sites=["3", "5"])
    draws = ds.draws
    assert draws.dims == ("sample", "input")
    item = uncertainty.input("abstinence")
    expected = item.quantile(ds.inputs.sel(parameter="abstinence").values)
    np.testing.assert_allclose(draws.sel(input="abstinence"), expected)
    assert str(ds.input_unit.sel(input="abstinence").values) == "proportion"
    assert str(ds.input_parameters.sel(input="abstinence").values) == "pathways.gamma"
    assert str(ds.input_unit.sel(input="harm_level").values) == "multiplier"
    assert str(ds.input_unit.sel(input="treatment_cost").values) == "GBP_per_client_year"
    cost = draws.sel(input="treatment_cost")
    assert float(cost.min()) > 0 and abs(float(cost.mean()) - 3000) < 150
    assert ds.did_effective_draw.dims == ("sample", "site")
    assert ds.did_effective_draw.attrs["units"] == "proportion_change"
    # A user can regress outputs on the draws: site 3 (more completions than its
    # comparison area) gains from a higher abstinence probability and harm level.
    x = np.column_stack([np.ones(2000), draws.values, ds.did_effective_draw.values,
                         ds.did_completions_draw.values])
    coef = np.linalg.lstsq(x, ds.npv.sel(site="3").values, rcond=None)[0]
    names = ["const", *draws.input.values]
    assert coef[names.index("abstinence")] > 0 and coef[names.index("harm_level")] > 0
    chunked = sens.psa(params, uncertainty, n=2000, seed=3, sites=["3", "5"], chunked=True)
    np.testing.assert_array_equal(chunked.draws.values, draws.values)
    np.testing.assert_array_equal(
        chunked.did_completions_draw.values, ds.did_completions_draw.values
    )
