"""``dsc-econ cashflow``: the cash-flow table and payback per site."""

from __future__ import annotations

import json

from dsc_econ.cli.main import main


def test_cashflow_prints_tables_payback_and_streams(capsys):
    assert main(["cashflow", "--table", "3", "--benefits", "single_cohort"]) == 0
    out = capsys.readouterr().out
    assert "Site 3:" in out and "cumulative_net_discounted" in out
    assert "Payback: simple 1, discounted 1." in out
    assert "Summary (unit in each heading" in out and "not within the horizon" in out
    assert "managerial_economies" in out and "not counted (off by default)" in out
    assert "1,714" in out and "1,656" in out  # 60/0.035 and a one-year lag (£k)


def test_cashflow_json_and_scenario(capsys):
    assert (
        main(["cashflow", "--json", "--scenario", "managerial_savings", "--table", "all"])
        == 0
    )
    payload = json.loads(capsys.readouterr().out)
    assert payload["streams"]["managerial_economies"]["include_in_bcr"] is True
    row = payload["sites"]["all"]
    assert len(row["years"]["costs"]) == 30 and row["tail_benefits"] != 0


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
    assert (
        "Monte Carlo (50 samples, seed 20121" in out
        and "P(payback within)" in out
        and "10 yr" in out
    )


def test_cashflow_text_fits_the_terminal_and_states_the_assumption(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    assert main(["cashflow", "--horizon", "5"]) == 0
    out = capsys.readouterr().out
    assert max(len(line) for line in out.splitlines()) <= 80
    assert "costs (£k)" in out and "bcr (ratio)" in out and "npv (£k)" in out
    assert "costs_discounted" not in out  # compact table by default
    flat = " ".join(out.split())
    assert "persists for every year of the 5-year horizon" in flat
    assert "--benefits single_cohort" in flat
    assert main(["cashflow", "--horizon", "5", "--full", "--table", "3"]) == 0
    out = capsys.readouterr().out
    assert "costs_discounted (£k)" in out and "cumulative_net (£k)" in out
    assert max(len(line) for line in out.splitlines()) <= 80


def test_cashflow_json_units_block(capsys):
    assert main(["cashflow", "--json", "--table", "3", "--horizon", "5"]) == 0
    payload = json.loads(capsys.readouterr().out)
    site = payload["sites"]["3"]
    assert {
        "pv_costs",
        "pv_benefits",
        "npv",
        "bcr",
        "payback_year",
        "payback_year_discounted",
        "npv_single_cohort",
    } <= set(site)
    assert set(payload["units"]["years"]) == set(site["years"]) - {"year"}
    assert payload["units"]["sites"]["npv"] == "GBP thousand"
    assert payload["units"]["sites"]["bcr"] == "ratio"
    assert payload["settings"]["benefits_source"] == "stockflow"
    assert not any(k.endswith(("_gbp", "_k", "_thousand")) for k in site)


def test_cashflow_csv_is_formula_safe(capsys, monkeypatch):
    import dsc_econ.cli.cashflow as cli

    seen = []
    real = cli.write_csv
    monkeypatch.setattr(cli, "write_csv", lambda *a, **k: seen.append(1) or real(*a, **k))
    assert main(["cashflow", "--csv", "--horizon", "2"]) == 0
    assert seen and capsys.readouterr().out.startswith("site,year,")


def test_payback_probabilities_stay_within_the_horizon(capsys):
    # issue 23: a 6-year run cannot say whether payback comes within 10 or 20 years
    args = ["cashflow", "--psa", "50", "--horizon", "6", "--json"]
    assert main(args) == 0
    psa = json.loads(capsys.readouterr().out)["psa"]
    within = {int(w) for row in psa.values() for w in row["p_payback_within"]}
    assert within == {2, 5}
    assert main([*args[:-1], "--within", "3", "10"]) == 2
    err = capsys.readouterr().err
    assert "--within 10" in err and "6-year cash-flow horizon" in err


def test_monte_carlo_note_names_files_without_machine_paths(capsys, monkeypatch, tmp_path):
    from dsc_econ.inputs.parameters import data_dir

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "200")
    assert main(["cashflow", "--psa", "50", "--horizon", "6"]) == 0
    out = capsys.readouterr().out
    assert "bundled uncertainty/default.yaml + bundled uncertainty/dynamics.yaml" in out
    assert str(data_dir("uncertainty")) not in out
