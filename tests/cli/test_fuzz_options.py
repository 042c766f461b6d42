"""Fuzzing the CLI's number options: exit 0 with the output written, or exit 2 with one
line naming the problem; never a traceback, never a file outside the output folder,
never a half-written output. Sizes are kept to those that run in well under a second or
are refused up front (DSC_ECON_MEMORY is set low so large sizes meet the memory check)."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dsc_econ.cli.main import main
from dsc_econ.inputs.safety import REGISTRY

FUZZ = settings(max_examples=int(os.environ.get("FUZZ_N", 10)), deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])

BAD = st.sampled_from(["", "abc", "nan", "inf", "-inf", "1e3", "1.5", "0x10", "10**9",
                       "-0", " 7", "99999999999999999999999", "1_000", "٣"])
"""Text where a number is expected (argparse must refuse what int() refuses)."""


def _int_text(text: str) -> bool:
    try:
        int(text)
    except ValueError:
        return False
    return True


NOT_INT = BAD.filter(lambda v: not _int_text(v))
"""The texts of BAD that int() refuses (" 7", "1_000" and "٣" are whole numbers to
int(), so a report with ``--n-psa 7`` is a valid, small run)."""


def _run(tmp_path, argv, capsys):
    out = tmp_path / "out" / "result.csv"
    before = set(os.listdir(tmp_path))
    try:
        code = main([*argv, "--output", str(out)])
    except SystemExit as stop:  # argparse refuses the option's text
        code = stop.code
    captured = capsys.readouterr()
    assert code in (0, 2), (argv, code, captured.err)
    assert "Traceback" not in captured.err
    if code == 2:
        lines = [line for line in captured.err.splitlines() if line.strip()]
        assert lines and (lines[-1].startswith("dsc-econ: error: ")
                          or ("dsc-econ" in lines[-1] and "error:" in lines[-1])), lines
        assert not out.exists()
    else:
        text = out.read_text()
        assert text.count("\n") >= 2 and text.endswith("\n")  # a whole CSV
    # nothing else written: no staging files, no stray outputs beside the cwd
    assert set(os.listdir(tmp_path)) - before <= {"out"}
    if out.parent.exists():
        # the result and the registry recording it as the package's own (issue 18)
        assert {p.name for p in out.parent.iterdir()} <= {"result.csv", REGISTRY}
        for p in out.parent.iterdir():
            p.unlink()


@pytest.fixture(autouse=True)
def _low_memory(monkeypatch, tmp_path, params):
    """Little memory (large sizes meet the check), a private working folder, and the
    bundled parameters and uncertainty file loaded once instead of on every call."""
    from dsc_econ.cli import common
    from dsc_econ.outputs import report
    from dsc_econ.sensitivity import distributions

    monkeypatch.setenv("DSC_ECON_MEMORY", "200MB")
    monkeypatch.chdir(tmp_path)
    unc = distributions.load_uncertainty(None, params)
    monkeypatch.setattr(common, "load_parameters", lambda *a, **k: params)
    for module in (distributions, report):
        monkeypatch.setattr(module, "load_uncertainty", lambda *a, **k: unc)


size = st.one_of(st.integers(-3, 40).map(str), BAD)


@FUZZ
@given(n=st.one_of(st.integers(-3, 300).map(str), BAD),
       interval=st.one_of(st.sampled_from(["0.9", "0", "1", "-0.5", "2", "nan"]), BAD))
def test_psa_numbers(tmp_path, capsys, n, interval):
    _run(tmp_path, ["sensitivity", "psa", "--sites", "3", "--n", n, "--interval",
                    interval], capsys)


@FUZZ
@given(n=st.one_of(st.sampled_from(["-1", "0", "1", "2", "3", "8", "12", "16", "32",
                                    str(2**30), str(2**60)]), BAD),
       resamples=st.one_of(st.sampled_from(["-1", "0", "1", "2", "10"]), BAD))
def test_sobol_numbers(tmp_path, capsys, n, resamples):
    _run(tmp_path, ["sensitivity", "sobol", "--sites", "3", "--n", n, "--resamples",
                    resamples], capsys)


@FUZZ
@given(r=st.one_of(size, st.sampled_from([str(10**9), str(10**15)])),
       levels=st.one_of(st.sampled_from(["-2", "0", "1", "2", "3", "4", "6"]), BAD))
def test_morris_numbers(tmp_path, capsys, r, levels):
    _run(tmp_path, ["sensitivity", "morris", "--sites", "3", "--trajectories", r,
                    "--levels", levels], capsys)


@FUZZ
@given(points=st.one_of(size, st.sampled_from([str(10**9)])),
       low=st.sampled_from(["0.05", "0", "1", "-1", "0.5", "nan"]),
       high=st.sampled_from(["0.95", "1", "0", "2", "0.5", "inf"]))
def test_oneway_spider_numbers(tmp_path, capsys, points, low, high):
    spider = tmp_path / "out" / "spider.csv"
    try:
        code = main(["sensitivity", "oneway", "--sites", "3", "--points", points,
                     "--low", low, "--high", high, "--spider", str(spider)])
    except SystemExit as stop:
        code = stop.code
    err = capsys.readouterr().err
    assert code in (0, 2) and "Traceback" not in err, err
    assert spider.exists() == (code == 0)
    if spider.exists():
        spider.unlink()


@FUZZ
@given(option=st.sampled_from(["--n-psa", "--n-sobol"]),
       value=st.one_of(st.sampled_from(["-1", "0", "1", "-4096", str(10**12)]), NOT_INT))
def test_report_numbers_are_refused_before_any_analysis(tmp_path, capsys, option, value):
    target = tmp_path / "report"
    try:
        code = main(["report", "--out", str(target), "--no-pdf", option, value])
    except SystemExit as stop:
        code = stop.code
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err, err
    assert not target.exists() or not any(target.iterdir())
