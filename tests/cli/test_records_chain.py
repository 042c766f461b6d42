"""The route from journey records to a board report, as the README chains it."""

from __future__ import annotations

import re

import yaml

from dsc_econ.cli.main import main
from dsc_econ.inputs.parameters import load_parameters


def test_records_to_board_report_chain(tmp_path, capsys):
    x = tmp_path / "x"
    assert main(["records", "synthesize", "--out", str(x), "--scale", "0.3"]) == 0
    code = main(
        [
            "appraise",
            "--journeys", str(x / "journeys.csv"),
            "--sites-file", str(x / "sites.csv"),
            "--rejects", str(x / "rejects.csv"),
            "--write-parameters", str(x / "params"),
        ]
    )
    assert code == 0
    site3 = yaml.safe_load((x / "params" / "sites" / "3.yaml").read_text())
    derived = site3["counts"]["pilot"]["post"]["total_in_treatment"]
    code = main(
        [
            "report",
            "--parameters", str(x / "params"),
            "--out", str(x / "report"),
            "--no-pdf",
            "--n-psa", "500",
            "--n-sobol", "64",
            "--sites", "3",
        ]
    )
    assert code == 0
    html = (x / "report" / "report.html").read_text(encoding="utf-8")
    # The report is built from the derived folder: its appendix shows the counts the
    # records gave (a third of the bundled extract), not the bundled ones.
    assert str(x / "params") in html
    assert re.search(rf"\b{derived:,}\b|\b{derived}\b", html)
    bundled = load_parameters()["sites.3.counts.pilot.post.total_in_treatment"]
    assert derived < 0.5 * bundled  # derived from the 0.3-scale extract, not bundled
    # Its sources are citations: the seed file names never stand alone.
    assert "Drug System Change Pilots Evaluation Final Report" in html
    assert not re.search(r"\d{3}_[0-9a-f]{16}\.txt", html)
    out = capsys.readouterr()
    assert "wrote" in out.out and "Traceback" not in out.err


def test_readme_shows_the_chain():
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    for step in (
        "dsc-econ records synthesize --out x/",
        "dsc-econ appraise --journeys x/journeys.csv --sites-file x/sites.csv",
        "--write-parameters x/params",
        "dsc-econ report --parameters x/params --out x/report",
    ):
        assert step in readme
