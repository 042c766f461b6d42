"""``dsc-econ appraise`` states the headline's payback (issue 23: one story)."""

from __future__ import annotations

import json

import dsc_econ as dsc
from dsc_econ.cli.main import main
from dsc_econ.outputs import headline as hl


def test_cli_payback_is_the_headlines(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    params = dsc.load_parameters().with_values({"cashflow.horizon": 3}, origin="test")
    want = hl.headline(params, ["3", "4"]).table["payback_text"]
    assert (
        main(["appraise", "--sites", "3", "4", "--set", "cashflow.horizon=3", "--json"])
        == 0
    )
    got = json.loads(capsys.readouterr().out)["payback"]
    assert got["definition"] == hl.PAYBACK_DEFINITION
    assert list(got["by_site"].values()) == list(want)
    assert list(got["by_site"]) == ["site 3", "site 4", "programme"]
    assert main(["appraise", "--sites", "3", "4", "--set", "cashflow.horizon=3"]) == 0
    text = capsys.readouterr().out
    line = next(t for t in text.splitlines() if t.startswith("Payback year (as in"))
    assert (
        f"site 3: {want['3']}; site 4: {want['4']}; programme: {want[hl.PROGRAMME]}" in line
    )
