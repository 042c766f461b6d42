"""A project folder of one's own (:mod:`dsc_econ.inputs.project`)."""

from __future__ import annotations

import datetime as dt

import pytest

import dsc_econ as dsc
from dsc_econ.inputs.parameters import ParameterError
from dsc_econ.inputs.project import (
    load_narrative,
    new_project,
    own_uncertainty_file,
    parse_month,
    year_axis,
    year_label,
)
from dsc_econ.sensitivity.distributions import load_uncertainty

COUNTS = """site,area,period,total_in_treatment,effective_treatment,successful_completions,total_completing
a,pilot,pre,1000,900,100,400
a,pilot,post,1000,950,150,420
a,comparison,pre,1200,1080,120,450
a,comparison,post,1200,1090,130,460
"""
COSTS = "site,cost_year_1,cost_year_2,cost_year_3,cost_year_4\na,100,100,100,50\n"


@pytest.fixture()
def tables(tmp_path):
    (tmp_path / "c.csv").write_text(COUNTS)
    (tmp_path / "k.csv").write_text(COSTS)
    return tmp_path / "c.csv", tmp_path / "k.csv"


def test_dates_label_the_years(tables, tmp_path):
    params = new_project(tmp_path / "p", *tables, start="2027-01")
    assert params["project.start"] == "2027-01-01"
    assert year_label(params, 1) == "Jan 2027-Dec 2027"
    assert params["records.periods.pre.end"] == "2026-12-31"
    assert params["records.periods.post.start"] == "2030-01-01"  # the 4th cost year
    bundled = dsc.load_parameters()
    assert year_axis(bundled) == "year 1 = 2009-10" and year_label(bundled, 2) == "2010-11"


def test_project_has_its_own_uncertainty_and_no_dscp_files(tables, tmp_path):
    params = new_project(tmp_path / "p", *tables)
    assert own_uncertainty_file(params) == tmp_path / "p" / "uncertainty" / "default.yaml"
    u = load_uncertainty(None, params)
    assert {i.site for i in u.inputs if i.kind == "did"} == {"a"}
    costs = next(i for i in u.inputs if i.name == "costs_site_a")
    assert costs.parameters == tuple(f"sites.a.costs.year_{k}" for k in range(1, 5))
    assert not (tmp_path / "p" / "streams").exists()
    assert load_narrative(params) == {} and load_narrative(dsc.load_parameters())
    assert params["cashflow.effect_duration"] == 4


def test_a_project_can_be_the_base_of_another(tables, tmp_path):
    first = new_project(tmp_path / "p", *tables)
    second = new_project(tmp_path / "q", *tables, base=first.source, start="2030-04")
    assert year_label(second, 1) == "2030-31"
    assert load_uncertainty(None, second).source.endswith("q/uncertainty/default.yaml")


@pytest.mark.parametrize("text", ["2026", "26-04", "2026-13", "April 2026"])
def test_bad_start_months(text):
    with pytest.raises(ParameterError, match="is not a month YYYY-MM"):
        parse_month(text)
    assert parse_month("2026-04") == dt.date(2026, 4, 1)
