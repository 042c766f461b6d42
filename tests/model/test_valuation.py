"""Unit values of Table C.6.1 and their properties."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import dsc_econ as dsc
from dsc_econ.model.valuation import table_c61, unit_values, value_of_treatment
from dsc_econ.outputs.reproduce import compare_table


def test_table_c61_reproduced_cell_by_cell(params, published):
    cmp = compare_table(table_c61(params), published["C.6.1"])
    assert len(cmp) == 124
    assert cmp.within.all(), cmp.loc[~cmp.within]


def test_unit_values_round_to_the_printed_ones(params, published):
    pv = published["C.6.1"].rows["pv"]
    u = unit_values(params)
    assert round(u.effective) == pv["short_term_discounted"]
    assert round(u.long_term) == pv["long_term_discounted"]
    assert round(u.completion) == pv["expected_discounted"]
    assert round(u.cost) == pv["cost_discounted"]
    assert round(u.net_short_term) == pv["short_term_discounted"] - pv["cost_discounted"]


@given(st.floats(0.1, 10.0))
def test_scaling_every_harm_scales_every_value(params, factor):
    base = params  # the session's parameter set: loading it 60 times took most of a minute
    scaled = base.with_values(
        {
            "harms.untreated.total": base["harms.untreated.total"] * factor,
            "harms.in_treatment.total": base["harms.in_treatment.total"] * factor,
        }
    )
    a, b = unit_values(base), unit_values(scaled)
    for name in ("effective", "long_term", "completion"):
        assert getattr(b, name) == pytest.approx(getattr(a, name) * factor, rel=1e-12)
    assert b.cost == a.cost  # treatment cost is not a harm


def test_samples_equal_a_loop_over_point_values(params):
    rng = np.random.default_rng(1)
    n = 20
    draws = {
        "pathways.gamma": rng.uniform(0.41, 0.53, n),
        "discounting.rate": rng.uniform(0.015, 0.035, n),
        "harms.abstinent.decay_rate": rng.uniform(0.3, 1.0, n),
        "harms.untreated.decline_rate": rng.uniform(0.0, 0.1, n),
        "career.years_after_treatment": rng.integers(6, 11, n).astype(float),
    }
    fast = unit_values(params.with_values(draws))
    for i in range(n):
        one = unit_values(params.with_values({k: float(v[i]) for k, v in draws.items()}))
        assert fast.completion[i] == pytest.approx(one.completion, rel=1e-12)
        assert fast.effective[i] == pytest.approx(one.effective, rel=1e-12)


def test_lower_discount_rate_raises_values(params):
    low = unit_values(params.with_values({"discounting.rate": 0.015}))
    base = unit_values(params)
    assert low.completion > base.completion and low.effective > base.effective
    gb = unit_values(params.with_values({"discounting.method": "green_book"}))
    assert gb.completion == pytest.approx(base.completion)  # 12 years < 30: same rate


def test_abstinence_probability_moves_only_the_completion_value(params):
    a = unit_values(params.with_values({"pathways.gamma": 0.53}))
    b = unit_values(params.with_values({"pathways.gamma": 0.41}))
    assert a.effective == b.effective
    assert a.completion - b.completion == pytest.approx(0.12 * a.long_term)


def test_value_of_treatment_dataset(params):
    ds = value_of_treatment(params)
    assert set(ds.dims) == {"pathway", "year"}
    assert ds.pv_expected.attrs["units"] == "GBP per client"
    assert float(ds.pv_expected) == pytest.approx(float(ds.expected_discounted.sum()))
    sampled = value_of_treatment(
        params.with_values({"pathways.gamma": np.array([0.4, 0.5])})
    )
    assert sampled.pv_expected.dims == ("sample",)
    with pytest.raises(ValueError, match="point values"):
        table_c61(params.with_values({"pathways.gamma": np.array([0.4, 0.5])}))


def test_kernel_equals_harm_profile_path_for_any_career(params):
    """present_values (recurrences) against harm_profiles x discount factors."""
    rng = np.random.default_rng(3)
    n = 200
    draws = {
        "career.years_in_treatment": rng.uniform(2.0, 6.5, n),
        "career.years_after_treatment": rng.uniform(3.0, 12.0, n),
        "harms.untreated.decline_rate": rng.uniform(0.0, 0.2, n),
        "harms.untreated.decline_from_year": rng.uniform(1.0, 9.0, n),
        "harms.abstinent.decay_rate": rng.uniform(0.0, 1.0, n),
        "discounting.rate": rng.uniform(0.0, 0.06, n),
    }
    sampled = params.with_values(draws)
    values = dsc.pathway_values(sampled)  # harm_profiles path
    u = unit_values(sampled)  # kernel path
    np.testing.assert_allclose(values[:, 2], u.effective, rtol=1e-10)
    np.testing.assert_allclose(
        values[:, 1] - values[:, 2], u.long_term, rtol=1e-10, atol=1e-6
    )
    for f in (6.0, 5.5):
        one = params.with_values({**draws, "harms.untreated.decline_from_year": f})
        values = dsc.pathway_values(one)
        np.testing.assert_allclose(values[:, 2], unit_values(one).effective, rtol=1e-10)
        np.testing.assert_allclose(
            values[:, 1] - values[:, 2], unit_values(one).long_term, rtol=1e-10, atol=1e-6
        )


@pytest.mark.parametrize("first", [0.0, 0.3, 1.0])
def test_decline_from_the_first_years(params, first):
    """The decline starting in year 0 or 1 (the recurrence must start from a power)."""
    p = params.with_values(
        {"harms.untreated.decline_rate": 0.1, "harms.untreated.decline_from_year": first}
    )
    values = dsc.pathway_values(p)
    assert unit_values(p).effective == pytest.approx(values[2], rel=1e-12)
    assert unit_values(p).long_term == pytest.approx(values[1] - values[2], rel=1e-12)
