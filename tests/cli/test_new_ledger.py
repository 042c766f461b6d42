"""A user's project (``dsc-econ new``): costs by agency from the costs CSV flow through
the ledger to each agency's payback year (issue 22)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import dsc_econ as dsc
from dsc_econ.cli.main import main

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


@pytest.fixture()
def project(tmp_path: Path, capsys) -> Path:
    (tmp_path / "counts.csv").write_text(COUNTS)
    (tmp_path / "costs.csv").write_text(COSTS)
    folder = tmp_path / "my_area"
    args = ["new", str(folder), "--counts", str(tmp_path / "counts.csv")]
    assert main([*args, "--costs", str(tmp_path / "costs.csv")]) == 0
    capsys.readouterr()
    return folder


def test_costs_by_agency_flow_to_payback_per_agency(project, capsys):
    assert main(["appraise", "--parameters", str(project), "--by", "agency", "--json"]) == 0
    ledger = json.loads(capsys.readouterr().out)["ledger"]["agencies"]
    d = [1.035**-t for t in (1, 2, 3)]  # a project's costs are discounted (Green Book)
    la = ledger["local_authority"]
    assert la["cost"] == pytest.approx(
        400 * d[0] + 400 * d[1] + 350 * d[2] + 150 * d[1] + 100 * d[2]
    )
    assert la["payback_year"] == -1  # pays, saves nothing: never repaid
    nhs = ledger["nhs"]
    assert nhs["cost"] == pytest.approx(200 * d[0])

    # by hand: the NHS's saving is the appraisal run with the health harms alone
    # (Table C.5.1: 4,543 untreated, 3,120 in treatment), year by year, both sites
    params = dsc.load_parameters(project)
    health = (
        dsc.appraise(
            params.with_values(
                {
                    "harms.untreated.total": 4543 * 55127 / 55128,
                    "harms.in_treatment.total": 3120.0,
                    "appraisal.unit_value_rounding": 0.0,
                }
            )
        )
        .benefit_by_year.sum("site")
        .values
    )
    net = health.copy()
    net[0] -= 200 * d[0]
    np.testing.assert_allclose(nhs["budget_impact_by_year"][: len(net)], net, atol=0.05)
    cum = np.cumsum(net)
    ok = cum >= 0
    expected = next(t + 1 for t in range(len(ok)) if ok[t:].all())
    assert nhs["payback_year"] == expected
    assert 1 < expected <= len(net)  # the NHS pays in year 1 and is repaid later

    # the text view names the payback with the project's own years (2026-27 ...)
    assert main(["appraise", "--parameters", str(project), "--by", "agency"]) == 0
    out = capsys.readouterr().out
    label = 2026 + expected - 1
    assert f"NHS: year {expected} ({label}-{(label + 1) % 100:02d})" in out
    assert "Local authority: not repaid" in out
    assert "(nhs)" not in out and "local_authority" not in out  # ids in --json only


def test_unknown_agency_in_the_costs_csv_exit_2(tmp_path, capsys):
    (tmp_path / "counts.csv").write_text(COUNTS)
    (tmp_path / "costs.csv").write_text(
        COSTS.replace("west,1,200,2026-27,nhs", "west,1,200,2026-27,hospital")
    )
    folder = tmp_path / "p"
    code = main(
        [
            "new",
            str(folder),
            "--counts",
            str(tmp_path / "counts.csv"),
            "--costs",
            str(tmp_path / "costs.csv"),
        ]
    )
    err = capsys.readouterr().err
    assert code == 2 and not folder.exists()
    assert "costs.csv: row 5, agency = 'hospital'" in err
