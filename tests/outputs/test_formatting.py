"""Formatting rules for board-readable numbers (issue 12 point 2)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dsc_econ.outputs.formatting import (
    NEGATIVE_BENEFITS,
    format_bcr,
    format_bcr_interval,
    format_money,
    format_npv_m,
    format_probability,
    format_pvalue,
)


@given(st.floats(0, 1))
def test_probability_never_claims_certainty(p):
    text = format_probability(p)
    assert text not in ("100%", "0%", "100.0%", "0.0%")
    if p in (0.0, 1.0):
        assert text == ("<0.1%" if p == 0 else ">99.9%")


@pytest.mark.parametrize(
    ("p", "text"),
    [
        (0.9999, ">99.9%"),
        (0.999, "99.9%"),
        (0.985, "98.5%"),
        (0.5, "50%"),
        (0.0012, "0.1%"),
    ],
)
def test_probability_edges(p, text):
    assert format_probability(p) == text


def test_probability_out_of_range_is_an_error():
    with pytest.raises(ValueError, match=r"1\.5"):
        format_probability(1.5)


@pytest.mark.parametrize(
    ("p", "comparator", "text"),
    [
        (0.0004, None, "p < 0.001"),
        (0.0451, None, "p = 0.045"),
        (0.22, None, "p = 0.22"),
        (0.01, "<", "p < 0.01"),
        (0.05, ">", "p > 0.05"),
    ],
)
def test_pvalue(p, comparator, text):
    assert format_pvalue(p, comparator) == text


@given(st.floats(-1e7, 1e7))
def test_money_never_reads_zero_thousand(x):
    text = format_money(x)
    assert "£0k" not in text and "£0.0m" not in text
    assert ("−" in text) == (x < 0 and text != "£0")


def test_npv_is_signed_in_millions():
    assert format_npv_m(20_330) == "+£20.3m"
    assert format_npv_m(-640) == "−£0.64m"
    assert format_npv_m(0) == "£0.00m"


def test_negative_benefits_are_named_not_sized():
    assert format_bcr(-69.4) == NEGATIVE_BENEFITS
    assert "below 0" not in format_bcr(-0.1)
    assert format_bcr(0.0) == "0.0"
    assert format_bcr_interval(-2, 3) == "negative benefits to 3.0"


@given(st.floats(0, 1))
def test_share_has_one_precision_and_never_claims_certainty(p):
    from dsc_econ.outputs.formatting import format_share

    text = format_share(p)
    assert text not in ("100.0%", "0.0%")
    assert text.startswith((">", "<")) or len(text.split(".")[1]) == 2  # "62.0%"


def test_bounded_share_names_estimation_error():
    from dsc_econ.outputs.formatting import format_bounded_share

    assert format_bounded_share(1.0) == "100%"
    assert format_bounded_share(1.57) == "≈ 100%, within estimation error"
    assert "estimate 157%" in format_bounded_share(1.57, within_error=False)
    assert format_bounded_share(-0.1) == "≈ 0%, within estimation error"
    assert format_bounded_share(float("nan")) == "n/a"
