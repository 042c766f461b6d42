"""Sensitivity of payback and the time-profile NPV (dsc_econ.sensitivity.dynamics)."""

from __future__ import annotations

import numpy as np
import pytest

from dsc_econ.model.cashflow import cashflow_arrays
from dsc_econ.sensitivity import dynamics as dyn


@pytest.fixture(scope="module")
def uncertainty(params):
    return dyn.dynamics_uncertainty(params)


def test_combined_uncertainty_has_the_dynamics_inputs(uncertainty):
    names = [i.name for i in uncertainty.inputs]
    for name in ("profile_lag", "managerial_saving", "optimism_bias", "did_site_3"):
        assert name in names
    assert "+" in uncertainty.source


def test_unsampled_rows_give_the_point_estimate(params, uncertainty):
    unit = np.full((3, len(uncertainty.columns)), np.nan)
    out = dyn.evaluate_cashflow(params, uncertainty, unit)
    point = cashflow_arrays(params)
    np.testing.assert_allclose(out["npv_time"], np.broadcast_to(point["npv"], (3, 7)))
    assert (out["payback"] == point["payback"]).all()


def test_oneway_moves_npv_through_optimism_bias(params, uncertainty):
    ds = dyn.payback_oneway(params, uncertainty)
    assert ds.npv_time.dims == ("parameter", "bound", "site")
    ob = ds.sel(parameter="optimism_bias")
    # higher optimism bias -> higher costs -> lower NPV at every site
    assert (ob.npv_time.sel(bound="high") < ob.npv_time.sel(bound="low")).all()
    np.testing.assert_allclose(ds.base_npv_time, cashflow_arrays(params)["npv"])


def test_psa_probabilities_and_reproducibility(params, uncertainty):
    p = params.with_values({"cashflow.benefits": "late", "cashflow.perpetual": True})
    a = dyn.payback_psa(p, n=300, seed=7, uncertainty=uncertainty, within=(5, 10, 30))
    b = dyn.payback_psa(p, n=300, seed=7, uncertainty=uncertainty, within=(5, 10, 30))
    np.testing.assert_array_equal(a.p_payback_within, b.p_payback_within)
    prob = a.p_payback_within.sel(site="3").values
    assert (np.diff(prob) >= 0).all() and 0 <= prob[0] <= prob[-1] <= 1
    # the late profile has no benefit before year 4 at the earliest lag of 3
    assert float(a.p_payback_within.sel(site="3", within=5)) < 1
    # discounted payback is never earlier than simple payback
    assert (a.p_payback_discounted_within <= a.p_payback_within + 1e-12).all()
    assert a.attrs["analysis"] == "payback_psa" and a.attrs["seed"] == 7


def test_sobol_of_time_profile_npv(params, uncertainty):
    ds = dyn.payback_sobol(params, n=32, uncertainty=uncertainty, resamples=10)
    assert ds.S1.dims == ("site", "parameter")
    assert np.isfinite(ds.ST.sel(site="3")).all()


def test_threshold_of_optimism_bias_matches_the_cash_flows(params):
    p = params.with_values({"cashflow.benefits": "vector",
                            "cashflow.vector": [0.0, 150.0, 150.0]})
    ds = dyn.payback_threshold(p, "appraisal.optimism_bias", 0.0, 1.0, within=3)
    # site 3: PV of benefits 150/1.035^2 + 150/1.035^3 against costs 185 x (1 + ob)
    pv = 150 / 1.035**2 + 150 / 1.035**3
    assert float(ds.threshold.sel(site="3")) == pytest.approx(pv / 185 - 1, abs=1e-6)
    assert str(ds.status.sel(site="3").item()) == "found"
    # simple payback in year 3 needs 300 >= 185 (1 + ob)
    assert float(ds.payback_from.sel(site="3")) == 0.0
    assert float(ds.payback_to.sel(site="3")) == pytest.approx(300 / 185 - 1, abs=0.003)
    # site 2 (costs 541) never pays back within 3 years in the range
    assert np.isnan(float(ds.payback_to.sel(site="2")))
