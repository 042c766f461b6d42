"""Every verb's terminal output fits 80 and 120 columns and prints no ``inf``/``nan``.

Each verb runs with small sample sizes (this is a test of the text, not of the
numbers), on the bundled parameters and on a project of one's own (``dsc-econ new``).
The machine outputs (``--json``, ``--csv``) keep plain numbers: no thousands separators,
no percentages.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pandas as pd
import pytest

from dsc_econ.cli.main import main

from .test_new import COSTS, COUNTS

WIDTHS = (80, 120)
NOT_A_NUMBER = re.compile(r"(?<![\w.])[-+]?(nan|inf|infinity)(?![\w])", re.IGNORECASE)

VERBS = {
    "appraise": ["appraise"],
    "appraise-sites": ["appraise", "--sites", "3", "7"],
    "reproduce": ["reproduce", "--mode", "exact", "--table", "7.10"],
    "reproduce-summary": ["reproduce", "--summary", "--table", "7.10", "--table", "6.1"],
    "parameters": ["parameters", "--grep", "harms"],
    "scenarios": ["scenarios"],
    "tables": ["tables"],
    "cashflow": ["cashflow", "--horizon", "8"],
    "cashflow-full": ["cashflow", "--horizon", "5", "--full", "--table", "3"],
    "cashflow-psa": ["cashflow", "--psa", "40", "--horizon", "10", "--sites", "3", "5"],
    "oneway": ["sensitivity", "oneway", "--sites", "3", "5"],
    "sens-scenarios": ["sensitivity", "scenarios"],
    "threshold": ["sensitivity", "threshold", "--sites", "3", "5"],
    "threshold-one": ["sensitivity", "threshold", "--input", "gamma", "--sites", "3"],
    "psa": ["sensitivity", "psa", "--n", "200"],
    "sobol": ["sensitivity", "sobol", "--n", "32", "--resamples", "4"],
    "morris": ["sensitivity", "morris", "--trajectories", "4"],
    "sens-voi": ["sensitivity", "voi", "--n", "1500", "--sites", "3", "4", "7"],
}
"""Verbs on the bundled parameters (name -> argv)."""

HELP = [
    [],
    ["new"],
    ["reproduce"],
    ["appraise"],
    ["cashflow"],
    ["parameters"],
    ["scenarios"],
    ["tables"],
    ["sensitivity"],
    *[["sensitivity", v] for v in ("oneway", "scenarios", "threshold", "psa", "sobol")],
    ["sensitivity", "morris"],
    ["sensitivity", "voi"],
    ["voi"],
    ["report"],
    ["records"],
    ["records", "derive"],
    ["records", "synthesize"],
]


def _run(capsys, monkeypatch, width: int, argv: list[str]) -> tuple[int, str, str]:
    monkeypatch.setenv("COLUMNS", str(width))
    try:
        code = main(argv)
    except SystemExit as exc:  # --help
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def _check(text: str, width: int, what: str) -> None:
    long = [line for line in text.splitlines() if len(line) > width]
    assert not long, f"{what}: {len(long)} line(s) over {width} columns, e.g. {long[0]!r}"
    bad = NOT_A_NUMBER.search(text)
    assert bad is None, f"{what}: prints {bad.group(0)!r}"


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", list(VERBS))
def test_verb_fits(capsys, monkeypatch, name, width):
    code, out, err = _run(capsys, monkeypatch, width, VERBS[name])
    assert code == 0, err
    assert out.strip()
    _check(out + err, width, name)


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("argv", HELP, ids=lambda a: " ".join(a) or "dsc-econ")
def test_help_fits(capsys, monkeypatch, argv, width):
    code, out, _ = _run(capsys, monkeypatch, width, [*argv, "--help"])
    assert code == 0 and "usage:" in out
    _check(out, width, " ".join(["dsc-econ", *argv, "--help"]))


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """A two-site, three-cost-year project of one's own, made by ``dsc-econ new``."""
    root = tmp_path_factory.mktemp("own")
    (root / "counts.csv").write_text(COUNTS)
    (root / "costs.csv").write_text(COSTS)
    folder = root / "my_area"
    argv = ["new", str(folder), "--counts", str(root / "counts.csv")]
    assert main([*argv, "--costs", str(root / "costs.csv"), "--start", "2026-04"]) == 0
    return folder


OWN = {
    "appraise": ["appraise"],
    "cashflow-psa": ["cashflow", "--psa", "40", "--horizon", "6"],
    "oneway": ["sensitivity", "oneway"],
    "threshold": ["sensitivity", "threshold"],
    "psa": ["sensitivity", "psa", "--n", "200"],
    "sobol": ["sensitivity", "sobol", "--n", "32", "--resamples", "4"],
    "morris": ["sensitivity", "morris", "--trajectories", "4"],
    "voi": ["sensitivity", "voi", "--n", "1500"],
}
"""Verbs on the user's project (``--parameters`` added)."""


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", list(OWN))
def test_own_project_fits(capsys, monkeypatch, project, name, width):
    argv = [*OWN[name], "--parameters", str(project)]
    code, out, err = _run(capsys, monkeypatch, width, argv)
    assert code == 0, err
    _check(out + err, width, f"{name} on a project")


@pytest.mark.parametrize("width", WIDTHS)
def test_new_fits(capsys, monkeypatch, tmp_path, width):
    (tmp_path / "counts.csv").write_text(COUNTS)
    (tmp_path / "costs.csv").write_text(COSTS)
    argv = ["new", str(tmp_path / "p"), "--counts", str(tmp_path / "counts.csv")]
    code, out, err = _run(
        capsys, monkeypatch, width, [*argv, "--costs", str(tmp_path / "costs.csv")]
    )
    assert code == 0, err
    _check(out, width, "new")
    assert "BCR" in out


@pytest.mark.parametrize("width", WIDTHS)
def test_records_fit(capsys, monkeypatch, tmp_path, width):
    out_dir = tmp_path / "ex"
    code, out, err = _run(
        capsys,
        monkeypatch,
        width,
        ["records", "synthesize", "--out", str(out_dir), "--scale", "0.05"],
    )
    assert code == 0, err
    _check(out, width, "records synthesize")
    argv = ["records", "derive", "--journeys", str(out_dir / "journeys.csv")]
    argv += ["--sites-file", str(out_dir / "sites.csv")]
    argv += ["--rejects", str(tmp_path / "rejects.csv"), "--no-regression"]
    code, out, err = _run(capsys, monkeypatch, width, argv)
    assert code == 0, err
    _check(out + err, width, "records derive")


def test_user_voi_fits(capsys, monkeypatch, tmp_path):
    import numpy as np

    rng = np.random.default_rng(3)
    n = 1200
    p = rng.beta(20, 80, n)
    c = rng.gamma(10, 100, n)
    pd.DataFrame({"no": np.full(n, 0.5), "treat": 0.5 + 2 * (p - 0.15)}).to_csv(
        tmp_path / "E.csv", index=False
    )
    pd.DataFrame({"no": np.zeros(n), "treat": c}).to_csv(tmp_path / "C.csv", index=False)
    pd.DataFrame({"p": p, "c": c}).to_csv(tmp_path / "P.csv", index=False)
    argv = ["voi", "--costs", str(tmp_path / "C.csv"), "--effects", str(tmp_path / "E.csv")]
    argv += ["--parameters-draws", str(tmp_path / "P.csv"), "--wtp", "20000,30000"]
    argv += ["--population", "1000", "--study", "p:200:0.5:50000", "--currency", "£"]
    for width in WIDTHS:
        code, out, err = _run(capsys, monkeypatch, width, argv)
        assert code == 0, err
        _check(out, width, "voi")
        assert "20,000" in out  # willingness to pay read as a number


def test_money_and_probabilities_read_as_a_board_reads_them(capsys, monkeypatch):
    _, out, _ = _run(capsys, monkeypatch, 120, ["appraise"])
    assert "-37,545" in out and "-37545.0" not in out  # thousands separators
    assert "total_benefit (£k)" in out  # the unit in the heading
    _, out, _ = _run(capsys, monkeypatch, 120, ["sensitivity", "psa", "--n", "300"])
    rows = [line.split() for line in out.splitlines() if line[:1] in "234567"]
    assert rows and {r[-1] for r in rows} <= {">99.9%", "<0.1%"} | {
        r[-1] for r in rows if re.fullmatch(r"\d{1,2}\.\d%", r[-1])
    }
    assert " 1.00" not in out and " 0.00" not in out


def test_voi_headers_match_their_tables(capsys, monkeypatch):
    argv = ["sensitivity", "voi", "--n", "1500", "--sites", "3", "4", "--top", "3"]
    _, out, _ = _run(capsys, monkeypatch, 120, argv)
    evpi = {}
    for line in out.splitlines():
        if line.startswith("EVPPI"):
            break  # the EVPI table ends here (wrapped notes below may start with a digit)
        cells = line.split()
        if cells and cells[0] in ("3", "4") and len(cells) >= 4:
            evpi[cells[0]] = cells[-2]  # the EVPI (£k) column
    for site, value in evpi.items():
        assert f"Site {site} (EVPI {value} £k):" in out
    shares = re.findall(r"(\d+)%\s", out)
    assert all(int(s) <= 100 for s in shares)  # never an impossible share
    p_best = re.findall(r"(>99\.9%|<0\.1%|\d+\.\d%)", out)
    assert p_best  # P(best) with one precision


def test_machine_outputs_keep_plain_numbers(capsys, monkeypatch):
    _, out, _ = _run(capsys, monkeypatch, 80, ["appraise", "--json"])
    sites = json.loads(out)["sites"]
    assert isinstance(sites["2"]["benefits"], float)
    _, out, _ = _run(capsys, monkeypatch, 80, ["appraise", "--csv"])
    frame = pd.read_csv(io.StringIO(out), index_col=0)
    assert all(pd.api.types.is_numeric_dtype(frame[c]) for c in frame.columns)
    _, out, _ = _run(capsys, monkeypatch, 80, ["cashflow", "--csv", "--horizon", "3"])
    frame = pd.read_csv(io.StringIO(out))
    assert pd.api.types.is_numeric_dtype(frame["net"])
    _, out, _ = _run(
        capsys, monkeypatch, 80, ["cashflow", "--json", "--psa", "30", "--horizon", "4"]
    )
    psa = json.loads(out)["psa"]["3"]
    assert 0 <= psa["p_npv_positive"] <= 1  # a probability, not "99.9%"


def test_report_summary_fits(capsys, monkeypatch, tmp_path):
    argv = ["report", "--out", str(tmp_path / "board"), "--no-pdf", "--sites", "3", "5"]
    code, out, err = _run(
        capsys, monkeypatch, 80, [*argv, "--n-psa", "200", "--n-sobol", "32"]
    )
    assert code == 0, err
    assert "report.html" in out
    _check(out + err, 80, "report")
