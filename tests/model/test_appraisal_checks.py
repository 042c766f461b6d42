"""Argument checks of the public functions of model/appraisal.py (issue 18).

Each bad argument is refused before any work with a ``ValueError`` that names the
argument and shows the value (or the shape); an unknown site id gets a did-you-mean.
"""

from __future__ import annotations

import numpy as np
import pytest

from dsc_econ.inputs.parameters import ParameterError
from dsc_econ.model.appraisal import (
    appraisal_arrays,
    appraisal_table,
    appraisal_totals,
    appraise,
    benefit_cost_ratio,
    site_benefits,
)

NAN, INF = float("nan"), float("inf")


@pytest.mark.parametrize(
    ("args", "match"),
    [
        ((np.array([1.0, NAN]), [1.0, 2.0], 1.0, 1.0), r"extra_effective must be finite"),
        (([1.0, 2.0], [1.0, INF], 1.0, 1.0), r"extra_completions must be finite, got inf"),
        (([1.0, 2.0], [1.0, 2.0], NAN, 1.0), r"unit_effective must be finite"),
        (
            ([1.0, 2.0], [1.0, 2.0, 3.0], 1.0, 1.0),
            r"extra_effective has 2 site\(s\) but "
            r"extra_completions 3",
        ),
        ((1.0, 2.0, 1.0, 1.0), r"need a site dimension"),
        (
            (np.ones((4, 2)), np.ones((4, 2)), np.ones(3), 1.0),
            r"unit_effective must be "
            r"one number or one per sample \(shape \(4,\)\), got shape \(3,\)",
        ),
        (([1.0], [1.0], 1.0, 1.0, -0.5), r"benefit_share must be at least 0, got -0.5"),
    ],
)
def test_site_benefits_refuses(args, match):
    with pytest.raises(ValueError, match=match):
        site_benefits(*args)


def test_benefit_cost_ratio_refuses():
    with pytest.raises(ValueError, match=r"benefits must be finite, got nan"):
        benefit_cost_ratio(NAN, 1.0)
    with pytest.raises(ValueError, match=r"costs must be positive for a ratio, got -2.0"):
        benefit_cost_ratio(1.0, [3.0, -2.0])
    with pytest.raises(
        ValueError,
        match=r"benefits \(shape \(3,\)\) and costs \(shape "
        r"\(2,\)\) do not match",
    ):
        benefit_cost_ratio([1.0, 2.0, 3.0], [1.0, 2.0])


@pytest.mark.parametrize(
    "fn", [appraise, appraisal_arrays, appraisal_totals, appraisal_table]
)
def test_sites_checked_with_did_you_mean(params, fn):
    with pytest.raises(
        ParameterError,
        match=r"unknown site id\(s\) \['33'\] in sites; "
        r"did you mean 3",
    ):
        fn(params, ["33"])
    with pytest.raises(
        ValueError,
        match=r"sites must be a list of site ids such as "
        r"\['3', '4'\], got '34'",
    ):
        fn(params, "34")
    with pytest.raises(ValueError, match=r"sites names site '3' twice"):
        fn(params, ["3", "3"])
    with pytest.raises(ValueError, match=r"sites is empty"):
        fn(params, [])
    with pytest.raises(ValueError, match=r"params must be a parameter set"):
        fn({"a"}, None)


def test_did_arrays_checked(params):
    n = len(params.impact_sites())
    with pytest.raises(
        ValueError,
        match=rf"did_effective must have shape \(site,\) or "
        rf"\(sample, site\) with {n} site\(s\), got shape \(5, 2\)",
    ):
        appraisal_totals(params, did_effective=np.zeros((5, 2)))
    with pytest.raises(ValueError, match=r"did_completions must be finite, got nan"):
        appraisal_arrays(params, ["3"], did_completions=np.array([NAN]))
    with pytest.raises(
        ValueError,
        match=r"did_effective must have shape .* with 2 "
        r"site\(s\), got shape \(2, 3, 2\)",
    ):
        appraisal_totals(params, ["3", "4"], did_effective=np.zeros((2, 3, 2)))
    with pytest.raises(ValueError, match=r"impact lacks completions_base"):
        appraisal_totals(
            params,
            ["3"],
            impact={
                "did_effective": [0.1],
                "did_completions": [0.1],
                "clients_in_treatment": [1.0],
            },
        )


def test_unit_values_and_flags_checked(params):
    with pytest.raises(ValueError, match=r"unit_value_effective must be finite, got inf"):
        appraise(params, unit_value_effective=INF)
    with pytest.raises(
        ValueError,
        match=r"unit_value_completion must be one number or "
        r"one per sample, got shape \(2, 2\)",
    ):
        appraisal_arrays(params, unit_value_completion=np.ones((2, 2)))
    with pytest.raises(ValueError, match=r"by_year must be True or False, got 'no'"):
        appraise(params, by_year="no")
    with pytest.raises(ValueError, match=r"unknown argument\(s\) unit_value_efective"):
        appraisal_table(params, unit_value_efective=1.0)


def test_good_arguments_still_give_the_appraisal(params):
    table = appraisal_table(params, ["3", "4"], unit_value_effective=44224.0)
    assert list(table.index) == ["3", "4"] and np.isfinite(table.bcr).all()
    totals = appraisal_totals(params, ["3"], did_effective=np.full((4, 1), 0.01))
    assert totals["bcr"].shape == (4, 1)
