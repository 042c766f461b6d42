"""The dsc-econ command line: help, reproduce, appraise, overrides, errors."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from dsc_econ.cli.main import main


def run(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_help_reads_like_the_readme(capsys):
    with pytest.raises(SystemExit) as info:
        main(["--help"])
    assert info.value.code == 0
    text = capsys.readouterr().out
    for word in ("reproduce", "appraise", "parameters", "--set key=value", "as_published"):
        assert word in text


def test_reproduce_text_and_exit_code(capsys):
    code, out, _ = run(capsys, "reproduce")
    assert code == 0
    assert "Every difference beyond rounding is explained." in out
    assert "Table 7.10" in out and "Table C.6.1" in out
    assert "site5_completions_decimal" in out


def test_reproduce_json_schema(capsys):
    code, out, _ = run(capsys, "reproduce", "--json")
    assert code == 0
    data = json.loads(out)
    assert set(data) >= {"as_published", "exact", "notes", "package_version"}
    assert round(data["exact"]["tables"]["C.6.1"]["pv"]["costs"]) == 11019
    assert round(data["exact"]["tables"]["7.10"]["sites"]["5"]["extra_completions"]) == 25


def test_set_changes_results_and_flags_them(capsys):
    code, out, _ = run(
        capsys, "reproduce", "--json", "--mode", "exact", "--set", "discounting.rate=0.015"
    )
    data = json.loads(out)
    assert code == 1  # printed values no longer match: differences are unexplained
    assert data["exact"]["tables"]["C.6.1"]["pv"]["short_term"] > 46000
    assert data["parameters"]["overridden"][0] == "discounting.rate"


def test_parameters_directory(capsys, param_dir):
    path = param_dir / "pathways.yaml"
    path.write_text(path.read_text().replace("value: 0.457038", "value: 0.53"))
    code, out, _ = run(capsys, "appraise", "--json", "--parameters", str(param_dir))
    assert code == 0
    data = json.loads(out)
    assert data["unit_values"]["completion"] == pytest.approx(
        44223.87 + 0.53 * 330224.79, rel=1e-6
    )


def test_appraise_scenarios_and_sites(capsys):
    code, out, _ = run(
        capsys, "appraise", "--sites", "3", "--scenario", "benefits_50", "--csv"
    )
    assert code == 0
    lines = out.strip().splitlines()
    assert lines[0].startswith("site,") and lines[1].startswith("3,")
    code, out, _ = run(capsys, "appraise", "--set", "discounting.method=green_book")
    assert code == 0 and "Site appraisal" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["appraise", "--set", "pathways.gamma=1.5"], "pathways.gamma: 1.5 is above 1"),
        (["appraise", "--set", "nosuch=1"], "unknown parameter 'nosuch'"),
        (["appraise", "--sites", "9"], "unknown site id(s) ['9']"),
        (["appraise", "--scenario", "nosuch"], "unknown scenario 'nosuch'"),
        (["reproduce", "--table", "9.9"], "unknown table '9.9'"),
        (["appraise", "--parameters", "/nonexistent"], "parameter directory not found"),
    ],
)
def test_errors_are_clear_and_exit_2(capsys, argv, message):
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert message in err
    assert out == ""


def test_output_file_is_written_atomically(capsys, tmp_path):
    target = tmp_path / "out" / "repro.json"
    code, _, _ = run(capsys, "reproduce", "--json", "--output", str(target))
    assert code == 0 and json.loads(target.read_text())["exact"]
    bad = tmp_path / "bad.json"
    code, _, _ = run(capsys, "reproduce", "--output", str(bad), "--set", "x=1")
    assert code == 2 and not bad.exists()  # nothing half-written


def test_listing_commands(capsys):
    assert run(capsys, "tables")[1].count("\n") >= 13
    assert "c6_decay_decline" in run(capsys, "scenarios")[1]
    code, out, _ = run(capsys, "parameters", "--grep", "harms.untreated")
    assert code == 0 and "55127" in out and "C.5.1" in out


def test_console_script_entry_point():
    proc = subprocess.run(
        [sys.executable, "-m", "dsc_econ.cli", "tables"], capture_output=True, text=True
    )
    assert proc.returncode == 0 and "7.10" in proc.stdout


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["oneway", "--top", "3", "--sites", "3"], "Site 3 (base NPV"),
        (["scenarios"], "benefits_50"),
        (["threshold", "--input", "pathways.gamma", "--low", "0", "--high", "1"], "found"),
        (["psa", "--n", "500"], "P(BCR>1)"),
        (["sobol", "--n", "64"], "did_site_3"),
        (["morris", "--trajectories", "4"], "mu*"),
        (["voi", "--n", "1500", "--sites", "4", "7", "--top", "2"], "did_site_7"),
    ],
)
def test_sensitivity_verbs(capsys, argv, expected):
    code, out, err = run(capsys, "sensitivity", *argv)
    assert code == 0, err
    assert expected in out


def test_sensitivity_output_files(capsys, tmp_path):
    nc, csv = tmp_path / "psa.nc", tmp_path / "oneway.csv"
    assert run(capsys, "sensitivity", "psa", "--n", "300", "--output", str(nc))[0] == 0
    assert run(capsys, "sensitivity", "oneway", "--output", str(csv))[0] == 0
    from dsc_econ.sensitivity import load

    assert load(nc).attrs["seed"] == 20121
    assert csv.read_text().startswith("parameter,bound,site")


def test_sensitivity_bad_uncertainty_file(capsys, tmp_path):
    bad = tmp_path / "u.yaml"
    bad.write_text(
        "inputs:\n  x: {parameter: pathways.gamma, distribution: uniform, low: 2, high: 1, justification: j}\n"
    )
    code, _, err = run(capsys, "sensitivity", "psa", "--uncertainty", str(bad))
    assert code == 2 and "u.yaml: inputs.x: low (2) > high (1)" in err


def test_set_wins_over_scenario(capsys):
    _, out, _ = run(
        capsys,
        "appraise",
        "--json",
        "--scenario",
        "c6_decay",
        "--set",
        "harms.abstinent.decay_rate=0.5",
    )
    data = json.loads(out)
    decay5 = json.loads(
        run(capsys, "appraise", "--json", "--set", "harms.abstinent.decay_rate=0.5")[1]
    )
    assert data["unit_values"]["completion"] == decay5["unit_values"]["completion"]


@pytest.mark.parametrize("name", ["gamma", "abstinence", "pathways.gamma"])
def test_threshold_accepts_every_spelling(capsys, name):
    code, out, err = run(capsys, "sensitivity", "threshold", "--input", name, "--sites", "5")
    assert code == 0, err
    assert "abstinence (pathways.gamma)" in out and "found" in out


def test_threshold_without_input_tables_every_input(capsys):
    code, out, err = run(capsys, "sensitivity", "threshold", "--sites", "5")
    assert code == 0, err
    for name in ("abstinence", "discount_rate", "harm_level", "costs_site_7"):
        assert name in out
    assert "Not searched: did_site_2" in out
    code, _, err = run(capsys, "sensitivity", "threshold", "--input", "abstinance")
    assert code == 2 and "pathways.gamma (abstinence)" in err


def test_parameters_grep_searches_descriptions_and_sources(capsys):
    code, out, _ = run(capsys, "parameters", "--grep", "continued abstinence")
    assert code == 0 and "pathways.gamma (abstinence) = 0.457038" in out
    code, out, _ = run(capsys, "parameters", "--grep", "towards successful treatment")
    assert code == 0 and "pathways.alpha" in out and "NTA (2009)" in out
    assert "004_4627c13326623822" not in out  # the seed file never stands alone
    code, _, err = run(capsys, "parameters", "--grep", "no-such-words")
    assert code == 2 and "no-such-words" in err
    code, out, _ = run(capsys, "parameters", "--set", "abstinence=0.5", "--grep", "gamma")
    assert "pathways.gamma (abstinence) = 0.5" in out and "overridden" in out


def test_parameters_into_a_closed_pipe_exits_quietly():
    proc = subprocess.run(
        f"{sys.executable} -m dsc_econ.cli parameters | head -1",
        shell=True,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0
    assert proc.stdout.count("\n") == 1
    assert "Error" not in proc.stderr and "Traceback" not in proc.stderr


def test_reproduce_fits_the_terminal_width(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    code, out, _ = run(capsys, "reproduce", "--mode", "exact", "--table", "7.10")
    assert code == 0
    assert max(len(line) for line in out.splitlines()) <= 80
    assert "(columns 1-" in out and "cost (£k)" in out and "bcr (ratio)" in out
    code, data, _ = run(capsys, "reproduce", "--mode", "exact", "--table", "7.10", "--json")
    rows = json.loads(data)["exact"]["tables"]["7.10"]["rows"]
    assert len(rows["3"]) == 11  # JSON stays complete


def test_appraise_json_units_block(capsys):
    code, out, _ = run(capsys, "appraise", "--json", "--sites", "3")
    assert code == 0
    data = json.loads(out)
    assert data["units"]["sites"]["npv"] == "GBP thousand, prices as supplied"
    assert data["units"]["sites"]["bcr"] == "ratio"
    site = data["sites"]["3"]
    assert site["npv"] == pytest.approx(site["benefits"] - site["costs"])
