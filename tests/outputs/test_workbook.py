"""The economic case as an Excel workbook (issue 23): opened with openpyxl as a reader
would, numbers as numbers, the paper's headline, formula-like text escaped."""

from __future__ import annotations

import json
import re

import openpyxl
import pytest

import dsc_econ as dsc
from dsc_econ.cli.main import main
from dsc_econ.outputs import headline as hl
from dsc_econ.outputs.workbook import SHEETS


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("xlsx")
    params = dsc.load_parameters()
    files = dsc.report(out, params, n_psa=500, n_sobol=64, seed=5, pdf=False, xlsx=True)
    return files, params


def test_workbook_sits_beside_the_html_in_the_manifest(built):
    files, _ = built
    assert files.xlsx == files.html.parent / "report.xlsx" and files.xlsx.is_file()
    manifest = json.loads((files.html.parent / ".dsc-econ-report.json").read_text())
    assert "report.xlsx" in manifest["files"] and manifest["complete"]


def test_one_sheet_per_table_with_units_and_price_base(built):
    book = openpyxl.load_workbook(built[0].xlsx)
    assert [n for n in book.sheetnames if n != "By agency"] == list(SHEETS)
    heads = [c.value for c in book["Headline"][1]]
    assert any(h == "NPSV (£ thousand, prices as given by the sources)" for h in heads)
    for name in ("Sites", "Over time", "Sensitivity", "Scenarios"):
        assert any("£ thousand" in str(c.value) for c in book[name][1]), name


def test_numbers_are_numbers_and_the_headline_is_the_papers(built):
    files, params = built
    book = openpyxl.load_workbook(files.xlsx)
    sheet = book["Headline"]
    heads = [c.value for c in sheet[1]]
    col = heads.index("NPSV (£ thousand, prices as given by the sources)")
    bcr = heads.index("BCR (benefits / costs)")
    h = hl.headline(params)
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(rows) == len(h.table)
    for row, (_, want) in zip(rows, h.table.iterrows(), strict=True):
        assert isinstance(row[col], float) and row[col] == pytest.approx(want.npsv)
        assert isinstance(row[bcr], float) and row[bcr] == pytest.approx(want.bcr)
    for name in SHEETS:  # no number stored as text anywhere
        for row in book[name].iter_rows(min_row=2, values_only=True):
            if isinstance(row[0], str) and row[0].endswith(("hash", "digest")):
                continue  # identifiers (hex digests) can be all digits; text is right
            for value in row:
                if isinstance(value, str):
                    assert not re.fullmatch(r"[-+]?\d[\d,]*(\.\d+)?", value), (name, value)
    # the paper shows the same programme NPSV
    html = files.html.read_text(encoding="utf-8")
    from dsc_econ.outputs.formatting import format_npv_m

    assert format_npv_m(float(h.row(hl.PROGRAMME).npsv)) in html


def test_about_sheet_states_version_parameters_and_seed(built):
    book = openpyxl.load_workbook(built[0].xlsx)
    items = dict(book["About"].iter_rows(min_row=2, values_only=True))
    assert items["Package"].startswith("dsc_econ ")
    assert items["Seed"] == 5 and items["Monte Carlo samples"] == 500
    assert re.fullmatch(r"[0-9a-f]{16}", items["Parameter set hash"])


def test_formula_like_text_is_escaped(tmp_path):
    from dsc_econ.outputs import workbook

    class Sheet:
        def __init__(self):
            self.cells = {}

        def write_string(self, r, c, v, *a):
            self.cells[(r, c)] = ("s", v)

        def write_number(self, r, c, v, *a):
            self.cells[(r, c)] = ("n", v)

        def write_blank(self, r, c, v, *a):
            self.cells[(r, c)] = ("b", v)

        def write_boolean(self, r, c, v, *a):
            self.cells[(r, c)] = ("bool", v)

    sheet = Sheet()
    for i, value in enumerate(
        ["=1+1", "+SUM(A1)", "@x", "-2", -2.5, float("nan"), float("inf"), "plain"]
    ):
        workbook._write(sheet, 0, i, value)
    got = [sheet.cells[(0, i)] for i in range(8)]
    assert got[:4] == [("s", "'=1+1"), ("s", "'+SUM(A1)"), ("s", "'@x"), ("s", "'-2")]
    assert got[4] == ("n", -2.5) and got[5][0] == "b" and got[6][0] == "b"
    assert got[7] == ("s", "plain")


def test_cli_xlsx_goes_through_the_output_guard(tmp_path, capsys):
    out = tmp_path / "paper"
    out.mkdir()
    (out / "mine.txt").write_text("the user's")
    code = main(
        [
            "report",
            "--out",
            str(out),
            "--no-pdf",
            "--xlsx",
            "--n-psa",
            "200",
            "--n-sobol",
            "32",
        ]
    )
    assert code == 2 and not (out / "report.xlsx").exists()
    assert (out / "mine.txt").read_text() == "the user's"
    capsys.readouterr()
    fresh = tmp_path / "fresh"
    assert (
        main(
            [
                "report",
                "--out",
                str(fresh),
                "--no-pdf",
                "--xlsx",
                "--n-psa",
                "200",
                "--n-sobol",
                "32",
            ]
        )
        == 0
    )
    assert "report.xlsx" in capsys.readouterr().out and (fresh / "report.xlsx").is_file()
    # a later run without --xlsx removes the workbook it wrote (no stale pairing)
    assert (
        main(
            ["report", "--out", str(fresh), "--no-pdf", "--n-psa", "200", "--n-sobol", "32"]
        )
        == 0
    )
    assert not (fresh / "report.xlsx").exists()
