"""The board paper read as a board member would (issue 23): the PDF printed by Chromium
is A4, its main body about a dozen pages with the appendix after it, the main body free
of parameter keys, file names, paths, snake_case and unexplained symbols, and its
executive summary's headline the results table's. For the DSCP parameters and for a
project of one's own (``dsc-econ new``)."""

from __future__ import annotations

import re
import shutil
import subprocess
from html.parser import HTMLParser

import pytest

import dsc_econ as dsc
from dsc_econ.cli.main import main
from dsc_econ.outputs.report import find_chromium

pytestmark = pytest.mark.skipif(
    find_chromium() is None or shutil.which("pdftotext") is None,
    reason="needs Chromium and poppler-utils (pdftotext, pdfinfo)",
)

MAIN_BODY_PAGES = 12
WHOLE_PAGES = 30
APPENDIX = re.compile(r"^\s*Appendix A: sensitivity by site", re.M)
FORBIDDEN = {
    "parameter key": re.compile(r"\b[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]+)+\b"),
    "snake_case": re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b"),
    "path or file name": re.compile(
        r"(?:/[\w.-]+){2,}|\b[\w-]+\.(?:ya?ml|csv|txt|py|json)\b"
    ),
    "Greek symbol": re.compile(r"[α-ωΑ-Ω]"),
}

COUNTS = """\
site,area,period,total_in_treatment,effective_treatment,successful_completions,total_completing
east,pilot,pre,1000,900,100,400
east,pilot,post,1000,950,150,420
east,comparison,pre,1200,1080,120,450
east,comparison,post,1200,1090,130,460
west,pilot,pre,800,700,80,300
west,pilot,post,820,740,100,320
west,comparison,pre,900,790,90,330
west,comparison,post,910,800,95,335
"""
COSTS = """\
site,year,cost,price_year,agency
east,1,400,2026-27,local_authority
east,2,400,2026-27,local_authority
east,3,350,2026-27,local_authority
west,1,200,2026-27,nhs
west,2,150,2026-27,local_authority
west,3,100,2026-27,local_authority
"""


@pytest.fixture(scope="module", params=["dscp", "own"])
def paper(request, tmp_path_factory):
    root = tmp_path_factory.mktemp(f"paper-{request.param}")
    if request.param == "dscp":
        params = dsc.load_parameters()
    else:
        (root / "counts.csv").write_text(COUNTS)
        (root / "costs.csv").write_text(COSTS)
        args = [
            "new",
            str(root / "own"),
            "--counts",
            str(root / "counts.csv"),
            "--costs",
            str(root / "costs.csv"),
            "--start",
            "2026-04",
        ]
        assert main(args) == 0
        params = dsc.load_parameters(root / "own")
    files = dsc.report(root / "out", params, n_psa=1000, n_sobol=64, seed=4)
    text = subprocess.run(
        ["pdftotext", "-layout", str(files.pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    pages = text.split("\f")
    info = subprocess.run(
        ["pdfinfo", str(files.pdf)], capture_output=True, text=True, check=True
    ).stdout
    return files, pages, info


def _main_body(pages: list[str]) -> list[str]:
    start = next(i for i, page in enumerate(pages) if APPENDIX.search(page))
    return pages[:start]


def test_pdf_is_a4(paper):
    _, _, info = paper
    size = re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info)
    width, height = float(size.group(1)), float(size.group(2))
    assert abs(width - 595.3) < 2 and abs(height - 841.9) < 2, info


def test_main_body_short_and_appendix_after_it(paper):
    _, pages, info = paper
    body = _main_body(pages)
    total = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    assert 1 <= len(body) <= MAIN_BODY_PAGES
    assert total <= WHOLE_PAGES
    assert "Appendix C: assumptions" in "".join(pages[len(body) :])
    assert "Appendix D: references" in "".join(pages[len(body) :])


def test_main_body_has_no_keys_paths_snake_case_or_symbols(paper):
    files, pages, _ = paper
    body = "\n".join(_main_body(pages))
    for what, pattern in FORBIDDEN.items():
        found = sorted({m.group(0) for m in pattern.finditer(body)})
        assert not found, f"{what} in the main body: {found[:10]}"
    assert str(files.html.parent.parent) not in body


class _Cells(HTMLParser):
    """Text of the cells of a class in each table with an id."""

    def __init__(self, cls: str) -> None:
        super().__init__()
        self.cls, self.table, self.inside = cls, None, False
        self.cells: dict[str, list[str]] = {}

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table" and "id" in a:
            self.table = a["id"]
            self.cells.setdefault(self.table, [])
        if tag == "td" and self.cls in (a.get("class") or "").split() and self.table:
            self.inside = True
            self.cells[self.table].append("")

    def handle_endtag(self, tag):
        if tag == "td":
            self.inside = False
        if tag == "table":
            self.table = None

    def handle_data(self, data):
        if self.inside:
            self.cells[self.table][-1] += data.strip()


def _cells(html: str, cls: str) -> dict[str, list[str]]:
    parser = _Cells(cls)
    parser.feed(html)
    return parser.cells


def test_executive_summary_headline_is_the_results_tables(paper):
    files, pages, _ = paper
    html = files.html.read_text(encoding="utf-8")
    npsv, bcr = _cells(html, "npsv"), _cells(html, "bcr")
    payback = _cells(html, "payback")
    assert npsv["summary-table"] == npsv["results-table"] == npsv["dynamics-table"]
    assert bcr["summary-table"] == bcr["results-table"]
    assert payback["summary-table"] == [p.split(" (")[0] for p in payback["results-table"]]
    assert payback["summary-table"] == payback["dynamics-table"]
    # the recommendation, first on page 1, names the programme's NPSV of those tables
    first = pages[0][pages[0].index("Recommendation") :]
    assert npsv["results-table"][-1] in " ".join(first.split())
    assert re.search(
        r"chance that its benefits exceed its costs is", " ".join(first.split())
    )
