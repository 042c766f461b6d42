"""The board report: HTML structure, figures, references, Chromium and PDF pages."""

from __future__ import annotations

import base64
import os
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest

import dsc_econ as dsc
from dsc_econ.outputs.report import CHROMIUM_FLAGS, find_chromium, html_to_pdf

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
    # 3 results figures, a tornado and a Sobol chart per site, tree and harm profiles
    assert page.figures == 3 + 2 * len(sites) + 2
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
    assert "seed 3" in text and "benefits_50" in text


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


def test_missing_chromium_is_a_clear_error_and_writes_nothing(monkeypatch, tmp_path):
    monkeypatch.delenv("DSC_ECON_CHROMIUM", raising=False)
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(RuntimeError, match="Chromium, which was not found"):
        dsc.report(tmp_path / "r", n_psa=100, n_sobol=64)
    assert not (tmp_path / "r").exists()
    with pytest.raises(RuntimeError, match="not found"):
        html_to_pdf(tmp_path / "x.html", tmp_path / "x.pdf")


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
