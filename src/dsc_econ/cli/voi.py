"""``dsc-econ voi``: value of information for a user's own PSA table from any model."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..inputs import limits as lim
from ..outputs.terminal import HelpFormatter
from .common import count, guard, number, seed_option

MAX_CSV_BYTES = 2_000_000_000
"""Largest input CSV read (2 GB): a bound on memory, well above 10^6 samples x 50."""

DESCRIPTION = """\
Value of information from a probabilistic sensitivity analysis run by any model: EVPI
and EVPPI (curves over willingness to pay with --costs/--effects/--wtp), the
acceptability curve, population values over the decision's life and the expected net
benefit of a proposed study (ENBS).

Inputs are CSVs with one row per sample (a first column named "sample" is an index):
--costs and --effects (one column per option), or --net-benefits; --parameters-draws
holds the parameter values behind each row (one column per input). Values are in the
units you give (--units, default "as given").

examples:
  dsc-econ voi --costs C.csv --effects E.csv --parameters-draws P.csv --wtp 20000,30000
  dsc-econ voi --net-benefits NB.csv --parameters-draws P.csv --groups "p;c;p,c" \\
      --population 1000 --horizon 10 --study p:200:0.5:50000 --currency £
"""


def add_parser(sub: Any) -> None:
    """Register ``voi``."""
    p = sub.add_parser(
        "voi",
        help="value of information (EVPI, EVPPI, ENBS) for your own PSA table",
        description=DESCRIPTION,
        formatter_class=HelpFormatter,
    )
    p.add_argument(
        "--net-benefits", metavar="CSV", help="net benefit per sample and option"
    )
    p.add_argument("--costs", metavar="CSV", help="cost per sample and option")
    p.add_argument("--effects", metavar="CSV", help="effect per sample and option")
    p.add_argument("--wtp", metavar="K,K,...", help="willingness to pay per unit of effect")
    p.add_argument("--parameters-draws", metavar="CSV", help="parameter draws per sample")
    p.add_argument(
        "--groups",
        metavar="SPEC",
        help='inputs and groups to value: "a;b;a,b" (default every input singly)',
    )
    p.add_argument("--units", default=None, help='units of the values (default "as given")')
    p.add_argument("--currency", default="", help="symbol printed before values (e.g. £)")
    p.add_argument(
        "--population", type=number(0), help="decisions (clients) informed per year"
    )
    p.add_argument(
        "--horizon",
        type=count(1, lim.MAX_YEARS),
        default=10,
        help="years the decision stands (10)",
    )
    p.add_argument(
        "--rate", type=number(-1, 1), default=0.035, help="discount rate (0.035)"
    )
    p.add_argument(
        "--study",
        metavar="INPUT:N:SD:COST",
        help="a proposed study measuring INPUT on N clients with individual sd SD, "
        "costing COST: its EVSI (Strong et al. 2015) and ENBS",
    )
    p.add_argument(
        "--evsi-method",
        choices=("regression", "mm"),
        default="regression",
        help="EVSI of --study: regression on the simulated study summary (Strong et "
        "al. 2015) or moment matching (Heath et al. 2018)",
    )
    p.add_argument(
        "--method",
        choices=("auto", "gam", "additive", "gp", "pspline"),
        default="auto",
        help="EVPPI regression: auto (a GAM te() of cubic regression splines for up to "
        "4 inputs, as the R package voi; a Gaussian process for more), gam, additive "
        "(s()+s()), gp, pspline",
    )
    p.add_argument(
        "--smoothing",
        choices=("gcv", "reml"),
        default="reml",
        help="how the GAM's smoothing is chosen (reml, mgcv's recommended; gcv, "
        "gam()'s default and voi's)",
    )
    p.add_argument(
        "--basis",
        type=count(3, 60),
        default=None,
        help="GAM basis functions per input (default 10 for one input; 5 per margin of "
        "a tensor product, 4 from four inputs on)",
    )
    p.add_argument(
        "--placement",
        choices=("rank", "x"),
        default="rank",
        help="where the GAM's basis and curvature penalty are placed: rank (default; "
        "on each input's ranks, knots at its quantiles, plus the input linearly: "
        "stable in --basis on skewed inputs) or x (mgcv's, as the R package voi)",
    )
    p.add_argument(
        "--draws",
        type=count(0, 10_000),
        default=100,
        help="posterior draws of the fitted regression for the EVPPI's fit standard "
        "error (100; 0 reports the Monte Carlo error only)",
    )
    seed_option(p, 20121)
    p.add_argument(
        "--output",
        metavar="CSV",
        help="save the EVPPI table with its fit and Monte Carlo standard errors (CSV)",
    )
    p.add_argument(
        "--force",
        action="store_true",
        help="replace an existing output file that dsc-econ did not write (never an "
        "input, never a folder)",
    )


def _read(path: str, what: str) -> pd.DataFrame:
    file = Path(path)
    if not file.is_file():
        raise FileNotFoundError(f"{what}: no such file {path}")
    if file.stat().st_size > MAX_CSV_BYTES:
        raise ValueError(f"{what}: {path} is larger than {MAX_CSV_BYTES:,} bytes")
    frame = pd.read_csv(file)
    if len(frame.columns) and str(frame.columns[0]).strip().lower() == "sample":
        frame = frame.set_index(frame.columns[0])
    for col in frame.columns:
        numbers = pd.to_numeric(frame[col], errors="coerce")
        bad = numbers.isna() | ~np.isfinite(numbers.astype(float))
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            raise ValueError(
                f"{path}: column {col!r}, row {row + 2} (spreadsheet numbering): "
                f"{frame[col].iloc[row]!r} is not a finite number"
            )
        frame[col] = numbers.astype(float)
    return frame


def _groups(spec: str | None) -> Any:
    if spec is None:
        return None
    out: list[Any] = []
    for part in spec.split(";"):
        names = [n.strip() for n in part.split(",") if n.strip()]
        if not names:
            raise ValueError(f"--groups: empty group in {spec!r}")
        out.append(names[0] if len(names) == 1 else names)
    return out


def _announce(
    args: argparse.Namespace, draws: pd.DataFrame, kw: dict[str, Any], wtp: Any
) -> None:
    """Say how long the EVPPI regressions should take when that is long, and refuse
    (exit 2) a table whose fits would not fit in memory, before any fit starts."""
    from ..sensitivity import estimates as est

    values = kw.get("nb", kw.get("costs"))
    options = len(values.columns) if isinstance(values, pd.DataFrame) else 1
    groups = _groups(args.groups)
    estimate = est.voi_table_estimate(
        len(draws),
        len(draws.columns),
        len(groups) if groups is not None else len(draws.columns),
        options,
        len(wtp) if wtp else 1,
    )
    est.announce(
        estimate,
        f"--parameters-draws {args.parameters_draws} ({len(draws):,} rows)",
        "use fewer rows, fewer --groups or fewer --wtp values",
    )


def _errors(partial: Any) -> pd.DataFrame:
    """EVPPI with its fit and Monte Carlo standard errors, one row per group (and
    willingness to pay)."""
    frame = partial[["evppi", "evppi_fit_se", "evppi_mc_se"]].reset_coords(drop=True)
    out = frame.to_dataframe()
    out.columns = ["EVPPI", "fit se", "Monte Carlo se"]
    return out


def run(args: argparse.Namespace) -> int:
    """Run ``dsc-econ voi``; prints EVPI, EVPPI and the board's sentence."""
    from ..sensitivity import voi as v

    guard(args, args.output, "--output", suffixes=(".csv",))
    wtp = None
    if args.wtp is not None:
        try:
            wtp = [float(k) for k in args.wtp.split(",")]
        except ValueError as err:
            raise ValueError(
                f"--wtp: expected numbers separated by commas, got {args.wtp!r}"
            ) from err
    if args.net_benefits:
        kw: dict[str, Any] = {"nb": _read(args.net_benefits, "--net-benefits")}
    elif args.costs and args.effects:
        kw = {
            "costs": _read(args.costs, "--costs"),
            "effects": _read(args.effects, "--effects"),
            "wtp": wtp,
        }
    else:
        raise ValueError("give --net-benefits, or --costs and --effects with --wtp")
    units = args.units
    cur = args.currency
    from ..outputs.terminal import format_cells, format_number, frame_text, wrap
    from ..outputs.terminal import terminal_width as _width

    width = _width()

    def labelled(table: Any) -> Any:
        if table.index.name == "wtp":  # willingness to pay: a number, not 20000.0
            table = table.copy()
            table.index = pd.Index([format_number(k) for k in table.index], name="wtp")
        return table

    def money(table: Any) -> str:
        if isinstance(table, pd.Series):
            table = table.to_frame(table.name or "value")
        table = labelled(table)
        kinds = dict.fromkeys(table.columns, "money")
        return frame_text(format_cells(table, kinds, together=True), width)

    perfect = v.evpi(units=units, **kw)
    print(f"EVPI per decision ({perfect.evpi.attrs['units']}):")
    if perfect.evpi.ndim:
        evpi = perfect.evpi.to_pandas()
        print(money(evpi.to_frame("EVPI") if isinstance(evpi, pd.Series) else evpi))
    else:
        print(format_number(float(perfect.evpi), 2))
    if "wtp" in perfect.dims:
        print("\nProbability each option is best (CEAC):")
        ceac = v.ceac(**kw).to_pandas()
        kinds = dict.fromkeys(ceac.columns, "probability")
        print(frame_text(format_cells(labelled(ceac), kinds), width))
    if not args.parameters_draws:
        return 0
    draws = _read(args.parameters_draws, "--parameters-draws")
    _announce(args, draws, kw, wtp)
    partial = v.evppi(
        parameters=draws,
        groups=_groups(args.groups),
        units=units,
        seed=args.seed,
        draws=args.draws,
        progress=False,
        method=args.method,
        smoothing=args.smoothing,
        basis=args.basis,
        placement=args.placement,
        **kw,
    )
    table = partial.evppi.to_pandas()
    print(f"\nEVPPI per decision ({partial.evppi.attrs['units']}):")
    print(money(table))
    print(
        "\n"
        + wrap(
            "Standard errors of the EVPPI, named by what they include: "
            + v.se_description(args.draws, "fit se", "Monte Carlo se", "total se")
            + ":",
            width,
        )
    )
    errors = _errors(partial)
    print(money(errors))
    for g, dropped in zip(partial.group.values, partial.dropped.values, strict=True):
        if dropped:
            print(
                f"note: {g}: left out {dropped} (fixed, or a linear combination of "
                "inputs before it in the group)"
            )
    regression = "; ".join(dict.fromkeys(str(m) for m in partial.method.values))
    print(wrap("Regression: " + regression, width, "", "  "))
    if args.output:
        from ..inputs.safety import write_csv

        write_csv(errors, args.output)
        print(f"\nsaved {args.output}")
    if args.population is None:
        return 0

    def last(x: Any) -> float:
        arr = np.asarray(x)
        return float(arr.reshape(-1)[-1]) if arr.ndim else float(arr)

    note = f" (at wtp {wtp[-1]:g})" if wtp else ""
    pop = v.population(partial.evppi, args.population, args.horizon, args.rate)
    print(
        "\n"
        + wrap(
            f"Population values: {args.population:g} decisions a year for "
            f"{args.horizon} years, discounted at {args.rate:g}{note}:",
            width,
        )
    )
    pe = last(v.population(perfect.evpi, args.population, args.horizon, args.rate))
    pe_se = last(v.population(perfect.evpi_se, args.population, args.horizon, args.rate))
    print(wrap(v.statement("every input", pe, currency=cur, mc_se=pe_se), width, "", "  "))

    def scaled(name: str, g: Any) -> float:
        return last(
            v.population(
                partial[name].sel(group=g), args.population, args.horizon, args.rate
            )
        )

    for g in partial.group.values:
        fit_se = scaled("evppi_fit_se", g) if args.draws > 1 else None
        text = v.statement(
            str(g),
            last(pop.sel(group=g)),
            currency=cur,
            fit_se=fit_se,
            mc_se=scaled("evppi_mc_se", g),
        )
        print(wrap(text, width, "", "  "))
    if args.study:
        parts = args.study.split(":")
        if len(parts) != 4:
            raise ValueError(f"--study: expected INPUT:N:SD:COST, got {args.study!r}")
        name, n, sd, cost = parts[0], int(parts[1]), float(parts[2]), float(parts[3])
        if args.evsi_method == "mm":
            sample = v.evsi_mm(
                parameters=draws,
                input=name,
                n=n,
                sd=sd,
                units=units,
                seed=args.seed,
                **kw,
            )
            how, se_name = "moment matching, Heath et al. 2018", "evsi_mc_se"
        else:
            summary = v.study_summary(draws, name, n, sd, seed=args.seed)
            sample = v.evsi(summary=summary, units=units, seed=args.seed, **kw)
            how, se_name = "regression, Strong et al. 2015", "evsi_se"
        value = last(v.enbs(sample.evsi, cost, args.population, args.horizon, args.rate))
        enbs_se = last(
            v.population(sample[se_name], args.population, args.horizon, args.rate)
        )
        text = v.statement(
            name,
            last(pop.sel(group=name)) if name in pop.group else pe,
            n=n,
            cost=cost,
            enbs_value=value,
            currency=cur,
        ) + (
            f" (EVSI by {how}; Monte Carlo standard error of the ENBS "
            f"{cur}{enbs_se:,.0f}, the fit's not included)"
        )
        print(wrap(text, width, "", "  "))
    return 0
