"""Board-ready sensitivity report: one self-contained HTML file and its PDF.

:func:`report` runs the appraisal and the sensitivity analyses for a parameter set,
draws the figures (:mod:`dsc_econ.outputs.figures`), fills the HTML template (jinja2) with
every figure embedded, and prints the page to PDF with headless Chromium. Each file is
written in a temporary folder and moved into place only when complete, so nothing
half-written ever carries a final name. The HTML is moved in first: if Chromium is
missing or fails, the HTML stays and :class:`PdfMissingError` says which browser path was
tried and how to install or point to one (``dsc-econ report`` then exits with
:data:`~dsc_econ.cli.report.EXIT_PDF_MISSING`).
"""

from __future__ import annotations

import base64
import datetime as _dt
import itertools
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from .. import sensitivity as sens
from .._version import __version__
from ..inputs.parameters import REQUIRED, ParameterSet, load_parameters
from ..inputs.project import load_narrative
from ..inputs.safety import STAGING_PREFIX, clean_stale_staging, staging_dir
from ..inputs.scenarios import Scenario, load_scenarios
from ..model.appraisal import appraise
from ..model.harms import harm_profiles_for
from ..model.impact import did_table
from ..model.pathways import pathway_tree
from ..model.valuation import unit_values
from ..sensitivity.distributions import Uncertainty, load_uncertainty, parameter_hash
from . import figures, sensitivity_tables
from . import formatting as fmt
from . import headline as hl
from .ledger_section import ledger_section
from .tree_figure import tree_figure

__all__ = [
    "CHROMIUM_NAMES",
    "Analyses",
    "PdfMissingError",
    "ReportFiles",
    "analyse",
    "find_chromium",
    "html_to_pdf",
    "report",
    "require_chromium",
]

KINDS = {
    "whole_system": "whole-system pilot",
    "criminal_justice": "criminal-justice pilot",
    "self_directed_support": "self-directed support pilot",
}


@dataclass(frozen=True)
class ReportFiles:
    """Paths of a written report (``xlsx``: the workbook, when asked for)."""

    html: Path
    pdf: Path | None
    xlsx: Path | None = None


CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
"""Executables looked up on ``PATH`` when ``DSC_ECON_CHROMIUM`` is not set."""

_INSTALL_HINT = (
    "install Chromium (Debian/Ubuntu: apt-get install chromium; macOS: brew install "
    "--cask chromium) or set DSC_ECON_CHROMIUM to the path of a Chromium or Chrome "
    "executable; or ask for HTML only (--no-pdf / pdf=False)"
)


class PdfMissingError(RuntimeError):
    """The PDF could not be printed; the HTML report was written and stays.

    Attributes
    ----------
    html : pathlib.Path or None
        The HTML file that was written (None when raised before any was written).
    tried : str
        The browser path(s) tried, for the message and for the user to check.
    """

    def __init__(self, message: str, tried: str, html: Path | None = None) -> None:
        super().__init__(message)
        self.tried = tried
        self.html = html


def find_chromium() -> str | None:
    """Path of a Chromium/Chrome executable (``DSC_ECON_CHROMIUM`` overrides).

    Returns ``DSC_ECON_CHROMIUM`` as given when it is set (even if nothing is there:
    :func:`html_to_pdf` then says so), else the first of :data:`CHROMIUM_NAMES` found on
    ``PATH``, else None.
    """
    explicit = os.environ.get("DSC_ECON_CHROMIUM")
    if explicit:
        return explicit
    for name in CHROMIUM_NAMES:
        path = shutil.which(name)
        if path:
            return path
    return None


def require_chromium() -> str:
    """The browser to print with, or :class:`PdfMissingError` naming what was tried.

    Checks ``DSC_ECON_CHROMIUM`` (must name an executable file) or looks up
    :data:`CHROMIUM_NAMES` on ``PATH``; cheap, so a caller can warn before a long run.
    """
    explicit = os.environ.get("DSC_ECON_CHROMIUM")
    if explicit:
        found = shutil.which(explicit)
        if found is None:
            raise PdfMissingError(
                f"DSC_ECON_CHROMIUM points to {explicit!r}, which is not an executable "
                f"file: the PDF is printed with Chromium; {_INSTALL_HINT}",
                tried=explicit,
            )
        return found
    exe = find_chromium()
    if exe is None:
        tried = ", ".join(CHROMIUM_NAMES)
        raise PdfMissingError(
            "the PDF is printed with Chromium, which was not found (DSC_ECON_CHROMIUM is "
            f"not set; tried {tried} on PATH): {_INSTALL_HINT}",
            tried=tried,
        )
    return exe


CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def html_to_pdf(html: Path, pdf: Path, chromium: str | None = None) -> Path:
    """Print an HTML file to PDF with headless Chromium (A4, no header or footer).

    Raises
    ------
    PdfMissingError
        When no browser is found, ``DSC_ECON_CHROMIUM`` points to nothing, or Chromium
        fails; the message names the path tried.
    """
    exe = chromium or require_chromium()
    with tempfile.TemporaryDirectory() as profile:
        cmd = [
            exe,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={profile}",
            "--no-pdf-header-footer",
            f"--print-to-pdf={pdf}",
            html.resolve().as_uri(),
        ]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=180)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise PdfMissingError(
                f"Chromium at {exe!r} could not be run ({exc}): {_INSTALL_HINT}", tried=exe
            ) from exc
    if proc.returncode != 0 or not pdf.exists() or pdf.stat().st_size == 0:
        raise PdfMissingError(
            f"Chromium at {exe!r} could not print {html} to PDF (exit "
            f"{proc.returncode}): {proc.stderr[-500:]}",
            tried=exe,
        )
    return pdf


def _k(value: float) -> str:
    """£ thousand as £k / £m text."""
    return fmt.format_money(value)


def _ratio(value: float) -> str:
    """A benefit-cost ratio as text; with negative benefits it says so (no size)."""
    return fmt.format_bcr(value)


def _p_text(params: ParameterSet, site: str, measure: str) -> tuple[str, bool]:
    key = f"sites.{site}.p_values.{measure}"
    if key not in params:
        return "no regression p-value supplied", False
    value = float(params[key])
    comparator = params.meta(key).comparator or ""
    text = fmt.format_pvalue(value, comparator or None)
    return text, (comparator == "<" and value <= 0.05) or value < 0.05


def _site_text(
    site: str,
    params: ParameterSet,
    point: Any,
    dids: Any,
    half_bcr: float,
    prob: float,
) -> str:
    row = point.sel(site=site)
    extra_et, extra_sc = float(row.extra_effective), float(row.extra_completions)
    p_et, sig_et = _p_text(params, site, "et_tt")
    p_sc, sig_sc = _p_text(params, site, "sc_tc")
    tested_et = f"sites.{site}.p_values.et_tt" in params
    tested_sc = f"sites.{site}.p_values.sc_tc" in params
    did_et = 100 * float(dids.loc[site, "et_tt_did"])
    did_sc_tt = 100 * float(dids.loc[site, "sc_tt_did"])
    did_sc = 100 * float(dids.loc[site, "sc_tc_did"])
    benefit = float(row.total_benefit)
    ratio = (
        f"BCR {_ratio(float(row.bcr))}"
        if benefit >= 0
        else "the benefits are negative, so the BCR has no meaningful size"
    )
    parts = [
        f"Against its comparison area the pilot area had {_more(extra_et, 'client')} in "
        f"effective treatment ({did_et:+.1f} percentage points of clients in treatment) "
        f"and {_more(extra_sc, 'successful completion')} ({did_sc_tt:+.1f} points of "
        f"clients in treatment), worth {_k(benefit)} against costs of "
        f"{_k(float(row.cost))}: NPSV {fmt.format_npv_m(float(row.net_benefit))}; {ratio}.",
        (
            "The change in effective treatment is "
            + ("statistically significant" if sig_et else "not statistically significant")
            + f" ({p_et})."
            if tested_et
            else ""
        )
        + (
            " The regression for completions tested the share of completing "
            f"clients who completed successfully ({did_sc:+.1f} points), a different "
            "measure from the one valued above; that change is "
            + ("statistically significant" if sig_sc else "not statistically significant")
            + f" ({p_sc})."
            if tested_sc
            else ""
        ),
        (
            f"With benefits halved ({_half_test(params)}) the BCR is {_ratio(half_bcr)}"
            if half_bcr >= 0
            else f"Halving the benefits ({_half_test(params)}) leaves them negative"
        )
        + "; across the uncertainty analysed, the chance that benefits exceed costs is "
        f"{fmt.probability_phrase(prob)}.",
    ]
    return " ".join(parts)


def _half_test(params: Any) -> str:
    """What halving the benefits is: the set's narrative ``half_test`` (the DSCP set:
    the report's own test), else a stress test."""
    return load_narrative(params).get("half_test", "a stress test of the benefits")


def _noun(params: Any) -> str:
    """What a site's change is called: the set's narrative ``site_noun`` (the DSCP
    set: ``pilot``), else ``change``."""
    return load_narrative(params).get("site_noun", "change")


def _kind(params: Any, site: str) -> str:
    """A site's kind with the set's noun, e.g. ``whole-system pilot``."""
    kind = str(params[f"sites.{site}.type"])
    label = KINDS.get(kind, "pilot")
    return label.replace(" pilot", f" {_noun(params)}") if label != "pilot" else (
        _noun(params)
    )


def _post_months(params: Any) -> str:
    """Length of the post period of the counts in months, as text."""
    try:
        a = _dt.date.fromisoformat(str(params["records.periods.post.start"]))
        b = _dt.date.fromisoformat(str(params["records.periods.post.end"]))
    except (KeyError, ValueError):
        return "the months observed"
    months = (b.year - a.year) * 12 + b.month - a.month + (1 if b.day >= 28 else 0)
    return f"{months} month{'s' if months != 1 else ''}"


def _spending(params: Any, cf: Any) -> str:
    """When the costs fall, in the project's years (or the set's own narrative)."""
    narrative = load_narrative(params)
    if "spending" in narrative:
        return narrative["spending"]
    from ..inputs.project import year_label

    cost = cf.cost.sel(site="all").values
    if cost.ndim > 1:
        cost = cost.mean(0)
    spent = [int(y) for y, c in zip(cf.year.values, cost, strict=True) if c > 0]
    if not spent:
        return "No costs fall within the horizon."
    first, last = spent[0], spent[-1]
    span = (
        f"year {first} ({year_label(params, first)})"
        if first == last
        else f"years {first} to {last} ({year_label(params, first)} to "
        f"{year_label(params, last)})"
    )
    return f"Costs fall in {span}; the benefits arrive over many years."


def _more(count: float, noun: str) -> str:
    n = abs(round(count))
    return f"{n:,} {'more' if count >= 0 else 'fewer'} {noun}{'' if n == 1 else 's'}"


def _verdict(prob: float) -> tuple[str, str]:
    if prob >= 0.9:
        return "benefits exceed costs", "verdict-pos"
    if prob <= 0.1:
        return "costs exceed benefits", "verdict-neg"
    return "uncertain", ""


class References:
    """Numbered references: each document cited once in a list, tables cite it by a
    short key (``[1]``) and a locator (``Table 7.10, p. 91``), so no table column ever
    wraps a full citation."""

    def __init__(self, params: Any) -> None:
        from ..inputs.citations import load_bibliography

        self._bib = load_bibliography(_folder(params))
        self._keys: dict[str, int] = {}
        self._text: dict[str, str] = {}

    def cite(self, reference: Any) -> str:
        """``[n] locator`` for a reference (``[n]`` alone when it has no locator)."""
        from ..inputs.citations import _LOCATORS, _field, _page, _text

        document = _text(_field(reference, "document"))
        if not document:
            return "not given"
        entry = self._bib.find(document)
        name = entry.key if entry is not None else document
        if name not in self._keys:
            self._keys[name] = len(self._keys) + 1
            self._text[name] = entry.citation() if entry is not None else document
        locator = [_text(_field(reference, k)) for k in _LOCATORS]
        locator.append(_page(_field(reference, "page")))
        shown = ", ".join(x for x in locator if x)
        return f"[{self._keys[name]}] {shown}".strip()

    def listing(self) -> list[dict[str, str]]:
        """The reference list in key order."""
        return [
            {"key": f"[{n}]", "text": self._text[name]} for name, n in self._keys.items()
        ]


def _parameters_table(
    params: ParameterSet,
    uncertainty: Uncertainty,
    sites: Sequence[str],
    refs: References | None = None,
) -> list[dict[str, str]]:
    defaults = load_parameters()
    varied: dict[str, str] = {}
    described = uncertainty.frame()["distribution"]
    for item in uncertainty.inputs:
        if item.kind == "did":
            varied[f"sites.{item.site}.did"] = "sampled: binomial error of the counts"
            continue
        how = "scaled by " if item.apply == "scale" else ""
        desc = described.loc[item.name]
        for target in item.parameters:
            varied[target] = f"{how}{desc}"
    names = list(REQUIRED) + [
        n
        for n in params
        if n.startswith("sites.") and n.split(".")[1] in sites and ".p_values." not in n
    ]
    rows = []
    for name in names:
        meta = params.meta(name)
        value = params[name]
        notes = []
        if name in varied:
            notes.append(f"varied: {varied[name]}")
        elif name.startswith("sites.") and ".counts." in name:
            site = name.split(".")[1]
            if f"sites.{site}.did" in varied:
                notes.append("DiD sampled from these counts")
        default = defaults.get(name)
        if default is not None and not _same(value, default):
            notes.append(f"changed (default {_fmt(default)})")
        rows.append(
            {
                "name": name,
                "anchor": name.replace(".", "-"),
                "value": (meta.comparator or "") + _fmt(value),
                "unit": meta.unit.replace("_", " "),
                "source": refs.cite(meta.reference) if refs else str(meta.reference),
                "varied": "; ".join(notes),
            }
        )
    return rows


def _same(a: Any, b: Any) -> bool:
    try:
        return bool(np.all(np.asarray(a) == np.asarray(b)))
    except (TypeError, ValueError):
        return a == b


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.6g}" if abs(value) < 1e6 else f"{value:,.0f}"
    if isinstance(value, list):
        return ", ".join(_fmt(v) for v in value)
    return str(value)


def _figure_entry(
    fig: Any, fid: str, number: int, caption: str, alt: str
) -> dict[str, Any]:
    return {
        "id": fid,
        "number": number,
        "caption": caption,
        "alt": alt,
        "png": base64.b64encode(figures.to_png(fig)).decode("ascii"),
    }


@dataclass
class Analyses:
    """Everything the report's sections read: the point appraisal and each analysis.

    Built once by :func:`analyse`; each section builder takes it and returns the template
    fields of one section, so a section can be read (and changed) on its own.
    """

    params: ParameterSet
    uncertainty: Uncertainty
    sites: list[str]
    point: Any
    mc: Any
    oneway: Any
    sobol: Any
    scenarios: Any
    user_scenarios: dict[str, Scenario]
    dids: Any
    units: Any
    tree: Any
    n_psa: int
    seed: int
    headline: Any = None


def analyse(
    params: ParameterSet,
    uncertainty: Uncertainty,
    sites: Sequence[str],
    n_psa: int,
    n_sobol: int,
    seed: int,
    user_scenarios: dict[str, Scenario],
) -> Analyses:
    """Run the appraisal and every sensitivity analysis the report shows."""
    sites = list(sites)
    point = appraise(params, sites)
    return Analyses(
        params=params,
        uncertainty=uncertainty,
        sites=sites,
        point=point,
        mc=sens.psa(params, uncertainty, n=n_psa, seed=seed, sites=sites, progress=False),
        oneway=sens.oneway(params, uncertainty, sites),
        sobol=sens.sobol(
            params, uncertainty, n=n_sobol, seed=seed, sites=sites, progress=False
        ),
        scenarios=sens.scenarios(params, sites=sites, extra=user_scenarios),
        user_scenarios=user_scenarios,
        dids=did_table(params, sites),
        units=unit_values(params),
        tree=pathway_tree(params),
        n_psa=n_psa,
        seed=seed,
        headline=hl.headline(params, sites, point),
    )


def _money_interval(low: float, high: float) -> Markup:
    """Two NPVs as "low to high" HTML, each kept on one line with its sign."""
    return Markup('<span class="money">{}</span> to <span class="money">{}</span>').format(
        fmt.format_npv_m(low), fmt.format_npv_m(high)
    )


def summary_section(a: Analyses) -> dict[str, Any]:
    """Section 1: one row and one paragraph per site, and the headline sentence."""
    rows = []
    for site in a.sites:
        prob = float(a.mc.prob_bcr_gt_1.sel(site=site))
        verdict, cls = _verdict(prob)
        half = float(a.scenarios.bcr.sel(scenario="benefits_50", site=site))
        rows.append(
            {
                "id": site,
                "kind": _kind(a.params, site),
                "npv": fmt.format_npv_m(float(a.headline.row(site).npsv)),
                "npv_interval": _money_interval(
                    float(a.mc.npv_low.sel(site=site)), float(a.mc.npv_high.sel(site=site))
                ),
                "bcr": _ratio(float(a.headline.row(site).bcr)),
                "payback": _payback_cell(a.headline.row(site)),
                "bcr_interval": fmt.format_bcr_interval(
                    float(a.mc.bcr_low.sel(site=site)), float(a.mc.bcr_high.sel(site=site))
                ),
                "prob": fmt.format_probability(prob),
                "verdict": verdict,
                "verdict_class": cls,
                "text": _site_text(site, a.params, a.point, a.dids, half, prob),
            }
        )
    positive = [r["id"] for r in rows if r["verdict_class"] == "verdict-pos"]
    negative = [r["id"] for r in rows if r["verdict_class"] == "verdict-neg"]
    noun = _noun(a.params)
    n = len(a.sites)
    headline = (
        f"Of the {n} {noun + ' ' if noun != 'change' else ''}site{'s' if n != 1 else ''}"
        " appraised, benefits very probably exceed costs at "
        f"{_list(positive, 'none')}, and costs very probably exceed benefits at "
        f"{_list(negative, 'none')}"
        + ("; the rest are uncertain" if n > len(positive) + len(negative) else "")
        + f". The estimates rest on {_post_months(a.params)} of outcomes and on "
        "comparison areas standing in for what would have happened without the "
        f"{noun + 's' if noun != 'change' else 'change'} (section 2)."
    )
    prob = hl.programme_probability(a.mc, a.sites)
    verdict, cls = _verdict(prob)
    prog = a.headline.row(hl.PROGRAMME)
    programme = {
        "id": "all",
        "kind": "programme",
        "npv": fmt.format_npv_m(float(prog.npsv)),
        "npv_interval": _programme_interval(a),
        "bcr": _ratio(float(prog.bcr)),
        "payback": _payback_cell(prog),
        "bcr_interval": "",
        "prob": fmt.format_probability(prob),
        "verdict": verdict,
        "verdict_class": cls,
    }
    return {
        "recommendation": hl.recommendation(a.headline, prob, noun),
        "headline": headline,
        "sites": rows,
        "programme": programme,
        "results_rows": results_rows(a),
        "money_m": hl.money_unit(a.params),
        "money_k": hl.money_unit(a.params, "thousand"),
        "price_base": a.headline.price_base,
        "payback_definition": a.headline.payback_definition,
        "base_case": a.headline.assumption,
        "negative_benefits_meaning": fmt.NEGATIVE_BENEFITS_MEANING,
    }


def _payback_cell(row: Any) -> str:
    return str(row.payback_text).split(" (")[0] if row.payback_text != "none" else "none"


def _programme_interval(a: Analyses) -> Markup:
    net = (a.mc.total_benefit - a.mc.cost).sel(site=a.sites).sum("site").values
    low, high = np.percentile(net, [5, 95])
    return _money_interval(float(low), float(high))


def results_rows(a: Analyses) -> list[dict[str, str]]:
    """The headline table of the results section: benefits, costs, NPSV, BCR and
    payback of each site and the programme, from :func:`~.headline.headline` (the same
    numbers as the executive summary's)."""
    rows = []
    for site, r in a.headline.table.iterrows():
        rows.append(
            {
                "name": "Programme (all sites)" if site == hl.PROGRAMME else f"Site {site}",
                "benefit": _k(float(r.benefit)),
                "cost": _k(float(r.cost)),
                "npv": fmt.format_npv_m(float(r.npsv)),
                "bcr": _ratio(float(r.bcr)),
                "payback": str(r.payback_text),
            }
        )
    return rows


def _p_value_source(a: Analyses) -> str:
    sources = {
        a.params.meta(k).reference.document
        for s in a.sites
        for m in ("et_tt", "sc_tc")
        if (k := f"sites.{s}.p_values.{m}") in a.params
    }
    return (
        "the report's client-level regressions, Tables 6.1 to 6.4"
        if sources and all(d.startswith("003_") for d in sources)
        else "client-level logistic regressions"
    )


def caveats_section(a: Analyses) -> dict[str, Any]:
    """Section 2: what the estimates rest on, built from the parameters in use."""
    scen, params = a.scenarios, a.params
    flips = [
        s
        for s in a.sites
        if (float(scen.bcr.sel(scenario="benefits_50", site=s)) > 1)
        != (float(scen.bcr.sel(scenario="base", site=s)) > 1)
    ]
    significant = [s for s in a.sites if _p_text(params, s, "et_tt")[1]]
    sig_completions = [s for s in a.sites if _p_text(params, s, "sc_tc")[1]]
    periods = {
        p: (
            _dt.date.fromisoformat(params[f"records.periods.{p}.start"]).strftime("%B %Y"),
            _dt.date.fromisoformat(params[f"records.periods.{p}.end"]).strftime("%B %Y"),
        )
        for p in ("pre", "post")
    }
    narrative = load_narrative(params)
    noun = _noun(params)
    tested = any(
        f"sites.{s}.p_values.{m}" in params for s in a.sites for m in ("et_tt", "sc_tc")
    )
    caveats = [
        f"Outcomes compare the period before the {noun}s ({periods['pre'][0]} to "
        f"{periods['pre'][1]}) with the {noun}s' later months ({periods['post'][0]} to "
        f"{periods['post'][1]}), "
        + narrative.get(
            "outcome_periods",
            f"{_post_months(params)} after. Treatment journeys are long, so changes to "
            "completions in particular may not have shown yet.",
        ),
        f"Each {noun}'s impact is the difference in differences against a comparison "
        "area chosen to be similar; if the comparison area changed for other reasons, "
        "the estimate is biased"
        + (f" {narrative['comparison_source']}." if "comparison_source" in narrative
           else "."),
        (
            f"Statistical significance ({_p_value_source(a)}): the change in effective "
            f"treatment is significant at 5% for {_list(significant, 'no site')}; the "
            "change in the share of completions that were successful is significant "
            f"for {_list(sig_completions, 'no site')}. Sites without a regression "
            "p-value are not counted as significant."
            if tested
            else "No significance test was run on these sites (the parameters hold no "
            "regression p-values; `dsc-econ records derive --regression` computes them "
            "from client records); the intervals reflect the counts' sampling error."
        ),
        f"{_half_test(params)[:1].upper()}{_half_test(params)[1:]}, halving every "
        "benefit, "
        + (
            "changes no site's verdict."
            if not flips
            else f"changes the verdict for {_list(flips, '')}."
        ),
        "The value of a successful completion (£"
        f"{a.units.completion:,.0f}) depends on the share of completers who stay "
        "abstinent and on how long harm stays low; these are among the least certain "
        "inputs (section 4).",
    ]
    if "slips" in narrative:
        caveats.append(narrative["slips"])
    if "price_base" in narrative:  # the report's unstated price base (issue 21)
        caveats.append(narrative["price_base"])
    return {"caveats": [plain(c, params) for c in caveats]}


def results_figures(a: Analyses, number: Iterator[int]) -> dict[str, Any]:
    """Section 3: NPV intervals, BCR distributions and payback."""
    figs = [
        _figure_entry(
            figures.npv_intervals(a.mc, a.point),
            "fig-npv",
            next(number),
            "Base case: net present social value of each site, point estimate and "
            f"90% interval ({hl.money_unit(a.params, '')}).",
            "NPV by site with intervals",
        ),
        _figure_entry(
            figures.bcr_distributions(a.mc, a.sites),
            "fig-bcr",
            next(number),
            "Base case: distribution of each site's benefit-cost ratio across the Monte "
            "Carlo samples; the red line marks BCR = 1.",
            "BCR distributions",
        ),
        _figure_entry(
            figures.payback(a.point, a.sites, a.params),
            "fig-payback",
            next(number),
            f"Base case: cumulative discounted benefits of the appraised cohort by year "
            f"against each site's costs ({hl.money_unit(a.params, '')}).",
            "payback chart",
        ),
    ]
    return {"figures_results": figs, "n_psa": f"{a.n_psa:,}", "seed": a.seed}


def oneway_ranges(a: Analyses) -> dict[str, str]:
    """Labels of what each one-way input was moved over, for the report."""
    return sensitivity_tables.oneway_ranges(a.oneway, a.uncertainty, a.params)


def oneway_rows(a: Analyses, site: str, top: int = 6) -> list[dict[str, str]]:
    """The one-way table of a site: its ``top`` inputs by swing, NPV beside BCR."""
    ow = a.oneway.sel(site=site)
    ranges = oneway_ranges(a)
    items = {item.name: item for item in a.uncertainty.inputs}
    order = ow.swing.to_series().sort_values(ascending=False).head(top).index
    rows = []
    for parameter in order:
        text = ranges[str(parameter)]
        item = items.get(str(a.oneway.input.sel(parameter=parameter).item()))
        if item is not None and item.apply == "scale":
            text += " (multiplier on " + ", ".join(item.parameters) + ")"
        cell = {"input": input_words(str(parameter)), "range": text}
        for bound in ("low", "high"):
            cell[f"npv_{bound}"] = fmt.format_npv_m(
                float(ow.npv.sel(parameter=parameter, bound=bound))
            )
            cell[f"bcr_{bound}"] = _ratio(
                float(ow.bcr.sel(parameter=parameter, bound=bound))
            )
        rows.append(cell)
    return rows


def uncertainty_figures(a: Analyses, number: Iterator[int]) -> dict[str, Any]:
    """Section 4: a tornado, its one-way table and a Sobol chart per site."""
    figs = []
    ranges = oneway_ranges(a)
    for site in a.sites:
        tornado = _figure_entry(
            figures.tornado(a.oneway, site, ranges=ranges),
            f"fig-tornado-{site}",
            next(number),
            f"Tornado chart for site {site}: the NPV with each input at its 5th and "
            "95th percentile, the others at their central values (base NPV "
            f"{fmt.format_npv_m(float(a.oneway.base_npv.sel(site=site)))}; "
            f"{hl.money_unit(a.params, '')}).",
            f"tornado site {site}",
        )
        tornado["table"] = oneway_rows(a, site)
        figs.append(tornado)
        figs.append(
            _figure_entry(
                figures.sobol_indices(a.sobol, site),
                f"fig-sobol-{site}",
                next(number),
                f"Sobol indices of site {site}'s NPV, sorted by total effect; inputs with "
                "no measurable effect are folded into one line.",
                f"Sobol indices site {site}",
            )
        )
    return {
        "figures_uncertainty": figs,
        "sobol_runs": f"{a.sobol.attrs['rows']:,}",
        "drivers": drivers_rows(a),
    }


def input_words(name: str) -> str:
    """An uncertainty input's name in words: ``did_site_2`` -> "site 2's measured
    impact", ``costs_site_2`` -> "site 2's costs", ``harm_level`` -> "harm level"."""
    m = re.fullmatch(r"(did|costs)_site_([A-Za-z0-9]+)(?:_(sc|et))?", name)
    if m:
        what = "measured impact" if m.group(1) == "did" else "costs"
        on = {"sc": " on successful completions", "et": " on effective treatment"}
        return f"site {m.group(2)}'s {what}{on.get(m.group(3) or '', '')}"
    return name.replace("_", " ")


_KEY = re.compile(r"\b[a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+\b")
_SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")


def plain(text: str, params: Any = None) -> str:
    """Text for the main body in words: a parameter key becomes its friendly name
    (names.yaml alias) or its last part, and snake_case words lose their underscores.

    >>> plain("what it changes (cashflow.optimism_bias) as c6_decay")
    'what it changes (optimism bias) as c6 decay'
    """
    aliases: dict[str, str] = {}
    if params is not None:
        from ..inputs.names import load_names

        aliases = load_names(_folder(params)).alias_of

    def key(m: re.Match[str]) -> str:
        k = m.group(0)
        name = aliases.get(k) or k.rsplit(".", 1)[-1]
        return name.replace("_", " ")

    return _SNAKE.sub(lambda m: m.group(0).replace("_", " "), _KEY.sub(key, str(text)))


def drivers_rows(a: Analyses, top: int = 3) -> list[dict[str, str]]:
    """Per site, in words: the ``top`` inputs that move the NPSV most one at a time
    (the tornado charts and tables are in the appendix)."""
    rows = []
    for site in a.sites:
        ow = a.oneway.sel(site=site)
        order = ow.swing.to_series().sort_values(ascending=False).head(top)
        rows.append(
            {
                "site": site,
                "inputs": "; ".join(
                    f"{input_words(str(p))} (swing {_k(float(v))})"
                    for p, v in order.items()
                ),
            }
        )
    return rows


def _group_label(name: str, uncertainty: Uncertainty) -> str:
    """Plain-language name of an input group for the value-of-information section."""
    members = [i for i in uncertainty.inputs if i.group == name]
    if len(members) == 1 and members[0].kind == "did":
        return f"site {members[0].site}'s measured impact"
    return name.replace("_", " ")


def _voi_sentence(site: str, ds: Any, labels: dict[str, str]) -> str:
    from ..sensitivity.voi import PROGRAMME

    who = "All sites together" if site == PROGRAMME else f"Site {site}"
    evpi = float(ds.evpi.sel(site=site))
    best = str(ds.best_option.sel(site=site).item())
    prob = float(ds.prob_best.sel(site=site, option=best))
    choice = "continuing the change" if best == "continue" else f"option “{best}”"
    if best == "do not":
        choice = "not continuing the change"
    if evpi < 1:  # under £1k: nothing a study could be bought for
        return (
            f"{who}: {choice} is the better choice in {fmt.format_probability(prob)} of "
            "the simulations, so finding out more could not change the decision (EVPI "
            + ("nil)." if evpi <= 0 else "under £1k).")
        )
    ranked = ds.evppi.sel(site=site).to_series().sort_values(ascending=False)
    group = str(ranked.index[0])
    share = float(ranked.iloc[0]) / evpi
    part = "nearly all" if share >= 0.995 else f"{share:.0%}"
    tail = (
        f"{part} of it from learning {labels.get(group, group)} alone, so that is "
        "where research would pay"
        if share >= 0.5
        else f"no single assumption accounts for most of it (the largest, "
        f"{labels.get(group, group)}, {share:.0%})"
    )
    return (
        f"{who}: on current evidence {choice} is better ({fmt.format_probability(prob)} "
        "of the simulations agree); knowing every assumption exactly would be worth up to "
        f"{_k(evpi)} per decision, {tail}."
    )


def value_of_information_section(a: Analyses, number: Iterator[int]) -> dict[str, Any]:
    """Section 4, end: is it worth finding out more? EVPI per site and the EVPPI of each
    input group (:func:`dsc_econ.sensitivity.voi`), with one plain-language sentence per
    site. It reuses the first 50,000 samples of section 3's Monte Carlo run when that run
    kept them (no extra model runs); after a chunked run it draws 50,000 of its own."""
    from ..sensitivity.voi import input_groups

    u = a.uncertainty
    names = list(dict.fromkeys(u.groups))
    groups = {k: v for k, v in input_groups(u).items() if k in names}
    reuse = "inputs" in a.mc  # an in-memory run keeps its draws; a chunked one does not
    ds = sens.voi(
        a.params,
        u,
        n=min(a.n_psa, 50_000),
        seed=a.seed,
        sites=a.sites,
        result=a.mc.isel(sample=slice(0, 50_000)) if reuse else None,
        groups=groups,
        progress=False,
    )
    labels = {g: _group_label(g, u) for g in names}
    figure = _figure_entry(
        figures.evppi_bars(ds, names, labels),
        "fig-voi",
        next(number),
        "Value of perfect information per site: about everything (EVPI, dashed line) "
        "and about each group of assumptions alone (EVPPI, bars with standard errors), "
        f"per decision ({hl.money_unit(a.params, '')}).",
        "value of information by site",
    )
    return {
        "voi_figure": figure,
        "voi_sentences": [_voi_sentence(str(s), ds, labels) for s in ds.site.values],
        "voi_n": f"{int(ds.attrs['n']):,}",
    }


def model_figures(a: Analyses, number: Iterator[int]) -> dict[str, Any]:
    """Section 5: the pathway tree and the harm profiles behind the unit values."""
    figs = [
        _figure_entry(
            tree_figure(a.params, a.tree),
            "fig-tree",
            next(number),
            "Treatment pathway tree with branch probabilities and the harm avoided "
            f"per client of each pathway ({hl.money_unit(a.params, '')}).",
            "pathway tree",
        ),
        _figure_entry(
            figures.harm_profiles(harm_profiles_for(a.params), a.params),
            "fig-harms",
            next(number),
            "Harm per client per year of each pathway over the career "
            f"({hl.money_unit(a.params, '')}).",
            "harm profiles",
        ),
    ]
    return {
        "figures_model": figs,
        "unit_effective": f"{a.units.effective:,.0f}",
        "unit_completion": f"{a.units.completion:,.0f}",
    }


def _named_scenarios(a: Analyses) -> dict[str, Scenario]:
    """The scenarios behind ``a.scenarios``: the bundled files' and the user's."""
    from ..inputs.parameters import data_dir

    named: dict[str, Scenario] = {}
    for path in sorted(data_dir("scenarios").glob("*.yaml")):
        named.update(load_scenarios(path, a.params))
    named.update(a.user_scenarios)
    return named


def same_as_base_reason(a: Analyses, scenario: Scenario) -> str:
    """Why a scenario gives exactly the base case's results, in one sentence.

    A board reading two identical rows assumes a mistake; the row must say why. The
    Green Book declining schedule is the known case: its first band discounts at the
    base case's rate, and every year the appraisal values falls in that band. Any other
    scenario equal to the base either sets the values already in use or changes inputs
    that do not enter the sites shown.
    """
    params = a.params
    changes = dict(scenario.set)
    if all(k in params and _same(params[k], v) for k, v in changes.items()):
        return "Same as the base case: it sets the values already in use."
    if changes.get("discounting.method") == "green_book":
        starts = [int(y) for y in params["discounting.schedule_from_years"]]
        rates = list(params["discounting.schedule_rates"])
        rate = float(params["discounting.rate"])
        horizon = int(a.point.year.max())
        career = sum(
            int(params[f"career.{k}"])
            for k in (
                "years_before_treatment",
                "years_in_treatment",
                "years_after_treatment",
            )
        )
        if len(starts) > 1 and np.isclose(rates[0], rate) and horizon < starts[1]:
            return (
                f"Same as the base case: the Green Book schedule discounts years "
                f"{starts[0]}–{starts[1] - 1} at {rate:.1%}, the base case's rate, and "
                f"every year valued here (years 1–{horizon} from the start of treatment, "
                f"within the {career}-year career) falls inside that first band; it would "
                f"differ only for benefits beyond year {starts[1] - 1}."
            )
    names = ", ".join(sorted(changes))
    return (
        f"Same as the base case at every site shown: what it changes ({names}) does not "
        "move these sites' results."
    )


def scenarios_section(a: Analyses) -> dict[str, Any]:
    """Section 6: NPV (£m, signed) and BCR of every site under every named scenario.

    A scenario whose results equal the base case's at every site carries the reason
    (:func:`same_as_base_reason`); negative benefits are named, not shown as a ratio.
    """
    scen = a.scenarios
    named = _named_scenarios(a)
    base_npv = scen.npv.sel(scenario="base").values
    rows = []
    for name in scen.scenario.values:
        name = str(name)
        cells = [
            {
                "npv": fmt.format_npv_m(float(scen.npv.sel(scenario=name, site=s))),
                "bcr": _ratio(float(scen.bcr.sel(scenario=name, site=s))),
            }
            for s in a.sites
        ]
        same = name != "base" and bool(
            np.allclose(scen.npv.sel(scenario=name).values, base_npv, rtol=1e-9, atol=1e-9)
        )
        rows.append(
            {
                "name": "Base case" if name == "base" else name.replace("_", " "),
                "description": plain(str(scen.description.sel(scenario=name).item()),
                                     a.params),
                "cells": cells,
                "same_as_base": plain(same_as_base_reason(a, named[name]), a.params)
                if same and name in named
                else "",
            }
        )
    return {
        "scenario_sites": a.sites,
        "scenario_rows": rows,
        "user_scenarios": list(a.user_scenarios),
    }


def appendix_section(a: Analyses, command_line: str | None) -> dict[str, Any]:
    """Appendix: every assumption with its source, and the reproducibility record."""
    refs = References(a.params)
    table = _parameters_table(a.params, a.uncertainty, a.sites, refs)
    return {
        "parameters": table,
        "references": refs.listing(),
        "version": __version__,
        "parameter_hash": parameter_hash(a.params),
        "parameter_source": a.params.source,
        "uncertainty_source": a.uncertainty.source,
        "uncertainty_digest": a.uncertainty.digest,
        "command_line": command_line or " ".join(sys.argv),
        "generated": _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


def dynamics_section(a: Analyses, number: Iterator[int]) -> dict[str, Any]:
    """Section 7: cash flows by year, payback per site, and streams outside the tree."""
    from ..inputs.streams import load_streams
    from ..model.cashflow import NO_PAYBACK, cashflow, stream_present_values

    cf = cashflow(a.params, a.sites)
    alt = hl.alternative_label(a.params)

    def year(v: Any) -> str:
        return "none" if int(v) == NO_PAYBACK else f"year {int(v)}"

    rows = []
    for r in [str(x) for x in cf.site.values]:
        base = a.headline.row(hl.PROGRAMME if r == "all" else r)
        rows.append(
            {
                "name": "Programme (all sites)" if r == "all" else f"Site {r}",
                "npv_base": fmt.format_npv_m(float(base.npsv)),
                "payback_base": _payback_cell(base),
                "npv": fmt.format_npv_m(float(cf.npv.sel(site=r))),
                "bcr": _ratio(float(cf.bcr.sel(site=r))),
                "payback_discounted": year(cf.payback_discounted.sel(site=r)),
            }
        )
    figs = [
        _figure_entry(
            figures.cumulative_net(cf, a.params),
            "fig-cashflow",
            next(number),
            f"Cumulative discounted net benefit by year, {alt}: each site and the "
            f"programme on its own scale ({hl.money_unit(a.params, '')}); the dashed "
            "line marks the payback year of this view.",
            "cumulative net benefit over time by site",
        )
    ]
    gb = a.params.with_values({"discounting.method": "green_book"}, origin="report")
    streams = []
    for s in load_streams(a.params):
        pv = stream_present_values(a.params, s, first_years=(1, s.first_year))
        pv_gb = stream_present_values(gb, s, first_years=(s.first_year,))
        streams.append(
            {
                "name": _stream_label(a.params, s),
                "state": "counted in the cash flows"
                if s.include_in_bcr
                else "not counted: off by default, as in the report's tables",
                "description": plain(s.description, a.params),
                "pv_no_lag": _k(float(pv.loc[1, "end_constant_3.5%"])),
                "pv_lag": _k(float(pv.loc[s.first_year, "end_constant_3.5%"])),
                "first_year": s.first_year,
                "pv_green_book": _k(float(pv_gb.loc[s.first_year, "end"])),
                "reference": s.reference,
            }
        )
    costs = "discounted" if bool(a.params["appraisal.discount_costs"]) else (
        "undiscounted, as Table 7.10 adds them"
    )
    return {
        "dyn_rows": rows,
        "dyn_label": alt,
        "figures_dynamics": figs,
        "dyn_streams": streams,
        "dyn_benefits": {
            "stockflow": "the stock-flow model of Appendix C3 (the pilot run minus the "
            "baseline run, year by year)",
            "early": "Figure C2.2's early profile",
            "late": "Figure C2.2's late profile",
            "vector": "a yearly vector supplied by the user",
            "single_cohort": "the appraised cohort's own yearly flows (Table 7.10's "
            "method)",
        }.get(str(cf.attrs["benefits"]), str(cf.attrs["benefits"])),
        "dyn_spending": _spending(a.params, cf),
        "dyn_assumption": cf.attrs["effect_assumption"],
        "dyn_extension": load_narrative(a.params).get("payback_note", ""),
        "dyn_costs": costs,
        "dyn_discounting": _discounting_words(a.params),
        "dyn_horizon": int(cf.sizes["year"]),
    }


def _discounting_words(params: Any) -> str:
    """How the over-time view discounts, in words (not the setting's codes)."""
    method = str(params["discounting.method"])
    timing = str(params["discounting.timing"])
    how = (
        f"at {float(params['discounting.rate']):.1%} a year"
        if method == "constant"
        else "on the Green Book's declining schedule"
        if method == "green_book"
        else f"by the {method.replace('_', ' ')} method"
    )
    when = {"end": "flows at the end of each year", "middle": "flows in the middle of "
            "each year", "start": "flows at the start of each year"}.get(
        timing, timing.replace("_", " "))
    return f"{how}, {when}"


def _stream_label(params: Any, stream: Any) -> str:
    """A stream's name in words: its alias in the set's names.yaml where it has one,
    else its name, underscores as spaces, first letter capitalised."""
    from ..inputs.names import load_names

    names = load_names(_folder(params))
    key = f"streams.{stream.name}"
    alias = next(
        (al for k, al in names.alias_of.items() if k == key or k.startswith(key + ".")),
        stream.name,
    )
    text = alias.replace("_", " ")
    return text[:1].upper() + text[1:]


def _folder(params: Any) -> Path | None:
    src = getattr(params, "source", None)
    path = Path(str(src)) if src else None
    return path if path is not None and path.is_dir() else None


def render_html(context: dict[str, Any]) -> str:
    """Fill the report template (jinja2, autoescaped) with the sections' fields."""
    env = Environment(
        loader=PackageLoader("dsc_econ.outputs", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
    )
    return env.get_template("report.html.j2").render(**context)


MANIFEST = ".dsc-econ-report.json"
"""The file in a report folder that lists what ``report`` wrote there (and so owns)."""

_STAGING_PREFIX = STAGING_PREFIX


def _owned_files(target: Path) -> set[str]:
    """Names in ``target`` that an earlier ``report`` run wrote (from its manifest;
    none when there is none: a ``report.html`` without a manifest is the user's);
    raises if anything else is there."""
    manifest = target / MANIFEST
    owned: set[str] = set()
    if manifest.is_file():
        try:
            listed = json.loads(manifest.read_text(encoding="utf-8"))["files"]
        except (ValueError, KeyError, TypeError, UnicodeDecodeError):
            raise RuntimeError(
                f"{manifest}: not a report manifest this version can read; move the "
                "folder aside or choose another --out"
            ) from None
        owned = {str(n) for n in listed if isinstance(n, str) and "/" not in n}
    present = {p.name for p in target.iterdir()}
    leftovers = {n for n in present if n.startswith(_STAGING_PREFIX)}
    foreign = sorted(present - owned - leftovers - {MANIFEST})
    if foreign:
        shown = ", ".join(foreign[:5]) + (" ..." if len(foreign) > 5 else "")
        raise RuntimeError(
            f"{target}: holds files the report did not write ({shown}); a report "
            "overwrites only its own files, so choose an empty or new folder for --out"
        )
    clean_stale_staging(target)  # staging of an interrupted run (e.g. kill -9)
    return owned & present


def write_report(
    out: str | Path, html: str, pdf: bool, extra: dict[str, bytes] | None = None
) -> ReportFiles:
    """Write ``report.html`` into ``out``, then print ``report.pdf`` beside it.

    Both files are made complete in a staging folder inside ``out`` (the PDF printed
    from the staged HTML) before either is moved to its final name, then the manifest
    last, so a run killed while printing leaves the earlier set untouched; during the
    moves (microseconds) the manifest says ``"complete": false``. The HTML is moved in
    whatever happens to the PDF.

    ``extra`` (name -> bytes, e.g. ``report.xlsx``) is staged and moved in with the
    HTML, listed in the manifest like it.

    ``out`` holds a manifest (:data:`MANIFEST`) of the files written; a later run
    replaces them and removes those it no longer writes (the old ``report.pdf`` after
    ``--no-pdf`` or a failed PDF, so a new HTML is never paired with an old PDF), and
    refuses to write into a folder holding files it did not write.

    Raises
    ------
    PdfMissingError
        The PDF could not be printed; its ``html`` attribute is the HTML written.
    """
    target = Path(out)
    if target.exists() and not target.is_dir():
        raise RuntimeError(f"{target}: exists and is not a folder; --out takes a folder")
    target.mkdir(parents=True, exist_ok=True)
    before = _owned_files(target)
    final_html, final_pdf = target / "report.html", target / "report.pdf"
    written = ["report.html"]
    error: PdfMissingError | None = None
    with staging_dir(target) as stage:
        html_path = stage / "report.html"
        html_path.write_text(html, encoding="utf-8")
        for name, body in (extra or {}).items():
            if "/" in name or name.startswith(".") or name in ("report.html", "report.pdf"):
                raise ValueError(f"not a report file name: {name!r}")
            (stage / name).write_bytes(body)
            written.append(name)
        pdf_path = None
        if pdf:
            try:
                pdf_path = html_to_pdf(html_path, stage / "report.pdf")
                written.append("report.pdf")
            except PdfMissingError as exc:
                error = exc

        def manifest(files: list[str], complete: bool) -> None:
            body = {
                "written_by": f"dsc-econ {__version__} report",
                "complete": complete,
                "files": files,
            }
            (stage / MANIFEST).write_text(json.dumps(body, indent=2), encoding="utf-8")
            os.replace(stage / MANIFEST, target / MANIFEST)

        # always first, into a new folder too: a run stopped after moving the HTML
        # leaves files its manifest claims, never a report.html that reads as the user's
        manifest(sorted(before | set(written)), complete=False)
        os.replace(html_path, final_html)
        for name in extra or {}:
            os.replace(stage / name, target / name)
        if pdf_path is not None:
            os.replace(pdf_path, final_pdf)
        for stale in sorted(before - set(written)):
            (target / stale).unlink(missing_ok=True)
        manifest(written, complete=True)
    stale_pdf = "report.pdf" in before and "report.pdf" not in written
    if error is not None:
        note = f" (the earlier {final_pdf} was removed)" if stale_pdf else ""
        reason = str(error).replace(str(stage), str(target))  # no staging path shown
        raise PdfMissingError(
            f"wrote {final_html}, but no PDF{note}: {reason}", error.tried, final_html
        ) from error
    xlsx = target / "report.xlsx" if "report.xlsx" in written else None
    return ReportFiles(final_html, final_pdf if "report.pdf" in written else None, xlsx)


def _check_sizes(
    uncertainty: Uncertainty, sites: Sequence[str], n_psa: int, n_sobol: int
) -> None:
    """Refuse sample sizes whose memory would not fit, before any analysis runs: the
    report's charts hold every Monte Carlo draw, and Sobol every output of its design."""
    from ..sensitivity import memory

    if isinstance(n_psa, bool) or not isinstance(n_psa, int) or n_psa < 2:
        raise ValueError(f"n_psa (--n-psa) must be a whole number >= 2, got {n_psa}")
    if isinstance(n_sobol, bool) or not isinstance(n_sobol, int) or n_sobol < 2 or (
        n_sobol & (n_sobol - 1)
    ):
        raise ValueError(f"n_sobol (--n-sobol) must be a power of two, got {n_sobol}")
    cols, k = len(uncertainty.columns), len(sites)
    fits = memory.largest(lambda m: memory.psa_bytes(m, cols, k), memory.budget())
    memory.check_memory(
        memory.psa_bytes(n_psa, cols, k),
        f"a report with --n-psa {n_psa:,} (its charts hold every draw)",
        f"use at most --n-psa {fits:,}",
    )
    problem = uncertainty.problem(groups=True)
    d = len(dict.fromkeys(problem["groups"]))

    def size(m: int) -> int:
        return memory.sobol_bytes(m, d, cols, k, False, 100)

    fits = memory.largest(size, memory.budget())
    memory.check_memory(
        size(n_sobol),
        f"a report with --n-sobol {n_sobol:,}",
        f"use at most --n-sobol {2 ** (fits.bit_length() - 1) if fits >= 2 else 0:,}",
    )


def report(
    out: str | Path,
    params: ParameterSet | None = None,
    scenario_files: Sequence[str | Path] | None = None,
    uncertainty: Uncertainty | str | Path | None = None,
    sites: Sequence[str] | None = None,
    n_psa: int = 20_000,
    n_sobol: int = 2**12,
    seed: int = 20121,
    pdf: bool = True,
    title: str | None = None,
    command_line: str | None = None,
    extra_scenarios: dict[str, Scenario] | None = None,
    xlsx: bool = False,
) -> ReportFiles:
    """Write the board report (``report.html`` and ``report.pdf``) into ``out``.

    Parameters
    ----------
    out : path
        Folder to write into (created if needed).
    params : ParameterSet, optional
        Default: the bundled parameters.
    scenario_files : sequence of path, optional
        The user's scenario files, shown beside the report's and the package's.
    uncertainty : Uncertainty or path, optional
        Default: the bundled ``uncertainty/default.yaml``.
    sites : sequence of str, optional
        Sites to report (default: every site with impact data).
    n_psa, n_sobol, seed : int
        Monte Carlo samples, Sobol base samples (a power of two) and the seed.
    pdf : bool
        Also print the PDF (needs Chromium: found on ``PATH`` or named by the
        ``DSC_ECON_CHROMIUM`` environment variable).
    extra_scenarios : dict, optional
        Scenarios built in Python (name -> :class:`~dsc_econ.inputs.scenarios.Scenario`).
    xlsx : bool
        Also write ``report.xlsx``, the economic case as a workbook
        (:mod:`dsc_econ.outputs.workbook`), beside the HTML.

    Returns
    -------
    ReportFiles

    Raises
    ------
    PdfMissingError
        ``pdf=True`` but the PDF could not be printed. The HTML was written (its path is
        the exception's ``html``); the message names the browser path tried and how to
        install or point to one.
    """
    params = params if params is not None else load_parameters()
    if not isinstance(uncertainty, Uncertainty):
        uncertainty = load_uncertainty(uncertainty, params)
    sites = params.check_sites(sites) if sites else params.impact_sites()
    if Path(out).is_dir():
        _owned_files(Path(out))  # refuse a folder of someone else's files up front
    _check_sizes(uncertainty, sites, n_psa, n_sobol)
    user_scenarios: dict[str, Scenario] = {}
    for path in scenario_files or []:
        user_scenarios.update(load_scenarios(path, params))
    user_scenarios.update(extra_scenarios or {})

    a = analyse(params, uncertainty, sites, n_psa, n_sobol, seed, user_scenarios)
    number = itertools.count(1)  # figures are numbered in the order the sections run
    context: dict[str, Any] = {
        "title": title
        or load_narrative(params).get("title", "Costs, benefits and their uncertainty"),
        "subtitle": _subtitle(a),
        **summary_section(a),
        **caveats_section(a),
        **results_figures(a, number),
        **value_of_information_section(a, number),
        **scenarios_section(a),
        **dynamics_section(a, number),
        **ledger_section(a.params, a.sites, number),  # issue 22: who pays
        # the appendix's figures are numbered after the main body's
        **uncertainty_figures(a, number),
        **model_figures(a, number),
        **appendix_section(a, command_line),
    }
    extra = {}
    if xlsx:
        from .workbook import workbook_bytes

        extra["report.xlsx"] = workbook_bytes(a, command_line)
    return write_report(out, render_html(context), pdf, extra)


def _subtitle(a: Analyses) -> str:
    """Under the title: the sites, the date and the price base; never a path (the
    parameter folder is in the reproducibility record at the end)."""
    changed = len(a.params.overridden)
    return (
        f"Sites {', '.join(a.sites)}. Money in {a.headline.price_base.removeprefix('£, ')}"
        f" (£). {_dt.date.today():%d %B %Y}."
        + (
            f" {changed} assumption{'s' if changed != 1 else ''} set differently from "
            "the parameter files (listed in the appendix)."
            if changed
            else ""
        )
    )


def _list(items: Sequence[str], empty: str) -> str:
    if not items:
        return empty
    names = [f"site {i}" for i in items]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
