"""``dsc-econ new``: a project of one's own, from two CSV tables to a parameter folder."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ..inputs.parameters import ParameterError
from ..outputs.terminal import HelpFormatter

EPILOG = """\
counts CSV: one row per site x area (pilot / comparison) x period (pre / post), with
the columns (a header row):
  site, area, period, total_in_treatment, effective_treatment,
  successful_completions, total_completing

costs CSV (£ thousand), long form, one row per site and project year (1, 2, 3 ...):
  site,year,cost[,price_year][,agency][,type][,name]
or wide form, one row per site:
  site,cost_year_1,...,cost_year_N[,price_year][,agency][,type][,name]

price_year: 2026 or 2026-27; agency: who pays (e.g. local_authority). An unknown
column, a repeated or out-of-order year, a bad count or price year is refused with the
file, row and column (exit status 2), and nothing is written.

then:
  dsc-econ appraise --parameters DIR
  dsc-econ cashflow --parameters DIR --psa 2000
  dsc-econ sensitivity psa --parameters DIR
  dsc-econ report --parameters DIR --out board/
"""


def add_parser(sub: Any) -> None:
    """Register ``new``."""
    p = sub.add_parser(
        "new",
        help="a project of your own: counts and costs tables to a parameter folder",
        description=(
            "Build a validated parameter folder DIR for your own change from a counts "
            "table and a costs table: the bundled assumptions (harms, careers, "
            "abstinence, discounting) with your sites in place of the 2012 pilots, "
            "costs discounted like benefits (Green Book practice), the cash-flow view "
            "set to tell the same story as the appraisal, your dates on every year "
            "axis, and an uncertainty file for your sites, so every verb works on it "
            "with --parameters DIR. Nothing is written unless every check passes."
        ),
        epilog=EPILOG,
        formatter_class=HelpFormatter,
    )
    p.add_argument("folder", metavar="DIR", help="the project folder to create")
    p.add_argument("--counts", required=True, metavar="CSV", help="the counts table")
    p.add_argument("--costs", required=True, metavar="CSV", help="the costs table")
    p.add_argument(
        "--base",
        metavar="PARAMETERS_DIR",
        help="parameter folder whose assumptions to keep (default: the bundled one)",
    )
    p.add_argument(
        "--start",
        default="2026-04",
        metavar="YYYY-MM",
        help="first month of project year 1 (default 2026-04: year 1 = 2026-27)",
    )
    for name, default in (
        ("pre", "the 12 months before --start"),
        ("post", "the last project year"),
    ):
        p.add_argument(
            f"--{name}",
            metavar="START:END",
            help=f"dates (YYYY-MM-DD:YYYY-MM-DD) the {name} period of the counts covers "
            f"(default: {default})",
        )
    p.add_argument(
        "--force",
        action="store_true",
        help="replace DIR if it is a project folder dsc-econ new wrote",
    )


def _period(text: str | None, what: str) -> tuple[str, str] | None:
    if text is None:
        return None
    a, sep, b = text.partition(":")
    if not sep or not a.strip() or not b.strip():
        raise ParameterError(
            f"--{what} {text!r}: expected START:END (YYYY-MM-DD:YYYY-MM-DD)"
        )
    return a.strip(), b.strip()


def _check(params: Any, folder: Path) -> None:
    """Every verb's first step on the staged folder: the uncertainty files load against
    the project's parameters, every site appraises and the cash flows form."""
    from ..model.appraisal import appraise
    from ..model.cashflow import cashflow
    from ..sensitivity.distributions import load_uncertainty
    from ..sensitivity.dynamics import dynamics_uncertainty

    load_uncertainty(None, params)
    dynamics_uncertainty(params)
    appraise(params)
    cashflow(params)
    if any(k.startswith("ledger.") for k in params):  # issue 22: who pays, who saves
        from ..model.ledger import ledger

        ledger(params)


def run(args: argparse.Namespace) -> int:
    from ..inputs.project import new_project, year_label
    from ..model.appraisal import appraisal_table

    params = new_project(
        args.folder,
        args.counts,
        args.costs,
        base=args.base,
        start=args.start,
        pre=_period(args.pre, "pre"),
        post=_period(args.post, "post"),
        force=args.force,
        check=_check,
    )
    table = appraisal_table(params)
    years = sum(1 for c in table.columns if c.startswith("cost_year_"))
    from ..outputs.terminal import format_number, terminal_width, wrap

    width = terminal_width()
    print(wrap(f"created {args.folder}:", width, "", "  "))
    print(
        wrap(
            f"{len(table)} site(s) ({', '.join(table.index)}), {years} cost year(s), "
            f"year 1 = {year_label(params, 1)}",
            width,
            "  ",
            "    ",
        )
    )
    for site, row in table.iterrows():
        print(
            wrap(
                f"site {site}: costs {format_number(row['cost'], 1)} £k (discounted), "
                f"benefits {format_number(row['total_benefit'], 1)} £k, NPV "
                f"{format_number(row['net_benefit'], 1)} £k, BCR "
                f"{format_number(row['bcr'], 2)}",
                width,
                "  ",
                "    ",
            )
        )
    print(wrap(f"next: dsc-econ appraise --parameters {args.folder}", width, "", "  "))
    return 0
