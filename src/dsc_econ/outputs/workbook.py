"""The economic case as an Excel workbook, beside the board paper (``report --xlsx``).

One sheet per table of the paper: the headline (the same numbers as the paper's, from
:func:`dsc_econ.outputs.headline.headline`), the sites, the cash flows over time (base
case and the alternative view, each labelled with its assumption), the sensitivity
analyses, the scenarios, every assumption with its source, and a sheet stating the
package version, the parameters and the seed. Units and the price base are in the
column headers; numbers are written as numbers (a missing value as an empty cell, never
NaN or infinity); every text cell is written as text and escaped against formulas
(:func:`dsc_econ.inputs.safety.escape_cell`), so nothing in a parameter file can run as
a formula. A by-agency sheet is added when the ledger of issue 22 (``model.ledger``)
exists (:func:`by_agency_sheet`, the hook).
"""

from __future__ import annotations

import io
import math
from typing import Any

import numpy as np
import pandas as pd

from ..inputs.safety import escape_cell
from . import headline as hl

__all__ = ["SHEETS", "by_agency_sheet", "workbook_bytes", "workbook_sheets"]

SHEETS = (
    "Headline",
    "Sites",
    "Over time",
    "Sensitivity",
    "Scenarios",
    "Assumptions",
    "About",
)
"""Sheet names in order (``By agency`` goes after ``Over time`` when it exists)."""


def _units(a: Any) -> tuple[str, str]:
    """Heading units: money in £ thousand with the price base, and its short form."""
    return hl.money_unit(a.params, "thousand"), hl.price_base(a.params)


def _number(value: Any) -> float | None:
    """A finite float, or None (an empty cell) for NaN, infinity or no value."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def headline_sheet(a: Any) -> pd.DataFrame:
    """The paper's headline table with the Monte Carlo intervals and probabilities."""
    k, _ = _units(a)
    h = a.headline.table
    sites = list(a.sites)
    net = (a.mc.total_benefit - a.mc.cost).sel(site=sites)
    low = [*a.mc.npv_low.sel(site=sites).values, np.percentile(net.sum("site"), 5)]
    high = [*a.mc.npv_high.sel(site=sites).values, np.percentile(net.sum("site"), 95)]
    prob = [
        *a.mc.prob_bcr_gt_1.sel(site=sites).values,
        hl.programme_probability(a.mc, sites),
    ]
    return pd.DataFrame(
        {
            "Site": [
                f"Site {s}" if s != hl.PROGRAMME else "Programme (all sites)"
                for s in h.index
            ],
            f"Benefits ({k})": h.benefit.values,
            f"Costs ({k})": h.cost.values,
            f"NPSV ({k})": h.npsv.values,
            f"NPSV 5th percentile ({k})": low,
            f"NPSV 95th percentile ({k})": high,
            "BCR (benefits / costs)": h.bcr.values,
            "BCR note": [
                "negative benefits: the ratio has no meaningful size" if b < 0 else ""
                for b in h.benefit.values
            ],
            "P(BCR > 1) (share of Monte Carlo samples)": prob,
            "Payback year (project year; empty: none)": [
                p if p > 0 else None for p in h.payback.values
            ],
            "Payback (financial year)": h.payback_text.values,
        }
    )


_DID = "change against the comparison area (share of clients in treatment)"


def sites_sheet(a: Any) -> pd.DataFrame:
    """Per site: the measured impact and the clients and values behind its benefits."""
    k, _ = _units(a)
    p = a.point.sel(site=list(a.sites))
    return pd.DataFrame(
        {
            "Site": [f"Site {s}" for s in a.sites],
            f"Effective treatment: {_DID}": p.did_effective.values,
            f"Successful completions: {_DID}": p.did_completions.values,
            "Clients in treatment (people)": p.clients_in_treatment.values,
            "Extra clients in effective treatment (people)": p.extra_effective.values,
            "Extra successful completions (people)": p.extra_completions.values,
            f"Value of the extra effective treatment ({k})": p.value_effective.values,
            f"Value of the extra completions ({k})": p.value_completions.values,
            f"Benefits ({k})": p.total_benefit.values,
            f"Costs ({k})": p.cost.values,
        }
    )


def over_time_sheet(a: Any) -> pd.DataFrame:
    """Cash flows per site and year: the base case and the alternative view, side by
    side, each column headed with the view it belongs to."""
    from ..model.cashflow import cashflow

    k, _ = _units(a)
    single = a.params.with_values({"cashflow.benefits": "single_cohort"}, origin="xlsx")
    views = {
        "base case": cashflow(single, a.sites),
        "alternative view": cashflow(a.params, a.sites),
    }
    base = views["base case"]
    frames = []
    for site in [str(s) for s in base.site.values]:
        part = {
            "Site": "Programme (all sites)" if site == "all" else f"Site {site}",
            "Project year": base.year.values,
            "Financial year": base.year_label.values,
        }
        for view, cf in views.items():
            one = cf.sel(site=site)
            part[f"Costs, {view} ({k})"] = one.cost.values
            part[f"Benefits, {view} ({k})"] = one.benefit.values
            part[f"Cumulative discounted net, {view} ({k})"] = (
                one.cumulative_net_discounted.values
            )
        frames.append(pd.DataFrame(part))
    frame = pd.concat(frames, ignore_index=True)
    frame.attrs["note"] = (
        f"Base case: {hl.BASE_CASE}. Alternative view: {hl.alternative_label(a.params)}."
    )
    return frame


def sensitivity_sheet(a: Any) -> pd.DataFrame:
    """One-way analysis: each input at its 5th and 95th percentile, per site."""
    from .report import input_words, oneway_ranges

    k, _ = _units(a)
    ranges = oneway_ranges(a)
    rows = []
    for site in a.sites:
        ow = a.oneway.sel(site=site)
        for parameter in ow.swing.to_series().sort_values(ascending=False).index:
            sel = ow.sel(parameter=parameter)
            rows.append(
                {
                    "Site": f"Site {site}",
                    "Input": input_words(str(parameter)),
                    "Moved over (5th to 95th percentile)": ranges.get(str(parameter), ""),
                    f"NPSV at 5th ({k})": float(sel.npv.sel(bound="low")),
                    f"NPSV at 95th ({k})": float(sel.npv.sel(bound="high")),
                    f"Swing ({k})": float(sel.swing),
                    "BCR at 5th": float(sel.bcr.sel(bound="low")),
                    "BCR at 95th": float(sel.bcr.sel(bound="high")),
                }
            )
    return pd.DataFrame(rows)


def scenarios_sheet(a: Any) -> pd.DataFrame:
    """NPSV and BCR of every site under every named scenario."""
    k, _ = _units(a)
    scen = a.scenarios
    rows = []
    for name in [str(n) for n in scen.scenario.values]:
        for site in a.sites:
            rows.append(
                {
                    "Scenario": "base case" if name == "base" else name.replace("_", " "),
                    "What it assumes": str(scen.description.sel(scenario=name).item()),
                    "Site": f"Site {site}",
                    f"NPSV ({k})": float(scen.npv.sel(scenario=name, site=site)),
                    "BCR": float(scen.bcr.sel(scenario=name, site=site)),
                }
            )
    return pd.DataFrame(rows)


def assumptions_sheet(a: Any) -> pd.DataFrame:
    """Every parameter with its value, unit, price year and full source."""
    from .report import _parameters_table

    rows = _parameters_table(a.params, a.uncertainty, a.sites)
    values = []
    for r in rows:
        raw = a.params[r["name"]]
        number = _number(raw) if not isinstance(raw, bool | str | list) else None
        meta = a.params.meta(r["name"])
        values.append(
            {
                "Parameter": r["name"],
                "Value (number)": number,
                "Value (as given)": r["value"]
                if number is None or meta.comparator
                else None,
                "Unit": r["unit"],
                "Price year": str(meta.price_year or ""),
                "Source": r["source"],
                "Varied / changed": r["varied"],
            }
        )
    return pd.DataFrame(values)


def about_sheet(a: Any, command_line: str | None = None) -> pd.DataFrame:
    """Package version, parameter set, seed and sample sizes: enough to rebuild it."""
    import datetime as _dt
    import sys

    from .._version import __version__
    from ..sensitivity.distributions import parameter_hash

    items = [
        ("Package", f"dsc_econ {__version__}"),
        ("Parameter set hash", parameter_hash(a.params)),
        ("Parameter folder", str(a.params.source)),
        ("Assumptions changed for this run", ", ".join(a.params.overridden) or "none"),
        ("Uncertainty file", str(a.uncertainty.source)),
        ("Uncertainty digest", str(a.uncertainty.digest)),
        ("Seed", a.seed),
        ("Monte Carlo samples", a.n_psa),
        ("Sobol model runs", int(a.sobol.attrs.get("rows", 0))),
        ("Sites", ", ".join(a.sites)),
        ("Price base", a.headline.price_base),
        ("Base case", hl.BASE_CASE),
        ("Payback", hl.PAYBACK_DEFINITION),
        ("Alternative view", hl.alternative_label(a.params)),
        ("Command", command_line or " ".join(sys.argv)),
        ("Generated", _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M UTC")),
    ]
    return pd.DataFrame(items, columns=["Item", "Value"])


def by_agency_sheet(a: Any) -> pd.DataFrame | None:
    """Who pays and who saves, per agency, when the ledger (issue 22) exists.

    The hook: None until ``dsc_econ.model.ledger`` provides
    ``agency_table(params, sites) -> DataFrame`` (money in £ thousand); then its table
    becomes the ``By agency`` sheet. Its errors are not hidden.
    """
    try:
        from ..model import ledger  # type: ignore[attr-defined]
    except ImportError:
        return None
    build = getattr(ledger, "agency_table", None)
    if build is None:
        return None
    frame = build(ledger.ledger(a.params, a.sites))
    return frame.reset_index() if isinstance(frame, pd.DataFrame) else None


def workbook_sheets(a: Any, command_line: str | None = None) -> dict[str, pd.DataFrame]:
    """Every sheet of the workbook as a DataFrame, in order (name -> table)."""
    sheets = {
        "Headline": headline_sheet(a),
        "Sites": sites_sheet(a),
        "Over time": over_time_sheet(a),
    }
    agency = by_agency_sheet(a)
    if agency is not None:
        sheets["By agency"] = agency
    sheets.update(
        {
            "Sensitivity": sensitivity_sheet(a),
            "Scenarios": scenarios_sheet(a),
            "Assumptions": assumptions_sheet(a),
            "About": about_sheet(a, command_line),
        }
    )
    return sheets


def workbook_bytes(a: Any, command_line: str | None = None) -> bytes:
    """The workbook (.xlsx) as bytes, for the report's staging folder.

    Numbers are written as numbers (NaN and infinity as empty cells); text with
    ``write_string`` after :func:`~dsc_econ.inputs.safety.escape_cell`, so it is never
    read as a formula. Row 1 holds the headers (units and price base), frozen; a sheet
    with a note (the over-time views) carries it in the row under the table.
    """
    import xlsxwriter

    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf, {"in_memory": True})
    head = book.add_format({"bold": True, "text_wrap": True, "valign": "top"})
    for name, frame in workbook_sheets(a, command_line).items():
        sheet = book.add_worksheet(name)
        for c, column in enumerate(frame.columns):
            sheet.write_string(0, c, str(escape_cell(str(column))), head)
            sheet.set_column(c, c, min(max(12, len(str(column)) // 2), 48))
        for r, row in enumerate(frame.itertuples(index=False), start=1):
            for c, value in enumerate(row):
                _write(sheet, r, c, value)
        sheet.freeze_panes(1, 0)
        note = frame.attrs.get("note")
        if note:
            sheet.write_string(len(frame) + 2, 0, str(escape_cell(note)))
    book.close()
    return buf.getvalue()


def _write(sheet: Any, row: int, col: int, value: Any) -> None:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        sheet.write_blank(row, col, None)
    elif isinstance(value, bool | np.bool_):
        sheet.write_boolean(row, col, bool(value))
    elif isinstance(value, int | float | np.integer | np.floating):
        number = _number(value)
        if number is None:
            sheet.write_blank(row, col, None)
        else:
            sheet.write_number(row, col, number)
    else:
        sheet.write_string(row, col, str(escape_cell(str(value))))
