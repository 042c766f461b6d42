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
  scenarios    list the named scenarios (the report's sensitivity cases and more)
  tables       list the tables `reproduce` can build
  sensitivity  oneway | scenarios | threshold | psa | sobol | morris: how far each
               site's NPV and BCR move with the assumptions (uncertainty/default.yaml)
  report       a board paper (self-contained HTML and PDF) with all of the above
  records      derive | synthesize: from client-level journey records to site counts
               and DiD (aggregate and logistic), or a synthetic extract

examples:
  dsc-econ reproduce
  dsc-econ reproduce --mode exact --table 7.10 --json
  dsc-econ appraise --set discounting.rate=0.015
  dsc-econ appraise --set discounting.method=green_book --sites 3 7
  dsc-econ appraise --scenario c6_decay_decline
  dsc-econ parameters --grep harms
  dsc-econ sensitivity sobol --n 4096
  dsc-econ sensitivity psa --n 100000 --output psa.nc
  dsc-econ sensitivity threshold --input pathways.gamma --low 0 --high 1
  dsc-econ report --out report/
  dsc-econ records synthesize --out extract/
  dsc-econ appraise --journeys extract/journeys.csv --sites-file extract/sites.csv
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
    _records_options(app, required=False)
    app.add_argument(
        "--write-parameters",
        metavar="DIR",
        help="with --journeys: keep the derived parameter folder here",
    )

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
    _sensitivity_parser(sub)
    _records_parser(sub)

    rep = sub.add_parser(
        "report",
        help="board report: one self-contained HTML file and a PDF",
        description=(
            "Write a board-ready sensitivity report (report.html, figures embedded, and "
            "report.pdf printed with headless Chromium) for the parameters in use: "
            "executive summary with intervals and P(BCR > 1), tornado and Sobol charts, "
            "distributions, payback, pathway tree, harm profiles, scenarios, and an "
            "appendix of every assumption with its source."
        ),
    )
    _common(rep)
    rep.add_argument("--out", required=True, metavar="DIR", help="folder to write into")
    rep.add_argument(
        "--scenario-file",
        action="append",
        metavar="FILE",
        help="your scenarios (repeatable)",
    )
    rep.add_argument("--uncertainty", metavar="FILE", help="uncertainty file (YAML)")
    rep.add_argument("--sites", nargs="+", metavar="ID", help="site ids (default: 2-7)")
    rep.add_argument(
        "--n-psa", type=int, default=20_000, help="Monte Carlo samples (20000)"
    )
    rep.add_argument("--n-sobol", type=int, default=4096, help="Sobol base samples (4096)")
    rep.add_argument("--seed", type=int, default=20121, help="random seed (default 20121)")
    rep.add_argument("--no-pdf", action="store_true", help="HTML only (no Chromium needed)")
    rep.add_argument("--title", help="report title")
    return parser


def _records_options(p: argparse.ArgumentParser, required: bool) -> None:
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


def _records_parser(sub: Any) -> None:
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
    _common(p)
    _records_options(p, required=True)
    p.add_argument("--out", metavar="FILE", help="write the site counts (CSV)")
    p.add_argument("--no-regression", action="store_true", help="skip the logistic DiD")
    p = verbs.add_parser("synthesize", help="a synthetic extract matching the site counts")
    _common(p)
    p.add_argument("--out", required=True, metavar="DIR", help="folder for the CSV files")
    p.add_argument("--scale", type=float, default=1.0, help="multiply the counts (1.0)")
    p.add_argument("--seed", type=int, default=2012, help="random seed (2012)")
    p.add_argument("--damaged", action="store_true", help="also write a copy with bad rows")


def _sensitivity_parser(sub: Any) -> None:
    sens = sub.add_parser(
        "sensitivity",
        help="one-way, scenarios, threshold, Monte Carlo, Sobol and Morris analyses",
        description=(
            "Sensitivity and uncertainty analyses of every site's NPV and benefit-cost "
            "ratio. Uncertain inputs and their distributions come from an uncertainty "
            "file (default: the bundled uncertainty/default.yaml). Results print as "
            "tables; --output saves the full xarray Dataset (.nc or .zarr) or a tidy "
            "table (.csv)."
        ),
    )
    verbs = sens.add_subparsers(dest="verb", metavar="ANALYSIS", required=True)

    def verb(name: str, help_text: str) -> argparse.ArgumentParser:
        p = verbs.add_parser(name, help=help_text, description=help_text)
        _common(p)
        p.add_argument("--uncertainty", metavar="FILE", help="uncertainty file (YAML)")
        p.add_argument("--sites", nargs="+", metavar="ID", help="site ids (default: 2-7)")
        p.add_argument("--output", metavar="FILE", help="save results (.nc, .zarr or .csv)")
        return p

    p = verb("oneway", "tornado data (each input at a low and a high quantile)")
    p.add_argument("--low", type=float, default=0.05, help="low quantile (default 0.05)")
    p.add_argument("--high", type=float, default=0.95, help="high quantile (default 0.95)")
    p.add_argument("--top", type=int, default=10, help="inputs to print (default 10)")
    p.add_argument(
        "--spider",
        metavar="FILE",
        help="also save spider data (outputs across a grid of "
        "each input's quantiles) to FILE (.nc, .zarr or .csv)",
    )
    p.add_argument("--points", type=int, default=11, help="spider grid points (11)")
    p = verb("scenarios", "NPV and BCR under each named scenario")
    p.add_argument(
        "--file",
        action="append",
        metavar="FILE",
        help="scenario file(s) (default: bundled)",
    )
    p = verb("threshold", "value of an input at which a site's NPV is zero (BCR = 1)")
    p.add_argument("--input", required=True, metavar="NAME", help="parameter or input name")
    p.add_argument("--low", type=float, help="search from (default: input's range)")
    p.add_argument("--high", type=float, help="search to")
    p = verb("psa", "Monte Carlo: NPV and BCR distributions, P(BCR > 1)")
    p.add_argument("--n", type=int, default=10_000, help="samples (default 10000)")
    p.add_argument("--seed", type=int, default=20121, help="random seed (default 20121)")
    p.add_argument("--interval", type=float, default=0.9, help="central interval (0.9)")
    p.add_argument(
        "--chunked", action="store_true", help="evaluate in chunks through dask (big n)"
    )
    p.add_argument(
        "--scheduler", metavar="ADDRESS", help="dask.distributed scheduler to run on"
    )
    p = verb("sobol", "Sobol first-, total- (and second-) order indices with intervals")
    p.add_argument("--n", type=int, default=1024, help="base samples, power of 2 (1024)")
    p.add_argument("--seed", type=int, default=20121, help="random seed (default 20121)")
    p.add_argument("--second-order", action="store_true", help="also second-order indices")
    p.add_argument(
        "--no-groups", action="store_true", help="index every column, not input groups"
    )
    p.add_argument("--resamples", type=int, default=100, help="bootstrap resamples (100)")
    p = verb("morris", "Morris elementary-effects screening")
    p.add_argument("--trajectories", type=int, default=50, help="trajectories (50)")
    p.add_argument("--levels", type=int, default=4, help="grid levels (4)")
    p.add_argument("--seed", type=int, default=20121, help="random seed (default 20121)")
    p.add_argument(
        "--no-groups", action="store_true", help="index every column, not input groups"
    )


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


def _from_records(args: argparse.Namespace, params: ParameterSet, regression: bool) -> Any:
    from .records import parameters_from_records, read_journeys, read_sites

    journeys = read_journeys(args.journeys, params, args.rejects, args.keep_going)
    n_bad = journeys.rejects["row"].nunique() if len(journeys.rejects) else 0
    if n_bad:
        print(
            f"{n_bad} rows set aside (reasons in {args.rejects}); "
            f"{len(journeys.clean)} rows used.",
            file=sys.stderr,
        )
    sites = read_sites(args.sites_file)
    out = getattr(args, "write_parameters", None)
    folder = Path(out) if out else Path(tempfile.mkdtemp()) / "parameters"
    return parameters_from_records(journeys, sites, params, folder, regression=regression)


def _cmd_records(args: argparse.Namespace) -> int:
    params = _load(args)
    if args.verb == "synthesize":
        from .synthetic import damage, synthetic_journeys, synthetic_sites

        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        journeys = synthetic_journeys(params, scale=args.scale, seed=args.seed)
        journeys.to_csv(out / "journeys.csv", index=False)
        synthetic_sites(params).to_csv(out / "sites.csv", index=False)
        print(
            f"wrote {len(journeys):,} journeys to {out / 'journeys.csv'} and "
            f"{out / 'sites.csv'}"
        )
        if args.damaged:
            bad, problems = damage(journeys, seed=args.seed)
            bad.to_csv(out / "journeys_damaged.csv", index=False)
            print(
                f"wrote {out / 'journeys_damaged.csv'} with bad rows "
                + ", ".join(f"{r} ({p})" for r, p in sorted(problems.items()))
            )
        return 0
    _, tables = _from_records(args, params, regression=not args.no_regression)
    counts = tables["counts"]
    if args.out:
        _write(counts.to_csv(index=False), args.out)
    summary = tables["outcomes_summary"].iloc[0]
    print(
        f"{int(summary.clients):,} client-periods derived; "
        f"{int(summary.clients_in_other_areas):,} in areas outside the sites file ignored."
    )
    print("\nSite counts (Tables 7.5/7.6, 6.2/6.4):")
    print(counts.to_string(index=False))
    agg = tables["aggregate_did"]
    cols = [c for c in agg.columns if c.endswith(("_did", "_se", "_ci_low", "_ci_high"))]
    print("\nDifference in differences from the counts (shares; binomial SE, 95% CI):")
    print(agg[cols].round(4).to_string())
    if "logistic_did" in tables:
        print("\nClient-level logistic DiD (covariates, missing as a category):")
        print(tables["logistic_did"].round(4).to_string())
    return 0


def _cmd_appraise(args: argparse.Namespace) -> int:
    params = _load(args, scenario=args.scenario, scenario_file=args.scenario_file)
    if args.journeys or args.sites_file:
        if not (args.journeys and args.sites_file):
            raise ParameterError("--journeys and --sites-file go together")
        params, tables = _from_records(args, params, regression=True)
        if not (args.json or args.csv):
            print("Site counts derived from the records (Tables 7.5/7.6, 6.2/6.4):")
            print(tables["counts"].to_string(index=False))
            print("\nLogistic DiD from the records (odds ratio, effect in points, p):")
            print(
                tables["logistic_did"][["odds_ratio", "effect_pp", "p_value"]]
                .round(4)
                .to_string()
            )
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


def _save_result(ds: Any, path: str | None) -> None:
    if not path:
        return
    from . import sensitivity as sens

    if path.endswith(".csv"):
        if "sample" in ds.dims:  # a CSV holds the per-site summary, not every draw
            ds = ds.drop_vars([v for v in ds.variables if "sample" in ds[v].dims])
            ds = ds.drop_dims([d for d in ("sample", "parameter") if d in ds.dims])
        _write(sens.tidy(ds).to_csv(index=False), path)
    else:
        sens.save(ds, path)
    print(f"saved {path}")


def _cmd_sensitivity(args: argparse.Namespace) -> int:
    from . import sensitivity as sens
    from .uncertainty import load_uncertainty

    params = _load(args)
    sites = params.check_sites(args.sites) if args.sites else None
    if args.verb == "scenarios":
        ds = sens.scenarios(params, args.file, sites)
        frame = ds.bcr.to_pandas().round(1)
        frame.insert(0, "description", ds.description.values)
        print("Benefit-cost ratio by scenario and site:")
        print(frame.to_string(max_colwidth=50))
        print("\nNet present value (£ thousand):")
        print(ds.npv.to_pandas().round(0).to_string())
        _save_result(ds, args.output)
        return 0
    uncertainty = load_uncertainty(args.uncertainty, params)
    varied = {
        t: i.name for i in uncertainty.inputs for t in i.parameters if i.apply == "set"
    }
    for name in params.overridden:
        if name in varied:
            print(
                f"dsc-econ: warning: {name} is sampled by input {varied[name]!r} of "
                f"{uncertainty.source}, which replaces its --set value in sampled rows",
                file=sys.stderr,
            )
    if args.verb == "oneway":
        ds = sens.oneway(params, uncertainty, sites, args.low, args.high)
        print(
            f"Tornado: NPV (£ thousand) with each input at its {args.low:g} and "
            f"{args.high:g} quantiles, others at their point values."
        )
        for site in ds.site.values:
            top = ds.sel(site=site).swing.to_series().sort_values(ascending=False)
            rows = top.index[: args.top]
            frame = pd.DataFrame(
                {
                    "value low": ds.value.sel(parameter=rows, bound="low").values,
                    "value high": ds.value.sel(parameter=rows, bound="high").values,
                    "NPV low": ds.npv.sel(site=site, parameter=rows, bound="low").values,
                    "NPV high": ds.npv.sel(site=site, parameter=rows, bound="high").values,
                    "swing": top.loc[rows].values,
                },
                index=rows,
            )
            print(f"\nSite {site} (base NPV {float(ds.base_npv.sel(site=site)):,.0f}):")
            print(
                frame.to_string(
                    float_format=lambda v: f"{v:,.3g}" if abs(v) < 10 else f"{v:,.0f}"
                )
            )
        if args.spider:
            _save_result(
                sens.spider(params, uncertainty, sites, args.points, args.low, args.high),
                args.spider,
            )
    elif args.verb == "threshold":
        ds = sens.threshold(params, args.input, sites, args.low, args.high, uncertainty)
        frame = ds[
            ["threshold", "status", "crossings", "npv_low", "npv_high"]
        ].to_dataframe()
        print(f"Value of {args.input} at which NPV = 0 (point value {float(ds.base):g}):")
        print(frame.to_string())
    elif args.verb == "psa":
        client = None
        if args.scheduler:
            from distributed import Client

            client = Client(args.scheduler)
        try:
            ds = sens.psa(
                params,
                uncertainty,
                args.n,
                args.seed,
                sites,
                args.interval,
                keep_samples=bool(args.output),
                chunked=True if (args.chunked or args.scheduler) else None,
            )
        finally:
            if client is not None:
                client.close()
        pct = f"{args.interval:.0%}"
        frame = pd.DataFrame(
            {
                "NPV mean": ds.npv_mean.values,
                f"NPV {pct} low": ds.npv_low.values,
                f"NPV {pct} high": ds.npv_high.values,
                "BCR median": ds.bcr_median.values,
                f"BCR {pct} low": ds.bcr_low.values,
                f"BCR {pct} high": ds.bcr_high.values,
                "P(BCR>1)": ds.prob_bcr_gt_1.values,
            },
            index=pd.Index(ds.site.values, name="site"),
        )
        print(f"Monte Carlo, {args.n:,} samples, seed {args.seed} (NPV in £ thousand):")
        print(frame.round(2).to_string())
    elif args.verb == "sobol":
        ds = sens.sobol(
            params,
            uncertainty,
            args.n,
            args.seed,
            sites,
            second_order=args.second_order,
            groups=not args.no_groups,
            resamples=args.resamples,
        )
        print(
            f"Sobol indices of NPV ({ds.attrs['rows']:,} model runs, seed {args.seed}); "
            "total order ST (first order S1), ± 95% interval:"
        )
        st, s1 = ds.ST.sel(output="npv"), ds.S1.sel(output="npv")
        conf = ds.ST_conf.sel(output="npv")
        cells = {
            site: [
                f"{st.sel(site=site, parameter=p).item():.2f}"
                f"±{conf.sel(site=site, parameter=p).item():.2f}"
                f" ({s1.sel(site=site, parameter=p).item():.2f})"
                for p in ds.parameter.values
            ]
            for site in ds.site.values
        }
        print(pd.DataFrame(cells, index=ds.parameter.values).to_string())
    elif args.verb == "morris":
        ds = sens.morris(
            params,
            uncertainty,
            args.trajectories,
            args.levels,
            args.seed,
            sites,
            groups=not args.no_groups,
        )
        print(f"Morris screening of NPV ({ds.attrs['rows']:,} runs): mu* (£ thousand)")
        print(ds.mu_star.sel(output="npv").to_pandas().T.round(0).to_string())
    _save_result(ds, args.output)
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    from .report import report

    params = _load(args)
    kwargs = {"title": args.title} if args.title else {}
    files = report(
        args.out,
        params,
        scenario_files=args.scenario_file,
        uncertainty=args.uncertainty,
        sites=args.sites,
        n_psa=args.n_psa,
        n_sobol=args.n_sobol,
        seed=args.seed,
        pdf=not args.no_pdf,
        command_line=" ".join(["dsc-econ", *args.argv]),
        **kwargs,
    )
    print(f"wrote {files.html}" + (f" and {files.pdf}" if files.pdf else ""))
    return 0


COMMANDS: dict[str, Any] = {
    "reproduce": _cmd_reproduce,
    "appraise": _cmd_appraise,
    "parameters": _cmd_parameters,
    "scenarios": _cmd_scenarios,
    "tables": _cmd_tables,
    "sensitivity": _cmd_sensitivity,
    "report": _cmd_report,
    "records": _cmd_records,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``dsc-econ``; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    args.argv = list(argv) if argv is not None else sys.argv[1:]
    if args.command is None:
        parser.print_help()
        return 0
    try:
        return int(COMMANDS[args.command](args))
    except (
        ParameterError,
        KeyError,
        ValueError,
        FileNotFoundError,
        RuntimeError,
        ImportError,
        OSError,
    ) as exc:
        message = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
        print(f"dsc-econ: error: {message}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
