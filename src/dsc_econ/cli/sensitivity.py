"""``dsc-econ sensitivity``: one-way, scenarios, threshold, Monte Carlo, Sobol, Morris,
value of information."""

from __future__ import annotations

import argparse
import sys
from typing import Any

import numpy as np
import pandas as pd

from ..inputs import limits as lim
from ..inputs.parameters import ParameterError
from ..outputs.terminal import (
    fit_labels,
    format_cells,
    format_number,
    frame_text,
    terminal_width,
    wrap,
)
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
    _outcome_options(p)
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
    _outcome_options(p)
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


def _outcome_options(p: argparse.ArgumentParser) -> None:
    """``--outcome`` / ``--agency`` (issue 22): whose NPV the analysis samples."""
    from ..model.ledger import OUTCOMES

    p.add_argument(
        "--outcome",
        choices=OUTCOMES,
        default="npv",
        metavar="OUTCOME",
        help="the NPV to analyse: npv (the appraisal's), fiscal_npv (public budgets), "
        "economic_npv or social_npv (the ledger's perspectives, additionality applied)",
    )
    p.add_argument(
        "--agency",
        metavar="ID",
        help="only this agency's savings and costs (e.g. nhs, police; see "
        "parameters/agencies.yaml)",
    )


def _chosen(args: argparse.Namespace, params: Any) -> Any:
    """The outcome context of ``--outcome`` / ``--agency`` (a no-op by default)."""
    from ..sensitivity.perspective import outcome

    return outcome(getattr(args, "outcome", "npv"), getattr(args, "agency", None), params)


def _outcome_frame(frame: pd.DataFrame, ds: Any, args: argparse.Namespace) -> Any:
    """The PSA table of a chosen outcome: its name on the NPV columns, P(NPV > 0), and
    no BCR where the selection bears no cost (a ratio without a denominator)."""
    from ..sensitivity.perspective import describe

    ds.attrs["outcome"] = name = describe(args.outcome, args.agency)
    print(f"Outcome: {name} (£ thousand); additionality as in the parameters.")
    frame = frame.rename(columns=lambda c: c.replace("NPV", "outcome", 1), level=0)
    frame[("P(outcome>0)", "")] = ds.prob_npv_gt_0.values
    if not np.all(np.isfinite(ds.bcr_median.values)):
        frame = frame[[c for c in frame.columns if "BCR" not in c[0]]]
    return frame


def print_voi(ds: Any, top: int) -> None:
    """EVPI per site, then the EVPPI ranking of each site's input groups.

    Money in £ thousand to two decimals throughout (a section's header shows its EVPI
    exactly as the table above does); P(best) bounded (``>99.9%``); an EVPPI estimate
    beyond its EVPI is shown as estimation error, not as a share above 100%.
    """
    import numpy as np

    from ..outputs.formatting import format_bounded_share
    from ..outputs.terminal import format_column
    from ..sensitivity.voi import PROGRAMME, se_description

    width = terminal_width()
    scale = ds.attrs.get("scale", "per decision")
    print(
        wrap(
            f"Value of information, {ds.attrs['n']:,} Monte Carlo samples, seed "
            f"{ds.attrs['seed']} (£ thousand, {scale}); options: {ds.attrs['options']}.",
            width,
        )
    )
    evpi_text = format_column(ds.evpi.values, "money", decimals=2)
    frame = pd.DataFrame(
        {
            "best option now": ds.best_option.values,
            "P(best is right)": format_column(
                ds.prob_best.max("option").values, "probability"
            ),
            "EVPI (£k)": evpi_text,
            "± se (£k)": format_column(ds.evpi_se.values, "money", decimals=2),
        },
        index=pd.Index(ds.site.values, name="site"),
    )
    print(frame_text(frame, width))
    print(
        "\n"
        + wrap(
            "EVPPI: the value of learning one input or group exactly (regression on the "
            "sample; R² of the fit; standard errors of the fit (regression) and of the "
            "Monte Carlo mean, apart). EVPPI cannot exceed EVPI; an estimate above it is "
            "estimation error and reads '≈ 100%'. Standard errors: "
            + se_description(int(ds.attrs.get("draws", 0)), "fit se", "MC se", "total")
            + ".",
            width,
        )
    )
    for k, site in enumerate(ds.site.values):
        evpi = float(ds.evpi.sel(site=site))
        label = "All sites together" if site == PROGRAMME else f"Site {site}"
        print(f"\n{label} (EVPI {evpi_text[k]} £k):")
        if evpi <= 0:
            print("  no value: the same option is best in every sample")
            continue
        ranked = ds.evppi.sel(site=site).to_series().sort_values(ascending=False)
        rows = ranked.index[:top]
        evppi = ranked.loc[rows].to_numpy(dtype=float)
        se = ds.evppi_se.sel(site=site, group=rows).values.astype(float)
        evpi_se = float(ds.evpi_se.sel(site=site))
        noise = 1.96 * np.sqrt(se**2 + evpi_se**2)
        shares = ds.evppi_share.sel(site=site, group=rows).values.astype(float)
        table = pd.DataFrame(
            {
                "EVPPI (£k)": format_column(evppi, "money", decimals=2),
                "fit se (£k)": format_column(
                    ds.evppi_fit_se.sel(site=site, group=rows).values, "money", decimals=2
                ),
                "MC se (£k)": format_column(
                    ds.evppi_mc_se.sel(site=site, group=rows).values, "money", decimals=2
                ),
                "share of EVPI": [
                    format_bounded_share(
                        share,
                        within_error=bool(
                            (value - evpi <= n) if share > 1 else (-value <= 1.96 * e)
                        ),
                    )
                    for share, value, n, e in zip(shares, evppi, noise, se, strict=True)
                ],
                "R²": format_column(
                    ds.r_squared.sel(site=site, group=rows).values, "index"
                ),
                "kind": ds.kind.sel(group=rows).values,
            },
            index=pd.Index(rows, name="group"),
        )
        notes = []
        if max(len(line) for line in table.to_string().splitlines()) > width:
            # too wide for the full words: a marker in the cell, the words below
            marks: dict[str, str] = {}
            for i, text in enumerate(table["share of EVPI"]):
                if text.startswith("≈"):
                    mark = marks.setdefault(text, "*" * (len(marks) + 1))
                    table.iloc[i, table.columns.get_loc("share of EVPI")] = (
                        text.split(",")[0].split(" (")[0] + mark
                    )
            notes = [wrap(f"{m} {t}", width, "", "  ") for t, m in marks.items()]
        print(frame_text(table, width))
        for note in notes:
            print(note)
    print("\n" + wrap("Regression: " + ds.attrs["regression"] + ".", width))


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
        width = terminal_width()
        bcr = ds.bcr.to_pandas()
        npv = ds.npv.to_pandas()
        bcr.columns = [f"site {c}" for c in bcr.columns]
        npv.columns = [f"site {c}" for c in npv.columns]
        print("Benefit-cost ratio (ratio) by scenario and site:")
        kinds = dict.fromkeys(bcr.columns, "ratio")
        print(frame_text(format_cells(bcr, kinds, together=True), width))
        print("\nNet present value (£ thousand) by scenario and site:")
        kinds = dict.fromkeys(npv.columns, "money")
        print(frame_text(format_cells(npv, kinds, together=True), width))
        print("\nScenarios:")
        for name, text in zip(ds.scenario.values, ds.description.values, strict=True):
            print(wrap(f"{name}: {text}", width, "  ", "      "))
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
    targets = [t for i in uncertainty.inputs for t in i.parameters]
    ledger_only = [t for t in targets if t.startswith("additionality.")]
    if ledger_only and getattr(args, "outcome", "npv") == "npv" and not getattr(
        args, "agency", None
    ):  # issue 22: additionality acts on the ledger's outcomes only
        print(
            f"dsc-econ: warning: {', '.join(ledger_only)} change the ledger's outcomes "
            "only, not the appraisal's NPV; use --outcome social_npv (psa, sobol)",
            file=sys.stderr,
        )
    announce_run(args, params, uncertainty, sites)  # issue 18: large runs said first
    if args.verb == "oneway":
        ds = sens.oneway(params, uncertainty, sites, args.low, args.high)
        check_finite(ds[["npv"]], params, "oneway")
        print(
            wrap(
                f"Tornado: NPV with each input at its {args.low:g} and "
                f"{args.high:g} quantiles (the range it is moved over, low to high), "
                "others at their point values.",
                terminal_width(),
            )
        )
        from ..outputs.sensitivity_tables import oneway_ranges

        ranges = oneway_ranges(ds, uncertainty, params)
        width = terminal_width()
        for site in ds.site.values:
            top = ds.sel(site=site).swing.to_series().sort_values(ascending=False)
            rows = top.index[: args.top]
            frame = pd.DataFrame(
                {
                    "low to high": [ranges[str(p)] for p in rows],
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
            print(f"\nSite {site} (base NPV {format_number(base)} £k):")
            frame = format_cells(frame, dict.fromkeys(frame.columns[1:], "money"))
            frame, legend = fit_labels(frame, width)
            print(frame_text(frame, width))
            if legend:
                print(legend)
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
        frame["threshold"] = [
            f"{v:.4g}" if str(st) == "found" else "none"
            for v, st in zip(frame["threshold"], frame["status"], strict=True)
        ]
        money = {"NPV at low (£k)": "money", "NPV at high (£k)": "money"}
        print(frame_text(format_cells(frame, money, together=True)))
    elif args.verb == "psa":
        client = None
        if args.scheduler:
            from distributed import Client

            client = Client(args.scheduler)
        if args.scheduler and (args.outcome != "npv" or args.agency):
            raise ParameterError("--outcome / --agency run in this process only; drop "
                                 "--scheduler")
        try:
            with _chosen(args, params):
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
        columns = {
            ("NPV (£k)", "mean"): ds.npv_mean.values,
            ("NPV (£k)", f"{pct} low"): ds.npv_low.values,
            ("NPV (£k)", f"{pct} high"): ds.npv_high.values,
            ("BCR (ratio)", "median"): ds.bcr_median.values,
            ("BCR (ratio)", f"{pct} low"): ds.bcr_low.values,
            ("BCR (ratio)", f"{pct} high"): ds.bcr_high.values,
            ("P(BCR>1)", ""): ds.prob_bcr_gt_1.values,
        }
        frame = pd.DataFrame(columns, index=pd.Index(ds.site.values, name="site"))
        frame.columns = pd.MultiIndex.from_tuples(list(columns))
        kinds = {
            c: {"NPV (£k)": "money", "BCR (ratio)": "ratio"}.get(c[0], "probability")
            for c in columns
        }
        print(
            wrap(
                f"Monte Carlo, {args.n:,} samples, seed {args.seed}; low and high: the "
                f"central {pct} interval:",
                terminal_width(),
            )
        )
        if args.outcome != "npv" or args.agency:  # issue 22: whose NPV
            frame = _outcome_frame(frame, ds, args)
            kinds = {
                c: "money"
                if c[0].startswith("outcome")
                else "ratio"
                if c[0].startswith("BCR")
                else "probability"
                for c in frame.columns
            }
        print(frame_text(format_cells(frame, kinds, together=True)))
    elif args.verb == "sobol":
        with _chosen(args, params):
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
        from ..sensitivity.perspective import describe

        ds.attrs["outcome"] = describe(args.outcome, args.agency)
        width = terminal_width()
        print(
            wrap(
                f"Sobol indices of the {ds.attrs['outcome']} ({ds.attrs['rows']:,} model "
                f"runs, seed {args.seed}); each cell: total order ST ± 95% interval (first "
                "order S1); one column per site; sorted by total effect:",
                width,
            )
        )
        table = sobol_table(ds, "npv")
        folded = table.attrs["folded"]
        table.index = [
            _label(uncertainty, p) if p in set(map(str, ds.parameter.values)) else p
            for p in table.index
        ]
        table, legend = fit_labels(table, width)
        print(frame_text(table, width))
        if legend:
            print(legend)
        if folded:
            print(wrap("no effect at any site: " + ", ".join(folded), width))
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

        width = terminal_width()
        print(
            wrap(
                f"Morris screening of NPV ({ds.attrs['rows']:,} runs): mu* and sigma in £ "
                "thousand; sigma/mu* near 0 means an additive, linear effect, above "
                "about 1 a strongly interacting or non-linear one.",
                width,
            )
        )
        for site in ds.site.values:
            print(f"\nSite {site}:")
            table = morris_table(ds, str(site))
            folded = table.attrs["folded"]
            table.index = [_label(uncertainty, p) for p in table.index]
            table = format_cells(
                table.rename(columns={"mu*": "mu* (£k)", "sigma": "sigma (£k)"}),
                {"mu* (£k)": "money", "sigma (£k)": "money", "sigma/mu*": "ratio"},
            )
            table, legend = fit_labels(table, width)
            print(frame_text(table, width))
            if folded:
                print(wrap("no effect: " + ", ".join(folded), width))
        if legend:
            print("\n" + legend)
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

