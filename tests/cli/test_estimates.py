"""The estimate line before a large run, and the refusal naming the option (issue 18).

The runs are never started here: the analysis function is replaced by one that stops
the test, so only what is said before the work is checked.
"""

from __future__ import annotations

import pytest

import dsc_econ.sensitivity as sens
import dsc_econ.sensitivity.dynamics as dynamics
from dsc_econ.cli.main import main
from dsc_econ.sensitivity import estimates as est


class StartedError(Exception):
    """The analysis was reached: everything before it has run."""


def _stop(*args, **kwargs):
    raise StartedError


@pytest.fixture()
def no_run(monkeypatch):
    for name in ("psa", "sobol", "morris", "voi"):
        monkeypatch.setattr(sens, name, _stop)
    monkeypatch.setattr(dynamics, "payback_psa", _stop)
    monkeypatch.setenv("DSC_ECON_MEMORY", "64GB")


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (
            ["sensitivity", "psa", "--n", "100000000"],
            r"for 100,000,000 samples of 6 sites "
            r"\(--n 100,000,000\)",
        ),
        (
            ["sensitivity", "sobol", "--n", "1048576"],
            r"model runs of 6 sites \(--n "
            r"1,048,576\)",
        ),
        (
            ["sensitivity", "morris", "--trajectories", "100000"],
            r"\(--trajectories "
            r"100,000\)",
        ),
        (["sensitivity", "voi", "--n", "1000000"], r"for 1,000,000 samples of 6 sites"),
        (
            ["cashflow", "--psa", "10000000"],
            r"for 10,000,000 samples of 6 sites \(--psa "
            r"10,000,000\)",
        ),
    ],
)
def test_large_request_said_before_it_starts(no_run, capsys, argv, said):
    with pytest.raises(StartedError):
        main(argv)
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    assert err.startswith("dsc-econ: about ")
    assert pytest.importorskip("re").search(said, err), err
    assert "inf" not in err and "nan" not in err


def test_small_request_says_nothing(no_run, capsys):
    with pytest.raises(StartedError):
        main(["sensitivity", "psa", "--n", "500"])
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize(
    ("argv", "option"),
    [
        (["sensitivity", "psa", "--n", "1000000", "--output", "r.nc"], "--n 1,000,000"),
        (["sensitivity", "sobol", "--n", "1048576"], "--n 1,048,576"),
        (["sensitivity", "voi", "--n", "1000000"], "--n 1,000,000"),
        (["cashflow", "--psa", "50000000"], "--psa 50,000,000"),
    ],
)
def test_memory_refusal_names_the_option(
    no_run, monkeypatch, tmp_path, capsys, argv, option
):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DSC_ECON_MEMORY", "200MB")
    assert main(argv) == 2  # refused before the analysis is reached
    err = capsys.readouterr().err
    assert f"error: {option}: " in err and " would need about " in err
    assert " of memory, more than the 100.0 MB allowed" in err
    assert list(tmp_path.iterdir()) == []  # nothing written


def test_estimate_text_and_growth():
    small = est.psa_estimate(10_000, 27, 6, keep_samples=False)
    big = est.psa_estimate(10_000_000, 27, 6, keep_samples=False)
    assert big.seconds > 100 * small.seconds / 2 and big.seconds < 1000 * small.seconds
    assert big.text().startswith("about ") and "for 10,000,000 samples of 6 sites" in (
        big.text()
    )
    # linear in sites: ten times the sites, about ten times the time (start-up aside)
    wide = est.psa_estimate(10_000_000, 270, 60, keep_samples=False)
    ratio = (wide.seconds - est.START_SECONDS) / (big.seconds - est.START_SECONDS)
    assert ratio == pytest.approx(10.0)
    assert est.Estimate(1, 10, 5, "samples", 1).text() == (
        "about 1 s and 10 B for 5 samples of 1 site"
    )


def test_report_says_its_time_before_a_large_run(no_run, monkeypatch, tmp_path, capsys):
    import dsc_econ.outputs.report as report

    monkeypatch.setattr(report, "report", _stop)
    with pytest.raises(StartedError):
        main(["report", "--out", str(tmp_path / "r"), "--no-pdf", "--n-psa", "5000000"])
    err = capsys.readouterr().err
    assert err.startswith("dsc-econ: about "), err
    assert (
        "for 5,000,000 Monte Carlo samples and 4,096 Sobol base samples of 6 sites" in err
    )
    assert "(--n-psa 5,000,000, --n-sobol 4,096)" in err
    assert not (tmp_path / "r").exists()


def test_default_report_says_nothing(no_run, monkeypatch, tmp_path, capsys):
    import dsc_econ.outputs.report as report

    monkeypatch.setattr(report, "report", _stop)
    with pytest.raises(StartedError):
        main(["report", "--out", str(tmp_path / "r"), "--no-pdf"])
    assert capsys.readouterr().err == ""
    # ...and the estimate of a default report is a few seconds, as measured
    default = est.report_estimate(20_000, 4096, 16, 27, 6)
    assert 5 < default.seconds < 30


def _voi_tables(tmp_path, rows):
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(1)
    draws = pd.DataFrame(rng.normal(size=(rows, 5)), columns=list("abcde"))
    nb = pd.DataFrame({"old": np.zeros(rows), "new": draws.sum(axis=1)})
    draws.to_csv(tmp_path / "p.csv", index=False)
    nb.to_csv(tmp_path / "nb.csv", index=False)
    return [
        "voi",
        "--net-benefits",
        str(tmp_path / "nb.csv"),
        "--parameters-draws",
        str(tmp_path / "p.csv"),
    ]


def test_voi_table_says_its_time(monkeypatch, tmp_path, capsys):
    import importlib

    voi = importlib.import_module("dsc_econ.sensitivity.voi")
    monkeypatch.setattr(voi, "evppi", _stop)
    monkeypatch.setenv("DSC_ECON_MEMORY", "64GB")
    with pytest.raises(StartedError):
        main(_voi_tables(tmp_path, 100_000))
    err = capsys.readouterr().err
    assert err.startswith("dsc-econ: about "), err
    assert "for 100,000 samples of 2 options (--parameters-draws " in err
    assert "(100,000 rows)" in err


def test_voi_table_memory_refusal(monkeypatch, tmp_path, capsys):
    import importlib

    voi = importlib.import_module("dsc_econ.sensitivity.voi")
    monkeypatch.setattr(voi, "evppi", _stop)
    monkeypatch.setenv("DSC_ECON_MEMORY", "100MB")
    assert main(_voi_tables(tmp_path, 100_000)) == 2
    err = capsys.readouterr().err
    assert "error: --parameters-draws " in err and " would need about " in err
    assert "use fewer rows, fewer --groups or fewer --wtp values" in err


def test_synthesize_says_its_size_before_it_starts(monkeypatch, tmp_path, capsys):
    import dsc_econ.records.synthetic as synthetic

    monkeypatch.setattr(synthetic, "synthetic_journeys", _stop)
    monkeypatch.setenv("DSC_ECON_MEMORY", "64GB")
    with pytest.raises(StartedError):
        main(["records", "synthesize", "--out", str(tmp_path / "s"), "--scale", "60"])
    err = capsys.readouterr().err
    assert err.startswith("dsc-econ: about ") and "journey rows of 6 sites" in err
    assert err.rstrip().endswith("(--scale 60)")
    assert not list((tmp_path / "s").glob("*.csv"))  # said before any file is written


def test_synthesize_too_large_for_memory_is_refused(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("DSC_ECON_MEMORY", "1GB")
    assert (
        main(["records", "synthesize", "--out", str(tmp_path / "s"), "--scale", "20"]) == 2
    )
    err = capsys.readouterr().err
    assert "error: --scale 20: " in err and "use a smaller --scale" in err
    assert list(tmp_path.iterdir()) == []
