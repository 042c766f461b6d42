"""``dsc-econ cashflow``: the cash-flow table and payback per site."""

from __future__ import annotations

import json

from dsc_econ.cli.main import main


def test_cashflow_prints_tables_payback_and_streams(capsys):
    assert main(["cashflow", "--table", "3", "--benefits", "single_cohort"]) == 0
    out = capsys.readouterr().out
    assert "Site 3:" in out and "cumulative_net_discounted" in out
    assert "Payback: simple 1, discounted 1." in out
    assert "Summary (£ thousand):" in out and "not within the horizon" in out
    assert "managerial_economies" in out and "not counted (off by default)" in out
    assert "1714.3" in out and "1656.3" in out  # 60/0.035 and a one-year lag


def test_cashflow_json_and_scenario(capsys):
    assert main(["cashflow", "--json", "--scenario", "managerial_savings",
                 "--table", "all"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["streams"]["managerial_economies"]["include_in_bcr"] is True
    row = payload["rows"]["all"]
    assert len(row["years"]["cost"]) == 30 and row["tail_benefit"] != 0


def test_cashflow_unknown_row_is_an_error(capsys):
    assert main(["cashflow", "--table", "9"]) == 2
    assert "not a row" in capsys.readouterr().err


def test_cashflow_csv_to_file(tmp_path, capsys):
    target = tmp_path / "cf.csv"
    assert main(["cashflow", "--csv", "--output", str(target), "--horizon", "5"]) == 0
    text = target.read_text()
    assert text.startswith("site,year,") and text.count("\n") == 7 * 5 + 1


def test_cashflow_psa(capsys):
    assert main(["cashflow", "--psa", "50", "--within", "3", "10", "--table", "3"]) == 0
    out = capsys.readouterr().out
    assert "Monte Carlo (50 samples, seed 20121" in out and "p_payback<=10" in out
