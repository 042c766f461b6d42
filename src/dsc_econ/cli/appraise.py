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
from .common import add_common_options, check_finite, guard, load_params
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
    from ..model.valuation import unit_values

    units = unit_values(params)
    if args.json:
        from ..outputs.tables import json_key

        payload = {
            "package_version": __version__,
            "units": {
                "unit_values": "GBP per client",
                "sites": {json_key(c): u for c, u in table.attrs["units"].items()},
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
        }
        if args.by:  # issue 22: the ledger by agency / value type
            from ..outputs.ledger_section import ledger_payload

            payload["ledger"] = ledger_payload(_ledger(params, args))
        print(json.dumps(payload, indent=2, allow_nan=False))
    elif args.csv:
        if args.by:
            from ..outputs.ledger_section import ledger_csv

            print(ledger_csv(_ledger(params, args), args.by), end="")
        else:
            print(write_csv(table), end="")
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
        print("Site appraisal (units in each heading):")
        shown = format_cells(table, kinds_from_units(table.attrs["units"]))
        print(frame_text(with_units(shown, table.attrs["units"]), width))
        if args.by:
            from ..outputs.ledger_section import ledger_text

            print()
            print(ledger_text(_ledger(params, args), args.by, params))
    return 0


def _ledger(params: Any, args: argparse.Namespace) -> Any:
    """The ledger of the appraised sites (``--by``)."""
    from ..model.ledger import ledger

    return ledger(params, args.sites)
