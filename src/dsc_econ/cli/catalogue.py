"""``dsc-econ parameters | scenarios | tables``: what the package holds."""

from __future__ import annotations

import argparse
from typing import Any

from ..inputs.citations import cite
from ..inputs.parameters import ParameterError
from ..inputs.safety import write_csv
from ..outputs.tables import TABLES
from ..outputs.terminal import terminal_width, wrap
from .common import add_common_options, all_scenarios, load_params


def add_parsers(sub: Any) -> None:
    """Register ``parameters``, ``scenarios`` and ``tables``."""
    par = sub.add_parser(
        "parameters",
        help="list parameters with value, unit and source",
        description="List the parameters in use (after --parameters and --set).",
    )
    add_common_options(par)
    par.add_argument(
        "--grep",
        metavar="TEXT",
        help="only parameters whose name, alias, description, note or source contains "
        "TEXT (case-insensitive)",
    )
    par.add_argument("--csv", action="store_true", help="emit CSV with every field")

    scen = sub.add_parser("scenarios", help="list named scenarios")
    scen.add_argument("--file", metavar="FILE", help="scenario file (default: bundled)")

    sub.add_parser("tables", help="list the tables `reproduce` can build")


def run_parameters(args: argparse.Namespace) -> int:
    params = load_params(args)
    frame = params.to_frame()
    if args.grep:
        text = args.grep.lower()
        fields = ["alias", "description", "note", "reference", "seed", "unit"]
        haystack = frame.index.to_series().str.lower()
        for f in fields:
            haystack = haystack + "\n" + frame[f].astype(str).str.lower()
        frame = frame.loc[haystack.str.contains(text, regex=False)]
        if frame.empty:
            raise ParameterError(
                f"--grep {args.grep!r}: no parameter's name, alias, description, note or "
                "source contains it"
            )
    if args.csv:
        print(write_csv(frame), end="")
        return 0
    width = terminal_width()
    blocks = []
    for name, row in frame.iterrows():
        label = f"{name} ({row.alias})" if row.alias else str(name)
        unit = row.unit + (f", {row.price_year} prices" if row.price_year else "")
        lines = [wrap(f"{label} = {row.comparator}{row.value} [{unit}]", width, "", "    ")]
        if row.description:
            lines.append(wrap(row.description, width, "    "))
        lines.append(wrap(f"Source: {row.citation}", width, "    ", "      "))
        if row.overridden:
            lines.append(f"    (overridden: {params.meta(str(name)).source})")
        blocks.append("\n".join(lines))
    print("\n".join(blocks))
    return 0


def run_scenarios(args: argparse.Namespace) -> int:
    from ..inputs.parameters import load_parameters

    params = load_parameters()
    width = terminal_width()

    def label(key: str) -> str:
        return params.label(key) if key in params else key

    for name, s in all_scenarios(args.file).items():
        sets = ", ".join(f"{label(k)}={v}" for k, v in s.set.items())
        print(wrap(f"{name}: {s.description}", width, "", "    "))
        print(wrap(f"set {sets}", width, "    ", "      "))
        if s.reference:
            print(wrap(f"source: {cite(s.reference, 'short')}", width, "    ", "      "))
    return 0


def run_tables(_: argparse.Namespace) -> int:
    for tid, (title, _builder) in TABLES.items():
        print(f"{tid:>6}  {title}")
    return 0
