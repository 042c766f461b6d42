"""``dsc-econ appraise``: site benefits, costs, NPV and BCR (Table 7.10), from the
parameters, a scenario or journey records."""

from __future__ import annotations

import argparse
import json
from typing import Any

from .._version import __version__
from ..inputs.parameters import ParameterError
from ..inputs.safety import write_csv
from ..model.appraisal import appraisal_table
from .common import add_common_options, check_finite, count, guard, load_params, seed_option
from .records import add_records_options, from_records


def add_parser(sub: Any) -> None:
    """Register ``appraise``."""
    app = sub.add_parser(
        "appraise",
        help="site benefits, costs, NPV and benefit-cost ratios",
        description=(
            "Appraise pilot sites as in Table 7.10 (money in £ thousand) under the "
            "parameters in use. Prints the unit values per client first."
        ),
    )
    add_common_options(app)
    app.add_argument("--sites", nargs="+", metavar="ID", help="site ids (default: 2-7)")
    app.add_argument("--scenario", metavar="NAME", help="apply a named scenario")
    app.add_argument(
        "--scenario-file",
        metavar="FILE",
        help="scenario file to take --scenario from (default: every bundled file)",
    )
    app.add_argument(
        "--by",
        choices=("agency", "value-type"),
        help="also show who pays and who saves: costs, savings (cashable and not), net "
        "budget impact and payback per agency, or totals per value type; with the "
        "fiscal, economic and social NPSV, BCR and ROI (carried by --json / --csv)",
    )
    fmt = app.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true", help="emit JSON")
    fmt.add_argument("--csv", action="store_true", help="emit CSV")
    add_records_options(app, required=False)
    app.add_argument(
        "--psa",
        metavar="N",
        type=count(2, 1_000_000),
        help="draw N probabilistic samples (the set's uncertainty/default.yaml) for the "
        "economic case's NPSV and BCR intervals",
    )
    seed_option(app, 20121, " of --psa")
    app.add_argument(
        "--write-parameters",
        metavar="DIR",
        help="with --journeys: keep the derived parameter folder here",
    )


def _number(value: Any) -> float | None:
    """A JSON number, or null for a missing value (never NaN)."""
    value = float(value)
    return value if value == value and abs(value) != float("inf") else None


def run(args: argparse.Namespace) -> int:
    if args.journeys or args.sites_file:
        guard(args, args.rejects, "--rejects")
        guard(args, args.write_parameters, "--write-parameters", folder=True)
    params = load_params(args, scenario=args.scenario, scenario_file=args.scenario_file)
    if args.journeys or args.sites_file:
        if not (args.journeys and args.sites_file):
            raise ParameterError("--journeys and --sites-file go together")
        params, tables = from_records(args, params, regression=True)
        if not (args.json or args.csv):
            from ..outputs.terminal import frame_text, pvalue_column

            print("Site counts derived from the records (Tables 7.5/7.6, 6.2/6.4):")
            print(frame_text(tables["counts"], index=False))
            print("\nLogistic DiD from the records (odds ratio, effect in points, p):")
            logistic = tables["logistic_did"][["odds_ratio", "effect_pp", "p_value"]]
            logistic = logistic.round(4)
            logistic["p_value"] = pvalue_column(logistic["p_value"])
            print(frame_text(logistic))
    table = appraisal_table(params, args.sites)
    check_finite(table, params, "appraise")
    from ..inputs.prices import deflator_note, price_label

    prices = price_label(params)  # "£, 2024 prices": every money figure's base
    based = {  # the units with the price base, as JSON and CSV state them
        c: (f"{u}, {prices[3:]}" if u.startswith("GBP") else u)
        for c, u in table.attrs["units"].items()
    }
    from ..model.valuation import unit_values

    units = unit_values(params)
    case = _economic_case(args, params)
    if args.json:
        from ..outputs.tables import json_key

        payload = {
            "package_version": __version__,
            "units": {
                "price_base": prices,
                "deflator": deflator_note(params),
                "unit_values": f"GBP per client, {prices[3:]}",
                "sites": {json_key(c): u for c, u in based.items()},
            },
            "unit_values": {
                "effective": units.effective,
                "completion": units.completion,
                "long_term": units.long_term,
                "costs": units.cost,
            },
            "sites": {
                site: {json_key(k): _number(v) for k, v in row.items()}
                for site, row in table.to_dict("index").items()
            },
            "parameters": {"source": params.source, "overridden": list(params.overridden)},
            "economic_case": case.to_dict(),
            "payback": _payback(params, args),
        }
        if args.by:  # issue 22: the ledger by agency / value type
            from ..outputs.ledger_section import ledger_payload

            payload["ledger"] = ledger_payload(_ledger(params, args))
        print(json.dumps(payload, indent=2, allow_nan=False))
    elif args.csv:
        money = {c: f"{c} ({u})" for c, u in based.items() if u.startswith("GBP")}
        if args.by:
            from ..outputs.ledger_section import ledger_csv

            print(ledger_csv(_ledger(params, args), args.by), end="")
        else:
            print(write_csv(table.rename(columns=money)), end="")  # headers state the base
    else:
        from ..outputs.terminal import (
            format_cells,
            frame_text,
            kinds_from_units,
            terminal_width,
            with_units,
            wrap,
        )

        width = terminal_width()
        vintage = deflator_note(params)
        print(wrap(f"Prices: {prices} ({vintage}).", width))
        print(
            wrap(
                f"Unit values (£ per client): effective treatment {units.effective:,.0f}; "
                f"successful completion {units.completion:,.0f}; treatment cost "
                f"{units.cost:,.0f}.",
                width,
            )
        )
        years = sum(1 for c in table.columns if c.startswith("cost_year_"))
        print(
            wrap(
                f"Costs: {years} project year(s), "
                + (
                    "discounted with the benefits' factors (appraisal.discount_costs)."
                    if bool(params["appraisal.discount_costs"])
                    else "undiscounted (appraisal.discount_costs: false, as Table 7.10)."
                ),
                width,
            )
        )
        if params.overridden:
            print(wrap(f"Overridden: {', '.join(params.overridden)}", width))
        print(wrap(f"Site appraisal ({prices}; units in each heading):", width))
        shown = format_cells(table, kinds_from_units(table.attrs["units"]))
        print(frame_text(with_units(shown, table.attrs["units"]), width))
        pay = _payback(params, args)
        print(
            wrap(
                "Payback year (as in the report's headline): "
                + "; ".join(f"{k}: {v}" for k, v in pay["by_site"].items())
                + ".",
                width,
            )
        )
        print(wrap(pay["definition"], width))
        if args.by:
            from ..outputs.ledger_section import ledger_text

            print()
            print(ledger_text(_ledger(params, args), args.by, params))
        print()
        print(case.text(width=min(width, 80)))
    return 0


def _payback(params: Any, args: argparse.Namespace) -> dict[str, Any]:
    """The headline's payback year per site and for the programme (issue 23: the
    command line states the same payback as the paper and the workbook)."""
    from ..outputs import headline as hl

    h = hl.headline(params, args.sites)
    names = {s: (s if s == hl.PROGRAMME else f"site {s}") for s in h.table.index}
    return {
        "definition": h.payback_definition,
        "by_site": {names[s]: str(t) for s, t in h.table["payback_text"].items()},
    }


def _ledger(params: Any, args: argparse.Namespace) -> Any:
    """The ledger of the appraised sites (``--by``)."""
    from ..model.ledger import ledger

    return ledger(params, args.sites)


def _economic_case(args: argparse.Namespace, params: Any) -> Any:
    """The Green Book economic case of the sites appraised (with --psa: intervals)."""
    from ..model.economic_case import economic_case

    samples = None
    if args.psa:
        from ..sensitivity.distributions import load_uncertainty
        from ..sensitivity.probabilistic import psa

        ds = psa(
            params,
            load_uncertainty(None, params),
            n=args.psa,
            seed=args.seed,
            sites=args.sites,
            keep_samples=True,
            progress=False,
            chunked=False,
        )
        samples = {k: ds[k].values for k in ("total_benefit", "cost")}
    return economic_case(params, args.sites, samples=samples)
