"""``dsc-econ voi`` on a user's own PSA CSVs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dsc_econ.cli.main import main


@pytest.fixture
def psa_csvs(tmp_path):
    rng = np.random.default_rng(1)
    n = 3000
    p = rng.beta(20, 80, n)
    c = rng.gamma(10, 100, n)
    pd.DataFrame({"no": np.full(n, 0.5), "treat": 0.5 + 2 * (p - 0.15)}).to_csv(
        tmp_path / "E.csv", index=False
    )
    pd.DataFrame({"no": np.zeros(n), "treat": c}).to_csv(tmp_path / "C.csv", index=False)
    pd.DataFrame({"p": p, "c": c}).to_csv(tmp_path / "P.csv", index=False)
    return tmp_path


def test_voi_from_costs_effects_and_draws(psa_csvs, capsys):
    d = psa_csvs
    code = main(
        [
            "voi",
            "--costs",
            str(d / "C.csv"),
            "--effects",
            str(d / "E.csv"),
            "--parameters-draws",
            str(d / "P.csv"),
            "--wtp",
            "20000,30000",
            "--groups",
            "p;c;p,c",
            "--population",
            "1000",
            "--horizon",
            "10",
            "--study",
            "p:200:0.5:50000",
            "--currency",
            "£",
            "--units",
            "GBP",
            "--output",
            str(d / "evppi.csv"),
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert "EVPI per decision (GBP)" in out
    assert "CEAC" in out
    assert "further research on p is worth up to £" in out
    flat = " ".join(out.split())  # sentences wrap to the terminal's width
    assert "a study of 200 clients costing £50,000 has expected net benefit" in flat
    table = pd.read_csv(d / "evppi.csv")
    assert list(table.columns) == ["wtp", "group", "EVPPI", "fit se", "Monte Carlo se"]
    assert table.group.unique().tolist() == ["p", "c", "p+c"]
    assert (table[["fit se", "Monte Carlo se"]] >= 0).all().all()
    p_rows = table[table.group == "p"]
    assert (p_rows["fit se"] > 0).all() and (p_rows["Monte Carlo se"] > 0).all()
    # every sentence says what its standard error includes
    assert "(standard error: fit £" in flat and ", Monte Carlo £" in flat
    assert "Standard errors of the EVPPI, named by what they include" in flat
    # ... and how they are computed and combined
    assert "draws of the fitted function from its posterior" in flat
    assert "total se = sqrt(fit se^2 + Monte Carlo se^2)" in flat
    assert "nan" not in out.lower() and "inf" not in out.lower()


def test_voi_refuses_a_bad_cell_naming_file_column_and_row(psa_csvs, capsys):
    d = psa_csvs
    frame = pd.read_csv(d / "C.csv").astype(object)
    frame.loc[4, "treat"] = "n/a"
    frame.to_csv(d / "C.csv", index=False)
    code = main(
        ["voi", "--costs", str(d / "C.csv"), "--effects", str(d / "E.csv"), "--wtp", "1000"]
    )
    err = capsys.readouterr().err
    assert code != 0
    assert "C.csv: column 'treat', row 6 (spreadsheet numbering)" in err


def test_voi_will_not_replace_an_input(psa_csvs, capsys):
    d = psa_csvs
    before = (d / "P.csv").read_text()
    code = main(
        [
            "voi",
            "--costs",
            str(d / "C.csv"),
            "--effects",
            str(d / "E.csv"),
            "--wtp",
            "1000",
            "--parameters-draws",
            str(d / "P.csv"),
            "--output",
            str(d / "P.csv"),
        ]
    )
    assert code != 0
    assert (d / "P.csv").read_text() == before


def test_voi_study_by_moment_matching(psa_csvs, capsys):
    d = psa_csvs
    argv = [
        "voi",
        "--costs",
        str(d / "C.csv"),
        "--effects",
        str(d / "E.csv"),
        "--parameters-draws",
        str(d / "P.csv"),
        "--wtp",
        "20000",
        "--groups",
        "p",
        "--population",
        "1000",
        "--study",
        "p:200:0.5:50000",
        "--draws",
        "0",
    ]
    assert main([*argv, "--evsi-method", "mm"]) == 0
    out = capsys.readouterr().out
    out = " ".join(out.split())  # sentences wrap to the terminal's width
    assert "EVSI by moment matching, Heath et al. 2018" in out
    assert "(standard error: Monte Carlo " in out  # --draws 0: no fit error claimed
    assert "standard error: fit" not in out
