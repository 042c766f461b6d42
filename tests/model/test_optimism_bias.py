"""appraisal.optimism_bias: one uplift on costs, the same in every view."""

from __future__ import annotations

import numpy as np
import pytest

import dsc_econ as dsc
from dsc_econ.inputs.parameters import ParameterError
from dsc_econ.model.appraisal import appraisal_totals
from dsc_econ.model.cashflow import cashflow_arrays
from dsc_econ.sensitivity import deterministic, engine
from dsc_econ.sensitivity import dynamics as dyn


def test_the_report_applies_none(params):
    assert params["appraisal.optimism_bias"] == 0.0
    assert "cashflow.optimism_bias" not in params


def test_appraise_costs_rise_and_bcr_falls_by_the_uplift(params):
    base = dsc.appraise(params)
    up = dsc.appraise(params.with_values({"appraisal.optimism_bias": 0.44}))
    np.testing.assert_allclose(up.cost.values, base.cost.values * 1.44)
    np.testing.assert_allclose(up.cost_by_year.values, base.cost_by_year.values * 1.44)
    np.testing.assert_allclose(up.bcr.values, base.bcr.values / 1.44)
    np.testing.assert_allclose(up.total_benefit.values, base.total_benefit.values)


def test_every_view_agrees(params):
    p = params.with_values({"appraisal.optimism_bias": 0.2})
    arrays = dsc.appraise(p)
    # the sampled (sensitivity) path: an array of uplifts, one per sample
    ob = np.array([0.0, 0.2, 0.5])
    totals = appraisal_totals(params.with_values({"appraisal.optimism_bias": ob}))
    np.testing.assert_allclose(totals["cost"][1], arrays.cost.values)
    np.testing.assert_allclose(
        totals["cost"], totals["cost"][:1] * (1 + ob)[:, None], rtol=1e-12
    )
    # the cash flows (single-cohort benefits, as a new project) tell the same story
    one = p.with_values({"cashflow.benefits": "single_cohort"})
    cf = cashflow_arrays(one)
    np.testing.assert_allclose(cf["npv_single_cohort"][:-1], arrays.net_benefit.values)
    base_cf = cashflow_arrays(params.with_values({"cashflow.benefits": "single_cohort"}))
    np.testing.assert_allclose(cf["pv_cost"], base_cf["pv_cost"] * 1.2)
    # the scenario moves the headline now (it no longer equals the base case)
    ds = deterministic.scenarios(params)
    sc = ds.sel(scenario="optimism_bias")
    np.testing.assert_allclose(sc.cost.values, ds.sel(scenario="base").cost.values * 1.2)


def test_an_uncertain_input(params):
    unc = dyn.dynamics_uncertainty(params)
    assert "optimism_bias" in [i.name for i in unc.inputs]
    unit = np.full((2, len(unc.columns)), np.nan)  # NaN: the point value
    unit[1, unc.columns.index("optimism_bias")] = 0.99  # a high draw
    out = engine.evaluate(params, unc, unit)
    assert np.all(out["cost"][1] > out["cost"][0])


@pytest.mark.parametrize("bad", [-0.1, float("nan"), float("inf"), 11.0])
def test_negative_non_finite_or_huge_uplift_refused(params, bad):
    with pytest.raises(ParameterError, match=r"appraisal\.optimism_bias"):
        params.with_values({"appraisal.optimism_bias": bad})
