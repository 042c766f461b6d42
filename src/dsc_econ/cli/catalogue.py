"""``dsc-econ parameters | scenarios | tables``: what the package holds."""

from __future__ import annotations

import argparse
from typing import Any

import pandas as pd

from ..inputs.safety import write_csv
from ..outputs.tables import TABLES
from .common import add_common_options, all_scenarios, load_params


def add_parsers(sub: Any) -> None:
    """Register ``parameters``, ``scenarios`` and ``tables``."""
    par = sub.add_parser(
        "parameters",
        help="list parameters with value, unit and source",
        description="List the parameters in use (after --parameters and --set).",
    )
    add_common_options(par)
    par.add_argument("--grep", metavar="TEXT", help="only names containing TEXT")
    par.add_argument("--csv", action="store_true", help="emit CSV with every field")

    scen = sub.add_parser("scenarios", help="list named scenarios")
    scen.add_argument("--file", metavar="FILE", help="scenario file (default: bundled)")

    sub.add_parser("tables", help="list the tables `reproduce` can build")


def run_parameters(args: argparse.Namespace) -> int:
    frame = load_params(args).to_frame()
    if args.grep:
        frame = frame.loc[frame.index.str.contains(args.grep, regex=False)]
    if args.csv:
        print(write_csv(frame), end="")
        return 0
    shown = frame[["value", "comparator", "unit", "price_year", "reference"]].copy()
    shown["value"] = shown.comparator + shown.value.astype(str)
    with pd.option_context(
        "display.width", 250, "display.max_colwidth", 90, "display.max_rows", None
    ):
        print(shown.drop(columns="comparator").to_string())
    return 0


def run_scenarios(args: argparse.Namespace) -> int:
    for name, s in all_scenarios(args.file).items():
        sets = ", ".join(f"{k}={v}" for k, v in s.set.items())
        print(f"{name}: {s.description}\n    set {sets}")
    return 0


def run_tables(_: argparse.Namespace) -> int:
    for tid, (title, _builder) in TABLES.items():
        print(f"{tid:>6}  {title}")
    return 0
