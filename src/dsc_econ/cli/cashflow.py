"""``dsc-econ cashflow``: year-by-year cash flows, payback and time-profile NPV per site."""

from __future__ import annotations

import argparse
import json
from typing import Any

import numpy as np
import pandas as pd

from .._version import __version__
from ..inputs import limits as lim
from ..inputs.parameters import ParameterError
from ..inputs.safety import write_csv
from ..outputs.formatting import format_share
from ..outputs.terminal import (
    format_cells,
    format_number,
    frame_text,
    terminal_width,
    with_units,
    wrap,
)
from .common import (
    add_common_options,
    check_finite,
    count,
    guard,
    load_params,
    seed_option,
    shown_source,
    write_text,
)

YEAR_KEYS: dict[str, str] = {
    "cost": "costs",
    "benefit": "benefits",
    "net": "net",
    "discount_factor": "discount_factor",
    "cost_discounted": "costs_discounted",
    "benefit_discounted": "benefits_discounted",
    "net_discounted": "net_discounted",
    "cumulative_net": "cumulative_net",
    "cumulative_net_discounted": "cumulative_net_discounted",
}
"""Year-table variable -> JSON key and column heading (the ``appraise --json`` names)."""

COMPACT = ["cost", "benefit", "net", "discount_factor", "cumulative_net_discounted"]
"""Columns of the default year table (``--full``: every column of ``YEAR_KEYS``)."""

SUMMARY_KEYS: dict[str, str] = {
    "pv_cost": "pv_costs",
    "pv_benefit": "pv_benefits",
    "tail_benefit": "tail_benefits",
    "npv": "npv",
    "bcr": "bcr",
    "payback": "payback_year",
    "payback_discounted": "payback_year_discounted",
    "npv_single_cohort": "npv_single_cohort",
    "bcr_single_cohort": "bcr_single_cohort",
}
"""Per-row summary variable -> JSON key and column heading."""

PAYBACK_UNIT = "programme year (year 1 = project.start); text when not within the horizon"


def add_parser(sub: Any) -> None:
    """Register ``cashflow``."""
    cf = sub.add_parser(
        "cashflow",
        help="cash flows by year, payback and time-profile NPV/BCR per site",
        description=(
            "Cash flows on a programme-time axis (year 1 = the project's first year, "
            "project.start: 2009-10 for the DSCP parameters): costs by project year, "
            "benefits by year (cashflow.benefits: the stock-flow "
            "model's pilot effect, an early/late profile of Figure C2.2, a vector, or "
            "the Table 7.10 cohort), discounted and cumulative values, simple and "
            "discounted payback year, and NPV/BCR beside the single-cohort figures. "
            "Money in £ thousand. Streams outside the pathway tree (section 7.3) are "
            "listed with their present values under each timing convention and lag."
        ),
    )
    add_common_options(cf)
    cf.add_argument("--sites", nargs="+", metavar="ID", help="site ids (default: 2-7)")
    cf.add_argument(
        "--table",
        nargs="+",
        metavar="ID",
        help="print the year-by-year table of these rows (site ids or 'all'); "
        "default: every site and 'all'",
    )
    cf.add_argument(
        "--benefits",
        choices=["stockflow", "early", "late", "vector", "single_cohort"],
        metavar="SOURCE",
        help="shortcut for --set cashflow.benefits=SOURCE: stockflow, early, late, "
        "vector or single_cohort",
    )
    cf.add_argument(
        "--horizon",
        type=count(1, lim.MAX_YEARS),
        help="shortcut for --set cashflow.horizon=N",
    )
    cf.add_argument(
        "--perpetual", action="store_true", help="add a perpetuity tail after the horizon"
    )
    cf.add_argument("--scenario", metavar="NAME", help="apply a named scenario")
    cf.add_argument("--scenario-file", metavar="FILE", help="scenario file for --scenario")
    cf.add_argument(
        "--psa",
        type=count(2, lim.MAX_SAMPLES),
        metavar="N",
        help="also run N Monte Carlo samples (the parameter folder's uncertainty files, "
        "else the bundled uncertainty/default.yaml + dynamics.yaml) and print NPV "
        "intervals, P(payback within --within years) and the payback distribution",
    )
    cf.add_argument(
        "--uncertainty",
        metavar="FILE",
        help="uncertainty file for --psa (replaces default.yaml; the dynamics file of "
        "the parameter folder, else the bundled one, is added)",
    )
    cf.add_argument(
        "--within",
        type=count(1, lim.MAX_YEARS),
        nargs="+",
        default=None,
        metavar="YEARS",
        help="horizons for P(payback within N years), each at most the cash-flow "
        "horizon (default 2 5 10 20, those within the horizon)",
    )
    seed_option(cf, 20121, " for --psa")
    fmt = cf.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true", help="emit JSON")
    fmt.add_argument("--csv", action="store_true", help="emit the tables as CSV (long)")
    cf.add_argument(
        "--full",
        action="store_true",
        help="print every column of the year tables (discounted and cumulative costs, "
        "benefits and net); default: year, costs, benefits, net, discount factor and "
        "cumulative discounted net",
    )
    cf.add_argument("--output", metavar="FILE", help="write to FILE instead of printing")


def _shortcuts(args: argparse.Namespace) -> None:
    if args.benefits:
        args.assignments.append(f"cashflow.benefits={args.benefits}")
    if args.horizon is not None:
        args.assignments.append(f"cashflow.horizon={args.horizon}")
    if args.perpetual:
        args.assignments.append("cashflow.perpetual=true")


def _payback_distribution(
    psa: Any, rows: list[str], horizon: int
) -> dict[str, dict[str, float]]:
    """Per row, the share of samples whose simple payback falls in each year (and
    'never'): the payback distribution."""
    from ..model.cashflow import NO_PAYBACK

    out: dict[str, dict[str, float]] = {}
    samples = np.asarray(psa["payback"].transpose("sample", "site").values)
    for j, r in enumerate(rows):
        years = samples[:, j].astype(int)
        shares = {
            str(y): float(np.mean(years == y))
            for y in sorted(set(years.tolist()) - {NO_PAYBACK})
        }
        shares["never"] = float(np.mean(years == NO_PAYBACK))
        out[r] = shares
    return out


def _unit(ds: Any, variable: str) -> str:
    """Unit of a cash-flow variable for a ``units`` block (``1`` reads ``ratio``)."""
    unit = str(ds[variable].attrs.get("units", ""))
    if variable.startswith("payback"):
        return PAYBACK_UNIT
    return "ratio" if unit == "1" else unit


def _header(ds: Any) -> list[str]:
    """The header sentences: money unit, benefit source (and its assumption), discounting,
    costs, year axis and streams counted."""
    benefits = ds.attrs["benefits"]
    costs = "discounted" if ds.attrs["discount_costs"] else "undiscounted (Table 7.10)"
    lines = [
        f"Cash flows, money in £ thousand (£k); benefits from {benefits}; discounting "
        f"{ds.attrs['discounting']}; costs {costs}; "
        f"{ds.attrs['year_convention'].removeprefix('programme ')}; streams counted: "
        f"{ds.attrs['streams_in_bcr']}.",
        f"Over-time NPV and BCR {ds.attrs['effect_assumption']}.",
    ]
    whole = f"if the effect lasts {ds.sizes['year']} years with no further spending"
    if benefits == "stockflow" and ds.attrs["effect_assumption"].startswith(whole):
        tail = " and in the perpetuity tail after it" if ds.attrs["perpetual"] else ""
        lines.append(
            "Benefits from the stock-flow model (cashflow.benefits = stockflow, the "
            "default) assume that the pilot's change in flow shares persists for every "
            f"year of the {ds.sizes['year']}-year horizon{tail} (the stock-flow reading of "
            "the report's 'persist indefinitely', section 7.5). For the Table 7.10 cohort "
            "only, use --benefits single_cohort."
        )
    return lines


def _within(asked: list[int] | None, horizon: int) -> list[int]:
    """The payback horizons N of P(payback within N years): none beyond the cash-flow
    horizon, whose later years are not modelled (a user's N beyond it is refused)."""
    if asked is None:
        return [w for w in (2, 5, 10, 20) if w <= horizon] or [horizon]
    beyond = [w for w in asked if w > horizon]
    if beyond:
        raise ParameterError(
            f"--within {beyond[0]}: beyond the {horizon}-year cash-flow horizon "
            "(cashflow.horizon); payback after it is not modelled. Use --within up "
            f"to {horizon}, or a longer --horizon"
        )
    return list(asked)


def run(args: argparse.Namespace) -> int:
    from ..inputs.streams import load_streams
    from ..model.cashflow import NO_PAYBACK, cashflow, stream_present_values

    guard(args, args.output, "--output")
    _shortcuts(args)
    params = load_params(args, scenario=args.scenario, scenario_file=args.scenario_file)
    ds = cashflow(params, args.sites)
    args.within = _within(args.within, int(ds.sizes["year"]))
    check_finite(ds[[v for v in ds.data_vars if v != "bcr"]], params, "cashflow")
    rows = [str(r) for r in ds.site.values]
    chosen = args.table or rows
    unknown = [r for r in chosen if r not in rows]
    if unknown:
        raise ValueError(f"--table {unknown}: not a row of the cash flows ({rows})")
    columns = list(YEAR_KEYS)
    summary = [k for k in SUMMARY_KEYS if not k.startswith("payback")]

    def payback(value: Any) -> str:
        return "not within the horizon" if int(value) == NO_PAYBACK else str(int(value))

    streams = load_streams(params)
    if args.json:
        payload: dict[str, Any] = {
            "package_version": __version__,
            "units": {
                "sites": {SUMMARY_KEYS[k]: _unit(ds, k) for k in SUMMARY_KEYS},
                "years": {
                    "year_label": "calendar label of the project year (project.start)",
                    **{YEAR_KEYS[k]: _unit(ds, k) for k in columns},
                },
                "streams": {
                    "amount": "GBP thousand per year",
                    "present_values": "GBP thousand",
                },
            },
            "settings": {
                "benefits_source": ds.attrs["benefits"],
                "discounting": ds.attrs["discounting"],
                "discount_costs": bool(ds.attrs["discount_costs"]),
                "perpetual": bool(ds.attrs["perpetual"]),
                "horizon": int(ds.sizes["year"]),
                "year_convention": ds.attrs["year_convention"],
                "streams_in_bcr": ds.attrs["streams_in_bcr"],
            },
            "notes": _header(ds)[1:],
            "sites": {
                r: {
                    **{SUMMARY_KEYS[k]: float(ds[k].sel(site=r)) for k in summary},
                    "payback_year": payback(ds.payback.sel(site=r)),
                    "payback_year_discounted": payback(ds.payback_discounted.sel(site=r)),
                    "years": {
                        "year": [int(y) for y in ds.year.values],
                        "year_label": [str(v) for v in ds.year_label.values],
                        **{
                            YEAR_KEYS[k]: [float(x) for x in ds[k].sel(site=r).values]
                            for k in columns
                        },
                    },
                }
                for r in chosen
            },
            "streams": {
                s.name: {
                    "amount": s.amount,
                    "include_in_bcr": s.include_in_bcr,
                    "present_values": stream_present_values(params, s).to_dict("index"),
                }
                for s in streams
            },
            "parameters": {"source": params.source, "overridden": list(params.overridden)},
        }
        text = json.dumps(payload, indent=2, allow_nan=False, ensure_ascii=False)
    elif args.csv:
        frame = ds[columns].sel(site=chosen).to_dataframe().reset_index()
        text = write_csv(frame, index=False)
    else:
        width = terminal_width()
        parts = [wrap(line, width) for line in _header(ds)]
        if params.overridden:
            parts.append(wrap(f"Overridden: {', '.join(params.overridden)}", width))
        shown = columns if args.full else COMPACT
        units = {YEAR_KEYS[k]: _unit(ds, k) for k in columns}
        units["discount_factor"] = ""  # a factor: its heading needs no unit
        for r in chosen:
            one = ds.sel(site=r)
            frame = pd.DataFrame(
                {YEAR_KEYS[k]: one[k].values for k in shown},
                index=[
                    f"{int(y)} ({lab})" if not str(lab).startswith("year") else str(int(y))
                    for y, lab in zip(one.year.values, one.year_label.values, strict=True)
                ],
            )
            frame.index.name = "year"
            frame = format_cells(
                frame,
                {c: "factor" if c == "discount_factor" else "money" for c in frame},
                together=True,
            )
            label = (
                "Programme (all sites + programme streams)" if r == "all" else f"Site {r}"
            )
            parts.append(f"\n{label}:")
            parts.append(frame_text(with_units(frame, units), width))
            bcr = float(one.bcr)
            parts.append(
                wrap(
                    f"Payback: simple {payback(one.payback)}, discounted "
                    f"{payback(one.payback_discounted)}. NPV "
                    f"{format_number(float(one.npv))} £k, BCR {format_number(bcr, 2)} "
                    f"(over time, {ds.attrs['effect_assumption']}); single cohort NPV "
                    f"{format_number(float(one.npv_single_cohort))} £k, BCR "
                    f"{format_number(float(one.bcr_single_cohort), 2)}.",
                    width,
                )
            )
        if not args.full:
            parts.append(
                wrap(
                    "(--full adds the discounted costs, benefits and net and the "
                    "cumulative net.)",
                    width,
                )
            )
        table = pd.DataFrame(
            {SUMMARY_KEYS[k]: ds[k].values for k in summary},
            index=pd.Index(rows, name="site"),
        )
        table = format_cells(
            table, {SUMMARY_KEYS[k]: "ratio" if "bcr" in k else "money" for k in summary}
        )
        table.insert(5, "payback_year", [payback(v) for v in ds.payback.values])
        table.insert(
            6, "payback_year_discounted", [payback(v) for v in ds.payback_discounted.values]
        )
        summary_units = {SUMMARY_KEYS[k]: _unit(ds, k) for k in SUMMARY_KEYS}
        summary_units["payback_year"] = summary_units["payback_year_discounted"] = "year"
        parts.append(
            f"\nSummary (unit in each heading; payback {ds.attrs['year_convention']}):"
        )
        parts.append(frame_text(with_units(table, summary_units), width))
        for s in streams:
            state = "counted" if s.include_in_bcr else "not counted (off by default)"
            end = "in perpetuity" if s.perpetual else f"to year {s.last_year:g}"
            parts.append(
                "\n"
                + wrap(
                    f"Stream outside the tree: {s.name} ({s.kind}, {s.site}, "
                    f"{s.amount:g} £k a year from year {s.first_year} {end}; {state}). "
                    f"Source: {s.reference}.",
                    width,
                    hanging="    ",
                )
            )
            parts.append("Present value by first year (rows) and timing (columns):")
            pv = stream_present_values(params, s)
            pv = format_cells(pv, dict.fromkeys(pv.columns, "money"), together=True)
            parts.append(
                frame_text(with_units(pv, dict.fromkeys(pv.columns, "GBP thousand")), width)
            )
        text = "\n".join(parts)
    if args.psa:
        from ..sensitivity.dynamics import dynamics_uncertainty, payback_psa

        uncertainty = dynamics_uncertainty(params, base=args.uncertainty)
        from .estimates import announce_payback

        announce_payback(args, params, uncertainty, args.within)
        psa = payback_psa(
            params,
            args.psa,
            args.seed,
            uncertainty=uncertainty,
            sites=args.sites,
            within=args.within,
            keep_samples=True,
        )
        distribution = _payback_distribution(psa, rows, int(ds.sizes["year"]))
        if args.json:
            payload["units"]["psa"] = {
                "npv_q05": "GBP thousand",
                "npv_q50": "GBP thousand",
                "npv_q95": "GBP thousand",
                "p_npv_positive": "probability",
                "p_payback_within": "probability",
            }
            payload["psa"] = {
                r: {
                    "npv_q05": float(psa.npv_q05.sel(site=r)),
                    "npv_q50": float(psa.npv_q50.sel(site=r)),
                    "npv_q95": float(psa.npv_q95.sel(site=r)),
                    "p_npv_positive": float(psa.p_npv_positive.sel(site=r)),
                    "p_payback_within": {
                        int(w): float(psa.p_payback_within.sel(site=r, within=w))
                        for w in psa.within.values
                    },
                    "payback_distribution": distribution[r],
                }
                for r in rows
            }
            text = json.dumps(payload, indent=2, allow_nan=False, ensure_ascii=False)
        elif not args.csv:
            width = terminal_width()
            columns = {
                ("NPV (£k)", "5%"): psa.npv_q05.values,
                ("NPV (£k)", "median"): psa.npv_q50.values,
                ("NPV (£k)", "95%"): psa.npv_q95.values,
                ("P(NPV>0)", ""): psa.p_npv_positive.values,
                **{
                    ("P(payback within)", f"{int(w)} yr"): psa.p_payback_within.sel(
                        within=w
                    ).values
                    for w in psa.within.values
                },
            }
            frame = pd.DataFrame(columns, index=pd.Index(rows, name="site"))
            frame.columns = pd.MultiIndex.from_tuples(list(columns))
            text += "\n\n" + wrap(
                f"Monte Carlo ({args.psa} samples, seed {args.seed}; "
                f"{shown_source(psa.attrs['uncertainty_source'])}), over time "
                f"{ds.attrs['effect_assumption']}; unit in each heading:",
                width,
            )
            kinds = {
                c: "money" if c[0].startswith("NPV") else "probability" for c in columns
            }
            text += "\n" + frame_text(format_cells(frame, kinds, together=True), width)
            text += "\n\n" + wrap(
                "Payback year (simple) across the samples: share of samples paying back "
                f"in each year ({ds.attrs['year_convention']}; years no sample pays "
                "back in are left out; 'never' = not within the horizon):",
                width,
            )
            for r, shares in distribution.items():
                years = sorted((y for y in shares if y != "never"), key=int)
                cells = [
                    f"year {y} {format_share(shares[y])}" for y in years if shares[y] > 0
                ]
                if shares["never"] > 0:
                    cells.append(f"never {format_share(shares['never'])}")
                label = "programme" if r == "all" else f"site {r}"
                text += "\n" + wrap(f"{label}: " + "; ".join(cells), width, "  ", "    ")
    write_text(text, args.output)
    if args.output:
        print(f"saved {args.output}")
    return 0
