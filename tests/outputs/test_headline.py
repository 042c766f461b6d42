"""One headline (issue 23): the base case's NPSV, BCR and payback, for the DSCP
parameters and for a project of one's own."""

from __future__ import annotations

import numpy as np
import pytest

import dsc_econ as dsc
from dsc_econ.cli.main import main
from dsc_econ.model.cashflow import cashflow
from dsc_econ.outputs import headline as hl

COUNTS = """\
site,area,period,total_in_treatment,effective_treatment,successful_completions,total_completing
east,pilot,pre,1000,900,100,400
east,pilot,post,1000,950,150,420
east,comparison,pre,1200,1080,120,450
east,comparison,post,1200,1090,130,460
west,pilot,pre,800,700,80,300
west,pilot,post,820,740,100,320
west,comparison,pre,900,790,90,330
west,comparison,post,910,800,95,335
"""
COSTS = """\
site,year,cost,price_year,agency
east,1,400,2026-27,local_authority
east,2,400,2026-27,local_authority
east,3,350,2026-27,local_authority
west,1,200,2026-27,nhs
west,2,150,2026-27,local_authority
west,3,100,2026-27,local_authority
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """A made-up two-site, three-cost-year project (as tests/cli/test_new.py)."""
    root = tmp_path_factory.mktemp("own")
    (root / "counts.csv").write_text(COUNTS)
    (root / "costs.csv").write_text(COSTS)
    folder = root / "my_area"
    args = [
        "new",
        str(folder),
        "--counts",
        str(root / "counts.csv"),
        "--costs",
        str(root / "costs.csv"),
        "--start",
        "2026-04",
    ]
    assert main(args) == 0
    return dsc.load_parameters(folder)


@pytest.mark.parametrize("which", ["dscp", "own"])
def test_headline_is_the_appraisal_and_the_programme_adds_up(which, project):
    params = dsc.load_parameters() if which == "dscp" else project
    sites = params.impact_sites()
    h = hl.headline(params, sites)
    point = dsc.appraise(params, sites)
    np.testing.assert_allclose(h.table.loc[sites, "npsv"], point.net_benefit.values)
    np.testing.assert_allclose(h.table.loc[sites, "bcr"], point.bcr.values)
    prog = h.row(hl.PROGRAMME)
    assert prog.npsv == pytest.approx(point.net_benefit.sum())
    assert prog.bcr == pytest.approx(float(point.total_benefit.sum() / point.cost.sum()))
    # the payback belongs to the same numbers: the base case's own cash flows
    single = params.with_values({"cashflow.benefits": "single_cohort"})
    cf = cashflow(single, sites)
    np.testing.assert_allclose(cf.npv.sel(site=sites).values, h.table.loc[sites, "npsv"])
    assert list(h.table.loc[sites, "payback"]) == list(
        cf.payback_discounted.sel(site=sites)
    )
    assert h.price_base == "£, prices as given by the sources"
    assert "Payback year" in h.payback_definition


def test_payback_text_names_the_project_year(project):
    h = hl.headline(project)
    for _, row in h.table.iterrows():
        if row.payback > 0:
            assert row.payback_text.startswith(f"year {row.payback} (20")
        else:
            assert row.payback_text == "none"


def test_recommendation_follows_the_probability():
    params = dsc.load_parameters()
    h = hl.headline(params)
    no = hl.recommendation(h, 0.0001, "pilot")
    assert no.startswith("Recommendation: do not go ahead with the pilots")
    assert "under 0.1%" in no and "−£63.1m" in no and "site 3" in no
    assert hl.recommendation(h, 0.95).startswith("Recommendation: go ahead")
    assert "does not settle it" in hl.recommendation(h, 0.5)


def test_alternative_view_names_its_assumption():
    params = dsc.load_parameters()
    label = hl.alternative_label(params)
    assert "stock-flow" in label and "30 years" in label and "not the base case" in label
    same = params.with_values({"cashflow.benefits": "single_cohort"})
    assert "same as the headline" in hl.alternative_label(same)


def test_money_unit_carries_the_price_base():
    params = dsc.load_parameters()
    assert hl.money_unit(params) == "£ million, prices as given by the sources"
    assert hl.money_unit(params, "") == "£, prices as given by the sources"
