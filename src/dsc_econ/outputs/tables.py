"""The report's tables, computed from the parameters, laid out as printed.

Each builder takes a :class:`~dsc_econ.inputs.parameters.ParameterSet` (point values) and
returns a DataFrame whose row and column ids are those of the matching file in
``published/``, so the two can be set side by side. :data:`TABLES` maps table ids to
builders; it is how ``dsc-econ reproduce`` finds them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd

from ..inputs.parameters import ParameterSet
from ..inputs.scenarios import load_scenarios
from ..model.appraisal import appraisal_table, appraise
from ..model.impact import MEASURES, did_from_counts, site_counts
from ..model.tree import completion_coefficients
from ..model.valuation import table_c61, unit_values
from .context_tables import CONTEXT_TABLES

__all__ = [
    "ECONOMIC_TABLES",
    "JSON_KEYS",
    "TABLES",
    "TABLE_INPUTS",
    "build_table",
    "json_key",
]

Builder = Callable[..., pd.DataFrame]


def text_c6(
    params: ParameterSet,
    scenario_set: Mapping[str, Any] | None = None,
    annual_saving_from_components: bool = False,
) -> pd.DataFrame:
    """Figures quoted in Appendix C5-C6: unit values, short-term NPV, sensitivity cases.

    Rows ``base``, ``c6_decay`` and ``c6_decay_decline`` (the report's scenarios,
    applied on top of ``params``; ``scenario_set`` patches them, to test a hypothesis).
    ``annual_saving_from_components`` computes the annual saving from the crime and
    health components instead of the totals.
    """
    base = unit_values(params)
    if annual_saving_from_components:
        saving = (
            params["harms.untreated.health"]
            + params["harms.untreated.crime"]
            - params["harms.in_treatment.health"]
            - params["harms.in_treatment.crime"]
        )
    else:
        saving = params["harms.untreated.total"] - params["harms.in_treatment.total"]
    rows: dict[str, dict[str, float]] = {
        "base": {
            "annual_saving": saving,
            "short_term": base.effective,
            "cost": base.cost,
            "npv_short_term": base.net_short_term,
            "long_term": base.long_term,
            "expected": base.completion,
            # the tree's share of completions staying abstinent (gamma for C1.1)
            "abstinence_probability": completion_coefficients(params).b_completion,
        }
    }
    scenarios = load_scenarios()
    for name in ("c6_decay", "c6_decay_decline"):
        overrides = dict(scenarios[name].set)
        overrides.update({k: v for k, v in (scenario_set or {}).items() if k in overrides})
        value = unit_values(params.with_values(overrides)).completion
        rows[name] = {"expected": value, "expected_change": value / base.completion - 1.0}
    return pd.DataFrame.from_dict(rows, orient="index")


_TABLE_6 = {
    "6.1": ("whole_system", "et_tt"),
    "6.2": ("whole_system", "sc_tc"),
    "6.3": ("criminal_justice", "et_tt"),
    "6.4": ("criminal_justice", "sc_tc"),
}


def table_6(params: ParameterSet, table: str) -> pd.DataFrame:
    """Tables 6.1-6.4: shares before and after, changes and the DiD, by area."""
    kind, measure = _TABLE_6[table]
    sites = [s for s in params.impact_sites() if params[f"sites.{s}.type"] == kind]
    counts = site_counts(params, sites)
    num, den = MEASURES[measure]
    share = counts[num] / counts[den]
    did = did_from_counts(counts, measure)
    rows = {}
    for site in sites:
        for area in ("pilot", "comparison"):
            s = share.sel(site=site, area=area)
            row = {
                "total_pre": float(counts[den].sel(site=site, area=area, period="pre")),
                "share_pre": float(s.sel(period="pre")),
                "total_post": float(counts[den].sel(site=site, area=area, period="post")),
                "share_post": float(s.sel(period="post")),
                "change": float(s.sel(period="post") - s.sel(period="pre")),
            }
            if area == "comparison":
                row["did"] = float(did.sel(site=site))
            rows[f"{area}_{site}"] = row
    return pd.DataFrame.from_dict(rows, orient="index")


def table_7_5_6(params: ParameterSet, area: str) -> pd.DataFrame:
    """Tables 7.5 (pilot) and 7.6 (comparison): shares by site and period, totals."""
    counts = site_counts(params).sel(area=area)
    rows = {}
    for site in counts.site.values:
        for period in ("pre", "post"):
            c = counts.sel(site=site, period=period)
            rows[f"{site}_{period}"] = {
                "et_tt": float(c.effective_treatment / c.total_in_treatment),
                "sc_tt": float(c.successful_completions / c.total_in_treatment),
            }
    for period in ("pre", "post"):
        tot = counts.sel(period=period).sum("site")
        rows[f"total_{period}"] = {
            "total_in_treatment": float(tot.total_in_treatment),
            "effective_treatment": float(tot.effective_treatment),
            "successful_completions": float(tot.successful_completions),
            "et_tt": float(tot.effective_treatment / tot.total_in_treatment),
            "sc_tt": float(tot.successful_completions / tot.total_in_treatment),
        }
    return pd.DataFrame.from_dict(rows, orient="index")


def table_7_7(params: ParameterSet) -> pd.DataFrame:
    """Table 7.7: the three DiD estimates per site, computed from the counts."""
    counts = site_counts(params)
    return pd.DataFrame(
        {m: did_from_counts(counts, m).values for m in MEASURES},
        index=[str(s) for s in counts.site.values],
    )


def table_7_8(params: ParameterSet) -> pd.DataFrame:
    """Table 7.8: DiD of effective treatment x clients in treatment = extra clients."""
    ds = appraise(params)
    return pd.DataFrame(
        {
            "did_effective": ds.did_effective.values,
            "clients_in_treatment": ds.clients_in_treatment.values,
            "extra_effective": ds.extra_effective.values,
        },
        index=ds.site.values.astype(str),
    )


def table_7_9(params: ParameterSet) -> pd.DataFrame:
    """Table 7.9: DiD of completions (share of TT) x base = extra completions."""
    ds = appraise(params)
    return pd.DataFrame(
        {
            "did_completions": ds.did_completions.values,
            "clients_in_treatment": ds.clients_in_treatment.values,
            "extra_completions": ds.extra_completions.values,
        },
        index=ds.site.values.astype(str),
    )


def table_7_10(params: ParameterSet, **unit_values: Any) -> pd.DataFrame:
    """Table 7.10: costs, extra clients, benefits and ratios per site (£ thousand).

    Sites without impact data (site 1) show their costs only. ``unit_values``
    (``unit_value_effective``, ``unit_value_completion``) replace the modelled values.
    """
    frame = appraisal_table(params, **unit_values).drop(columns="net_benefit")
    others = [s for s in params.sites() if s not in frame.index]
    extra = pd.DataFrame(
        {
            "cost_year_1": [params[f"sites.{s}.costs.year_1"] for s in others],
            "cost_year_2": [params[f"sites.{s}.costs.year_2"] for s in others],
        },
        index=others,
    )
    extra["cost"] = extra.cost_year_1 + extra.cost_year_2
    out = pd.concat([extra, frame])
    out.index.name = "site"
    return out.loc[sorted(out.index, key=lambda s: (len(s), s))]


def table_7_11(
    params: ParameterSet, ratio: str = "benefit_over_cost", **unit_values: Any
) -> pd.DataFrame:
    """Table 7.11: site 3's benefits, costs, net benefit and ratio (£ million).

    ``ratio='net_over_cost'`` divides net benefit by cost instead of benefits by cost.
    """
    row = appraisal_table(params, sites=["3"], **unit_values).loc["3"]
    values = {
        "extra_effective": row.extra_effective,
        "extra_completions": row.extra_completions,
        "value_effective": row.value_effective / 1000.0,
        "value_completions": row.value_completions / 1000.0,
        "total_benefit": row.total_benefit / 1000.0,
        "cost": row.cost / 1000.0,
        "net_benefit": row.net_benefit / 1000.0,
        "bcr": row.net_benefit / row.cost if ratio == "net_over_cost" else row.bcr,
    }
    return pd.DataFrame([values], index=["3"])


ECONOMIC_TABLES: dict[str, tuple[str, Builder]] = {
    "C.6.1": ("Harm reduction estimates and the returns from treatment", table_c61),
    "C6": ("Figures quoted in Appendix C5-C6 and the C6 sensitivity cases", text_c6),
    "6.1": (
        "Effective treatment in 'whole system' pilot areas",
        lambda p: table_6(p, "6.1"),
    ),
    "6.2": (
        "Successful completions in 'whole system' pilot areas",
        lambda p: table_6(p, "6.2"),
    ),
    "6.3": (
        "Effective treatment in 'criminal justice' pilot areas",
        lambda p: table_6(p, "6.3"),
    ),
    "6.4": (
        "Successful completions in 'criminal justice' pilot areas",
        lambda p: table_6(p, "6.4"),
    ),
    "7.5": (
        "Effective treatment & successful completions: pilot areas",
        lambda p: table_7_5_6(p, "pilot"),
    ),
    "7.6": (
        "Effective treatment & successful completions: comparison areas",
        lambda p: table_7_5_6(p, "comparison"),
    ),
    "7.7": ("Findings from difference in differences model", table_7_7),
    "7.8": ("Additional clients in effective treatment", table_7_8),
    "7.9": ("Additional successful completions", table_7_9),
    "7.10": ("Site level estimates of costs and benefits", table_7_10),
    "7.11": ("Site 3 cost benefit ratio", table_7_11),
}
"""The appraisal's tables: id -> (title, builder)."""

TABLES: dict[str, tuple[str, Builder]] = {**ECONOMIC_TABLES, **CONTEXT_TABLES}
"""Every table ``reproduce`` builds: the economic tables, then the context tables
(spending, new journeys, budgets) of :mod:`dsc_econ.outputs.context_tables`."""


JSON_KEYS: dict[str, str] = {
    "cost_year_1": "costs_year_1",
    "cost_year_2": "costs_year_2",
    "cost": "costs",
    "total_benefit": "benefits",
    "net_benefit": "npv",
    "benefit_sensitivity": "benefits_sensitivity",
}
"""Column -> JSON key: one convention (``costs``, ``benefits``, ``npv``, ``bcr``) for
every ``--json`` output; units go in a ``units`` block, never in key suffixes."""


def json_key(column: str) -> str:
    """The JSON key of a table column (see :data:`JSON_KEYS`)."""
    if column.startswith("cost_year_"):  # every project year: costs_year_N
        return "costs_year_" + column.removeprefix("cost_year_")
    return JSON_KEYS.get(column, column)


_MODEL = ["harms", "treatment", "career", "discounting", "pathways"]
TABLE_INPUTS: dict[str, list[str]] = {
    "C.6.1": _MODEL,
    "C6": _MODEL,
    **{t: ["sites.*.counts"] for t in ("6.1", "6.2", "6.3", "6.4", "7.5", "7.6", "7.7")},
    **{
        t: ["sites.*.costs", "sites", "appraisal", *_MODEL]
        for t in ("7.8", "7.9", "7.10", "7.11")
    },
    **{t: ["spending.dscp"] for t in ("7.1", "7.2", "7.3")},
    "7.4": ["new_journeys"],
    "C.7.1": ["national"],
    "C.7.2": ["spending.aptb_composition"],
}
"""Parameter key prefixes each table reads (for its price years and references)."""


def build_table(table_id: str, params: ParameterSet, **options: Any) -> pd.DataFrame:
    """Build one table by id (see :data:`TABLES`); ``options`` go to its builder.

    The frame's ``attrs`` carry ``title``, ``units`` (column -> unit), ``price_year``
    (parameter group -> price year), ``source`` and ``references`` (citations of the
    parameters read), see :func:`~dsc_econ.inputs.citations.table_provenance`. Units
    and the layout's reference come from the printed table's description in
    ``published/`` (metadata only: its values are never read here).
    """
    from ..inputs.citations import matches_prefix, table_provenance
    from .published import load_published

    try:
        title, builder = TABLES[table_id]
    except KeyError:
        import difflib

        close = difflib.get_close_matches(str(table_id), list(TABLES), n=3, cutoff=0.5)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        known = ", ".join(TABLES)
        raise KeyError(f"unknown table {table_id!r}{hint} (known: {known})") from None
    frame = builder(params, **options)
    frame.index = frame.index.map(str)
    frame = frame.astype(float) if not frame.empty else frame
    printed = load_published().get(table_id)
    own = frame.attrs.get("units") if isinstance(frame.attrs.get("units"), dict) else {}
    inputs = TABLE_INPUTS.get(table_id, [])
    leaf_units = {
        name.rsplit(".", 1)[-1]: params.meta(name).unit
        for name in params
        if any(matches_prefix(name, p) for p in inputs)
    }
    units = {
        c: own.get(c)
        or (printed.unit_of(c) if printed is not None else "")
        or leaf_units.get(c, "unknown")
        for c in frame.columns
    }
    frame.attrs = table_provenance(
        params,
        units,
        inputs,
        printed.reference if printed is not None else None,
        title,
    )
    return frame
