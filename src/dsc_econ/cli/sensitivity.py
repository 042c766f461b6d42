"""``dsc-econ sensitivity``: one-way, scenarios, threshold, Monte Carlo, Sobol, Morris."""

from __future__ import annotations

import argparse
import sys
from typing import Any

import pandas as pd

from .common import add_common_options, load_params, save_result


def add_parser(sub: Any) -> None:
    """Register ``sensitivity`` and its analyses."""
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
        add_common_options(p)
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
        "--chunked",
        action="store_true",
        help="keep running summaries only, memory flat in n (default above 2^20)",
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


def run(args: argparse.Namespace) -> int:
    from .. import sensitivity as sens
    from ..sensitivity.distributions import load_uncertainty

    params = load_params(args)
    sites = params.check_sites(args.sites) if args.sites else None
    if args.verb == "scenarios":
        ds = sens.scenarios(params, args.file, sites)
        frame = ds.bcr.to_pandas().round(1)
        frame.insert(0, "description", ds.description.values)
        print("Benefit-cost ratio by scenario and site:")
        print(frame.to_string(max_colwidth=50))
        print("\nNet present value (£ thousand):")
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
            save_result(
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
    save_result(ds, args.output)
    return 0
