"""The board report: HTML structure, figures, references, Chromium and PDF pages."""

from __future__ import annotations

import base64
import html
import os
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest

import dsc_econ as dsc
from dsc_econ.inputs.scenarios import Scenario
from dsc_econ.outputs.report import (
    CHROMIUM_FLAGS,
    PdfMissingError,
    analyse,
    find_chromium,
    html_to_pdf,
    same_as_base_reason,
    write_report,
)
from dsc_econ.sensitivity.distributions import load_uncertainty

IN_CI = bool(os.environ.get("CI"))
needs_chromium = pytest.mark.skipif(
    find_chromium() is None and not IN_CI, reason="Chromium not installed (CI installs it)"
)
needs_pdftoppm = pytest.mark.skipif(
    shutil.which("pdftoppm") is None and not IN_CI, reason="pdftoppm not installed"
)


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.hrefs: list[str] = []
        self.images: list[str] = []
        self.figures = 0
        self.external: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "a" and "href" in a:
            self.hrefs.append(a["href"])
        if tag == "img":
            self.images.append(a.get("src", ""))
        if tag == "figure":
            self.figures += 1
        for key in ("src", "href"):
            if a.get(key, "").startswith(("http://", "https://", "//")):
                self.external.append(a[key])


def _non_blank(png: Path) -> bool:
    import matplotlib.image as mpimg

    pixels = mpimg.imread(png)[..., :3]
    return float(pixels.std()) > 0.02 and float((pixels.mean(axis=-1) < 0.9).mean()) > 0.005


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    files = dsc.report(
        out, n_psa=2000, n_sobol=256, seed=3, pdf=find_chromium() is not None or IN_CI
    )
    return files


def test_html_is_self_contained_and_complete(built):
    page = _Page()
    page.feed(built.html.read_text(encoding="utf-8"))
    sites = dsc.load_parameters().impact_sites()
    # 3 results figures, a tornado and a Sobol chart per site, tree and harm profiles,
    # the cash-flow/payback chart of section 7 (issue 11) and the value-of-information
    # chart (issue 14) and the who-pays-who-saves chart by agency (issue 22)
    assert page.figures == 3 + 2 * len(sites) + 2 + 1 + 1 + 1
    assert len(page.images) == page.figures
    for src in page.images:
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"
    internal = [h[1:] for h in page.hrefs if h.startswith("#")]
    assert internal and all(target in page.ids for target in internal), internal
    assert not page.external  # readable offline
    for fid in (
        "fig-npv",
        "fig-bcr",
        "fig-payback",
        "fig-tree",
        "fig-harms",
        "fig-tornado-3",
        "fig-cashflow",
        "fig-voi",
        "fig-ledger",
    ):
        assert fid in page.ids


def test_html_carries_summary_caveats_appendix_and_footer(built):
    text = built.html.read_text(encoding="utf-8")
    assert "Executive summary" in text and "P(BCR&nbsp;&gt;&nbsp;1)" in text
    assert "18 months" in text and "halving every benefit" in text
    assert "statistically significant (p &lt; 0.01)" in text
    assert "harms.untreated.total" in text and "Appendix Table C.5.1" in text
    assert "varied: scaled by lognormal" in text
    assert re.search(r"parameter set hash [0-9a-f]{16}", text)
    assert "seed 3" in text and "<strong>benefits 50</strong>" in text


def test_html_shows_payback_and_streams_outside_the_tree(built):
    text = built.html.read_text(encoding="utf-8")
    assert 'id="dynamics"' in text and "Alternative view payback" in text
    assert "Managerial economies" in text and "not counted: off by default" in text
    assert "£1,656k" in text or "£1.7m" in text  # 60/0.035 from year 2


def test_value_of_information_section_reads_per_site(built):
    text = built.html.read_text(encoding="utf-8")
    section = text[text.index('id="voi"') : text.index('id="fig-voi"')]
    assert "Is it worth finding out more?" in section
    assert "expected\nvalue of perfect information" in section
    sites = dsc.load_parameters().impact_sites()
    for site in sites:
        assert f"<li>Site {site}: " in section
    assert "<li>All sites together: " in section
    # Site 4's decision is uncertain and its measured impact drives it (Sobol agrees).
    assert re.search(
        r"Site 4: on current evidence .* site 4&#39;s measured impact", section
    )


@pytest.mark.browser
@needs_chromium
def test_chromium_renders_a_non_blank_page(built, tmp_path):
    shot = tmp_path / "page.png"
    with_profile = tmp_path / "profile"
    subprocess.run(
        [
            find_chromium() or "chromium",
            *CHROMIUM_FLAGS,
            f"--user-data-dir={with_profile}",
            f"--screenshot={shot}",
            "--window-size=1200,1600",
            built.html.resolve().as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    assert _non_blank(shot)


@pytest.mark.browser
@needs_chromium
@needs_pdftoppm
def test_every_pdf_page_is_non_blank(built, tmp_path):
    assert built.pdf is not None and built.pdf.stat().st_size > 10_000
    subprocess.run(
        ["pdftoppm", "-r", "30", "-png", str(built.pdf), str(tmp_path / "p")],
        check=True,
        timeout=180,
    )
    pages = sorted(tmp_path.glob("p-*.png"))
    assert len(pages) >= 5
    assert all(_non_blank(p) for p in pages), [p.name for p in pages if not _non_blank(p)]


def _ink_depth(png: Path) -> float:
    """How far down the page the last non-white row is (0 top, 1 bottom)."""
    import matplotlib.image as mpimg

    grey = mpimg.imread(png)[..., :3].mean(axis=-1)
    rows = np.nonzero((grey < 0.95).any(axis=1))[0]
    return float(rows.max() / grey.shape[0]) if rows.size else 0.0


@needs_chromium
@needs_pdftoppm
def test_no_half_empty_pdf_pages(built, tmp_path):
    # figures are kept whole (never split across pages); capped in height for print so
    # the next block fits beside them instead of leaving half a page blank
    subprocess.run(
        ["pdftoppm", "-r", "20", "-png", str(built.pdf), str(tmp_path / "p")],
        check=True,
        timeout=180,
    )
    pages = sorted(tmp_path.glob("p-*.png"), key=lambda p: int(p.stem.split("-")[-1]))
    depths = [_ink_depth(p) for p in pages]
    # each appendix starts a new page on purpose, so the page before it may be short
    breaks = {
        i - 1
        for i in range(1, len(pages))
        if _page_text(built.pdf, i + 1).lstrip().startswith("Appendix ")
    }
    assert 0 < len(breaks) <= 3, breaks
    short = [i + 1 for i, d in enumerate(depths[:-1]) if d <= 0.6 and i not in breaks]
    assert not short, (short, [round(d, 2) for d in depths])


def _page_text(pdf: Path, page: int) -> str:
    """The text of one page (1-based) of a PDF, for finding where sections start."""
    out = subprocess.run(
        ["pdftotext", "-f", str(page), "-l", str(page), "-layout", str(pdf), "-"],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return out.stdout


def test_users_parameters_appear_in_the_appendix(param_dir, tmp_path):
    path = param_dir / "treatment.yaml"
    path.write_text(path.read_text().replace("value: 3000", "value: 3333"))
    params = dsc.load_parameters(param_dir).with_values({"pathways.gamma": 0.5})
    files = dsc.report(
        tmp_path / "mine", params, sites=["3"], n_psa=500, n_sobol=64, pdf=False
    )
    text = files.html.read_text(encoding="utf-8")
    assert "3,333" in text and "changed (default 3,000)" in text
    assert "changed (default 0.457038)" in text
    assert files.pdf is None and not (tmp_path / "mine" / "report.pdf").exists()


def test_missing_chromium_is_a_clear_error_and_keeps_the_html(monkeypatch, tmp_path):
    # Issue 12 point 5 changed this test: the HTML is now written first and stays
    # (before, a missing Chromium stopped the run before anything was written).
    monkeypatch.delenv("DSC_ECON_CHROMIUM", raising=False)
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(RuntimeError, match="Chromium, which was not found") as info:
        dsc.report(tmp_path / "r", n_psa=100, n_sobol=64)
    assert isinstance(info.value, PdfMissingError)
    assert "tried chromium, chromium-browser" in str(info.value)
    assert "apt-get install chromium" in str(info.value)
    assert "DSC_ECON_CHROMIUM" in str(info.value)
    html = tmp_path / "r" / "report.html"
    assert info.value.html == html and "Executive summary" in html.read_text()
    assert sorted(p.name for p in (tmp_path / "r").iterdir()) == [
        ".dsc-econ-report.json",  # the manifest: the folder's files are the report's
        "report.html",
    ]
    with pytest.raises(RuntimeError, match="not found"):
        html_to_pdf(tmp_path / "x.html", tmp_path / "x.pdf")


def test_chromium_env_pointing_to_nothing_names_the_path(monkeypatch, tmp_path):
    missing = tmp_path / "no" / "chromium"
    monkeypatch.setenv("DSC_ECON_CHROMIUM", str(missing))
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "report.pdf").write_bytes(b"%PDF old")  # an earlier run's PDF
    (tmp_path / "out" / ".dsc-econ-report.json").write_text(  # ... as its manifest says
        '{"files": ["report.html", "report.pdf"]}'
    )
    with pytest.raises(PdfMissingError) as info:
        write_report(tmp_path / "out", "<html>new</html>", pdf=True)
    message = str(info.value)
    assert str(missing) in message and "DSC_ECON_CHROMIUM points to" in message
    assert info.value.tried == str(missing)
    assert (tmp_path / "out" / "report.html").read_text() == "<html>new</html>"
    # the old PDF would not match the new HTML: removed, and the message says so
    assert "was removed" in message
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        ".dsc-econ-report.json",
        "report.html",
    ]


def test_failing_chromium_leaves_no_half_written_pdf(monkeypatch, tmp_path):
    fake = tmp_path / "fake-chromium"
    # writes a partial PDF where it is told to print, then fails
    fake.write_text(
        "#!/bin/sh\nfor a; do case $a in --print-to-pdf=*) "
        'printf "%%PDF-partial" > "${a#--print-to-pdf=}";; esac; done\n'
        "echo crashed >&2; exit 5\n"
    )
    fake.chmod(0o755)
    monkeypatch.setenv("DSC_ECON_CHROMIUM", str(fake))
    with pytest.raises(PdfMissingError, match="exit 5") as info:
        write_report(tmp_path / "out", "<html>x</html>", pdf=True)
    assert "crashed" in str(info.value) and str(fake) in str(info.value)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        ".dsc-econ-report.json",
        "report.html",
    ]


def test_cli_exit_status_says_the_pdf_is_missing(monkeypatch, tmp_path, capsys):
    from dsc_econ.cli.main import main
    from dsc_econ.cli.report import EXIT_PDF_MISSING

    monkeypatch.setenv("DSC_ECON_CHROMIUM", str(tmp_path / "nowhere"))
    code = main(
        [
            "report",
            "--out",
            str(tmp_path / "cli"),
            "--sites",
            "5",
            "--n-psa",
            "200",
            "--n-sobol",
            "64",
        ]
    )
    assert code == EXIT_PDF_MISSING and EXIT_PDF_MISSING not in (0, 1, 2)
    out, err = capsys.readouterr()
    assert f"wrote {tmp_path / 'cli' / 'report.html'}" in out
    assert str(tmp_path / "nowhere") in err and "no PDF" in err
    assert err.index("note: the HTML will be written") < err.index("error:")
    assert (tmp_path / "cli" / "report.html").exists()
    assert not (tmp_path / "cli" / "report.pdf").exists()


def test_cli_report_html_only(tmp_path, capsys):
    from dsc_econ.cli.main import main

    code = main(
        [
            "report",
            "--out",
            str(tmp_path / "cli"),
            "--sites",
            "5",
            "--no-pdf",
            "--n-psa",
            "300",
            "--n-sobol",
            "64",
            "--set",
            "discounting.rate=0.02",
        ]
    )
    assert code == 0
    text = (tmp_path / "cli" / "report.html").read_text(encoding="utf-8")
    assert "discounting.rate" in text and "changed (default 0.035)" in text
    assert "dsc-econ report --out" in text
    assert np.isfinite(len(text))


def _fake_pdf(html, pdf, chromium=None):
    pdf.write_bytes(b"%PDF-1.4 fake")
    return pdf


def test_report_folder_manifest_removes_its_own_stale_files(tmp_path, monkeypatch):
    from dsc_econ.outputs import report as rep

    out = tmp_path / "old"
    out.mkdir()
    # a folder without a manifest: report.html and report.pdf are not adopted (issue 18:
    # the package cannot tell them from the user's own files)
    (out / "report.html").write_text("old")
    (out / "report.pdf").write_bytes(b"old pdf")
    with pytest.raises(RuntimeError, match="did not write"):
        rep.write_report(out, "<html>new</html>", pdf=False)
    assert (out / "report.html").read_text() == "old"
    (out / rep.MANIFEST).write_text('{"files": ["report.html", "report.pdf"]}')
    files = rep.write_report(out, "<html>new</html>", pdf=False)
    assert files.pdf is None
    assert sorted(p.name for p in out.iterdir()) == [rep.MANIFEST, "report.html"]
    assert (out / "report.html").read_text() == "<html>new</html>"
    monkeypatch.setattr(rep, "html_to_pdf", _fake_pdf)
    rep.write_report(out, "<html>2</html>", pdf=True)
    assert sorted(p.name for p in out.iterdir()) == [
        rep.MANIFEST,
        "report.html",
        "report.pdf",
    ]
    rep.write_report(out, "<html>3</html>", pdf=False)  # --no-pdf after a PDF run
    assert not (out / "report.pdf").exists()


def test_report_refuses_a_folder_of_other_files_and_writes_nothing(tmp_path):
    from dsc_econ.outputs import report as rep

    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.docx").write_text("the user's own file")
    with pytest.raises(RuntimeError, match=r"notes\.docx"):
        rep.write_report(out, "<html/>", pdf=False)
    assert sorted(p.name for p in out.iterdir()) == ["notes.docx"]
    # dsc.report refuses before running the analyses
    with pytest.raises(RuntimeError, match="did not write"):
        dsc.report(out, n_psa=10**9, pdf=False)
    (tmp_path / "file").write_text("x")
    with pytest.raises(RuntimeError, match="not a folder"):
        rep.write_report(tmp_path / "file", "<html/>", pdf=False)


def test_report_clears_staging_left_by_a_killed_run(tmp_path):
    from dsc_econ.outputs import report as rep

    out = tmp_path / "r"
    (out / ".dsc-econ-staging-abc123").mkdir(parents=True)
    (out / ".dsc-econ-staging-abc123" / "report.html").write_text("half")
    rep.write_report(out, "<html/>", pdf=False)
    assert sorted(p.name for p in out.iterdir()) == [rep.MANIFEST, "report.html"]


def test_tables_give_signed_npv_beside_bcr_and_name_negative_benefits(built):
    text = html.unescape(built.html.read_text(encoding="utf-8"))
    assert "below 0" not in text
    assert "negative benefits" in text and "Negative benefits: the site's outcomes" in text
    # scenario cells: NPV in £m, signed, with the BCR under it
    cells = re.findall(
        r'<td><span class="money">([+−]?£[\d.,]+m)</span><br>'
        r'<span class="small">BCR ([^<]+)</span>',
        text,
    )
    sites = dsc.load_parameters().impact_sites()
    assert len(cells) >= 11 * len(sites)
    assert ("+£20.3m", "111") in cells  # site 3, base case
    # one-way tables under each tornado, multipliers labelled as such
    assert text.count('<table class="small oneway">') == len(sites)
    assert "×0.78 to ×1.28 (multiplier on harms.untreated.total" in text


def test_probabilities_never_read_100_or_0_percent(built):
    text = html.unescape(built.html.read_text(encoding="utf-8"))
    body = text[text.index("<body>") :]  # the stylesheet has widths of 100%
    assert not re.search(r"(?<![\d.])(100|0)%", body)
    assert ">99.9%" in body


def test_scenario_equal_to_base_says_why(built):
    text = built.html.read_text(encoding="utf-8")
    row = text[text.index("<strong>green book schedule</strong>") :]
    row = row[: row.index("</tr>")]
    assert (
        "Same as the base case: the Green Book schedule discounts years 1–30 at 3.5%" in row
    )
    assert "20-year career" in row
    others = text[text.index("<strong>health rate</strong>") :]
    assert "Same as the base case" not in others[: others.index("</tr>")]


def test_same_as_base_reason_for_other_scenarios():
    params = dsc.load_parameters()
    uncertainty = load_uncertainty(None, params)
    a = analyse(params, uncertainty, ["3"], 200, 64, 1, {})
    in_use = Scenario(
        "same", "sets the default", {"pathways.gamma": params["pathways.gamma"]}
    )
    assert same_as_base_reason(a, in_use) == (
        "Same as the base case: it sets the values already in use."
    )
    other = Scenario("other", "", {"sites.5.costs.year_1": 1.0})
    assert "(sites.5.costs.year_1) does not move" in same_as_base_reason(a, other)
    # a Green Book schedule whose first band is shorter than the years valued: no claim
    short = params.with_values(
        {"discounting.schedule_from_years": [1, 6, 76, 126, 201, 301]}
    )
    b = analyse(short, uncertainty, ["3"], 200, 64, 1, {})
    reason = same_as_base_reason(
        b, Scenario("gb", "", {"discounting.method": "green_book"})
    )
    assert "Green Book" not in reason
