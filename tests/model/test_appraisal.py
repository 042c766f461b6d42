"""Site appraisal (Tables 7.8-7.11): benefits, costs, NPV and BCR."""

from __future__ import annotations

import numpy as np
import pytest

from dsc_econ.inputs.parameters import ParameterError
from dsc_econ.model.appraisal import appraisal_table, appraise, benefit_cost_ratio
from dsc_econ.outputs.reproduce import MODES


@pytest.fixture()
def as_published(params):
    return params.with_values(MODES["as_published"])


def test_site_3_as_published(as_published):
    row = appraisal_table(as_published).loc["3"]
    assert round(row.extra_effective) == 64
    assert round(row.extra_completions) == 91
    assert round(row.value_completions) == 17825
    assert round(row.cost) == 185
    assert round(row.bcr) == 112
    assert round(row.bcr_sensitivity) == 56


def test_only_site_3_has_positive_benefits(params):
    table = appraisal_table(params)
    assert (table.total_benefit > 0).tolist() == [False, True, False, False, False, False]


def test_dataset_dims_units_and_consistency(params):
    ds = appraise(params)
    assert ds.sizes["site"] == 6 and "sample" not in ds.dims
    assert ds.total_benefit.attrs["units"] == "GBP thousand"
    np.testing.assert_allclose(ds.net_benefit, ds.total_benefit - ds.cost)
    np.testing.assert_allclose(ds.benefit_by_year.sum("year"), ds.total_benefit)
    np.testing.assert_allclose(ds.cost_by_year.sum("project_year"), ds.cost)


def test_unit_value_override_reproduces_report_arithmetic(as_published):
    table = appraisal_table(as_published, unit_value_effective=44244)
    assert round(table.loc["2", "value_effective"]) == -4767
    ds = appraise(as_published, unit_value_effective=44244)
    np.testing.assert_allclose(ds.benefit_by_year.sum("year"), ds.total_benefit)


def test_samples_equal_a_loop(params):
    rng = np.random.default_rng(7)
    n = 8
    draws = {
        "pathways.gamma": rng.uniform(0.41, 0.53, n),
        "discounting.rate": rng.uniform(0.015, 0.035, n),
        "sites.3.costs.year_1": rng.uniform(50, 150, n),
        "sites.3.counts.pilot.post.successful_completions": rng.integers(
            400, 500, n
        ).astype(float),
    }
    fast = appraise(params.with_values(draws))
    assert fast.bcr.dims == ("sample", "site")
    for i in range(n):
        one = appraise(params.with_values({k: float(v[i]) for k, v in draws.items()}))
        np.testing.assert_allclose(fast.bcr.isel(sample=i), one.bcr, rtol=1e-12)
        np.testing.assert_allclose(fast.total_benefit.isel(sample=i), one.total_benefit)


def test_options_change_results_as_documented(params):
    base = appraisal_table(params)
    half = appraisal_table(params.with_values({"appraisal.benefit_share": 0.5}))
    np.testing.assert_allclose(half.total_benefit, base.total_benefit / 2)
    np.testing.assert_allclose(base.benefit_sensitivity, base.total_benefit / 2)
    z1 = appraisal_table(
        params.with_values({"appraisal.completions_base": "successful_completions"})
    )
    ratio = z1.extra_completions / base.extra_completions
    np.testing.assert_allclose(ratio.loc["3"], 484 / 1791)
    disc = appraisal_table(params.with_values({"appraisal.discount_costs": True}))
    assert disc.loc["3", "cost"] == pytest.approx(89 / 1.035 + 96 / 1.035**2)
    alone = appraisal_table(
        params.with_values({"appraisal.completion_value": "abstinence_only"})
    )
    assert (alone.value_completions.abs() < base.value_completions.abs()).all()


def test_site_selection_errors(params):
    assert list(appraise(params, ["3", "7"]).site.values) == ["3", "7"]
    with pytest.raises(ParameterError, match=r"unknown site id\(s\) \['8'\]"):
        appraise(params, ["8"])
    with pytest.raises(ParameterError, match="no difference-in-differences data"):
        appraise(params, ["1"])
    with pytest.raises(ParameterError, match="costs must be positive"):
        appraise(params.with_values({"sites.3.costs.year_1": 0, "sites.3.costs.year_2": 0}))


def test_bcr_needs_positive_costs():
    assert benefit_cost_ratio(10.0, 5.0) == 2.0
    with pytest.raises(ValueError, match="costs must be positive"):
        benefit_cost_ratio(1.0, 0.0)


def test_without_yearly_flows(params):
    lean = appraise(params, by_year=False)
    full = appraise(params)
    assert "benefit_by_year" not in lean
    np.testing.assert_allclose(lean.cost_by_year, full.cost_by_year)
    np.testing.assert_allclose(lean.bcr, full.bcr)
