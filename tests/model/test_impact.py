"""Difference-in-differences from the site counts (Tables 6.1-6.4, 7.5-7.7)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dsc_econ.model.impact import (
    additional_clients,
    did_estimate,
    did_from_counts,
    did_standard_error,
    did_table,
    proportion,
    site_counts,
)
from dsc_econ.outputs.reproduce import compare_table
from dsc_econ.outputs.tables import build_table

share = st.floats(0.0, 1.0)


@given(share, share, st.floats(-0.5, 0.5))
def test_identical_changes_give_zero_did(p0, c0, change):
    assert did_estimate(p0, p0 + change, c0, c0 + change) == pytest.approx(0.0, abs=1e-12)


@given(share, share, share, share)
def test_did_is_antisymmetric_in_the_areas(p0, p1, c0, c1):
    assert did_estimate(p0, p1, c0, c1) == pytest.approx(-did_estimate(c0, c1, p0, p1))


@pytest.mark.parametrize("table", ["6.1", "6.2", "6.3", "6.4", "7.6", "7.7"])
def test_published_tables_from_the_counts(params, published, table):
    cmp = compare_table(build_table(table, params), published[table])
    assert cmp.within.all(), cmp.loc[~cmp.within]


def test_table_7_7_equals_the_reported_did_parameters(params, published):
    for site, row in published["7.7"].rows.items():
        for measure, value in row.items():
            assert params[f"sites.{site}.did_reported.{measure}"] == value


def test_site_counts_dataset(params):
    counts = site_counts(params)
    assert dict(counts.sizes) == {"site": 6, "area": 2, "period": 2}
    assert counts.total_in_treatment.attrs["units"] == "clients"
    assert (
        float(counts.total_in_treatment.sel(site="5", area="pilot", period="post")) == 2504
    )


def test_did_from_counts_site_2(params):
    did = did_from_counts(site_counts(params), "et_tt")
    expected = (2808 / 3169 - 3015 / 3322) - (1899 / 2038 - 2229 / 2425)
    assert float(did.sel(site="2")) == pytest.approx(expected)
    with pytest.raises(ValueError, match="unknown measure"):
        did_from_counts(site_counts(params), "xx")


def test_standard_error_and_table(params):
    se = did_standard_error((3015, 3322), (2808, 3169), (2229, 2425), (1899, 2038))
    assert 0.005 < se < 0.02
    table = did_table(params)
    assert list(table.index) == ["2", "3", "4", "5", "6", "7"]
    assert table.loc["3", "et_tt_p_value"] == "<0.01"
    assert (table.et_tt_ci_low < table.et_tt_did).all()
    assert table.loc["2", "et_tt_did"] == pytest.approx(expected_site2(), rel=1e-12)


def expected_site2() -> float:
    return (2808 / 3169 - 3015 / 3322) - (1899 / 2038 - 2229 / 2425)


def test_samples_of_counts(params):
    draws = params.with_values(
        {"sites.2.counts.pilot.post.effective_treatment": np.array([2808.0, 2900.0])}
    )
    did = did_from_counts(site_counts(draws), "et_tt")
    assert did.dims == ("sample", "site")
    assert float(did.sel(site="2")[1] - did.sel(site="2")[0]) == pytest.approx(92 / 3169)


def test_additional_clients_and_bad_denominator():
    assert additional_clients(-0.034, 3169) == pytest.approx(-107.746)
    with pytest.raises(ValueError, match="denominator must be positive"):
        proportion(3, 0)
