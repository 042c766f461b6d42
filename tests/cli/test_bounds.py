"""Sizes bounded before the work, options naming themselves, no inf/NaN printed
(issue 18)."""

from __future__ import annotations

import pytest

from dsc_econ.cli.main import main
from dsc_econ.inputs import limits


def _refused(argv, capsys):
    try:
        code = main(argv)
    except SystemExit as stop:  # argparse refuses the option's text
        code = stop.code
    err = capsys.readouterr().err
    assert code == 2, err
    return err


@pytest.mark.parametrize(
    ("argv", "option"),
    [
        (["sensitivity", "psa", "--n", "1000000000000"], "--n"),
        (["sensitivity", "psa", "--seed", "-1"], "--seed"),
        (["cashflow", "--psa", "-1"], "--psa"),
        (["cashflow", "--within", "-5"], "--within"),
        (["cashflow", "--horizon", "30.7"], "--horizon"),
        (["cashflow", "--horizon", "1000000000"], "--horizon"),
        (["sensitivity", "oneway", "--top", "-1"], "--top"),
        (["sensitivity", "voi", "--n", "2"], "--n"),
        (["sensitivity", "voi", "--top", "0"], "--top"),
        (["sensitivity", "sobol", "--n", str(2**30)], "--n"),
        (["sensitivity", "morris", "--trajectories", "10000000"], "--trajectories"),
        (["report", "--out", "r", "--n-psa", "-3"], "--n-psa"),
        (["records", "synthesize", "--out", "x", "--seed", "-1"], "--seed"),
        (["records", "synthesize", "--out", "x", "--scale", "1e9"], "--scale"),
        (["records", "synthesize", "--out", "x", "--scale", "-1"], "--scale"),
        (["sensitivity", "threshold", "--input", "gamma", "--high", "inf"], "--high"),
    ],
)
def test_options_out_of_bounds_are_refused_naming_the_option(argv, option, capsys,
                                                              tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    err = _refused(argv, capsys)
    assert f"argument {option}" in err
    assert list(tmp_path.iterdir()) == []  # nothing written


@pytest.mark.parametrize(
    ("assignment", "key"),
    [
        ("cashflow.horizon=30.7", "cashflow.horizon"),
        ("cashflow.horizon=100000", "cashflow.horizon"),
        ("stockflow.horizon=5000", "stockflow.horizon"),
        ("career.years_after_treatment=3000000", "career.years_after_treatment"),
        ("career.years_in_treatment=1e9", "career.years_in_treatment"),
    ],
)
def test_bounded_keys_are_refused_naming_the_key(assignment, key, capsys):
    err = _refused(["cashflow", "--sites", "3", "--set", assignment], capsys)
    assert f"--set: {key}" in err


def test_a_bounded_key_in_a_parameter_file_names_the_file(param_dir, capsys):
    path = param_dir / "cashflow.yaml"
    text = path.read_text()
    assert "  value: 30\n" in text
    path.write_text(text.replace("  value: 30\n", "  value: 30.7\n", 1))
    err = _refused(["cashflow", "--parameters", str(param_dir)], capsys)
    assert "cashflow.yaml" in err and "cashflow.horizon" in err and "30.7" in err


@pytest.mark.parametrize(
    "argv",
    [
        ["appraise", "--sites", "3", "--set", "sites.3.costs.year_1=1e308"],
        ["cashflow", "--sites", "3", "--set", "cashflow.benefits=vector",
         "--set", "cashflow.vector=[1e308, 1e308]"],
    ],
)
def test_impossible_results_are_never_printed(argv, capsys):
    err = _refused(argv, capsys)
    out = capsys.readouterr().out
    assert "inf" not in out.lower() and "nan" not in out.lower()
    assert "--set" in err and "1e+308" in err


UNCERTAINTY = """\
inputs:
  odd:
    parameter: harms.in_treatment.total
    apply: scale
{dist}
"""


@pytest.mark.parametrize(
    "dist",
    [
        "    distribution: lognormal\n    median: 1.0\n    sd_log: 300",
        "    distribution: normal\n    mean: 1.0\n    sd: 0.001\n    low: 1.2\n"
        "    high: 1.3",
    ],
)
def test_distributions_that_overflow_are_refused_naming_file_and_entry(tmp_path, capsys,
                                                                       dist):
    file = tmp_path / "u.yaml"
    file.write_text(UNCERTAINTY.format(dist=dist))
    err = _refused(["sensitivity", "psa", "--n", "50", "--sites", "3",
                    "--uncertainty", str(file)], capsys)
    assert "u.yaml" in err and "odd" in err


def test_the_bounds_are_listed_in_the_readme():
    from pathlib import Path

    readme = (Path(__file__).parents[2] / "README.md").read_text()
    section = readme[readme.index("## What happens with bad input"):]
    for text in ("10^8", "2^22", "1,000", "200", "sd_log"):
        assert text in section
    assert limits.MAX_SAMPLES == 10**8 and limits.MAX_SOBOL_BASE == 2**22
