"""Long horizons: stepped schedules, exact annuity and perpetuity factors (Green Book)."""

from __future__ import annotations

import numpy as np
import pytest

from dsc_econ.model.discounting import (
    annuity_factor,
    green_book_factors,
    long_horizon_factors,
    perpetuity_factor,
    schedule_for,
    stepped_annuity_factor,
    stepped_discount_factor,
)

GB_STARTS = [1, 31, 76, 126, 201, 301]
GB_RATES = [0.035, 0.03, 0.025, 0.02, 0.015, 0.01]


@pytest.mark.parametrize("timing", ["end", "middle", "start"])
@pytest.mark.parametrize("n", [1, 10, 30, 57])
def test_constant_stream_equals_annuity_factor(timing, n):
    assert stepped_annuity_factor(n, [1], [0.035], timing) == pytest.approx(
        annuity_factor(0.035, n, timing), rel=1e-12)


@pytest.mark.parametrize("timing", ["end", "middle", "start"])
def test_constant_perpetuity_equals_perpetuity_factor(timing):
    assert stepped_annuity_factor(np.inf, [1], [0.035], timing) == pytest.approx(
        perpetuity_factor(0.035, timing), rel=1e-12)


@pytest.mark.parametrize("timing", ["end", "middle", "start"])
@pytest.mark.parametrize("last", [5, 30, 31, 100, 250, 400])
@pytest.mark.parametrize("first", [1, 2, 40])
def test_stepped_annuity_equals_the_sum_of_factors(timing, last, first):
    years = np.arange(first, last + 1)
    expected = green_book_factors(years, GB_STARTS, GB_RATES, timing).sum() if len(
        years) else 0.0
    got = stepped_annuity_factor(last, GB_STARTS, GB_RATES, timing, first_year=first)
    assert got == pytest.approx(expected, rel=1e-12)


def test_stepped_perpetuity_is_exact_not_one_over_r():
    """Sum to year 5000 plus the remaining geometric tail by hand."""
    years = np.arange(1, 5001)
    head = green_book_factors(years, GB_STARTS, GB_RATES).sum()
    tail = green_book_factors([5000], GB_STARTS, GB_RATES)[0] / 0.01
    pf = stepped_annuity_factor(np.inf, GB_STARTS, GB_RATES)
    assert pf == pytest.approx(head + tail, rel=1e-12)
    assert pf == pytest.approx(31.3203, abs=1e-4)  # DYNAMICS c.2
    assert pf != pytest.approx(1 / 0.035)
    # section 7.3's £60,000 a year (DYNAMICS c.2)
    assert 60000 * pf == pytest.approx(1879220.03, abs=0.01)
    lagged = stepped_annuity_factor(np.inf, GB_STARTS, GB_RATES, first_year=2)
    assert 60000 * lagged == pytest.approx(1821249.01, abs=0.01)


def test_discount_factor_closed_form():
    for k in (0, 1, 30, 31, 75, 76, 301, 350):
        expected = 1.0 if k == 0 else green_book_factors([k], GB_STARTS, GB_RATES)[0]
        assert stepped_discount_factor(k, GB_STARTS, GB_RATES) == pytest.approx(expected)


def test_sampled_rates_broadcast():
    rates = np.array([[0.03], [0.035]])
    got = stepped_annuity_factor(np.inf, [1], rates)
    np.testing.assert_allclose(got, [1 / 0.03, 1 / 0.035])


def test_schedules_by_method(params):
    starts, rates = schedule_for(params)
    assert starts.tolist() == [1] and rates.tolist() == [0.035]
    gb = params.with_values({"discounting.method": "green_book"})
    assert schedule_for(gb)[1].tolist() == GB_RATES
    health = params.with_values({"discounting.method": "health"})
    starts, rates = schedule_for(health)
    assert starts.tolist() == GB_STARTS
    assert rates.tolist() == [0.015, 0.0129, 0.0107, 0.0086, 0.0064, 0.0043]
    # the reduced schedule is the standard one scaled by 1.5/3.5, printed to two
    # decimals of a per cent
    np.testing.assert_allclose(
        rates, np.round(np.array(GB_RATES) * 1.5 / 3.5, 4), atol=1e-12
    )
    # within 30 years every method agrees with its short-horizon factors
    years = np.arange(1, 31)
    np.testing.assert_allclose(long_horizon_factors(health, years), 1.015 ** -years)
    # beyond 30 years the health method declines
    assert long_horizon_factors(health, [31])[0] == pytest.approx(
        1.015 ** -30 / 1.0129)


def test_perpetuity_needs_a_positive_rate():
    with pytest.raises(ValueError, match="positive last-band rate"):
        stepped_annuity_factor(np.inf, [1], [0.0])


@pytest.mark.parametrize("method", ["constant", "health", "green_book"])
@pytest.mark.parametrize("timing", ["end", "middle", "start"])
def test_every_view_of_every_method_agrees_to_300_years(params, method, timing):
    # factors_for (appraise), yearly_factors (the valuation kernel) and
    # long_horizon_factors (cash flows, perpetuities) are one schedule per method
    from dsc_econ.model.discounting import factors_for, yearly_factors

    p = params.with_values({"discounting.method": method, "discounting.timing": timing})
    years = np.arange(1, 301)
    short = factors_for(p, years)
    np.testing.assert_allclose(np.moveaxis(yearly_factors(p, 300), 0, -1), short)
    np.testing.assert_allclose(long_horizon_factors(p, years), short)


def test_health_declines_after_year_30_in_appraise_factors(params):
    from dsc_econ.model.discounting import factors_for, yearly_factors

    health = params.with_values({"discounting.method": "health"})
    d = factors_for(health, np.arange(1, 77))
    assert d[29] == pytest.approx(1.015**-30)
    assert d[30] == pytest.approx(1.015**-30 / 1.0129)
    assert d[75] == pytest.approx(1.015**-30 * 1.0129**-45 / 1.0107)
    # a sampled health rate moves years 1-30 and keeps the declining bands after
    sampled = health.with_values({"discounting.health_rate": np.array([0.01, 0.015])})
    got = yearly_factors(sampled, 31)
    np.testing.assert_allclose(got[29], [1.01**-30, 1.015**-30])
    np.testing.assert_allclose(got[30], got[29] / 1.0129)
