"""A user's project (``dsc-econ new``): costs by agency from the costs CSV flow through
the ledger to each agency's payback year (issue 22)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import yaml

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


def _one_agency(tmp_path: Path, capsys, costs: str) -> dsc.ParameterSet:
    """A project whose costs and every saving (fiscal, cashable) are the NHS's."""
    (tmp_path / "counts.csv").write_text(COUNTS)
    (tmp_path / "costs.csv").write_text(costs)
    folder = tmp_path / "nhs_only"
    args = ["new", str(folder), "--counts", str(tmp_path / "counts.csv")]
    assert main([*args, "--costs", str(tmp_path / "costs.csv")]) == 0
    capsys.readouterr()
    split = {
        "description": "Every harm saved by the NHS, in cash (a test's assumption).",
        "unit": "proportion",
        "reference": {"document": "test", "section": "one agency"},
        "total": {"nhs": {"fiscal_cashable": {"value": 1.0}}},
    }
    (folder / "ledger" / "harms.yaml").write_text(yaml.safe_dump(split))
    return dsc.load_parameters(folder)


@pytest.mark.parametrize(
    "costs",
    [
        "site,year,cost,agency\neast,1,3000,nhs\neast,2,1000,nhs\neast,3,500,nhs\n"
        "west,1,1500,nhs\nwest,2,500,nhs\nwest,3,200,nhs\n",  # a payer for each year
        "site,cost_year_1,cost_year_2,agency\neast,4000,1000,nhs\nwest,1500,1500,nhs\n",
    ],
)
def test_one_agency_payback_is_the_headline_payback(tmp_path, capsys, costs):
    """Issue 22: when one agency pays every cost and receives every saving as budget
    (fiscal) value, its payback year is the cash-flow (headline) payback of the
    programme: the same discounting, the same year 1, the same rule."""
    from dsc_econ.model.cashflow import cashflow
    from dsc_econ.model.ledger import ledger
    from dsc_econ.outputs.headline import headline

    params = _one_agency(tmp_path, capsys, costs)
    assert bool(params["appraisal.discount_costs"])  # a project discounts its costs
    book = ledger(params)
    programme = int(headline(params).row("programme").payback)
    assert programme > 1  # pays back within the years, after year 1: it can fail
    assert int(book.payback_year.sel(agency="nhs")) == programme
    # the same cumulative flows, year by year
    cf = cashflow(params.with_values({"cashflow.benefits": "single_cohort"}))
    cum = cf.cumulative_net_discounted.sel(site="all").values
    n = book.sizes["year"]
    np.testing.assert_allclose(
        book.cumulative_budget_impact.sel(agency="nhs").values, cum[:n], atol=1e-6
    )
    assert np.allclose(cum[n:], cum[n - 1])  # nothing after the cohort's years

    # with costs undiscounted (the DSCP convention) the two differ by that, and the
    # payback line says so
    cash = params.with_values({"appraisal.discount_costs": False})
    from dsc_econ.outputs.ledger_section import ledger_text

    text = " ".join(ledger_text(ledger(cash), "agency", cash).split())
    assert "its costs are discounted where the headline's are not" in text
    text = " ".join(ledger_text(book, "agency", params).split())
    assert "not all values" in text and "discounted where" not in text


def test_new_with_a_base_keeps_the_base_agency_vocabulary(tmp_path, param_dir, capsys):
    """Issue 22: ``dsc-econ new --base DIR`` checks the costs' agencies against the
    base's own agencies.yaml and carries it into the project, so an agency the base
    adds flows through to the ledger (named by its label in the text view)."""
    vocab_file = param_dir / "agencies.yaml"
    vocab = yaml.safe_load(vocab_file.read_text())
    vocab["agencies"]["hospital_trust"] = {
        "label": "Hospital trust",
        "description": "An NHS trust named on its own (a test's agency).",
    }
    vocab_file.write_text(yaml.safe_dump(vocab, sort_keys=False))
    (tmp_path / "counts.csv").write_text(COUNTS)
    (tmp_path / "costs.csv").write_text(
        COSTS.replace("west,1,200,2026-27,nhs", "west,1,200,2026-27,hospital_trust")
    )
    folder = tmp_path / "with_base"
    args = ["new", str(folder), "--counts", str(tmp_path / "counts.csv")]
    args += ["--costs", str(tmp_path / "costs.csv"), "--base", str(param_dir)]
    assert main(args) == 0, capsys.readouterr().err
    capsys.readouterr()
    assert yaml.safe_load((folder / "agencies.yaml").read_text()) == vocab

    assert main(["appraise", "--parameters", str(folder), "--by", "agency", "--json"]) == 0
    agencies = json.loads(capsys.readouterr().out)["ledger"]["agencies"]
    d = 1.035**-1
    assert agencies["hospital_trust"]["cost"] == pytest.approx(200 * d)
    assert agencies["hospital_trust"]["label"] == "Hospital trust"
    assert main(["appraise", "--parameters", str(folder), "--by", "agency"]) == 0
    assert "Hospital trust: not repaid" in capsys.readouterr().out

    # an agency the base's vocabulary lacks is refused, naming the base's file
    del vocab["agencies"]["nhs"]
    vocab_file.write_text(yaml.safe_dump(vocab, sort_keys=False))
    (tmp_path / "costs.csv").write_text(COSTS)  # west pays as nhs in year 1
    args[1] = str(tmp_path / "refused")
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "costs.csv: row 5, agency = 'nhs'" in err and str(vocab_file) in err
    assert not (tmp_path / "refused").exists()
