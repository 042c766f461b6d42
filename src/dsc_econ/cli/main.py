"""The ``dsc-econ`` command line: parse, call the library, print.

Run ``dsc-econ --help`` or ``dsc-econ COMMAND --help``.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Callable, Sequence
from typing import Any

from .._version import __version__
from ..inputs.parameters import ParameterError
from ..outputs.terminal import HelpFormatter
from . import appraise, cashflow, catalogue, new, records, report, reproduce, sensitivity
from . import tree as tree_cli
from . import voi as voi_cli

DESCRIPTION = """\
Cost-benefit appraisal of changes to drug treatment systems, after the Drug System
Change Pilots (DSCP) evaluation final report (NatCen / University of York, 2012).

Every model input lives in a parameters/ folder of YAML files with unit, price year
and source. Override any of them with --set key=value, or point --parameters at a
whole alternative folder.

commands:
  new          a project of your own: counts and costs tables (any number of cost
               years) to a validated parameter folder for --parameters DIR
  reproduce    the report's tables (C.6.1, the C6 figures, 6.1-6.4, 7.1-7.11, C.7.1,
               C.7.2), each computed value beside the printed one, in two modes
               (as_published: the report's rounded DiD and unit values; exact:
               everything from the counts), every difference beyond rounding explained
  appraise     site benefits, costs, net benefit and benefit-cost ratio (Table 7.10)
               for any sites, under any parameters or scenario
  cashflow     cash flows by year, payback and time-profile NPV/BCR per site (stock-flow
               model of Appendix C3, profiles of C2, streams such as section 7.3's)
  parameters   list the parameters in use: value, unit, price year and source
  scenarios    list the named scenarios (the report's sensitivity cases and more)
  tables       list the tables `reproduce` can build
  sensitivity  oneway | scenarios | threshold | psa | sobol | morris | voi: how far
               each site's NPV and BCR move with the assumptions
               (uncertainty/default.yaml), and what finding out more is worth
  voi          value of information for any model's PSA output: costs and effects (or
               net benefits) per option and parameter draws as CSV files
  report       a board paper (self-contained HTML and PDF) with all of the above
  records      derive | synthesize: from client-level journey records to site counts
               and DiD (aggregate and logistic), or a synthetic extract

examples:
  dsc-econ new my_project --counts counts.csv --costs costs.csv --start 2026-04
  dsc-econ appraise --parameters my_project
  dsc-econ reproduce
  dsc-econ reproduce --mode exact --table 7.10 --json
  dsc-econ appraise --set discounting.rate=0.015
  dsc-econ appraise --set discounting.method=green_book --sites 3 7
  dsc-econ appraise --scenario c6_decay_decline
  dsc-econ cashflow --table 3 all
  dsc-econ cashflow --scenario managerial_savings
  dsc-econ parameters --grep harms
  dsc-econ tree --parameters my_project
  dsc-econ sensitivity sobol --n 4096
  dsc-econ sensitivity voi
  dsc-econ sensitivity psa --n 100000 --output psa.nc
  dsc-econ sensitivity threshold --input pathways.gamma --low 0 --high 1
  dsc-econ report --out report/
  dsc-econ records synthesize --out extract/
  dsc-econ appraise --journeys extract/journeys.csv --sites-file extract/sites.csv
"""


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``dsc-econ`` (also used to render ``--help``)."""
    parser = argparse.ArgumentParser(
        prog="dsc-econ",
        description=DESCRIPTION,
        formatter_class=HelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"dsc-econ {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", help=argparse.SUPPRESS)
    new.add_parser(sub)
    reproduce.add_parser(sub)
    appraise.add_parser(sub)
    cashflow.add_parser(sub)
    catalogue.add_parsers(sub)
    sensitivity.add_parser(sub)
    records.add_parser(sub)
    report.add_parser(sub)
    voi_cli.add_parser(sub)
    tree_cli.add_parser(sub)
    return parser


COMMANDS: dict[str, Callable[[argparse.Namespace], Any]] = {
    "new": new.run,
    "reproduce": reproduce.run,
    "appraise": appraise.run,
    "cashflow": cashflow.run,
    "parameters": catalogue.run_parameters,
    "scenarios": catalogue.run_scenarios,
    "tables": catalogue.run_tables,
    "sensitivity": sensitivity.run,
    "report": report.run,
    "records": records.run,
    "voi": voi_cli.run,
    "tree": tree_cli.run,
}
"""Each verb and the function that runs it."""


MAX_MESSAGE = 2_000
"""Most characters of an error message printed (a backstop: messages quote values
through :func:`dsc_econ.inputs.safety.excerpt`)."""


def _show_warning(message: Any, category: Any, *args: Any, **kwargs: Any) -> None:
    """Warnings as one line each, without the package's source line."""
    print(f"dsc-econ: warning: {message}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``dsc-econ``; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    args.argv = list(argv) if argv is not None else sys.argv[1:]
    if args.command is None:
        parser.print_help()
        return 0
    try:
        with warnings.catch_warnings():
            warnings.showwarning = _show_warning
            code = int(COMMANDS[args.command](args))
            sys.stdout.flush()  # a closed pipe shows here, inside the handler below
            return code
    except BrokenPipeError:
        # `dsc-econ parameters | head`: the reader left; stop quietly. Point stdout at
        # devnull so Python's own flush at exit does not complain again.
        import os

        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except MemoryError:
        print(
            "dsc-econ: error: out of memory; use fewer samples (--n, --trajectories, "
            "--n-psa, --n-sobol, --points) or, for psa, --chunked",
            file=sys.stderr,
        )
        return 2
    except KeyboardInterrupt:
        print("dsc-econ: interrupted", file=sys.stderr)
        return 130
    except (
        ParameterError,
        KeyError,
        ValueError,
        FileNotFoundError,
        RuntimeError,
        ImportError,
        OSError,
    ) as exc:
        message = str(exc.args[0] if isinstance(exc, KeyError) and exc.args else exc)
        if len(message) > MAX_MESSAGE:  # never echo a whole file (issue 18)
            message = f"{message[:MAX_MESSAGE]}... ({len(message):,} characters in all)"
        print(f"dsc-econ: error: {message}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
