"""Who pays and who saves, for a reader: terminal tables, plain sentences, the report's
section and its chart.

Everything here reads the ledger Dataset of :func:`dsc_econ.model.ledger.ledger`
(point values) and only formats it: the numbers are the ledger's, which add up to the
appraisal's totals, so the story is the same in every view.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr
from markupsafe import Markup, escape

from ..model.ledger import (
    NO_COST,
    NO_PAYBACK,
    agency_table,
    budget_table,
    perspective_table,
    value_type_table,
)
from .formatting import format_money
from .terminal import (
    format_cells,
    format_number,
    frame_text,
    kinds_from_units,
    with_units,
    wrap,
)

__all__ = [
    "BY",
    "ledger_chart",
    "ledger_csv",
    "ledger_payload",
    "ledger_section",
    "ledger_sentences",
    "ledger_text",
    "payback_heading",
    "payback_text",
    "reader_names",
]

BY = ("agency", "value-type")
"""The views ``dsc-econ appraise --by`` offers."""
WIDTH = 80


def payback_text(year: int, label: Any = None) -> str:
    """A payback year in words: ``year 3 (2028-29)``, ``no cost`` or ``not repaid``."""
    year = int(year)
    if year == NO_COST:
        return "no cost"
    if year == NO_PAYBACK:
        return "not repaid"
    return f"year {year}" + (f" ({label(year)})" if label else "")


def _label(params: Any) -> Any:
    if params is None:
        return None
    from ..inputs.project import project_start, year_label

    return (lambda y: year_label(params, y)) if project_start(params) else None


def basis(ds: xr.Dataset, params: Any = None) -> str:
    """The units, price base and discounting of every ledger figure, in one sentence."""
    parts = ["£ thousand, present values"]
    if params is not None:
        rate = params.get("discounting.rate")
        price = params.meta("harms.untreated.total").price_year or "not stated"
        costs = (
            "discounted like the benefits"
            if bool(np.all(params["appraisal.discount_costs"]))
            else "undiscounted, as Table 7.10 adds them (discounted in the budget "
            "impact and payback)"
        )
        parts.append(
            f"benefits discounted at {float(rate):.1%} a year"
            if rate is not None
            else "benefits discounted"
        )
        parts.append(f"costs {costs}")
        parts.append(f"harm values at prices: {price}")
    parts.append(f"additionality: {ds.attrs.get('additionality', 'none')}")
    return "; ".join(parts)


def reader_names(ids: Any, labels: Any) -> list[str]:
    """What a reader sees for each id: its label, or ``label (id)`` where two ids
    share a label (ids stay in ``--json`` / ``--csv``).

    Examples
    --------
    >>> reader_names(["nhs", "a", "b"], ["NHS", "Trust", "Trust"])
    ['NHS', 'Trust (a)', 'Trust (b)']
    """
    ids, labels = [str(i) for i in ids], [str(x) for x in labels]
    return [
        f"{lab} ({i})" if labels.count(lab) > 1 else lab
        for i, lab in zip(ids, labels, strict=True)
    ]


_AGENCY_COLUMNS = {
    "cost": "cost",
    "cashable": "cashable",
    "non_cashable": "non-cash",
    "economic": "economic",
    "social": "social",
    "net": "net",
    "budget_impact": "budget",
}
"""Columns of the ``--by agency`` table and their short headings."""


def _money(frame: pd.DataFrame) -> pd.DataFrame:
    """Money columns (£ thousand) headed with their unit, thousands separated, one
    precision for the table (the terminal rule of :mod:`.terminal`)."""
    shown = with_units(frame, dict.fromkeys(frame.columns, "GBP thousand"))
    return format_cells(shown, dict.fromkeys(shown.columns, "money"), together=True)


def payback_heading(ds: xr.Dataset, params: Any = None) -> str:
    """The definition of an agency's payback, and how it differs from the headline's
    payback (which ``appraise`` prints above it), in one sentence."""
    label = _label(params)
    first = f" (year 1 = {label(1)})" if label else ""
    differs = "only the agency's budget (fiscal) lines count, not all values"
    if params is not None and not bool(np.all(params["appraisal.discount_costs"])):
        differs += ", and its costs are discounted where the headline's are not"
    return (
        f"Payback: the first project year{first} from which the agency's cumulative "
        "budget impact stays >= 0, savings and costs both present values, on the "
        f"appraised cohort's yearly flows; unlike the headline payback, {differs}:"
    )


def ledger_text(ds: xr.Dataset, by: str, params: Any = None, width: int = WIDTH) -> str:
    """The ``appraise --by agency`` / ``--by value-type`` view, at most ``width`` wide.

    Agencies and value types are named by their labels in the vocabulary
    (``agencies.yaml``); their ids are the keys of ``--json`` and ``--csv``.
    """
    if by not in BY:
        raise ValueError(f"by must be one of {BY}, got {by!r}")
    out = [wrap(f"Who pays and who saves ({basis(ds, params)}).", width)]
    if by == "agency":
        table = agency_table(ds)
        names = dict(
            zip(table.index, reader_names(table.index, table["label"]), strict=True)
        )
        shown = table[list(_AGENCY_COLUMNS)].rename(columns=_AGENCY_COLUMNS)
        shown.index = pd.Index([names[a] for a in table.index], name="agency")
        out.append(
            "By agency (cashable / non-cash: fiscal savings; budget: fiscal values "
            "less costs, both present values):"
        )
        out.append(frame_text(_money(shown), width=width))
        mixed = table.index[~np.isclose(table["cost"], table["cost_pv"], rtol=0, atol=1e-9)]
        if len(mixed):
            pv = "; ".join(
                f"{names[a]} {format_number(table.loc[a, 'cost_pv'])} against "
                f"{format_number(table.loc[a, 'cost'])} cash"
                for a in mixed
            )
            out.append(
                f"Costs as present values in the budget column (£k): {pv}; the cost "
                "column, the net and the perspectives add them undiscounted, as the "
                "appraisal does."
            )
        label = _label(params)
        out.append(payback_heading(ds, params))
        for agency, row in table.iterrows():
            out.append(
                wrap(
                    f"{names[agency]}: {payback_text(row['payback_year'], label)}",
                    width,
                    "  ",
                    "    ",
                )
            )
        budget = budget_table(ds)
        if budget.shape[1]:
            everyone = reader_names(ds.agency.values, ds.agency_label.values)
            labels = dict(zip(ds.agency.values, everyone, strict=True))
            budget.columns = [labels[a] for a in budget.columns]
            kinds = dict.fromkeys(budget.columns, "money")
            out.append(
                "Net present budget impact by year (£k, fiscal lines; savings and costs "
                "both present values):"
            )
            out.append(frame_text(format_cells(budget, kinds, together=True), width=width))
    else:
        table = value_type_table(ds)
        money = _money(table[["benefit", "cost", "net"]])
        counted = table[["fiscal", "economic", "social"]].map(lambda v: "yes" if v else "-")
        shown = pd.concat([money, counted], axis=1)
        names = reader_names(ds.value_type.values, ds.value_type_label.values)
        lookup = dict(zip(ds.value_type.values, names, strict=True))
        shown.index = pd.Index([lookup[v] for v in table.index], name="value type")
        out.append("By value type (the perspectives that count each):")
        out.append(frame_text(shown, width=width))
    persp = perspective_table(ds)
    units = persp.attrs["units"]
    shown = with_units(persp, units)
    shown = format_cells(
        shown, kinds_from_units(dict(zip(shown.columns, units.values(), strict=True)))
    )
    out.append(
        "By perspective (fiscal: public budgets; economic: + economic values; "
        "social: all values):"
    )
    out.append(frame_text(shown, width=width))
    return "\n".join(wrap(x, width) if "\n" not in x and len(x) > width else x for x in out)


def _num(value: Any) -> float | int | None:
    v = float(value)
    if not np.isfinite(v):
        return None
    return int(v) if isinstance(value, (int, np.integer)) else v


def ledger_payload(ds: xr.Dataset) -> dict[str, Any]:
    """The ledger for ``--json``: agencies, value types and perspectives; no NaN (a
    missing ratio is null)."""
    agencies = agency_table(ds)
    budget = ds.budget_impact
    return {
        "units": "GBP thousand (present values); payback_year: project year, 0 = bears "
        "no cost, -1 = not repaid within the years",
        "additionality": ds.attrs.get("additionality"),
        "budget_basis": "budget_impact, budget_impact_by_year, cost_pv and "
        "payback_year: " + str(ds.attrs.get("budget_basis", "present values")),
        "harm_split": ds.attrs.get("harm_split"),
        "agencies": {
            str(a): {
                **{k: (str(v) if k == "label" else _num(v)) for k, v in row.items()},
                "budget_impact_by_year": [_num(x) for x in budget.sel(agency=a).values],
            }
            for a, row in agencies.iterrows()
        },
        "value_types": {
            str(v): {
                k: (bool(x) if isinstance(x, (bool, np.bool_)) else _num(x))
                for k, x in row.items()
            }
            for v, row in value_type_table(ds).iterrows()
        },
        "perspectives": {
            str(p): {k: _num(x) for k, x in row.items()}
            for p, row in perspective_table(ds).iterrows()
        },
    }


def ledger_sentences(ds: xr.Dataset, params: Any = None) -> list[str]:
    """Who pays and who saves in plain words, one sentence per agency with a line."""
    years = int(ds.sizes["year"])
    label = _label(params)
    out = []
    for _agency, row in agency_table(ds).iterrows():
        name = row["label"]
        saved = row["cashable"] + row["non_cashable"]
        other = row["economic"] + row["social"]
        bits = []
        if row["cost"] > 0:
            bits.append(f"pays {format_money(row['cost'])}")
        if saved:
            verb = "saves" if saved > 0 else "loses"
            if row["non_cashable"] == 0:
                kind = "in cash (cashable)"
            elif row["cashable"] == 0:
                kind = (
                    "as freed capacity (non-cashable)"
                    if saved > 0
                    else "as added demand on its services (non-cashable)"
                )
            else:
                kind = f"({format_money(row['cashable'])} of it cashable)"
            bits.append(f"{verb} {format_money(abs(saved))} {kind}")
        if other:
            verb = "gains" if other > 0 else "loses"
            bits.append(f"{verb} {format_money(abs(other))} of economic and social value")
        text = f"{name} " + ", ".join(bits) + f" over {years} years"
        if row["cost"] > 0:
            text += f"; payback: {payback_text(row['payback_year'], label)}"
        out.append(text + ".")
    return out


def ledger_chart(ds: xr.Dataset, params: Any = None) -> Any:
    """Stacked bars by agency over the years: savings above the axis, costs below
    (negative), so the costs stay visible beside larger savings; both present values
    (the budget impact's basis)."""
    from .figures import STYLE, plt

    table = agency_table(ds)
    years = ds.year.values
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(8, 4.2))
    colours = plt.get_cmap("tab10")
    up = np.zeros(len(years))
    down = np.zeros(len(years))
    for k, agency in enumerate(table.index):
        ben = ds.benefit.sel(agency=agency).sum(("value_type", "site")).values
        cost = ds.cost_pv_by_year.sel(agency=agency).values  # present values
        net_in = np.where(ben > 0, ben, 0.0)
        net_out = np.where(ben < 0, ben, 0.0) - cost
        c = colours(k % 10)
        name = table.loc[agency, "label"]
        if np.any(net_in):
            ax.bar(years, net_in, bottom=up, color=c, label=f"{name}: saves")
            up += net_in
        if np.any(net_out):
            ax.bar(
                years,
                net_out,
                bottom=down,
                color=c,
                hatch="//",
                alpha=0.8,
                edgecolor="white",
                label=f"{name}: pays or loses",
            )
            down += net_out
    ax.axhline(0, color="black", linewidth=0.8)
    span = max(float(np.max(up)), float(-np.min(down)), 1.0)
    small = max(float(np.max(np.abs(ds.cost_pv_by_year.sum("agency")))), 1e-9)
    if span / small > 20:
        ax.set_yscale("symlog", linthresh=small)
    label = _label(params)
    ax.set_xticks(years)
    ax.set_xticklabels(
        [label(y) if label else str(y) for y in years], rotation=45, fontsize=7
    )
    ax.set_xlabel("project year")
    ax.set_ylabel("£ thousand (present value)")
    ax.legend(fontsize=7, loc="best")
    fig.tight_layout()
    return fig


def ledger_section(params: Any, sites: Any, number: Iterator[int]) -> dict[str, Any]:
    """The report's "who pays, who saves" section as one block of HTML
    (``ledger_html``): sentences, the table, the perspectives and the chart."""
    from ..model.ledger import ledger
    from .figures import to_png

    if not any(str(k).startswith("ledger.") for k in params):
        return {
            "ledger_html": Markup(
                '<section id="ledger"><h2>Who pays, who saves</h2><p>This parameter '
                "folder has no ledger (ledger/harms.yaml, ledger/costs.yaml), so costs "
                "and savings are not assigned to agencies. Copy parameters/ledger/ from "
                "the bundled parameters to add it.</p></section>"
            )
        }
    ds = ledger(params, sites)
    import base64

    png = base64.b64encode(to_png(ledger_chart(ds, params))).decode("ascii")
    fig_no = next(number)
    table = agency_table(ds)
    label = _label(params)
    rows = "".join(
        '<tr><td class="text">{}</td>{}<td>{}</td></tr>'.format(
            escape(r["label"]),
            "".join(
                f"<td>{escape(format_money(r[c], signed=c in ('net', 'budget_impact')))}"
                "</td>"
                for c in (
                    "cost",
                    "cashable",
                    "non_cashable",
                    "economic",
                    "social",
                    "net",
                    "budget_impact",
                )
            ),
            escape(payback_text(r["payback_year"], label)),
        )
        for _, r in table.iterrows()
    )
    persp = perspective_table(ds)
    prow = "".join(
        '<tr><td class="text">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>'
        "<td>{}</td></tr>".format(
            escape(p),
            escape(format_money(r["benefit"])),
            escape(format_money(r["cost"])),
            escape(format_money(r["npsv"], signed=True)),
            "n/a" if not np.isfinite(r["bcr"]) else f"{r['bcr']:.2f}",
            "n/a" if not np.isfinite(r["roi"]) else f"{r['roi']:.2f}",
        )
        for p, r in persp.iterrows()
    )
    words = "".join(f"<li>{escape(s)}</li>" for s in ledger_sentences(ds, params))
    html = f"""
<section id="ledger">
<h2>Who pays, who saves</h2>
<p>{escape(basis(ds, params))}. Every cost and benefit of the appraisal is booked to
the agency that bears or receives it and to its value type: fiscal (a public budget;
cashable when cash can be released, non-cashable when capacity is freed), economic or
social. The lines add up to the appraisal's totals. How the harms are split:
{escape(ds.attrs.get("harm_split_text", ds.attrs.get("harm_split", "")))}
(the appendix's assumptions list the sources and the assumptions made).</p>
<ul>{words}</ul>
<table class="numbers">
<thead><tr><th class="text">Agency</th><th>Pays</th><th>Saves, cashable</th>
<th>Saves, non-cashable</th><th>Economic value</th><th>Social value</th><th>Net</th>
<th>Budget impact</th><th>Payback</th></tr></thead>
<tbody>{rows}</tbody></table>
<p>Fiscal, economic and social results side by side (fiscal: public budgets only;
economic: plus economic values; social: all values):</p>
<table class="numbers">
<thead><tr><th class="text">Perspective</th><th>Benefits</th><th>Costs</th><th>NPSV</th>
<th>BCR</th><th>ROI</th></tr></thead>
<tbody>{prow}</tbody></table>
<figure id="fig-ledger"><img src="data:image/png;base64,{png}"
alt="savings and costs by agency and year">
<figcaption>Figure {fig_no}. Savings (solid, above the axis) and costs or losses
(hatched, below) of each agency by project year, £ thousand, present values. Payback
is the first year from which an agency's cumulative budget impact (fiscal values less
the costs it bears, {escape(ds.attrs.get("budget_basis", "present values"))}) stays at
or above zero, on the appraised cohort's yearly flows.
</figcaption></figure>
</section>
"""
    return {"ledger_html": Markup(html)}


def ledger_csv(ds: xr.Dataset, by: str) -> str:
    """The ``--by`` table as CSV (cells escaped against formulas): per agency with its
    budget impact by year (``budget_year_1`` ...), or per value type, followed by no
    other table; the perspectives are in ``--json``."""
    from ..inputs.safety import write_csv

    if by == "agency":
        table = agency_table(ds)
        budget = budget_table(ds)
        for a in table.index:
            for y in ds.year.values:
                col = f"budget_year_{int(y)}"
                if col not in table:
                    table[col] = 0.0
                table.loc[a, col] = float(budget.loc[y, a]) if a in budget.columns else 0.0
        return write_csv(table)
    if by == "value-type":
        return write_csv(value_type_table(ds))
    raise ValueError(f"by must be one of {BY}, got {by!r}")
