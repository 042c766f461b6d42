"""The ``dsc-econ`` command line: parse, call the library, print.

Run ``dsc-econ --help`` or ``dsc-econ COMMAND --help``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from . import __version__
from .appraisal import appraisal_table
from .parameters import (
    ParameterError,
    ParameterSet,
    data_dir,
    load_parameters,
    parse_assignment,
)
from .reproduce import MODES, render, render_notes, reproduce, summary_frame
from .scenarios import apply_scenario, load_scenarios
from .tables import TABLES

DESCRIPTION = """\
Cost-benefit appraisal of changes to drug treatment systems, after the Drug System
Change Pilots (DSCP) evaluation final report (NatCen / University of York, 2012).

Every model input lives in a parameters/ folder of YAML files with unit, price year
and source. Override any of them with --set key=value, or point --parameters at a
whole alternative folder.

commands:
  reproduce    the report's tables (C.6.1, the C6 figures, 6.1-6.4, 7.1-7.11, C.7.1,
               C.7.2), each computed value beside the printed one, in two modes
               (as_published: the report's rounded DiD and unit values; exact:
               everything from the counts), every difference beyond rounding explained
  appraise     site benefits, costs, net benefit and benefit-cost ratio (Table 7.10)
               for any sites, under any parameters or scenario
  parameters   list the parameters in use: value, unit, price year and source
  scenarios    list the named scenarios (the report's sensitivity cases)
  tables       list the tables `reproduce` can build

examples:
  dsc-econ reproduce
  dsc-econ reproduce --mode exact --table 7.10 --json
  dsc-econ appraise --set discounting.rate=0.015
  dsc-econ appraise --set discounting.method=green_book --sites 3 7
  dsc-econ appraise --scenario c6_decay_decline
  dsc-econ parameters --grep harms
"""


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--parameters",
        metavar="DIR",
        help="folder of parameter files to use instead of the bundled parameters/",
    )
    parser.add_argument(
        "--set",
        metavar="KEY=VALUE",
        action="append",
        default=[],
        dest="assignments",
        help="override one parameter (repeatable), e.g. --set discounting.rate=0.015",
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``dsc-econ`` (also used to render ``--help``)."""
    parser = argparse.ArgumentParser(
        prog="dsc-econ",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"dsc-econ {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", help=argparse.SUPPRESS)

    rep = sub.add_parser(
        "reproduce",
        help="reproduce the report's tables and explain every difference",
        description=(
            "Compute the report's economic tables and set each value beside the printed "
            "one. Cells beyond the printed rounding are flagged and explained from "
            "published/discrepancies.yaml; where a slip has a hypothesis it is recomputed "
            "and reported as reproduced or not. Exit status 1 if any difference is left "
            "unexplained."
        ),
    )
    _common(rep)
    rep.add_argument(
        "--mode",
        choices=[*MODES, "both"],
        default="both",
        help="as_published, exact or both (default)",
    )
    rep.add_argument(
        "--table",
        action="append",
        metavar="ID",
        help="only this table (repeatable), e.g. --table 7.10; see `dsc-econ tables`",
    )
    rep.add_argument("--json", action="store_true", help="emit JSON (schema in README)")
    rep.add_argument(
        "--summary", action="store_true", help="only the per-table counts and the notes"
    )
    rep.add_argument(
        "--output", metavar="FILE", help="write to FILE (atomically) instead of stdout"
    )

    app = sub.add_parser(
        "appraise",
        help="site benefits, costs, NPV and benefit-cost ratios",
        description=(
            "Appraise pilot sites as in Table 7.10 (money in £ thousand) under the "
            "parameters in use. Prints the unit values per client first."
        ),
    )
    _common(app)
    app.add_argument("--sites", nargs="+", metavar="ID", help="site ids (default: 2-7)")
    app.add_argument("--scenario", metavar="NAME", help="apply a named scenario")
    app.add_argument(
        "--scenario-file",
        metavar="FILE",
        help="scenario file to take --scenario from (default: every bundled file)",
    )
    fmt = app.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true", help="emit JSON")
    fmt.add_argument("--csv", action="store_true", help="emit CSV")

    par = sub.add_parser(
        "parameters",
        help="list parameters with value, unit and source",
        description="List the parameters in use (after --parameters and --set).",
    )
    _common(par)
    par.add_argument("--grep", metavar="TEXT", help="only names containing TEXT")
    par.add_argument("--csv", action="store_true", help="emit CSV with every field")

    scen = sub.add_parser("scenarios", help="list named scenarios")
    scen.add_argument("--file", metavar="FILE", help="scenario file (default: bundled)")

    sub.add_parser("tables", help="list the tables `reproduce` can build")
    return parser


def _load(
    args: argparse.Namespace, scenario: str | None = None, scenario_file: str | None = None
) -> ParameterSet:
    """Parameters from --parameters, then the scenario (if any), then --set (wins)."""
    overrides = dict(parse_assignment(a) for a in args.assignments)
    params = load_parameters(args.parameters)
    if scenario:
        scenarios = _all_scenarios(scenario_file, params)
        if scenario not in scenarios:
            raise ParameterError(
                f"unknown scenario {scenario!r}; known: {sorted(scenarios)}"
            )
        params = apply_scenario(params, scenarios[scenario])
    return params.with_values(overrides, origin="--set") if overrides else params


def _all_scenarios(path: str | None, params: ParameterSet | None = None) -> dict[str, Any]:
    """Scenarios of one file, or of every bundled file (the report's and the package's)."""
    if path:
        return load_scenarios(path, params)
    out: dict[str, Any] = {}
    for file in sorted(data_dir("scenarios").glob("*.yaml")):
        out.update(load_scenarios(file, params))
    return out


def _write(text: str, output: str | None) -> None:
    if output is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        return
    target = Path(output)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _cmd_reproduce(args: argparse.Namespace) -> int:
    params = _load(args)
    modes = list(MODES) if args.mode == "both" else [args.mode]
    result = reproduce(params, tables=args.table, modes=modes)
    unexplained = len(result.unexplained())
    if args.json:
        payload = {"package_version": __version__, **result.to_dict()}
        text = json.dumps(payload, indent=2, allow_nan=False, ensure_ascii=False)
    else:
        parts = [f"dsc-econ {__version__}: reproduction of the DSCP report's tables"]
        if params.overridden:
            parts.append(f"Overridden parameters: {', '.join(params.overridden)}")
        parts.append(summary_frame(result).to_string(index=False))
        parts.append("")
        if not args.summary:
            parts.extend(render(result, m) for m in modes)
        parts.append(render_notes(result))
        parts.append(
            f"\n{unexplained} unexplained difference(s)."
            if unexplained
            else "\nEvery difference beyond rounding is explained."
        )
        text = "\n".join(parts)
    _write(text, args.output)
    return 1 if unexplained else 0


def _cmd_appraise(args: argparse.Namespace) -> int:
    params = _load(args, scenario=args.scenario, scenario_file=args.scenario_file)
    table = appraisal_table(params, args.sites)
    from .valuation import unit_values

    units = unit_values(params)
    if args.json:
        payload = {
            "package_version": __version__,
            "unit_values_gbp": {
                "effective": units.effective,
                "completion": units.completion,
                "long_term": units.long_term,
                "cost": units.cost,
            },
            "sites": {
                site: {k: float(v) for k, v in row.items()}
                for site, row in table.to_dict("index").items()
            },
        }
        print(json.dumps(payload, indent=2, allow_nan=False))
    elif args.csv:
        print(table.to_csv(), end="")
    else:
        print(
            f"Unit values (£ per client): effective treatment {units.effective:,.0f}; "
            f"successful completion {units.completion:,.0f}; treatment cost "
            f"{units.cost:,.0f}."
        )
        if params.overridden:
            print(f"Overridden: {', '.join(params.overridden)}")
        with pd.option_context("display.width", 200, "display.max_columns", 20):
            print("Site appraisal (£ thousand):")
            print(table.round(1).to_string())
    return 0


def _cmd_parameters(args: argparse.Namespace) -> int:
    frame = _load(args).to_frame()
    if args.grep:
        frame = frame.loc[frame.index.str.contains(args.grep, regex=False)]
    if args.csv:
        print(frame.to_csv(), end="")
        return 0
    shown = frame[["value", "comparator", "unit", "price_year", "reference"]].copy()
    shown["value"] = shown.comparator + shown.value.astype(str)
    with pd.option_context(
        "display.width", 250, "display.max_colwidth", 90, "display.max_rows", None
    ):
        print(shown.drop(columns="comparator").to_string())
    return 0


def _cmd_scenarios(args: argparse.Namespace) -> int:
    for name, s in _all_scenarios(args.file).items():
        sets = ", ".join(f"{k}={v}" for k, v in s.set.items())
        print(f"{name}: {s.description}\n    set {sets}")
    return 0


def _cmd_tables(_: argparse.Namespace) -> int:
    for tid, (title, _builder) in TABLES.items():
        print(f"{tid:>6}  {title}")
    return 0


COMMANDS: dict[str, Any] = {
    "reproduce": _cmd_reproduce,
    "appraise": _cmd_appraise,
    "parameters": _cmd_parameters,
    "scenarios": _cmd_scenarios,
    "tables": _cmd_tables,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``dsc-econ``; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    try:
        return int(COMMANDS[args.command](args))
    except (ParameterError, KeyError, ValueError, FileNotFoundError) as exc:
        message = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
        print(f"dsc-econ: error: {message}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
