"""``dsc-econ records``: from client-level journey records to site counts and DiD;
the --journeys options ``appraise`` shares."""

from __future__ import annotations

import argparse
import dataclasses
import sys
import tempfile
import warnings
from pathlib import Path
from typing import Any

import pandas as pd

from ..inputs.limits import MAX_SCALE
from ..inputs.parameters import ParameterSet
from ..inputs.safety import write_csv
from ..outputs.terminal import terminal_width, wrap
from .common import add_common_options, guard, load_params, number, seed_option


def add_records_options(p: argparse.ArgumentParser, required: bool) -> None:
    """--journeys, --sites-file, --rejects and --keep-going."""
    p.add_argument(
        "--journeys",
        required=required,
        metavar="FILE",
        help="journey-level records (CSV or Parquet; columns in the README)",
    )
    p.add_argument(
        "--sites-file",
        dest="sites_file",
        required=required,
        metavar="FILE",
        help="which area is which site's pilot or comparison, and the costs (CSV)",
    )
    p.add_argument(
        "--rejects",
        metavar="FILE",
        default="rejects.csv",
        help="where to write the rejected rows with reasons (default rejects.csv)",
    )
    p.add_argument(
        "--keep-going",
        action="store_true",
        help="set rejected rows aside and proceed (the count is reported)",
    )
    p.add_argument(
        "--encoding",
        default="utf-8",
        metavar="NAME",
        help="text encoding of the CSV files when not UTF-8 (e.g. cp1252)",
    )
    p.add_argument(
        "--extract-date",
        dest="extract_date",
        metavar="YYYY-MM-DD",
        help="when the extract was taken (default today): later dates are rejected",
    )


def add_parser(sub: Any) -> None:
    """Register ``records derive | synthesize``."""
    rec = sub.add_parser(
        "records",
        help="from client-level treatment records to site outcomes and DiD",
        description=(
            "Derive effective treatment and successful completions from journey records "
            "(Appendix B2), estimate the differences in differences (aggregate and "
            "client-level logistic), or make a synthetic extract."
        ),
    )
    verbs = rec.add_subparsers(dest="verb", metavar="ACTION", required=True)
    p = verbs.add_parser("derive", help="site counts, aggregate and logistic DiD")
    add_common_options(p)
    add_records_options(p, required=True)
    p.add_argument("--out", metavar="FILE", help="write the site counts (CSV)")
    p.add_argument("--no-regression", action="store_true", help="skip the logistic DiD")
    p = verbs.add_parser("synthesize", help="a synthetic extract matching the site counts")
    add_common_options(p)
    p.add_argument("--out", required=True, metavar="DIR", help="folder for the CSV files")
    p.add_argument(
        "--scale",
        type=number(0.0, MAX_SCALE),
        default=1.0,
        help=f"multiply the counts (1.0; at most {MAX_SCALE:g})",
    )
    seed_option(p, 2012)
    p.add_argument("--damaged", action="store_true", help="also write a copy with bad rows")


def from_records(args: argparse.Namespace, params: ParameterSet, regression: bool) -> Any:
    """Parameters and derived tables from --journeys and --sites-file.

    The derived parameter folder is written to --write-parameters, or else staged in a
    temporary folder that is removed when this returns (also on an error or Ctrl-C);
    the parameters are then held in memory. Warnings (a covariate left out of the
    regression) are printed as ``dsc-econ: warning: ...``.
    """
    from ..outputs.terminal import Progress
    from ..records.journeys import (
        RecordsWarning,
        parameters_from_records,
        read_journeys,
        read_sites,
    )

    progress = Progress("records")  # stage lines on a terminal, silent when piped
    progress.stage(f"reading and checking {args.journeys}")
    journeys = read_journeys(
        args.journeys,
        params,
        args.rejects,
        args.keep_going,
        encoding=args.encoding,
        extract_date=args.extract_date,
    )
    n_bad = journeys.rejects["row"].nunique() if len(journeys.rejects) else 0
    if n_bad:
        print(
            f"{n_bad} rows set aside (reasons in {args.rejects}); "
            f"{len(journeys.clean)} rows used.",
            file=sys.stderr,
        )
    sites = read_sites(args.sites_file, encoding=args.encoding)
    out = getattr(args, "write_parameters", None)
    progress.stage(
        "deriving outcomes (Appendix B2), site counts and DiD"
        + ("; fitting the logistic DiD" if regression else "")
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", RecordsWarning)
        if out:
            result = parameters_from_records(journeys, sites, params, out, regression)
        else:
            with tempfile.TemporaryDirectory(prefix="dsc-econ-records-") as tmp:
                programme, tables = parameters_from_records(
                    journeys, sites, params, Path(tmp) / "parameters", regression
                )
                origin = f"derived from {args.journeys} and {args.sites_file}"
                result = dataclasses.replace(programme, source=origin), tables
    for w in caught:
        if issubclass(w.category, RecordsWarning):
            print(f"dsc-econ: warning: {w.message}", file=sys.stderr)
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    progress.stage("done")
    return result


SYNTHETIC_FILES = ("journeys.csv", "sites.csv", "journeys_damaged.csv")
"""The files ``records synthesize`` writes into its --out folder."""


def run(args: argparse.Namespace) -> int:
    if args.verb == "synthesize":
        guard(args, args.out, "--out", folder=True)
        names = SYNTHETIC_FILES if args.damaged else SYNTHETIC_FILES[:2]
        for name in names:
            guard(args, Path(args.out) / name, "--out")
    else:
        guard(args, args.out, "--out")
        guard(args, args.rejects, "--rejects")
        if args.out and Path(args.out).resolve() == Path(args.rejects).resolve():
            raise ValueError(f"--out and --rejects both name {args.out}; give two files")
    params = load_params(args)
    if args.verb == "synthesize":
        from ..records.synthetic import damage, synthetic_journeys, synthetic_sites
        from .estimates import announce_synthesize

        announce_synthesize(args, params)  # said (or refused) before anything is made
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        journeys = synthetic_journeys(params, scale=args.scale, seed=args.seed)
        write_csv(journeys, out / "journeys.csv", index=False)
        write_csv(synthetic_sites(params), out / "sites.csv", index=False)
        print(
            wrap(
                f"wrote {len(journeys):,} journeys to {out / 'journeys.csv'} and "
                f"{out / 'sites.csv'}",
                terminal_width(),
                "",
                "  ",
            )
        )
        if args.damaged:
            bad, problems = damage(journeys, seed=args.seed)
            write_csv(bad, out / "journeys_damaged.csv", index=False)
            print(
                wrap(
                    f"wrote {out / 'journeys_damaged.csv'} with bad rows "
                    + ", ".join(f"{r} ({p})" for r, p in sorted(problems.items())),
                    terminal_width(),
                    "",
                    "  ",
                )
            )
        return 0
    _, tables = from_records(args, params, regression=not args.no_regression)
    counts = tables["counts"]
    if args.out:
        write_csv(counts, args.out, index=False)
    summary = tables["outcomes_summary"].iloc[0]
    from ..outputs.terminal import format_cells, frame_text, pvalue_column, with_units

    width = terminal_width()
    print(
        wrap(
            f"{int(summary.clients):,} client-periods derived; "
            f"{int(summary.clients_in_other_areas):,} in areas outside the sites file "
            "ignored.",
            width,
        )
    )

    print("\nSite counts (clients; Tables 7.5/7.6, 6.2/6.4):")
    counts_kinds = {
        c: "count" for c in counts.columns if pd.api.types.is_integer_dtype(counts[c])
    }
    shown = format_cells(counts, counts_kinds)
    keys = [c for c in ("site", "area", "period") if c in shown.columns]
    print(frame_text(shown.set_index(keys) if keys else shown, width))
    agg = tables["aggregate_did"]
    cols = [c for c in agg.columns if c.endswith(("_did", "_se", "_ci_low", "_ci_high"))]
    print(
        "\n"
        + wrap(
            "Difference in differences from the counts (every column a difference of "
            "shares; binomial SE, 95% CI):",
            width,
        )
    )
    # one row per site and measure, the statistics side by side: fits any width
    stats = ("_ci_low", "_ci_high", "_did", "_se")
    records = []
    for site, row in agg[cols].iterrows():
        for c in cols:
            stat = next(x for x in stats if c.endswith(x))
            records.append((site, c[: -len(stat)], stat[1:], row[c]))
    long = pd.DataFrame(records, columns=["site", "measure", "stat", "value"])
    long = long.pivot_table(
        index=["site", "measure"], columns="stat", values="value", sort=False
    )
    long = long[[s[1:] for s in ("_did", "_se", "_ci_low", "_ci_high") if s[1:] in long]]
    long.columns.name = None
    print(frame_text(long.round(4), width))
    if "logistic_did" in tables:
        print("\nClient-level logistic DiD (covariates, missing as a category):")
        units = {
            "odds_ratio": "ratio",
            "ci_low": "odds ratio",
            "ci_high": "odds ratio",
            "p_value": "",
            "effect_pp": "percentage points",
            "did_pp": "percentage points",
            "n": "clients",
        }
        logistic = tables["logistic_did"].round(4)
        logistic["p_value"] = pvalue_column(logistic["p_value"])
        print(frame_text(with_units(logistic, units), width))
    return 0
