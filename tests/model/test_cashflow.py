"""Cash flows, time profiles, payback and streams outside the tree (Appendix C2, 7.3)."""

from __future__ import annotations

import numpy as np
import pytest

from dsc_econ.inputs.parameters import ParameterError
from dsc_econ.inputs.streams import load_streams
from dsc_econ.model import cashflow as cf
from dsc_econ.model.appraisal import appraisal_table
from dsc_econ.outputs.reproduce import MODES


@pytest.mark.parametrize("mode", ["as_published", "exact"])
def test_single_cohort_profile_reproduces_table_7_10(params, published, mode):
    p = params.with_values({**MODES[mode], "cashflow.benefits": "single_cohort"})
    ds = cf.cashflow(p)
    table = appraisal_table(p)
    sites = list(table.index)
    np.testing.assert_allclose(ds.npv.sel(site=sites), table.net_benefit, rtol=1e-12)
    np.testing.assert_allclose(ds.npv_single_cohort.sel(site=sites), table.net_benefit)
    np.testing.assert_allclose(ds.bcr.sel(site=sites), table.bcr, rtol=1e-12)
    if mode == "as_published":
        rows = published["7.10"].rows
        for site in sites:
            if site == "5":  # the report applied 0.001 for 0.010 (documented slip)
                continue
            printed = rows[site]["total_benefit"] - rows[site]["cost"]
            assert float(ds.npv.sel(site=site)) == pytest.approx(printed, abs=3), site


def test_profiles():
    years = np.arange(1, 11)
    early = cf.profile_shape("early", years, full_years=4)
    assert early[:5].tolist() == [0.25, 0.5, 0.75, 1.0, 1.0]
    late = cf.profile_shape("late", years, lag=5, ramp=2)
    assert late.tolist() == [0, 0, 0, 0, 0, 0.5, 1, 1, 1, 1]
    dip = cf.profile_shape("late", years, lag=5, ramp=2, dip=0.1, dip_years=2)
    assert dip[:3].tolist() == [-0.1, -0.1, 0.0]
    sampled = cf.profile_shape("early", years, full_years=np.array([2.0, 4.0]))
    assert sampled.shape == (2, 10) and sampled[0, 1] == 1.0
    with pytest.raises(ValueError, match="'early' or 'late'"):
        cf.profile_shape("middle", years)


def test_payback_against_hand_built_cash_flows():
    """DYNAMICS c.2: a 60 a year saving from year 2 against costs of 89 + 96."""
    years = np.arange(1, 8)
    cost = np.array([89.0, 96, 0, 0, 0, 0, 0])
    benefit = np.array([0.0, 60, 60, 60, 60, 60, 60])
    d = 1.035 ** -years
    out = cf.cash_flows(cost[None], benefit[None], d, discount_costs=True)
    assert out["cumulative_net"][0].tolist() == [-89, -125, -65, -5, 55, 115, 175]
    assert cf.payback_year(out["cost"], out["net"], years).tolist() == [5]
    assert cf.payback_year(out["cost_discounted"], out["net_discounted"], years).tolist() == [5]
    np.testing.assert_allclose(np.cumsum(benefit * d)[:5], [0, 56.0, 110.1, 162.4, 212.9],
                               atol=0.05)
    # discounting pushes payback later when the margin is thin
    thin = cf.cash_flows(cost[None], np.array([0.0, 47, 47, 47, 47, 0, 0])[None], d)
    assert cf.payback_year(thin["cost"], thin["net"], years).item() == 5
    assert cf.payback_year(thin["cost_discounted"], thin["net_discounted"], years).item() == -1
    # no cost yet means no payback, even with benefits
    assert cf.payback_year([0, 10, 0], [5, -10, 5], [1, 2, 3]).item() == 3


def test_cashflow_table_columns_and_all_row(params):
    ds = cf.cashflow(params)
    assert list(ds.site.values) == ["2", "3", "4", "5", "6", "7", "all"]
    assert ds.cost.dims == ("site", "year") and ds.sizes["year"] == 30
    np.testing.assert_allclose(ds.cost.sel(site="all"), ds.cost.drop_sel(site="all").sum("site"))
    np.testing.assert_allclose(ds.cost.sel(site="3", year=[1, 2]), [89, 96])
    np.testing.assert_allclose(ds.cost.isel(year=slice(2, None)), 0)
    np.testing.assert_allclose(ds.discount_factor.isel(site=0), 1.035 ** -ds.year.values)
    np.testing.assert_allclose(ds.cumulative_net, ds.net.cumsum("year"))
    table = cf.cashflow_table(params, "3")
    assert list(table.columns)[:3] == ["cost", "benefit", "net"]
    summary = cf.payback_summary(params)
    assert summary.loc["3", "payback"] == "1"
    assert summary.loc["2", "payback"] == "not within the horizon"


def test_optimism_bias_uplifts_costs(params):
    base = cf.cashflow(params)
    ob = cf.cashflow(params.with_values({"appraisal.optimism_bias": 0.2}))
    np.testing.assert_allclose(ob.pv_cost, 1.2 * base.pv_cost)
    np.testing.assert_allclose(ob.pv_benefit, base.pv_benefit)


def test_vector_and_value_profiles(params):
    p = params.with_values({"cashflow.benefits": "vector",
                            "cashflow.vector": [0.0, 100.0, 100.0]})
    ds = cf.cashflow(p)
    np.testing.assert_allclose(ds.benefit.sel(site="3", year=[1, 2, 3, 4]), [0, 100, 100, 0])
    assert int(ds.payback.sel(site="3")) == 3  # 200 >= 185 in year 3
    late = params.with_values({"cashflow.benefits": "late",
                               "cashflow.profile.level_from": "value",
                               "cashflow.profile.level": 50.0})
    ds = cf.cashflow(late)
    assert float(ds.benefit.sel(site="3", year=5)) == 0
    assert float(ds.benefit.sel(site="3", year=9)) == 50
    # payback: cumulative 12.5 + 25 + 37.5 + 50 x k >= 185 -> year 11
    assert int(ds.payback.sel(site="3")) == 11


def test_perpetuity_tail(params):
    p = params.with_values({"cashflow.benefits": "early",
                            "cashflow.profile.level_from": "value",
                            "cashflow.profile.level": 10.0,
                            "cashflow.perpetual": True, "cashflow.horizon": 10})
    ds = cf.cashflow(p)
    assert float(ds.tail_benefit.sel(site="3")) == pytest.approx(10 / 0.035 / 1.035**10)
    ten = float(ds.benefit_discounted.sel(site="3").sum())
    assert float(ds.pv_benefit.sel(site="3")) == pytest.approx(ten + 10 / 0.035 / 1.035**10)


def test_managerial_stream_is_off_by_default_and_valued(params):
    (stream,) = load_streams(params)
    assert stream.name == "managerial_economies" and stream.site == "programme"
    assert stream.amount == 60 and stream.first_year == 2 and stream.perpetual
    assert not stream.include_in_bcr
    assert params.meta("streams.managerial_economies.amount").comparator == ">"
    base = cf.cashflow(params)
    assert base.attrs["streams_in_bcr"] == "none"
    table = cf.stream_present_values(params, stream)
    assert table.loc[1, "end"] == pytest.approx(1714.28571, abs=1e-4)
    assert table.loc[2, "end"] == pytest.approx(1656.31470, abs=1e-4)
    assert table.loc[1, "start"] == pytest.approx(1774.28571, abs=1e-4)
    assert table.loc[1, "middle"] == pytest.approx(1744.02771, abs=1e-4)
    on = cf.cashflow(params.with_values({
        "streams.managerial_economies.include_in_bcr": True}))
    assert on.attrs["streams_in_bcr"] == "managerial_economies"
    # programme-level: only the 'all' row moves; 60 a year from year 2 to 30
    np.testing.assert_allclose(on.pv_benefit.drop_sel(site="all"),
                               base.pv_benefit.drop_sel(site="all"))
    extra = sum(60 / 1.035**t for t in range(2, 31))
    assert float(on.pv_benefit.sel(site="all") - base.pv_benefit.sel(site="all")) == (
        pytest.approx(extra))
    perpetual = cf.cashflow(params.with_values({
        "streams.managerial_economies.include_in_bcr": True, "cashflow.perpetual": True,
        "cashflow.benefits": "vector", "cashflow.vector": [0.0]}))
    assert float(perpetual.pv_benefit.sel(site="all")) == pytest.approx(1656.31470, abs=1e-4)


def test_stream_errors_name_the_key(params):
    bad = params.with_values({"streams.managerial_economies.perpetual": False,
                              "streams.managerial_economies.last_year": 1})
    with pytest.raises(ParameterError, match=r"streams\.managerial_economies runs from year 2 to 1"):
        load_streams(bad)


def test_sampled_cash_flows_agree_with_a_loop(params):
    rng = np.random.default_rng(5)
    n = 4
    gamma = rng.uniform(0.3, 0.6, n)
    ob = rng.uniform(0.0, 0.3, n)
    sampled = params.with_values({"pathways.gamma": gamma, "appraisal.optimism_bias": ob})
    vec = cf.cashflow_arrays(sampled)
    assert vec["npv"].shape == (n, 7) and vec["payback"].shape == (n, 7)
    for i in range(n):
        one = cf.cashflow_arrays(params.with_values({"pathways.gamma": float(gamma[i]),
                                                     "appraisal.optimism_bias": float(ob[i])}))
        np.testing.assert_allclose(vec["npv"][i], one["npv"], rtol=1e-12)
        np.testing.assert_array_equal(vec["payback"][i], one["payback"])
    lean = cf.cashflow_arrays(sampled, table=False)
    assert "net" not in lean
    for key in ("npv", "bcr", "payback", "payback_discounted", "cumulative_net"):
        np.testing.assert_array_equal(lean[key], vec[key])


def test_sampled_stream_amount_start_year_and_rate(params):
    amounts = np.array([60.0, 120.0])
    p = params.with_values({"streams.managerial_economies.include_in_bcr": True,
                            "streams.managerial_economies.amount": amounts,
                            "stockflow.pilot.start_year": np.array([1.0, 3.0]),
                            "discounting.rate": np.array([0.035, 0.03]),
                            "cashflow.perpetual": True})
    arr = cf.cashflow_arrays(p)
    assert arr["npv"].shape == (2, 7)
    for i in range(2):
        one = cf.cashflow_arrays(params.with_values({
            "streams.managerial_economies.include_in_bcr": True,
            "streams.managerial_economies.amount": float(amounts[i]),
            "stockflow.pilot.start_year": [1, 3][i],
            "discounting.rate": [0.035, 0.03][i], "cashflow.perpetual": True}))
        np.testing.assert_allclose(arr["npv"][i], one["npv"], rtol=1e-12)
