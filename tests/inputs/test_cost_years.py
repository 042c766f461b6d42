"""Costs for any number of project years: long and wide tables, site files, refusals."""

from __future__ import annotations

import numpy as np
import pytest

import dsc_econ as dsc
from dsc_econ.inputs.parameters import ParameterError
from dsc_econ.inputs.programme import programme_parameters

COUNTS = """site,area,period,total_in_treatment,effective_treatment,successful_completions,total_completing
east,pilot,pre,1000,900,100,400
east,pilot,post,1000,950,150,420
east,comparison,pre,1200,1080,120,450
east,comparison,post,1200,1090,130,460
"""
LONG = """site,year,cost,price_year,agency
east,1,400,2026-27,local_authority
east,2,400,2026-27,local_authority
east,3,350,2026-27,nhs
"""


def _files(tmp_path, costs, counts=COUNTS):
    (tmp_path / "counts.csv").write_text(counts)
    (tmp_path / "costs.csv").write_text(costs)
    return tmp_path / "counts.csv", tmp_path / "costs.csv"


@pytest.mark.parametrize(
    "costs",
    [LONG, "site,cost_year_1,cost_year_2,cost_year_3\neast,400,400,350\n"],
    ids=["long", "wide"],
)
def test_three_cost_years_all_count(tmp_path, costs):
    params = programme_parameters(*_files(tmp_path, costs), tmp_path / "p")
    table = dsc.appraisal_table(params)
    assert table.loc["east", "cost"] == 1150  # not 800: year 3 is kept
    assert table.loc["east", "cost_year_3"] == 350
    assert list(dsc.appraise(params).project_year.values) == [1, 2, 3]


def test_price_year_and_agency_are_stored(tmp_path):
    params = programme_parameters(*_files(tmp_path, LONG), tmp_path / "p")
    assert params.meta("sites.east.costs.year_3").price_year == "2026-27"
    assert params["sites.east.costs.agency.year_1"] == "local_authority"
    assert params["sites.east.costs.agency.year_3"] == "nhs"


def test_discounted_costs_use_the_benefit_factors(tmp_path):
    params = programme_parameters(*_files(tmp_path, LONG), tmp_path / "p")
    params = params.with_values({"appraisal.discount_costs": True})
    r = params["discounting.rate"]
    d = (1 + r) ** -np.arange(1, 4)
    if params["discounting.timing"] != "end":
        pytest.skip("factors checked for end-of-year timing")
    expected = float(np.dot([400, 400, 350], d))
    assert dsc.appraisal_table(params).loc["east", "cost"] == pytest.approx(expected)


@pytest.mark.parametrize(
    ("costs", "message"),
    [
        (LONG.replace("east,3,", "east,2,"), r"row 4, year = 2 for site east is repeated"),
        (LONG.replace("east,2,", "east,5,"), r"row 3, year = 5 for site east is out of"),
        (LONG.replace("2026-27,nhs", "FY26,nhs"), r"row 4, price_year = 'FY26'"),
        (LONG.replace("2026-27,nhs", "2026-28,nhs"), r"row 4, price_year = '2026-28'"),
        (
            "site,year,cost,notes\neast,1,400,x\n",
            r"costs\.csv: row 2, column 'notes'",
        ),
        (
            "site,cost_year_1,cost_year_3\neast,1,2\n",
            r"row 1 \(the header\).*cost_year_2 is missing",
        ),
        (
            "site,cost_year_2,cost_year_1\neast,1,2\n",
            r"out of order",
        ),
        ("site,year,cost\neast,1,-5\n", r"row 2, cost = '-5' is not a non-negative"),
    ],
)
def test_bad_costs_are_refused_with_file_row_and_column(tmp_path, costs, message):
    with pytest.raises(ParameterError, match=message):
        programme_parameters(*_files(tmp_path, costs), tmp_path / "p")
    assert not (tmp_path / "p").exists()


def test_unknown_counts_column_is_an_error(tmp_path):
    counts = COUNTS.replace("total_completing\n", "total_completing,extra\n", 1)
    counts = counts.replace("400\n", "400,1\n", 1)
    with pytest.raises(ParameterError, match=r"counts\.csv: row 2, column 'extra'"):
        programme_parameters(*_files(tmp_path, LONG, counts), tmp_path / "p")


def test_site_file_cost_years_must_be_contiguous(tmp_path):
    params = programme_parameters(*_files(tmp_path, LONG), tmp_path / "p")
    site = tmp_path / "p" / "sites" / "east.yaml"
    site.write_text(site.read_text().replace("year_2: 400.0", "year_7: 400.0"))
    with pytest.raises(ParameterError, match=r"costs\.year_2 is missing"):
        dsc.load_parameters(tmp_path / "p")
    assert params  # the first load worked
