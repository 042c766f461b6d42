"""The model's public functions refuse the impossible, naming the argument."""

from __future__ import annotations

import numpy as np
import pytest

from dsc_econ.model.appraisal import benefit_cost_ratio, site_benefits
from dsc_econ.model.discounting import (
    annuity_factor,
    discount_factors,
    green_book_factors,
    net_present_value,
    perpetuity_factor,
    present_value,
    stepped_annuity_factor,
    stepped_discount_factor,
)
from dsc_econ.model.harms import harm_profiles, horizon, untreated_harm
from dsc_econ.model.impact import did_estimate, proportion
from dsc_econ.model.valuation import present_values

NAN, INF = float("nan"), float("inf")


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: discount_factors(-1, [1, 2]), r"rate must be above -1 .*got -1\.0"),
        (lambda: discount_factors(-2, [1, 2]), r"rate must be above -1"),
        (lambda: discount_factors(np.array([0.03, -1.5]), [1]), r"got -1\.5"),
        (lambda: discount_factors(0.035, [-2]), r"years must be at least 0 .*above 1"),
        (lambda: discount_factors(0.035, [0], "start"), r"years must be at least 1"),
        (lambda: discount_factors(NAN, [1]), r"rate must be finite, got nan"),
        (lambda: discount_factors(0.035, [1, INF]), r"years must be finite, got inf"),
        (lambda: discount_factors(np.array([]), [1]), r"rate is empty"),
        (lambda: discount_factors(0.035, []), r"years is empty"),
        (lambda: green_book_factors([1], [1, 31], [0.035, -1.0]), r"rates must be above"),
        (lambda: green_book_factors([1], [2, 31], [0.035, 0.03]), r"from_years must start"),
        (lambda: green_book_factors([0], [1], [0.035]), r"years must be whole numbers"),
        (lambda: net_present_value(-1.0, [1.0, 2.0]), r"rate must be above -1"),
        (lambda: net_present_value(0.035, [1.0, NAN]), r"flows must be finite"),
        (lambda: annuity_factor(-1.0, 4), r"rate must be above -1"),
        (lambda: annuity_factor(0.035, -4), r"years must be at least 0"),
        (lambda: perpetuity_factor(NAN), r"rate must be finite"),
        (lambda: present_value([1.0, INF], [1.0, 0.9]), r"flows must be finite"),
        (lambda: stepped_annuity_factor(10, [1], [-1.0]), r"rates must be above -1"),
        (lambda: stepped_annuity_factor(10, [1], [0.035], first_year=0),
         r"first_year must be at least 1"),
        (lambda: stepped_annuity_factor(NAN, [1], [0.035]), r"last_year must be a year"),
        (lambda: stepped_discount_factor(-1, [1], [0.035]), r"year must be at least 0"),
        (lambda: horizon(0, 0), r"career of zero years"),
        (lambda: horizon(-1, 8), r"years_in_treatment must be at least 0"),
        (lambda: horizon(np.array([]), 8), r"years_in_treatment is empty"),
        (lambda: untreated_harm([1, 2], 1000, 1.5), r"decline_rate must be in \[0, 1\]"),
        (lambda: harm_profiles([1], 10, 5, 4, 8, 0, 1, 2.0), r"decay_rate must be in"),
        (lambda: proportion([1], [NAN]), r"denominator must be finite"),
        (lambda: did_estimate(0.5, NAN, 0.4, 0.4), r"pilot_post must be finite"),
        (lambda: benefit_cost_ratio([1.0], [NAN]), r"costs must be finite"),
        (lambda: site_benefits([1.0], [NAN], 1, 1), r"extra_completions must be finite"),
    ],
)
def test_impossible_inputs_raise_a_named_value_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()


BASE = dict(untreated=50_000.0, in_treatment=20_000.0, years_in_treatment=4.0,
            years_after_treatment=8.0, decline_rate=0.0, decline_from_year=1.0,
            decay_rate=1.0, gamma=0.457, annual_cost=3000.0,
            factors=discount_factors(0.035, np.arange(1, 13)).T)


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("years_in_treatment", 0.0, None),  # a career of 0 + 8 years is fine
        ("years_after_treatment", np.array([8.0, -1.0]), "years_after_treatment must be"),
        ("gamma", 1.2, r"gamma must be in \[0, 1\]"),
        ("untreated", np.array([5e4, NAN]), "untreated must be finite"),
        ("annual_cost", -1.0, "annual_cost must be at least 0"),
        ("gamma", np.array([]), "gamma is empty"),
        ("factors", np.array([]), "factors is empty"),
    ],
)
def test_present_values_checks_each_argument(name, value, message):
    args = {**BASE, name: value}
    if message is None:
        present_values(**args)
        return
    with pytest.raises(ValueError, match=message):
        present_values(**args)


def test_zero_length_career_is_a_value_error_not_an_index_error():
    args = {**BASE, "years_in_treatment": 0.0, "years_after_treatment": 0.0}
    with pytest.raises(ValueError, match="career of zero years"):
        present_values(**args)


def test_valid_edges_still_work():
    assert discount_factors(0.0, [0, 1]).tolist() == [1.0, 1.0]
    assert discount_factors(-0.5, [1])[0] == pytest.approx(2.0)  # rates in (-1, 0) are rates
    assert annuity_factor(0.035, 0) == 0.0
