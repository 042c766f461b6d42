"""``dsc-econ sensitivity``: one-way, scenarios, threshold, Monte Carlo, Sobol, Morris,
value of information."""

from __future__ import annotations

import argparse
import sys
from typing import Any

import pandas as pd

from ..inputs import limits as lim
from ..inputs.parameters import ParameterError
from ..outputs.terminal import frame_text, terminal_width, wrap
from .common import (
    add_common_options,
    check_finite,
    count,
    guard,
    load_params,
    number,
    save_result,
    seed_option,
)

RESULT_SUFFIXES = (".nc", ".nc4", ".h5", ".zarr", ".csv")
"""Suffixes ``--output`` and ``--spider`` accept (checked before the run)."""


def add_parser(sub: Any) -> None:
    """Register ``sensitivity`` and its analyses."""
    sens = sub.add_parser(
        "sensitivity",
        help="one-way, scenarios, threshold, Monte Carlo, Sobol, Morris and value of "
        "information",
        description=(
            "Sensitivity and uncertainty analyses of every site's NPV and benefit-cost "
            "ratio. Uncertain inputs and their distributions come from an uncertainty "
            "file (default: the parameter folder's own uncertainty/default.yaml, as "
            "dsc-econ new writes, else the bundled one). Results print as "
            "tables; --output saves the full xarray Dataset (.nc or .zarr) or a tidy "
            "table (.csv)."
        ),
    )
    verbs = sens.add_subparsers(dest="verb", metavar="ANALYSIS", required=True)

    def verb(name: str, help_text: str) -> argparse.ArgumentParser:
        p = verbs.add_parser(name, help=help_text, description=help_text)
        add_common_options(p)
        p.add_argument("--uncertainty", metavar="FILE", help="uncertainty file (YAML)")
        p.add_argument("--sites", nargs="+", metavar="ID", help="site ids (default: 2-7)")
        p.add_argument("--output", metavar="FILE", help="save results (.nc, .zarr or .csv)")
        return p

    p = verb("oneway", "tornado data (each input at a low and a high quantile)")
    p.add_argument("--low", type=float, default=0.05, help="low quantile (default 0.05)")
    p.add_argument("--high", type=float, default=0.95, help="high quantile (default 0.95)")
    p.add_argument(
        "--top", type=count(1, 100_000), default=10, help="inputs to print (default 10)"
    )
    p.add_argument(
        "--spider",
        metavar="FILE",
        help="also save spider data (outputs across a grid of "
        "each input's quantiles) to FILE (.nc, .zarr or .csv)",
    )
    p.add_argument(
        "--points",
        type=count(2, lim.MAX_POINTS),
        default=11,
        help="spider grid points (11)",
    )
    p = verb("scenarios", "NPV and BCR under each named scenario")
    p.add_argument(
        "--file",
        action="append",
        metavar="FILE",
        help="scenario file(s) (default: bundled)",
    )
    p = verb(
        "threshold",
        "switching values: the value of an input at which a site's NPV is zero "
        "(BCR = 1); without --input, a table for every input of the uncertainty file",
    )
    p.add_argument(
        "--input",
        metavar="NAME",
        help="one input: an uncertainty input, a parameter key or its alias (e.g. "
        "abstinence, pathways.gamma or gamma); default: every input",
    )
    p.add_argument(
        "--low", type=number(), help="search from (default: input's range)"
    )
    p.add_argument("--high", type=number(), help="search to")
    p = verb("psa", "Monte Carlo: NPV and BCR distributions, P(BCR > 1)")
    p.add_argument(
        "--n",
        type=count(2, lim.MAX_SAMPLES),
        default=10_000,
        help="samples (default 10000)",
    )
    seed_option(p, 20121)
    p.add_argument("--interval", type=float, default=0.9, help="central interval (0.9)")
    p.add_argument(
        "--chunked",
        action="store_true",
        help="memory flat in n (default above 2^20): running summaries only, or with "
        "--output every sample through dask",
    )
    p.add_argument(
        "--scheduler", metavar="ADDRESS", help="dask.distributed scheduler to run on"
    )
    p = verb("sobol", "Sobol first-, total- (and second-) order indices with intervals")
    p.add_argument(
        "--n",
        type=count(2, lim.MAX_SOBOL_BASE),
        default=1024,
        help="base samples, power of 2 (1024)",
    )
    seed_option(p, 20121)
    p.add_argument("--second-order", action="store_true", help="also second-order indices")
    p.add_argument(
        "--no-groups", action="store_true", help="index every column, not input groups"
    )
    p.add_argument(
        "--resamples",
        type=count(1, lim.MAX_RESAMPLES),
        default=100,
        help="bootstrap resamples (100)",
    )
    p = verb("morris", "Morris elementary-effects screening")
    p.add_argument(
        "--trajectories",
        type=count(2, lim.MAX_TRAJECTORIES),
        default=50,
        help="trajectories (50)",
    )
    p.add_argument("--levels", type=count(2, 1_000), default=4, help="grid levels (4)")
    seed_option(p, 20121)
    p.add_argument(
        "--no-groups", action="store_true", help="index every column, not input groups"
    )

    p = verb("voi", "value of information: EVPI and EVPPI of each input group per site")
    p.add_argument(
        "--n",
        type=count(lim.MIN_VOI_SAMPLES, lim.MAX_VOI_SAMPLES),
        default=10_000,
        help=f"Monte Carlo samples (10000; at least {lim.MIN_VOI_SAMPLES}: the EVPPI "
        "regression needs many more samples than terms)",
    )
    seed_option(p, 20121)
    p.add_argument(
        "--decisions",
        type=float,
        metavar="N",
        help="number of decisions the information would inform (default: per decision)",
    )
    p.add_argument(
        "--top", type=count(1, 100_000), default=5, help="groups to print per site (5)"
    )


def print_voi(ds: Any, top: int) -> None:
    """EVPI per site, then the EVPPI ranking of each site's input groups."""
    from ..sensitivity.voi import PROGRAMME

    scale = ds.attrs.get("scale", "per decision")
    print(
        f"Value of information, {ds.attrs['n']:,} Monte Carlo samples, seed "
        f"{ds.attrs['seed']} (£ thousand, {scale}); options: {ds.attrs['options']}."
    )
    frame = pd.DataFrame(
        {
            "best option now": ds.best_option.values,
            "P(best is right)": ds.prob_best.max("option").values,
            "EVPI": ds.evpi.values,
            "± se": ds.evpi_se.values,
        },
        index=pd.Index(ds.site.values, name="site"),
    )
    print(
        frame.to_string(float_format=lambda v: f"{v:,.2f}" if abs(v) < 1 else f"{v:,.0f}")
    )
    print(
        "\nEVPPI: the value of learning one input or group exactly (regression on the "
        "sample; R² of the fit):"
    )
    for site in ds.site.values:
        evpi = float(ds.evpi.sel(site=site))
        label = "All sites together" if site == PROGRAMME else f"Site {site}"
        print(f"\n{label} (EVPI {evpi:,.0f}):")
        if evpi <= 0:
            print("  no value: the same option is best in every sample")
            continue
        ranked = ds.evppi.sel(site=site).to_series().sort_values(ascending=False)
        rows = ranked.index[:top]
        table = pd.DataFrame(
            {
                "EVPPI": ranked.loc[rows].values,
                "± se": ds.evppi_se.sel(site=site, group=rows).values,
                "share of EVPI": ds.evppi_share.sel(site=site, group=rows).values,
                "R²": ds.r_squared.sel(site=site, group=rows).values,
                "kind": ds.kind.sel(group=rows).values,
            },
            index=pd.Index(rows, name="group"),
        )
        print(
            table.to_string(
                formatters={
                    "EVPPI": "{:,.0f}".format,
                    "± se": "{:,.0f}".format,
                    "share of EVPI": "{:.0%}".format,
                    "R²": "{:.2f}".format,
                }
            )
        )
    print("\nRegression: " + ds.attrs["regression"] + ".")


def run(args: argparse.Namespace) -> int:
    from .. import sensitivity as sens
    from ..sensitivity.distributions import load_uncertainty
    from .estimates import announce_run

    guard(args, args.output, "--output", suffixes=RESULT_SUFFIXES)
    guard(args, getattr(args, "spider", None), "--spider", suffixes=RESULT_SUFFIXES)
    params = load_params(args)
    sites = params.check_sites(args.sites) if args.sites else None
    if args.verb == "scenarios":
        ds = sens.scenarios(params, args.file, sites)
        check_finite(ds[["npv"]], params, "sensitivity scenarios")
        frame = ds.bcr.to_pandas().round(1)
        frame.insert(0, "description", ds.description.values)
        print("Benefit-cost ratio (ratio, every site column) by scenario and site:")
        print(frame_text(frame, max_colwidth=50))
        print("\nNet present value (£ thousand, every column):")
        print(ds.npv.to_pandas().round(0).to_string())
        save_result(ds, args.output)
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
    announce_run(args, params, uncertainty, sites)  # issue 18: large runs said first
    if args.verb == "oneway":
        ds = sens.oneway(params, uncertainty, sites, args.low, args.high)
        check_finite(ds[["npv"]], params, "oneway")
        print(
            f"Tornado: NPV with each input at its {args.low:g} and "
            f"{args.high:g} quantiles, others at their point values."
        )
        from ..outputs.sensitivity_tables import oneway_ranges

        ranges = oneway_ranges(ds, uncertainty, params)
        for site in ds.site.values:
            top = ds.sel(site=site).swing.to_series().sort_values(ascending=False)
            rows = top.index[: args.top]
            frame = pd.DataFrame(
                {
                    "moved over (low to high)": [ranges[str(p)] for p in rows],
                    "NPV low (£k)": ds.npv.sel(
                        site=site, parameter=rows, bound="low"
                    ).values,
                    "NPV high (£k)": ds.npv.sel(
                        site=site, parameter=rows, bound="high"
                    ).values,
                    "swing (£k)": top.loc[rows].values,
                },
                index=[_label(uncertainty, r) for r in rows],
            )
            base = float(ds.base_npv.sel(site=site))
            print(f"\nSite {site} (base NPV {base:,.0f} £k):")
            print(
                frame_text(
                    frame,
                    formatter=lambda v: f"{v:,.3g}" if abs(v) < 10 else f"{v:,.0f}",
                )
            )
        if args.spider:
            save_result(
                sens.spider(params, uncertainty, sites, args.points, args.low, args.high),
                args.spider,
            )
    elif args.verb == "threshold" and args.input is None:
        if args.low is not None or args.high is not None:
            raise ParameterError("--low/--high need --input (one input's search range)")
        ds = sens.thresholds(params, uncertainty, sites)
        print(_thresholds_text(ds, params, uncertainty))
    elif args.verb == "threshold":
        ds = sens.threshold(params, args.input, sites, args.low, args.high, uncertainty)
        frame = ds[
            ["threshold", "status", "crossings", "npv_low", "npv_high"]
        ].to_dataframe()
        frame = frame.rename(
            columns={"npv_low": "NPV at low (£k)", "npv_high": "NPV at high (£k)"}
        )
        item = uncertainty.find(args.input, params)
        label = (
            uncertainty.label(item) if item is not None else params.label(args.input)
        )
        print(
            wrap(
                f"Value of {label} at which NPV = 0 (point value {float(ds.base):g}; "
                f"searched {float(ds.attrs['low']):g} to {float(ds.attrs['high']):g}):",
                terminal_width(),
            )
        )
        print(frame_text(frame.round({"NPV at low (£k)": 1, "NPV at high (£k)": 1})))
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
        check_finite(ds[["npv_mean", "npv_low", "npv_high"]], params, "psa")
        pct = f"{args.interval:.0%}"
        frame = pd.DataFrame(
            {
                "NPV mean (£k)": ds.npv_mean.values,
                f"NPV {pct} low (£k)": ds.npv_low.values,
                f"NPV {pct} high (£k)": ds.npv_high.values,
                "BCR median (ratio)": ds.bcr_median.values,
                f"BCR {pct} low (ratio)": ds.bcr_low.values,
                f"BCR {pct} high (ratio)": ds.bcr_high.values,
                "P(BCR>1)": ds.prob_bcr_gt_1.values,
            },
            index=pd.Index(ds.site.values, name="site"),
        )
        print(f"Monte Carlo, {args.n:,} samples, seed {args.seed}:")
        print(frame_text(frame.round(2)))
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
        from ..outputs.sensitivity_tables import sobol_table

        print(
            f"Sobol indices of NPV ({ds.attrs['rows']:,} model runs, seed {args.seed}); "
            "total order ST (first order S1), ± 95% interval; sorted by total effect:"
        )
        table = sobol_table(ds, "npv")
        table.index = [
            _label(uncertainty, p) if p in set(map(str, ds.parameter.values)) else p
            for p in table.index
        ]
        print(frame_text(table))
        if table.attrs["folded"]:
            print("no effect at any site: " + ", ".join(table.attrs["folded"]))
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
        from ..outputs.sensitivity_tables import morris_table

        print(
            f"Morris screening of NPV ({ds.attrs['rows']:,} runs): mu* and sigma in £ "
            "thousand; sigma/mu* near 0 means an additive, linear effect, above about 1 "
            "a strongly interacting or non-linear one"
        )
        for site in ds.site.values:
            print(f"\nSite {site}:")
            table = morris_table(ds, str(site))
            table.index = [_label(uncertainty, p) for p in table.index]
            print(table.round(2).to_string(na_rep="n/a"))
            if table.attrs["folded"]:
                print("no effect: " + ", ".join(table.attrs["folded"]))
        print("(n/a: SALib gives no sigma for an input group)")
    elif args.verb == "voi":
        ds = sens.voi(
            params, uncertainty, args.n, args.seed, sites, decisions=args.decisions
        )
        print_voi(ds, args.top)
    save_result(ds, args.output)
    return 0


def _thresholds_text(ds: Any, params: Any, uncertainty: Any) -> str:
    """The switching-value table of every input, one row per input, sites as columns."""
    rows = {}
    for name in ds.input.values:
        item = uncertainty.input(str(name))
        one = ds.sel(input=name)
        unit = str(one.unit.values)
        row = {}
        for site in ds.site.values:
            cell = one.sel(site=site)
            row[f"site {site}"] = (
                f"{float(cell.threshold):.4g}" if str(cell.status.values) == "found"
                else "none"
            )
        row["point value"] = f"{float(one.base):.4g}"
        row["unit"] = unit
        row["parameter"] = uncertainty.label(item)[len(item.name) + 2 : -1]
        rows[item.name] = row
    frame = pd.DataFrame.from_dict(rows, orient="index")
    frame.index.name = "input"
    width = terminal_width()
    skipped = [i.name for i in uncertainty.inputs if i.kind != "parameter"]
    lines = [
        wrap(
            "Switching values: the value of each input at which a site's NPV is zero "
            "(BCR = 1), the other inputs at their point values. Searched over each "
            "input's 0.1%-99.9% quantiles; 'none' means NPV keeps one sign over that "
            "range. 'multiplier' inputs scale their parameters (1 = point value).",
            width,
        ),
        frame_text(frame, width),
    ]
    if skipped:
        lines.append(
            wrap(
                f"Not searched: {', '.join(skipped)} (a DiD input moves two estimates "
                "together, so it has no single switching value).",
                width,
            )
        )
    return "\n".join(lines)


def _label(uncertainty: Any, name: str) -> str:
    """``input (parameter)`` for an input that sets one parameter; else the name."""
    item = uncertainty.find(str(name))
    if item is None or item.kind != "parameter" or len(item.parameters) != 1:
        return str(name)
    return uncertainty.label(item)

