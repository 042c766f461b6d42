"""``dsc-econ cashflow``: year-by-year cash flows, payback and time-profile NPV per site."""

from __future__ import annotations

import argparse
import json
from typing import Any

import numpy as np
import pandas as pd

from .._version import __version__
from .common import add_common_options, load_params, write_text


def add_parser(sub: Any) -> None:
    """Register ``cashflow``."""
    cf = sub.add_parser(
        "cashflow",
        help="cash flows by year, payback and time-profile NPV/BCR per site",
        description=(
            "Cash flows on a programme-time axis (year 1 = 2009-10): pilot costs (years "
            "1-2, Table 7.10), benefits by year (cashflow.benefits: the stock-flow "
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
        help="shortcut for --set cashflow.benefits=...",
    )
    cf.add_argument("--horizon", type=int, help="shortcut for --set cashflow.horizon=N")
    cf.add_argument(
        "--perpetual", action="store_true", help="add a perpetuity tail after the horizon"
    )
    cf.add_argument("--scenario", metavar="NAME", help="apply a named scenario")
    cf.add_argument("--scenario-file", metavar="FILE", help="scenario file for --scenario")
    cf.add_argument(
        "--psa",
        type=int,
        metavar="N",
        help="also run N Monte Carlo samples (uncertainty/default.yaml + dynamics.yaml) "
        "and print NPV intervals and P(payback within --within years)",
    )
    cf.add_argument(
        "--within",
        type=int,
        nargs="+",
        default=[2, 5, 10, 20],
        metavar="YEARS",
        help="horizons for P(payback within N years) (default 2 5 10 20)",
    )
    cf.add_argument("--seed", type=int, default=20121, help="seed for --psa (20121)")
    fmt = cf.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true", help="emit JSON")
    fmt.add_argument("--csv", action="store_true", help="emit the tables as CSV (long)")
    cf.add_argument("--output", metavar="FILE", help="write to FILE instead of printing")


def _shortcuts(args: argparse.Namespace) -> None:
    if args.benefits:
        args.assignments.append(f"cashflow.benefits={args.benefits}")
    if args.horizon is not None:
        args.assignments.append(f"cashflow.horizon={args.horizon}")
    if args.perpetual:
        args.assignments.append("cashflow.perpetual=true")


def run(args: argparse.Namespace) -> int:
    from ..inputs.streams import load_streams
    from ..model.cashflow import NO_PAYBACK, cashflow, stream_present_values

    _shortcuts(args)
    params = load_params(args, scenario=args.scenario, scenario_file=args.scenario_file)
    ds = cashflow(params, args.sites)
    rows = [str(r) for r in ds.site.values]
    chosen = args.table or rows
    unknown = [r for r in chosen if r not in rows]
    if unknown:
        raise ValueError(f"--table {unknown}: not a row of the cash flows ({rows})")
    columns = [
        "cost",
        "benefit",
        "net",
        "discount_factor",
        "cost_discounted",
        "benefit_discounted",
        "net_discounted",
        "cumulative_net",
        "cumulative_net_discounted",
    ]
    summary = ["pv_cost", "pv_benefit", "tail_benefit", "npv", "bcr",
               "npv_single_cohort", "bcr_single_cohort"]

    def payback(value: Any) -> str:
        return "not within the horizon" if int(value) == NO_PAYBACK else str(int(value))

    streams = load_streams(params)
    if args.json:
        payload = {
            "package_version": __version__,
            "benefits": ds.attrs["benefits"],
            "units": "GBP thousand",
            "rows": {
                r: {
                    **{k: float(ds[k].sel(site=r)) for k in summary},
                    "payback": payback(ds.payback.sel(site=r)),
                    "payback_discounted": payback(ds.payback_discounted.sel(site=r)),
                    "years": {
                        k: [float(x) for x in ds[k].sel(site=r).values] for k in columns
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
        }
        text = json.dumps(payload, indent=2, allow_nan=False)
    elif args.csv:
        frame = ds[columns].sel(site=chosen).to_dataframe().reset_index()
        text = frame.to_csv(index=False)
    else:
        parts = [
            f"Cash flows (£ thousand), benefits from {ds.attrs['benefits']}; "
            f"discounting {ds.attrs['discounting']}; costs "
            f"{'discounted' if ds.attrs['discount_costs'] else 'undiscounted (Table 7.10)'}"
            f"; year 1 = 2009-10; streams counted: {ds.attrs['streams_in_bcr']}."
        ]
        if params.overridden:
            parts.append(f"Overridden: {', '.join(params.overridden)}")
        with pd.option_context("display.width", 200, "display.max_columns", 20):
            for r in chosen:
                one = ds.sel(site=r)
                frame = pd.DataFrame(
                    {k: one[k].values for k in columns}, index=one.year.values
                )
                frame.index.name = "year"
                label = "Programme (all sites + programme streams)" if r == "all" else (
                    f"Site {r}"
                )
                parts.append(f"\n{label}:")
                parts.append(frame.round(3).to_string())
                bcr = float(one.bcr)
                parts.append(
                    f"Payback: simple {payback(one.payback)}, discounted "
                    f"{payback(one.payback_discounted)}. NPV {float(one.npv):,.1f}, BCR "
                    f"{bcr if np.isnan(bcr) else round(bcr, 2)} (time profile); "
                    f"single cohort NPV {float(one.npv_single_cohort):,.1f}, BCR "
                    f"{float(one.bcr_single_cohort):.2f}."
                )
            table = pd.DataFrame({k: ds[k].values for k in summary}, index=rows)
            table.insert(5, "payback", [payback(v) for v in ds.payback.values])
            table.insert(6, "payback_discounted",
                         [payback(v) for v in ds.payback_discounted.values])
            parts.append("\nSummary (£ thousand):")
            parts.append(table.round(2).to_string())
            for s in streams:
                state = "counted" if s.include_in_bcr else "not counted (off by default)"
                end = "in perpetuity" if s.perpetual else f"to year {s.last_year:g}"
                parts.append(
                    f"\nStream outside the tree: {s.name} ({s.kind}, {s.site}, "
                    f"{s.amount:g} £k a year from year {s.first_year} {end}; {state}). "
                    f"Source: {s.reference}."
                )
                parts.append(
                    "Present value (£ thousand) by first year (rows) and timing:"
                )
                parts.append(stream_present_values(params, s).round(1).to_string())
        text = "\n".join(parts)
    if args.psa:
        from ..sensitivity.dynamics import payback_psa

        psa = payback_psa(params, args.psa, args.seed, sites=args.sites, within=args.within)
        if args.json:
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
                }
                for r in rows
            }
            text = json.dumps(payload, indent=2, allow_nan=False)
        elif not args.csv:
            frame = pd.DataFrame(
                {
                    "npv_q05": psa.npv_q05.values,
                    "npv_q50": psa.npv_q50.values,
                    "npv_q95": psa.npv_q95.values,
                    "p_npv>0": psa.p_npv_positive.values,
                    **{
                        f"p_payback<={int(w)}": psa.p_payback_within.sel(within=w).values
                        for w in psa.within.values
                    },
                },
                index=rows,
            )
            text += (
                f"\n\nMonte Carlo ({args.psa} samples, seed {args.seed}; "
                f"{psa.attrs['uncertainty_source']}), £ thousand and probabilities:\n"
                + frame.round(3).to_string()
            )
    write_text(text, args.output)
    if args.output:
        print(f"saved {args.output}")
    return 0
