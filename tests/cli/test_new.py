"""``dsc-econ new``: a made-up three-year, two-site project from CSVs to the board report.

Every figure is checked against one computed here by hand from the tables (the DiD of
the counts, the unit values per client, the costs of all three years discounted at the
bundled 3.5%), and the report is checked for text about the 2012 pilots.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

import dsc_econ as dsc
from dsc_econ.cli.main import main
from dsc_econ.inputs.project import MARKER

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
YEARS = {"east": [400.0, 400.0, 350.0], "west": [200.0, 150.0, 100.0]}


def _by_hand(counts: dict[str, list[int]], cost: list[float], units) -> dict[str, float]:
    """Benefits, discounted costs, NPV and BCR of one site, from its counts."""
    (pp, pq, cp, cq) = (
        counts["pilot_pre"],
        counts["pilot_post"],
        counts["comp_pre"],
        (counts["comp_post"]),
    )
    did_et = (pq[1] / pq[0] - pp[1] / pp[0]) - (cq[1] / cq[0] - cp[1] / cp[0])
    did_sc = (pq[2] / pq[0] - pp[2] / pp[0]) - (cq[2] / cq[0] - cp[2] / cp[0])
    benefit = (did_et * pq[0] * units.effective + did_sc * pq[0] * units.completion) / 1000
    costs = sum(c / 1.035**t for t, c in enumerate(cost, start=1))  # years 1, 2 and 3
    return {
        "benefit": benefit,
        "cost": costs,
        "npv": benefit - costs,
        "bcr": benefit / costs,
    }


HAND_COUNTS = {
    "east": {
        "pilot_pre": [1000, 900, 100],
        "pilot_post": [1000, 950, 150],
        "comp_pre": [1200, 1080, 120],
        "comp_post": [1200, 1090, 130],
    },
    "west": {
        "pilot_pre": [800, 700, 80],
        "pilot_post": [820, 740, 100],
        "comp_pre": [900, 790, 90],
        "comp_post": [910, 800, 95],
    },
}


@pytest.fixture()
def tables(tmp_path: Path) -> tuple[Path, Path]:
    (tmp_path / "counts.csv").write_text(COUNTS)
    (tmp_path / "costs.csv").write_text(COSTS)
    return tmp_path / "counts.csv", tmp_path / "costs.csv"


def _new(folder: Path, counts: Path, costs: Path, *extra: str) -> int:
    return main(
        ["new", str(folder), "--counts", str(counts), "--costs", str(costs), *extra]
    )


def test_csvs_to_board_report_with_hand_computed_figures(tables, tmp_path, capsys):
    counts, costs = tables
    project = tmp_path / "my_area"
    assert _new(project, counts, costs, "--start", "2026-04") == 0
    assert "3 cost year(s), year 1 = 2026-27" in capsys.readouterr().out
    params = dsc.load_parameters(project)
    assert params["appraisal.discount_costs"] is True  # Green Book: costs discounted
    assert params["discounting.rate"] == 0.035 and params["discounting.timing"] == "end"
    units = dsc.unit_values(params)
    hand = {s: _by_hand(HAND_COUNTS[s], YEARS[s], units) for s in YEARS}

    # appraise: every cost year counts (east: 1,150 £k cash, 1,075.6 £k discounted)
    assert main(["appraise", "--parameters", str(project), "--json"]) == 0
    sites = json.loads(capsys.readouterr().out)["sites"]
    for s, h in hand.items():
        assert sites[s]["costs_year_3"] == pytest.approx(YEARS[s][2] / 1.035**3)
        assert sites[s]["costs"] == pytest.approx(h["cost"])
        assert sites[s]["benefits"] == pytest.approx(h["benefit"])
        assert sites[s]["npv"] == pytest.approx(h["npv"])
        assert sites[s]["bcr"] == pytest.approx(h["bcr"])
    assert hand["east"]["cost"] == pytest.approx(1075.55, abs=0.01)

    # cashflow: year 3's cash cost, the project's year labels, and one story: the
    # over-time NPV and BCR are the appraisal's
    assert main(["cashflow", "--parameters", str(project), "--json"]) == 0
    cf = json.loads(capsys.readouterr().out)
    east = cf["sites"]["east"]
    assert east["years"]["costs"][:4] == [400.0, 400.0, 350.0, 0.0]
    assert east["years"]["year_label"][:3] == ["2026-27", "2027-28", "2028-29"]
    assert cf["settings"]["year_convention"] == "programme year 1 = 2026-27"
    for s, h in hand.items():
        assert cf["sites"][s]["npv"] == pytest.approx(h["npv"])
        assert cf["sites"][s]["npv_single_cohort"] == pytest.approx(h["npv"])
        assert cf["sites"][s]["bcr"] == pytest.approx(h["bcr"])
    total = sum(h["npv"] for h in hand.values())
    assert cf["sites"]["all"]["npv"] == pytest.approx(total)

    # cashflow --psa with the project's own uncertainty file, given explicitly
    own = project / "uncertainty" / "default.yaml"
    args = ["cashflow", "--parameters", str(project), "--psa", "200", "--json"]
    assert main([*args, "--uncertainty", str(own), "--within", "1", "3"]) == 0
    psa = json.loads(capsys.readouterr().out)["psa"]["all"]
    shares = psa["payback_distribution"]
    assert sum(shares.values()) == pytest.approx(1.0)
    assert psa["p_payback_within"]["3"] == pytest.approx(
        sum(v for k, v in shares.items() if k != "never" and int(k) <= 3)
    )

    # sensitivity on the project's sites, with no --uncertainty
    assert main(["sensitivity", "psa", "--parameters", str(project), "--n", "300"]) == 0
    out = capsys.readouterr().out
    assert "east" in out and "west" in out

    # the board report (HTML only): the project's figures, no 2012 text
    board = tmp_path / "board"
    assert (
        main(
            [
                "report",
                "--parameters",
                str(project),
                "--out",
                str(board),
                "--no-pdf",
                "--n-psa",
                "400",
                "--n-sobol",
                "64",
            ]
        )
        == 0
    )
    html = (board / "report.html").read_text(encoding="utf-8")
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", re.sub(r"base64,[^\"]+", "", html)))
    from dsc_econ.outputs import formatting as fmt

    for s, h in hand.items():
        assert f"Site {s}" in text
        assert fmt.format_npv_m(h["npv"]) in text
    assert "Of the 2 sites appraised" in text
    assert "Drug System Change Pilots" not in text[: text.index("1. Executive")]
    assert "years 1 to 3 (2026-27 to 2028-29)" in text
    appendix = text.split("Appendix C: assumptions")[1]  # sources may cite 2012 papers
    body = text[: text.index("Appendix A: sensitivity", text.index("1. Executive"))]
    for stale in (
        "2009-10",
        "2010-11",
        "pilot sites",
        "18 months",
        "site 5",
        "managerial",
        "statistically significant",
        "Site 3",
        "DSCP",
    ):
        assert stale not in body, stale
    for site_id in range(1, 8):
        assert f"sites.{site_id}." not in appendix


def test_default_project_tells_one_story_even_with_a_long_horizon(tables, tmp_path):
    project = tmp_path / "p"
    assert _new(project, *tables) == 0
    params = dsc.load_parameters(project).with_values({"cashflow.horizon": 40})
    from dsc_econ.model.cashflow import cashflow, effect_assumption

    cf = cashflow(params)
    np.testing.assert_allclose(cf.npv.values, cf.npv_single_cohort.values)
    np.testing.assert_allclose(cf.bcr.values, cf.bcr_single_cohort.values)
    assert "as in the appraisal" in effect_assumption(params)
    # a departing view names its assumption
    other = params.with_values({"cashflow.benefits": "stockflow"})
    assert (
        effect_assumption(other) == "if the effect lasts 3 years with no further spending"
    )


def test_effect_duration_decay_and_running_costs(tables, tmp_path):
    from dsc_econ.model.cashflow import cashflow_arrays, effect_persistence

    project = tmp_path / "p"
    assert _new(project, *tables) == 0
    params = dsc.load_parameters(project).with_values(
        {
            "cashflow.benefits": "vector",
            "cashflow.vector": [10.0] * 10,
            "cashflow.horizon": 10,
            "cashflow.effect_duration": 5,
            "cashflow.effect_decay": 0.5,
            "cashflow.running_costs": 20,
        }
    )
    np.testing.assert_allclose(
        effect_persistence(params, np.arange(1, 8)), [1, 1, 1, 1, 1, 0.5, 0.25]
    )
    arr = cashflow_arrays(params)
    east = arr["rows"].index("east")
    np.testing.assert_allclose(arr["benefit"][east][:7], [10, 10, 10, 10, 10, 5, 2.5])
    # running costs after the three cost years while the effect lasts (years 4 and 5)
    np.testing.assert_allclose(arr["cost"][east][:6], [400, 400, 350, 20, 20, 0])


BAD = [
    (
        "counts",
        lambda t: t.replace(",total_completing", ""),
        r"counts\.csv.*total_completing",
    ),
    (
        "counts",
        lambda t: t.replace("total_completing\n", "total_completing,x\n", 1).replace(
            "900,100,400\n", "900,100,400,1\n"
        ),
        r"counts\.csv: row 2, column 'x'",
    ),
    (
        "counts",
        lambda t: t.replace("east,pilot,post", "east,pilot,pre"),
        r"counts\.csv: row 3: site east pilot pre appears more than once",
    ),
    (
        "counts",
        lambda t: t.replace("1000,900,100", "1000,-900,100", 1),
        r"counts\.csv: row 2, effective_treatment = '-900'",
    ),
    (
        "counts",
        lambda t: t.replace("1000,900,100", "1000,900.5,100", 1),
        r"counts\.csv: row 2, effective_treatment = '900\.5' is not a whole",
    ),
    (
        "counts",
        lambda t: t.replace("1000,900,100", "1000,1900,100", 1),
        r"counts\.csv: row 2, effective_treatment = 1900 exceeds total_in_treatment",
    ),
    (
        "costs",
        lambda t: t.replace("east,3,", "east,2,"),
        r"costs\.csv: row 4, year = 2.*repeated",
    ),
    (
        "costs",
        lambda t: t.replace("east,2,", "east,3,", 1),
        r"costs\.csv: row 3, year = 3.*out of order",
    ),
    (
        "costs",
        lambda t: t.replace("2026-27,nhs", "26/27,nhs"),
        r"costs\.csv: row 5, price_year = '26/27'",
    ),
    (
        "costs",
        lambda t: t.replace("agency\n", "agency,notes\n", 1),
        r"costs\.csv: row 1 \(the header\), column 'notes'",
    ),
]


@pytest.mark.parametrize(("which", "edit", "message"), BAD)
def test_bad_tables_exit_2_naming_file_row_column_and_write_nothing(
    tables, tmp_path, capsys, which, edit, message
):
    counts, costs = tables
    path = counts if which == "counts" else costs
    path.write_text(edit(path.read_text()))
    assert _new(tmp_path / "out", counts, costs) == 2
    err = capsys.readouterr().err
    assert re.search(message, err), err
    assert not (tmp_path / "out").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".dsc-econ-new")]


def test_existing_folders_need_force_and_must_be_ours(tables, tmp_path, capsys):
    project = tmp_path / "p"
    assert _new(project, *tables) == 0
    assert (project / MARKER).is_file()
    assert _new(project, *tables) == 2
    assert "exists and is not empty" in capsys.readouterr().err
    assert _new(project, *tables, "--force") == 0
    (project / "my_notes.txt").write_text("mine")
    assert _new(project, *tables, "--force") == 2
    assert "did not write (my_notes.txt)" in capsys.readouterr().err
    assert (project / "my_notes.txt").read_text() == "mine"
    other = tmp_path / "theirs"
    other.mkdir()
    (other / "data.csv").write_text("x")
    assert _new(other, *tables, "--force") == 2
    assert "only a folder dsc-econ new wrote" in capsys.readouterr().err
    assert (other / "data.csv").read_text() == "x"
