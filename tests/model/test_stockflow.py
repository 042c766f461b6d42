"""Stocks and flows (Appendix C3): partition of the site data, recursion, calibration."""

from __future__ import annotations

import numpy as np
import pytest

from dsc_econ.model import stockflow as sf
from dsc_econ.model.impact import site_counts

COUNTS = ("total_in_treatment", "effective_treatment", "successful_completions",
          "total_completing")


def _area_periods(params):
    ds = site_counts(params)
    for site in ds.site.values:
        for area in ds.area.values:
            for period in ds.period.values:
                row = ds.sel(site=site, area=area, period=period)
                yield (site, area, period), [float(row[c]) for c in COUNTS]


def test_every_area_period_partitions_exactly(params):
    """TT = completions + early unplanned + late unplanned + remaining; no flow < 0."""
    seen = 0
    for where, (tt, et, sc, tc) in _area_periods(params):
        flows = sf.period_partition(tt, et, sc, tc)
        assert all(float(v) >= 0 for v in flows.values()), where
        total = sum(float(v) for v in flows.values())
        assert total == tt, where
        # effective = planned + late unplanned + remaining (Appendix B: >= 83 days)
        assert flows["planned"] + flows["late_unplanned"] + flows["remaining"] == et
        assert flows["late_unplanned"] > 0, where  # the report's 3-way form omits these
        seen += 1
    assert seen == 24  # 6 sites x pilot/comparison x pre/post (Tables 7.5/7.6)


def test_site_3_pilot_post_flows(params):
    """DYNAMICS a.6: site 3 pilot post: y = 65, U = 296, u = 231, Z = 1011."""
    f = sf.period_partition(1791, 1726, 484, 780)
    assert [float(f[k]) for k in ("early_unplanned", "late_unplanned", "remaining")] == [
        65, 231, 1011]


def test_one_window_run_reproduces_the_counts(params):
    """A single 'year' of window length with the window's shares gives back the counts."""
    for where, (tt, et, sc, tc) in _area_periods(params):
        cal = sf.calibrate(tt, et, sc, tc, 1.0)
        out = sf.simulate(tt, 0.0, cal["period_shares"], cal["period_shares"], 1)
        assert out["planned_exits"][0] == pytest.approx(sc), where
        assert out["effective"][0] == pytest.approx(et), where
        assert out["closing_stock"][0] == pytest.approx(tt - tc), where


def test_negative_flow_is_an_error():
    with pytest.raises(ValueError, match="negative late_unplanned"):
        sf.period_partition(100, 50, 10, 40)


def test_three_way_form_when_late_exits_are_zero():
    """u = 0 gives C3's S0 = x + y + z and T1 = S0 + J1 - y_s - y_j exactly."""
    stock = {"planned": 0.2, "early_unplanned": 0.05, "late_unplanned": 0.0}
    new = {"planned": 0.1, "early_unplanned": 0.15, "late_unplanned": 0.0}
    out = sf.simulate(1000.0, 400.0, stock, new, 1)
    xs, ys, zs = (out[k][0] for k in ("planned_stock", "early_unplanned_stock",
                                       "remaining_stock"))
    assert xs + ys + zs == pytest.approx(1000.0)
    assert out["late_unplanned_stock"][0] == 0
    assert out["effective"][0] == pytest.approx(1000 + 400 - 50 - 60)
    assert out["planned_exits"][0] == pytest.approx(200 + 40)
    assert out["closing_stock"][0] == pytest.approx(zs + 400 * 0.75)


def test_steady_state_equals_closed_form():
    stock = {"planned": 0.15, "early_unplanned": 0.0, "late_unplanned": 0.1}
    new = {"planned": 0.05, "early_unplanned": 0.2, "late_unplanned": 0.05}
    out = sf.simulate(0.0, 800.0, stock, new, 400)
    expected = sf.steady_state_stock(800.0, 0.25, 0.30)
    assert expected == pytest.approx(0.7 * 800 / 0.25)
    assert out["closing_stock"][-1] == pytest.approx(expected, rel=1e-9)
    # started at the steady state, it stays there
    still = sf.simulate(expected, 800.0, stock, new, 5)
    np.testing.assert_allclose(still["closing_stock"], expected)


def test_calibration_is_stationary_and_annualised(params):
    cal = sf.calibrate(1791.0, 1726.0, 484.0, 780.0, 1.5)
    e_period = 780 / 1791
    e_year = sum(float(v) for v in cal["shares"].values())
    assert 1 - e_year == pytest.approx((1 - e_period) ** (1 / 1.5))
    # shares of each kind of exit are kept
    assert cal["shares"]["planned"] / e_year == pytest.approx(484 / 780)
    out = sf.simulate(cal["opening_stock"], cal["new_journeys"], cal["shares"],
                      cal["shares"], 10)
    np.testing.assert_allclose(out["closing_stock"], cal["opening_stock"])
    assert cal["opening_stock"] + 1.5 * cal["new_journeys"] == pytest.approx(1791)


def test_flow_values_are_annual_and_derived(params):
    v = sf.flow_values(params)
    assert v["annual_value"] == 55127 - 43087  # never the 4-year PV 44,224
    assert float(v["abstinent_value"]) == pytest.approx(378940.55, abs=0.01)
    assert float(v["abstinent_value"]) / 1.035**4 == pytest.approx(330224.79, abs=0.01)
    assert float(v["represent_value"]) == 0.0
    k = sf.flow_values(params.with_values({"stockflow.represent_years": 2}))
    assert float(k["represent_value"]) == pytest.approx(55127 * (1 / 1.035 + 1 / 1.035**2))


def test_driver_benefits():
    d1, d2 = sf.benefits(np.ones((2, 3)), np.full((2, 3), 2.0), 10.0, 100.0, 20.0, 0.25)
    np.testing.assert_allclose(d1, 10.0)
    np.testing.assert_allclose(d2, 2 * (0.25 * 100 + 0.75 * 20))


def test_shares_are_checked():
    with pytest.raises(ValueError, match="sum to more than 1"):
        sf.simulate(1, 1, {"planned": .6, "early_unplanned": .3, "late_unplanned": .2},
                    {"planned": 0, "early_unplanned": 0, "late_unplanned": 0}, 2)
    with pytest.raises(ValueError, match="trailing year axis"):
        sf.simulate(np.ones(7), np.ones((7, 3)),
                    {"planned": .1, "early_unplanned": 0, "late_unplanned": 0},
                    {"planned": .1, "early_unplanned": 0, "late_unplanned": 0}, 5)


def test_dataset_dims_units_and_effect(params):
    ds = sf.stockflow(params)
    assert ds.effective.dims == ("run", "site", "year")
    assert ds.sizes == {"run": 3, "site": 6, "year": 30}
    assert ds.benefit.attrs["units"] == "GBP" and ds.effective.attrs["units"] == "clients"
    np.testing.assert_allclose(
        ds.benefit.sel(run="effect"), ds.benefit.sel(run="pilot") - ds.benefit.sel(run="baseline")
    )
    assert ds.attrs["national"] == 0 and ds.attrs["period_years"] == 1.5
    # site 3's pilot raised ET/TT and SC/TT: more effective clients and planned exits
    eff = ds.sel(run="effect", site="3")
    assert (eff.effective > 0).all() and (eff.planned_exits > 0).all()
    # identities every year
    base = ds.sel(run="baseline")
    np.testing.assert_allclose(
        base.effective, base.opening_stock + base.new_journeys
        - base.early_unplanned_stock - base.early_unplanned_new)
    np.testing.assert_allclose(base.closing_stock.isel(year=slice(0, -1)).values,
                               base.opening_stock.isel(year=slice(1, None)).values)


def test_national_and_direct_calibrations(params):
    nat = sf.stockflow(params.with_values({"stockflow.calibration": "national"}))
    assert nat.attrs["national"] == 1
    base = nat.sel(run="baseline")
    # national 2007/08 shares: every site has the same early-unplanned share
    share = base.early_unplanned_stock / base.opening_stock
    np.testing.assert_allclose(share, float(share[0, 0]))
    assert float(share[0, 0]) == pytest.approx((202666 - 183000) / 202666)
    # with no DiD the national pilot run equals the baseline (window round trip exact)
    still = sf.stockflow_arrays(params.with_values({"stockflow.calibration": "national"}),
                                did_effective=np.zeros(6), did_completions=np.zeros(6))
    np.testing.assert_allclose(still["effect"]["benefit"], 0.0, atol=1e-6)
    direct = sf.stockflow(params.with_values({"stockflow.calibration": "direct",
                                              "stockflow.pilot.source": "direct",
                                              "stockflow.pilot.planned_change": 0.02}))
    assert float(direct.opening_stock.sel(run="baseline").isel(site=0, year=0)) == 2000
    assert (direct.planned_exits.sel(run="effect") > 0).all()
    with pytest.raises(ValueError, match="needs calibration"):
        sf.stockflow(params.with_values({"stockflow.calibration": "direct"}))


def test_pilot_start_year_and_new_journeys(params):
    later = sf.stockflow(params.with_values({"stockflow.pilot.start_year": 3}))
    eff = later.effective.sel(run="effect")
    np.testing.assert_allclose(eff.sel(year=[1, 2]), 0.0)
    assert (np.abs(eff.sel(year=3)) > 0).all()
    more = sf.stockflow(params.with_values({"stockflow.pilot.source": "direct",
                                            "stockflow.pilot.new_journeys_change": 0.1}))
    assert (more.new_journeys.sel(run="effect") > 0).all()


def test_budget_limit_turns_freed_places_into_new_journeys(params):
    p = params.with_values({"stockflow.budget.limit": True})
    ds = sf.stockflow(p)
    base = ds.sel(run="baseline")
    # a stationary baseline stays stationary under its own budget
    first = base.opening_stock.isel(year=[0]).values
    np.testing.assert_allclose(base.closing_stock.values,
                               np.broadcast_to(first, base.closing_stock.shape), rtol=1e-9)
    # places are fixed: every client retained from the stock displaces a new journey
    eff = ds.sel(run="effect")
    np.testing.assert_allclose(eff.new_journeys, -eff.remaining_stock, atol=1e-9)
    # site 3's pilot keeps more clients in (fewer early exits), so fewer new journeys
    assert float(eff.new_journeys.sel(site="3", year=2)) < 0
    # a bigger budget buys places
    more = sf.stockflow(p.with_values({"stockflow.budget.pilot_change": 0.1}))
    assert float(more.new_journeys.sel(run="effect", site="3", year=1)) > 0
    # £60,000 a year more buys 20 places at £3,000 (section 7.3's alternative reading)
    extra = sf.stockflow(p.with_values({"stockflow.pilot.source": "direct",
                                        "stockflow.budget.pilot_extra": 60}))
    assert float(extra.new_journeys.sel(run="effect", site="3", year=1)) == pytest.approx(20)


def test_sample_dimension_agrees_with_a_per_sample_loop(params):
    """The vectorised model equals a naive loop over samples through the public API."""
    rng = np.random.default_rng(3)
    n = 5
    gamma = rng.uniform(0.3, 0.6, n)
    years_in = rng.uniform(3, 6, n)
    sampled = params.with_values({"pathways.gamma": gamma,
                                  "career.years_in_treatment": years_in})
    did_et = rng.normal(0.0, 0.02, (n, 6))
    vec = sf.stockflow_arrays(sampled, did_effective=did_et)
    for i in range(n):
        one = params.with_values({"pathways.gamma": float(gamma[i]),
                                  "career.years_in_treatment": float(years_in[i])})
        loop = sf.stockflow_arrays(one, did_effective=did_et[i])
        np.testing.assert_allclose(vec["effect"]["benefit"][i], loop["effect"]["benefit"],
                                   rtol=1e-12)
        np.testing.assert_allclose(vec["pilot"]["effective"][i], loop["pilot"]["effective"])


@pytest.mark.parametrize("budget", [False, True])
def test_fast_benefit_recursion_equals_the_flows(params, budget):
    rng = np.random.default_rng(11)
    n = 6
    p = params.with_values({
        "pathways.gamma": rng.uniform(0.3, 0.6, n),
        "stockflow.pilot.start_year": rng.integers(1, 5, n).astype(float),
        "stockflow.pilot.new_journeys_change": rng.uniform(-0.1, 0.1, n),
        "stockflow.represent_years": rng.uniform(0, 3, n),
        "stockflow.budget.limit": budget,
        "stockflow.budget.pilot_change": 0.05,
        "stockflow.budget.pilot_extra": 30.0,
    })
    did = rng.normal(0, 0.02, (n, 6))
    full = sf.stockflow_arrays(p, did_effective=did)
    fast = sf.benefit_effect(p, did_effective=did)
    for run in ("baseline", "pilot", "effect"):
        np.testing.assert_allclose(fast[run], full[run]["benefit"], rtol=1e-10, atol=1e-6)
    point = sf.benefit_effect(params)
    np.testing.assert_allclose(point["effect"],
                               sf.stockflow_arrays(params)["effect"]["benefit"], rtol=1e-12)
