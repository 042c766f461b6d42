"""Sample sizes are checked against memory before a run starts."""

from __future__ import annotations

import re
import tracemalloc

import pytest

import dsc_econ as dsc
from dsc_econ.cli.main import main
from dsc_econ.sensitivity import memory
from dsc_econ.sensitivity.distributions import load_uncertainty


@pytest.fixture(scope="module")
def setup():
    params = dsc.load_parameters()
    return params, load_uncertainty(None, params)


@pytest.fixture()
def small_machine(monkeypatch):
    monkeypatch.setenv("DSC_ECON_MEMORY", "200MB")


def test_each_analysis_refuses_with_estimate_and_alternative(setup, small_machine):
    params, unc = setup
    cases = [
        (dsc.sensitivity.psa, {"n": 10**7, "chunked": False}, r"--chunked.*at most n = "),
        (dsc.sensitivity.sobol, {"n": 2**20}, r"at most n = \d[\d,]*.*cannot be chunked"),
        (dsc.sensitivity.morris, {"trajectories": 10**7}, r"at most [\d,]+ trajectories"),
        (dsc.sensitivity.spider, {"points": 10**6}, r"at most [\d,]+ points"),
    ]
    for fn, kwargs, alternative in cases:
        with pytest.raises(memory.MemoryBudgetError, match="would need about") as err:
            fn(params, unc, **kwargs)
        assert "100.0 MB allowed (50% of the 200.0 MB available" in str(err.value)
        assert re.search(alternative, str(err.value)), str(err.value)


def test_the_at_most_figure_fits_and_one_more_does_not(setup, small_machine):
    params, unc = setup
    cols, k = len(unc.columns), 6
    limit = memory.budget()
    fits = memory.largest(lambda m: memory.psa_bytes(m, cols, k), limit)
    assert memory.psa_bytes(fits, cols, k) <= limit < memory.psa_bytes(fits + 1, cols, k)
    dsc.sensitivity.psa(params, unc, n=1000, chunked=False)  # a small run still goes


def test_psa_estimate_is_within_a_factor_of_two_of_the_measured_peak(setup):
    params, unc = setup
    n = 2**16
    tracemalloc.start()
    dsc.sensitivity.psa(params, unc, n=n, chunked=False, progress=False)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    estimate = memory.psa_bytes(n, len(unc.columns), 6)
    assert peak / 2 <= estimate <= peak * 2, (estimate, peak)


def test_psa_estimate_without_samples_is_within_a_factor_of_two(setup):
    params, unc = setup
    n = 2**18
    tracemalloc.start()
    dsc.sensitivity.psa(params, unc, n=n, chunked=False, progress=False, keep_samples=False)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    estimate = memory.psa_bytes(n, len(unc.columns), 6, keep_samples=False)
    assert peak / 2 <= estimate <= peak * 2, (estimate, peak)


def test_sobol_estimate_is_within_a_factor_of_two_of_the_measured_peak(setup):
    params, unc = setup
    n = 2**12
    problem = unc.problem(groups=True)
    d = len(dict.fromkeys(problem["groups"]))
    tracemalloc.start()
    dsc.sensitivity.sobol(params, unc, n=n, progress=False)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    estimate = memory.sobol_bytes(n, d, len(unc.columns), 6, False, 100)
    assert peak / 2 <= estimate <= peak * 2, (estimate, peak)


def test_cli_refuses_in_one_line(small_machine, capsys):
    assert main(["sensitivity", "sobol", "--n", str(2**20)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "would need about" in err and "Traceback" not in err
    assert main(["sensitivity", "morris", "--trajectories", str(10**5)]) == 2
    assert "trajectories" in capsys.readouterr().err


def test_report_refuses_before_running_anything(small_machine, tmp_path):
    with pytest.raises(memory.MemoryBudgetError, match="--n-psa"):
        dsc.report(tmp_path / "r", n_psa=10**8, pdf=False)
    with pytest.raises(memory.MemoryBudgetError, match="--n-sobol"):
        dsc.report(tmp_path / "r", n_psa=100, n_sobol=2**22, pdf=False)
    assert not (tmp_path / "r").exists()


@pytest.mark.parametrize(("text", "size"), [("4GB", 4 * 10**9), ("512 mb", 512 * 10**6),
                                            ("1e9", 10**9)])
def test_memory_override(monkeypatch, text, size):
    monkeypatch.setenv("DSC_ECON_MEMORY", text)
    assert memory.available_memory() == size
    monkeypatch.setenv("DSC_ECON_MEMORY", "lots")
    with pytest.raises(memory.MemoryBudgetError, match="DSC_ECON_MEMORY"):
        memory.available_memory()


def test_saved_results_keep_the_umask_and_leave_no_staging(tmp_path, setup):
    import os
    import stat

    params, unc = setup
    ds = dsc.sensitivity.psa(params, unc, n=64, sites=["3"], progress=False)
    old = os.umask(0o027)
    try:
        nc = dsc.sensitivity.save(ds, tmp_path / "r.nc")
        csv = dsc.sensitivity.save(ds, tmp_path / "r.csv")
    finally:
        os.umask(old)
    assert stat.S_IMODE(nc.stat().st_mode) == 0o640
    assert stat.S_IMODE(csv.stat().st_mode) == 0o640
    from dsc_econ.inputs.safety import REGISTRY  # records them as the package's own

    assert sorted(p.name for p in tmp_path.iterdir()) == [REGISTRY, "r.csv", "r.nc"]
