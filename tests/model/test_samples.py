"""Any single input may carry a sample dimension, alone or with others."""

from __future__ import annotations

import numpy as np
import pytest

import dsc_econ as dsc
from dsc_econ.inputs.parameters import ParameterError
from dsc_econ.model.discounting import factors_for, yearly_factors

SINGLE = {
    "harms.untreated.total": [50000.0, 60000.0],
    "harms.in_treatment.total": [40000.0, 45000.0],
    "harms.abstinent.decay_rate": [0.7, 1.0],
    "harms.untreated.decline_rate": [0.0, 0.1],
    "harms.untreated.decline_from_year": [5.0, 6.0],
    "career.years_in_treatment": [3.0, 4.5],
    "career.years_after_treatment": [6.0, 8.0],
    "pathways.gamma": [0.41, 0.53],
    "discounting.rate": [0.015, 0.035],
    "treatment.annual_cost": [2500.0, 3500.0],
    "sites.3.costs.year_1": [80.0, 100.0],
    "sites.3.counts.pilot.post.successful_completions": [470.0, 490.0],
    "appraisal.benefit_share": [0.5, 1.0],
}


@pytest.mark.parametrize("name", list(SINGLE))
def test_one_sampled_input_goes_through_every_entry_point(params, name):
    values = np.array(SINGLE[name])
    sampled = params.with_values({name: values})
    ds = dsc.appraise(sampled)
    assert ds.bcr.dims == ("sample", "site")
    assert ds.benefit_by_year.dims == ("sample", "site", "year")
    if not name.startswith(("sites.", "appraisal.")):  # inputs of the valuation
        assert dsc.value_of_treatment(sampled).pv_expected.dims == ("sample",)
    dsc.harm_profiles_for(sampled)
    for i in range(2):
        one = dsc.appraise(params.with_values({name: float(values[i])}))
        np.testing.assert_allclose(ds.bcr.isel(sample=i), one.bcr, rtol=1e-12)
        # the horizon covers the longest sample; later years carry zero benefit
        yearly = ds.benefit_by_year.isel(sample=i)
        np.testing.assert_allclose(yearly.sel(year=one.year), one.benefit_by_year)
        np.testing.assert_allclose(yearly.drop_sel(year=one.year.values), 0.0, atol=1e-9)


def test_sampled_counts_are_cross_checked(params):
    with pytest.raises(ParameterError, match="exceeds total_in_treatment"):
        params.with_values(
            {"sites.3.counts.pilot.post.effective_treatment": np.array([1700.0, 5000.0])}
        )
    with pytest.raises(ParameterError, match="must be positive"):
        params.with_values({"sites.3.counts.pilot.post.total_in_treatment": 0})


def test_lists_and_arrays_are_told_apart(params):
    with pytest.raises(ParameterError, match="takes one value, got a list"):
        params.with_values({"discounting.rate": [0.01, 0.02]})
    with pytest.raises(ParameterError, match="1-D array"):
        params.with_values({"discounting.rate": np.ones((2, 2))})
    with pytest.raises(ParameterError, match="cannot carry a sample dimension"):
        params.with_values({"discounting.schedule_rates": np.array([0.03] * 6)})


@pytest.mark.parametrize("method", ["constant", "health", "green_book"])
@pytest.mark.parametrize("timing", ["end", "middle", "start"])
def test_yearly_factors_equal_factors_for(params, method, timing):
    p = params.with_values({"discounting.method": method, "discounting.timing": timing})
    np.testing.assert_allclose(
        yearly_factors(p, 40), np.moveaxis(factors_for(p, np.arange(1, 41)), -1, 0)
    )
    rates = params.with_values({"discounting.rate": np.array([0.01, 0.05])})
    np.testing.assert_allclose(
        yearly_factors(rates, 12), np.moveaxis(factors_for(rates, np.arange(1, 13)), -1, 0)
    )
