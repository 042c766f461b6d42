"""Discount factors, present values, NPV via numpy-financial, annuities, Green Book."""

from __future__ import annotations

import numpy as np
import numpy_financial as npf
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dsc_econ.model.discounting import (
    annuity_factor,
    discount_factors,
    factors_for,
    green_book_factors,
    net_present_value,
    perpetuity_factor,
    present_value,
)

rates = st.floats(min_value=0.0, max_value=0.2)


def test_report_convention_discounts_year_one():
    d = discount_factors(0.035, [1, 2, 3, 4])
    assert d[0] == pytest.approx(1 / 1.035)
    # Table C.6.1: 12,040 a year for four years -> 11,633 ... 10,492
    assert np.round(12040 * d).tolist() == [11633, 11239, 10859, 10492]


def test_timing_conventions():
    end, mid, start = (
        discount_factors(0.05, [1, 2], t) for t in ("end", "middle", "start")
    )
    assert start[0] == 1.0
    assert mid[0] == pytest.approx(1.05**-0.5)
    assert end[1] == pytest.approx(1.05**-2)
    with pytest.raises(ValueError, match="timing must be one of"):
        discount_factors(0.05, [1], "whenever")


@given(rates, st.integers(min_value=1, max_value=60))
def test_factors_fall_with_time(rate, n):
    d = discount_factors(rate, np.arange(1, n + 1))
    assert np.all(np.diff(d) <= 0)
    if rate > 1e-9:
        assert np.all(np.diff(d) < 0)


def test_broadcast_over_samples():
    rate = np.array([0.01, 0.035, 0.05])
    d = discount_factors(rate, np.arange(1, 13))
    assert d.shape == (3, 12)
    for i, r in enumerate(rate):
        np.testing.assert_allclose(d[i], discount_factors(r, np.arange(1, 13)))


GB_FROM = (1, 31, 76, 126, 201, 301)
GB_RATES = (0.035, 0.03, 0.025, 0.02, 0.015, 0.01)


def test_green_book_schedule_steps_down_and_compounds(params):
    assert tuple(params["discounting.schedule_from_years"]) == GB_FROM
    assert tuple(params["discounting.schedule_rates"]) == GB_RATES
    years = np.arange(1, 401)
    gb = green_book_factors(years, GB_FROM, GB_RATES)
    np.testing.assert_allclose(gb[:30], discount_factors(0.035, years[:30]))
    assert gb[30] == pytest.approx(1.035**-30 / 1.03)  # year 31 at 3.0%
    assert gb[75] == pytest.approx(1.035**-30 * 1.03**-45 / 1.025)  # year 76 at 2.5%
    ratios = gb[:-1] / gb[1:] - 1  # implied one-year rate
    np.testing.assert_allclose(
        ratios[[0, 30, 75, 125, 200, 300]][1:], [0.03, 0.025, 0.02, 0.015, 0.01]
    )
    assert np.all(np.diff(gb) < 0)


def test_green_book_timing_and_samples():
    years = np.arange(1, 40)
    start = green_book_factors(years, GB_FROM, GB_RATES, timing="start")
    end = green_book_factors(years, GB_FROM, GB_RATES)
    np.testing.assert_allclose(start[1:], end[:-1])
    rates = np.array([[0.035, 0.03, 0.025, 0.02, 0.015, 0.01], [0.05] * 6])
    both = green_book_factors(years, GB_FROM, rates)
    assert both.shape == (2, 39)
    np.testing.assert_allclose(both[1], discount_factors(0.05, years))


def test_npv_uses_numpy_financial_with_time_zero_convention():
    flows = [100.0, 100.0, 100.0]
    ours = net_present_value(0.035, flows)
    assert ours == pytest.approx(present_value(flows, discount_factors(0.035, [1, 2, 3])))
    # numpy-financial's npv does not discount its first value: called on the raw flows
    # it gives the start-of-year answer, larger by (1 + r).
    assert npf.npv(0.035, flows) == pytest.approx(ours * 1.035)
    assert net_present_value(0.035, flows, "start") == pytest.approx(npf.npv(0.035, flows))
    two = net_present_value(0.035, np.array([flows, [0.0, 0.0, 50.0]]))
    assert two.shape == (2,)
    assert two[1] == pytest.approx(50 / 1.035**3)


@given(rates, st.integers(min_value=1, max_value=50))
def test_annuity_equals_sum_of_factors(rate, n):
    years = np.arange(1, n + 1)
    for timing in ("end", "middle", "start"):
        assert annuity_factor(rate, n, timing) == pytest.approx(
            discount_factors(rate, years, timing).sum(), rel=1e-9
        )


def test_treatment_cost_is_an_annuity():
    # Table C.6.1: £3,000 a year for four years at 3.5% = £11,019
    assert round(3000 * annuity_factor(0.035, 4)) == 11019


@given(st.floats(min_value=0.005, max_value=0.2))
def test_perpetuity_is_the_limit_of_annuities(rate):
    assert annuity_factor(rate, 5000) == pytest.approx(perpetuity_factor(rate), rel=1e-6)
    assert perpetuity_factor(rate, "start") == pytest.approx((1 + rate) / rate)


def test_perpetuity_needs_positive_rate():
    with pytest.raises(ValueError, match="positive rate"):
        perpetuity_factor(0.0)


def test_factors_for_parameter_methods(params):
    years = np.arange(1, 13)
    np.testing.assert_allclose(factors_for(params, years), discount_factors(0.035, years))
    health = params.with_values({"discounting.method": "health"})
    np.testing.assert_allclose(factors_for(health, years), discount_factors(0.015, years))
    gb = params.with_values({"discounting.method": "green_book"})
    np.testing.assert_allclose(
        factors_for(gb, years), green_book_factors(years, GB_FROM, GB_RATES)
    )


@pytest.mark.parametrize("rate", [0.01, 0.035, 0.1])
def test_annuity_agrees_with_numpy_financial(rate):
    assert annuity_factor(rate, 12) == pytest.approx(-npf.pv(rate, 12, 1))
    assert annuity_factor(rate, 12, "start") == pytest.approx(
        -npf.pv(rate, 12, 1, when="begin")
    )
