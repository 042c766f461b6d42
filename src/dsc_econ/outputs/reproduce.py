"""Reproduce the report's economic tables and account for every difference.

Two modes, each a small set of parameter overrides on top of the parameter set in use:

``as_published``
    The report's own arithmetic: the DiD estimates as printed (rounded, Table 7.7) and
    unit values rounded to whole pounds. This is how Table 7.10 was built.
``exact``
    Everything from the counts, nothing rounded until display.

Every computed cell is compared with the printed one within the printed rounding step.
A cell outside it is *flagged*; a flagged cell is *explained* when a listed discrepancy
(``published/discrepancies.yaml``) covers it, and *reproduced* when that discrepancy's
hypothesis, recomputed, gives the printed value. In ``exact`` mode a flagged cell that
``as_published`` matches is explained by the report's rounding.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..inputs.parameters import ParameterSet, load_parameters
from .published import Discrepancy, PublishedTable, load_discrepancies, load_published
from .tables import TABLES, build_table

__all__ = [
    "MODES",
    "ModeResult",
    "Reproduction",
    "compare_table",
    "reproduce",
]

MODES: dict[str, dict[str, Any]] = {
    "as_published": {
        "appraisal.did_source": "reported",
        "appraisal.unit_value_rounding": 1,
    },
    "exact": {"appraisal.did_source": "counts", "appraisal.unit_value_rounding": 0},
}
"""Parameter overrides that define each reproduction mode."""

MODE_DESCRIPTIONS = {
    "as_published": "the report's rounded DiD estimates (Table 7.7) and unit values "
    "rounded to £1, as the report built Table 7.10",
    "exact": "every DiD from the site counts, unit values unrounded",
}

ROUNDING_SHORT = (
    "The report applied DiD estimates rounded to 0.1 percentage point (and unit values "
    "rounded to £1)"
)
ROUNDING = (
    f"{ROUNDING_SHORT}; the as_published mode, which does the same, matches this cell."
)


def _tolerance(step: float) -> float:
    return step / 2.0 * (1.0 + 1e-9) + 1e-12


def compare_table(computed: pd.DataFrame, published: PublishedTable) -> pd.DataFrame:
    """Set a computed table beside a printed one, cell by cell.

    Returns
    -------
    pandas.DataFrame
        One row per printed cell: ``table``, ``row``, ``column``, ``computed``,
        ``published``, ``difference``, ``tolerance`` (half the printed rounding step)
        and ``within`` (True when the computed value rounds to the printed one; for
        printed '-ve' when the computed value is negative).
    """
    rows = []
    for row, column, printed in published.cells():
        step = published.precision_of(column)
        tol = _tolerance(step)
        if row in computed.index and column in computed.columns:
            value = float(computed.at[row, column])
        else:
            value = math.nan
        if isinstance(printed, str):
            sign = {"-ve": -1.0, "+ve": 1.0}.get(printed.strip().rstrip("."))
            within = bool(sign is not None and np.isfinite(value) and value * sign > 0)
            diff = math.nan
        else:
            diff = value - float(printed)
            within = bool(np.isfinite(diff) and abs(diff) <= tol)
        rows.append(
            {
                "table": published.id,
                "row": row,
                "column": column,
                "computed": value,
                "published": printed,
                "difference": diff,
                "tolerance": tol,
                "within": within,
            }
        )
    return pd.DataFrame(rows)


@dataclass
class ModeResult:
    """One mode's parameters, computed tables and cell-by-cell comparison."""

    mode: str
    params: ParameterSet
    tables: dict[str, pd.DataFrame]
    comparison: pd.DataFrame


@dataclass
class Reproduction:
    """Both modes' tables, comparisons and the explained list of differences."""

    results: dict[str, ModeResult]
    published: dict[str, PublishedTable]
    discrepancies: list[Discrepancy]
    notes: list[dict[str, Any]] = field(default_factory=list)

    def differences(self, mode: str | None = None) -> pd.DataFrame:
        """Flagged cells (beyond printed rounding) with their explanations."""
        frames = [
            r.comparison.loc[~r.comparison.within].assign(mode=name)
            for name, r in self.results.items()
            if mode is None or name == mode
        ]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()

    def unexplained(self) -> pd.DataFrame:
        """Flagged cells no discrepancy or rounding accounts for (should be empty)."""
        diffs = self.differences()
        return diffs.loc[diffs.status == "unexplained"] if len(diffs) else diffs

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: ``{mode: {tables: {...}, differences: [...]}, notes}``."""
        out: dict[str, Any] = {}
        for name, result in self.results.items():
            tables: dict[str, Any] = {}
            for tid, frame in result.tables.items():
                entry: dict[str, Any] = {
                    "title": TABLES[tid][0],
                    "units": {
                        "rows": {str(c): u for c, u in frame.attrs.get("units", {}).items()}
                    },
                    "price_year": dict(frame.attrs.get("price_year", {})),
                    "source": frame.attrs.get("source", ""),
                    "rows": _rows_json(frame),
                }
                summary = _summary(tid, frame)
                entry["units"].update(summary.pop("units", {}))
                entry.update(summary)
                tables[tid] = entry
            out[name] = {
                "description": MODE_DESCRIPTIONS.get(name, ""),
                "overrides": {k: _json(v) for k, v in MODES[name].items()},
                "tables": tables,
                "differences": [
                    {k: _json(v) for k, v in rec.items()}
                    for rec in self.differences(name)
                    .drop(columns="mode")
                    .to_dict("records")
                ],
            }
        out["notes"] = self.notes
        out["parameters"] = {
            "source": self.results[next(iter(self.results))].params.source,
            "overridden": list(self.results[next(iter(self.results))].params.overridden),
        }
        return out


def _json(value: Any) -> Any:
    if isinstance(value, (np.floating, float)):
        return None if not np.isfinite(value) else float(value)
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.bool_,)):
        return bool(value)
    if isinstance(value, (list, tuple)):
        return [_json(v) for v in value]
    return value


def _rows_json(frame: pd.DataFrame) -> dict[str, dict[str, Any]]:
    return {
        str(r): {str(c): _json(v) for c, v in row.items()}
        for r, row in frame.to_dict("index").items()
    }


def _summary(table_id: str, frame: pd.DataFrame) -> dict[str, Any]:
    """Stable, documented keys for the most used results (see README, JSON schema).

    Keys follow one convention (``costs``, ``benefits``, ``npv``, ``bcr``); units are in
    the entry's ``units`` block.
    """
    if table_id == "C.6.1":
        pv = frame.loc["pv"]
        return {
            "pv": {
                "short_term": _json(pv.short_term_discounted),
                "long_term": _json(pv.long_term_discounted),
                "expected": _json(pv.expected_discounted),
                "costs": _json(pv.cost_discounted),
                "npv_short_term": _json(pv.short_term_discounted - pv.cost_discounted),
            },
            "units": {"pv": "GBP per client"},
        }
    if table_id == "7.10":
        sites = {}
        for site, row in frame.iterrows():
            benefit = row.get("total_benefit")
            sites[str(site)] = {
                "costs": _json(row.cost),
                "extra_effective": _json(row.get("extra_effective")),
                "extra_completions": _json(row.get("extra_completions")),
                "value_effective": _json(row.get("value_effective")),
                "value_completions": _json(row.get("value_completions")),
                "benefits": _json(benefit),
                "npv": _json(benefit - row.cost) if benefit is not None else None,
                "bcr": _json(row.get("bcr")),
                "benefits_sensitivity": _json(row.get("benefit_sensitivity")),
                "bcr_sensitivity": _json(row.get("bcr_sensitivity")),
            }
        units = dict.fromkeys(next(iter(sites.values()), {}), "GBP thousand")
        units.update(extra_effective="clients", extra_completions="clients")
        units.update(bcr="ratio", bcr_sensitivity="ratio")
        return {"sites": sites, "units": {"sites": units}}
    return {}


def _explain(
    cell: tuple[str, str, str],
    mode: str,
    result: ModeResult,
    published: PublishedTable,
    discrepancies: Sequence[Discrepancy],
    reference: pd.DataFrame | None,
) -> dict[str, Any]:
    table, row, column = cell
    hits = [d for d in discrepancies if cell in d.cells and mode in d.modes]
    if hits:
        testable = [d for d in hits if d.testable]
        reproduced: bool | None = None
        alternative = math.nan
        if testable:
            overrides: dict[str, Any] = {}
            options: dict[str, Any] = {}
            for d in testable:
                overrides.update(d.set)
                options.update(d.options.get(table, {}))
            params = result.params.with_values(overrides, origin="hypothesis")
            alt = build_table(table, params, **options)
            alternative = float(alt.at[row, column])
            printed = published.rows[row][column]
            reproduced = bool(
                abs(alternative - float(printed))
                <= _tolerance(published.precision_of(column))
            )
        return {
            "status": "explained",
            "discrepancies": [d.id for d in hits],
            "explanation": " ".join(f"{d.title}: {d.explanation}" for d in hits),
            "reproduced": reproduced,
            "hypothesis_value": alternative,
        }
    if mode == "exact" and reference is not None:
        match = reference.loc[
            (reference.table == table)
            & (reference.row == row)
            & (reference.column == column)
        ]
        if len(match) and bool(match.within.iloc[0]):
            return {
                "status": "explained",
                "discrepancies": ["report_rounding"],
                "explanation": ROUNDING,
                "reproduced": True,
                "hypothesis_value": float(match.computed.iloc[0]),
            }
        if len(match) and match.status.iloc[0] == "explained":
            rec = match.iloc[0]
            return {
                "status": "explained",
                "discrepancies": ["report_rounding", *rec.discrepancies],
                "explanation": f"{ROUNDING_SHORT}; and as_published: {rec.explanation}",
                "reproduced": rec.reproduced,
                "hypothesis_value": rec.hypothesis_value,
            }
    return {
        "status": "unexplained",
        "discrepancies": [],
        "explanation": "",
        "reproduced": None,
        "hypothesis_value": math.nan,
    }


def _method_notes(
    params: ParameterSet, discrepancies: Iterable[Discrepancy]
) -> list[dict[str, Any]]:
    notes = []
    for d in discrepancies:
        if d.cells:
            continue
        note: dict[str, Any] = {
            "id": d.id,
            "kind": d.kind,
            "title": d.title,
            "explanation": d.explanation,
        }
        if d.set:
            alt = build_table("7.10", params.with_values(d.set, origin=f"note {d.id}"))
            base = build_table("7.10", params)
            note["alternative"] = {k: _json(v) for k, v in d.set.items()}
            note["units"] = {"npv": "GBP thousand"}
            note["npv"] = {
                s: {
                    "default": _json(base.at[s, "total_benefit"] - base.at[s, "cost"]),
                    "alternative": _json(alt.at[s, "total_benefit"] - alt.at[s, "cost"]),
                }
                for s in base.index
                if np.isfinite(base.at[s, "total_benefit"])
            }
        notes.append(note)
    return notes


def reproduce(
    params: ParameterSet | None = None,
    tables: Sequence[str] | None = None,
    modes: Sequence[str] = ("as_published", "exact"),
) -> Reproduction:
    """Compute the report's tables in each mode and compare them with the printed ones.

    Parameters
    ----------
    params : ParameterSet, optional
        Defaults to the bundled parameters. Overrides the user made are kept; each mode
        then sets ``appraisal.did_source`` and ``appraisal.unit_value_rounding``.
    tables : sequence of str, optional
        Table ids (default: all of :data:`dsc_econ.outputs.tables.TABLES`).
    modes : sequence of str
        Any of ``'as_published'`` and ``'exact'``.

    Returns
    -------
    Reproduction
    """
    base = params if params is not None else load_parameters()
    published = load_published()
    discrepancies = load_discrepancies()
    ids = list(tables) if tables is not None else list(TABLES)
    for tid in ids:
        if tid not in TABLES:
            raise KeyError(f"unknown table {tid!r}; known: {list(TABLES)}")
    unknown = [m for m in modes if m not in MODES]
    if unknown:
        raise KeyError(f"unknown mode(s) {unknown}; known: {list(MODES)}")
    # as_published first (and always when exact is asked for): exact-mode
    # explanations refer to it.
    order = sorted(
        set(modes) | ({"as_published"} if "exact" in modes else set()),
        key=lambda m: m != "as_published",
    )
    results: dict[str, ModeResult] = {}
    for mode in order:
        p = base.with_values(MODES[mode], origin=f"mode {mode}")
        built = {tid: build_table(tid, p) for tid in ids}
        parts = [compare_table(built[t], published[t]) for t in ids if t in published]
        comparison = pd.concat(parts, ignore_index=True)
        result = ModeResult(mode, p, built, comparison)
        reference = (
            results["as_published"].comparison if "as_published" in results else None
        )
        explained = [
            _explain(
                (r.table, r.row, r.column),
                mode,
                result,
                published[r.table],
                discrepancies,
                reference,
            )
            if not r.within
            else {
                "status": "ok",
                "discrepancies": [],
                "explanation": "",
                "reproduced": None,
                "hypothesis_value": math.nan,
            }
            for r in comparison.itertuples()
        ]
        for key in (
            "status",
            "discrepancies",
            "explanation",
            "reproduced",
            "hypothesis_value",
        ):
            comparison[key] = [e[key] for e in explained]
        results[mode] = result
    ordered = {m: results[m] for m in modes}
    notes = _method_notes(ordered.get("exact", ordered[modes[0]]).params, discrepancies)
    return Reproduction(ordered, published, discrepancies, notes)


def format_value(value: Any, unit: str, step: float) -> str:
    """Format a number as printed: percentages for proportions, separators for money."""
    if isinstance(value, str):
        return value
    if value is None or not np.isfinite(value):
        return ""
    if unit.startswith("proportion") and step < 0.1:
        decimals = max(0, round(-math.log10(step)) - 2)
        return (
            f"{value * 100:+.{decimals}f}%"
            if unit == "proportion_change"
            else f"{value * 100:.{decimals}f}%"
        )
    decimals = max(0, round(-math.log10(step))) if step < 1 else 0
    return f"{value:,.{decimals}f}"


def render(reproduction: Reproduction, mode: str, width: int | None = None) -> str:
    """Plain-text report of one mode: each table, flagged cells keyed to their notes.

    Tables wider than ``width`` (default: the terminal's) are split into column blocks
    that repeat the row labels; column headings carry their units; notes wrap.
    """
    from .terminal import frame_text, terminal_width, with_units, wrap

    width = width or terminal_width()
    result = reproduction.results[mode]
    lines = [
        wrap(f"=== Mode: {mode} — {MODE_DESCRIPTIONS.get(mode, '')}", width, "", "    "),
        wrap(
            "Each cell shows the computed value rounded as printed. Where that differs "
            "from the printed figure, the printed one follows in brackets with the "
            "letter of the note that explains it.",
            width,
        ),
        "",
    ]
    for tid in result.tables:
        pub = reproduction.published.get(tid)
        if pub is None:
            continue
        cmp = result.comparison.loc[result.comparison.table == tid]
        columns = list(dict.fromkeys(c for r in pub.rows.values() for c in r))
        grid = pd.DataFrame("", index=list(pub.rows), columns=columns)
        keys: dict[tuple[str, ...], str] = {}
        cells: dict[str, list[str]] = {}
        for r in cmp.itertuples():
            unit, step = pub.unit_of(r.column), pub.precision_of(r.column)
            text = format_value(r.computed, unit, step)
            if not r.within:
                ids = tuple(r.discrepancies) or ("UNEXPLAINED",)
                key = keys.setdefault(ids, chr(ord("A") + len(keys)))
                text += f" [{format_value(r.published, unit, step)}] ({key})"
                verdict = (
                    {True: "reproduced", False: "NOT reproduced", None: "no hypothesis"}[
                        r.reproduced
                    ]
                    if r.status == "explained"
                    else "UNEXPLAINED"
                )
                alt = (
                    f", hypothesis {format_value(r.hypothesis_value, unit, step)}"
                    if np.isfinite(r.hypothesis_value)
                    else ""
                )
                cells.setdefault(key, []).append(
                    f"{r.row}/{r.column}: computed {format_value(r.computed, unit, step)}, "
                    f"printed {format_value(r.published, unit, step)}{alt} ({verdict})"
                )
                cells.setdefault(f"{key}:text", [r.explanation or "No explanation found."])
            grid.at[r.row, r.column] = text
        flagged = int((~cmp.within).sum())
        lines.append(
            wrap(
                f"--- Table {tid}: {pub.title}  ({len(cmp)} cells, {flagged} beyond "
                "rounding)",
                width,
                "",
                "    ",
            )
        )
        units = {c: pub.unit_of(c) for c in columns}
        lines.append(frame_text(with_units(grid, units), width))
        for ids, key in keys.items():
            lines.append(
                wrap(
                    f"({key}) [{', '.join(ids)}] {cells[f'{key}:text'][0]}",
                    width,
                    "  ",
                    "      ",
                )
            )
            lines.extend(wrap(c, width, "      ", "        ") for c in cells[key])
        lines.append("")
    return "\n".join(lines)


def render_notes(reproduction: Reproduction, width: int | None = None) -> str:
    """Method notes: inconsistencies that do not show as a single printed cell."""
    from .terminal import terminal_width, wrap

    width = width or terminal_width()
    lines = ["=== Notes on the report's method (not single-cell differences)"]
    for i, note in enumerate(reproduction.notes, 1):
        lines.append(wrap(f"N{i}. {note['title']}: {note['explanation']}", width, "  ",
                          "      "))
        if "npv" in note:
            alt = ", ".join(f"{k}={v}" for k, v in note["alternative"].items())
            lines.append(
                wrap(f"With {alt}, NPV (£k, exact mode) by site:", width, "      ")
            )
            for site, v in note["npv"].items():
                lines.append(
                    f"        site {site}: {v['default']:,.0f} -> {v['alternative']:,.0f}"
                )
    return "\n".join(lines)


def summary_frame(reproduction: Reproduction) -> pd.DataFrame:
    """Cells compared, matched and flagged per table and mode."""
    rows = []
    for mode, result in reproduction.results.items():
        for tid, cmp in result.comparison.groupby("table", sort=False):
            rows.append(
                {
                    "mode": mode,
                    "table": tid,
                    "cells": len(cmp),
                    "within_rounding": int(cmp.within.sum()),
                    "explained": int((cmp.status == "explained").sum()),
                    "reproduced": int((cmp.reproduced == True).sum()),  # noqa: E712
                    "unexplained": int((cmp.status == "unexplained").sum()),
                }
            )
    return pd.DataFrame(rows)
