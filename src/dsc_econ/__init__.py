"""dsc_econ: cost-benefit appraisal of changes to drug treatment systems.

Reproduces the economic appraisal of the Drug System Change Pilots evaluation (NatCen /
University of York, 2012) from its parameters, and lets every assumption change::

    import dsc_econ as dsc

    params = dsc.load_parameters()                      # bundled parameters/
    dsc.unit_values(params).completion                  # £195,149 per completion
    dsc.appraisal_table(params)                         # Table 7.10, £ thousand
    low = params.with_values({"discounting.rate": 0.015})
    dsc.appraise(low).bcr                               # xarray, dims (site,)
    dsc.reproduce().differences()                       # every slip, explained

The package is grouped in wings that follow the data flow; a wing imports only from
the wings before it::

    inputs/       parameters, scenarios, programme          (data in, validated)
    model/        discounting, harms, pathways, valuation,  (pure array functions)
                  impact, appraisal
    sensitivity/  distributions, engine, deterministic,     (analyses over the model)
                  probabilistic, global_methods, saltelli
    records/      journeys, continuity, regression,         (client records to counts)
                  synthetic
    outputs/      tables, published, reproduce, figures,    (what a reader sees)
                  report
    cli/          one module per verb, main                 (parse, call, print)

Every model function broadcasts over a leading ``sample`` dimension. ``import dsc_econ``
loads numpy, pandas, xarray and the model only; the board report (matplotlib, jinja2),
SALib, statsmodels and dask load when first used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._version import __version__
from .inputs.parameters import (
    UNITS,
    Parameter,
    ParameterError,
    ParameterSet,
    load_parameters,
    parse_assignment,
)
from .inputs.prices import deflator, rebase, to_price_base
from .inputs.scenarios import Scenario, apply_scenario, load_scenarios
from .model.appraisal import appraisal_table, appraise, benefit_cost_ratio, site_benefits
from .model.discounting import (
    annuity_factor,
    discount_factors,
    factors_for,
    green_book_factors,
    net_present_value,
    perpetuity_factor,
    present_value,
)
from .model.harms import PATHWAYS, harm_profiles, harm_profiles_for
from .model.impact import (
    additional_clients,
    did_estimate,
    did_from_counts,
    did_standard_error,
    did_table,
    site_counts,
)
from .model.ledger import ledger
from .model.pathways import (
    completion_probability,
    expected_value,
    pathway_tree,
    terminal_probabilities,
)
from .model.valuation import (
    UnitValues,
    pathway_values,
    present_values,
    table_c61,
    unit_values,
    value_of_treatment,
)
from .outputs.published import load_discrepancies, load_published
from .outputs.reproduce import MODES, Reproduction, compare_table, reproduce
from .outputs.tables import TABLES, build_table

__all__ = [
    "MODES",
    "PATHWAYS",
    "TABLES",
    "UNITS",
    "Parameter",
    "ParameterError",
    "ParameterSet",
    "ReportFiles",
    "Reproduction",
    "Scenario",
    "UnitValues",
    "__version__",
    "additional_clients",
    "annuity_factor",
    "apply_scenario",
    "appraisal_table",
    "appraise",
    "benefit_cost_ratio",
    "build_table",
    "compare_table",
    "completion_probability",
    "deflator",
    "did_estimate",
    "did_from_counts",
    "did_standard_error",
    "did_table",
    "discount_factors",
    "expected_value",
    "factors_for",
    "green_book_factors",
    "harm_profiles",
    "harm_profiles_for",
    "ledger",
    "load_discrepancies",
    "load_parameters",
    "load_published",
    "load_scenarios",
    "net_present_value",
    "parse_assignment",
    "pathway_tree",
    "pathway_values",
    "perpetuity_factor",
    "present_value",
    "present_values",
    "rebase",
    "report",
    "reproduce",
    "site_benefits",
    "site_counts",
    "table_c61",
    "terminal_probabilities",
    "to_price_base",
    "unit_values",
    "value_of_treatment",
    "voi",
]

_LAZY = {
    "report": ".outputs.report",
    "ReportFiles": ".outputs.report",
    "headline": ".outputs.headline",
    "Headline": ".outputs.headline",
}
_LAZY_MODULES = {"voi": ".sensitivity.voi"}
"""Public modules loaded on first use: ``dsc.voi.evpi(...)``, value of information for
any model's samples."""
"""Public names whose modules load heavy stacks (matplotlib, jinja2): imported on first
use so that ``import dsc_econ`` and ``dsc-econ --help`` stay fast."""


def __getattr__(name: str) -> Any:
    if name in _LAZY_MODULES:
        import importlib

        module = importlib.import_module(_LAZY_MODULES[name], __name__)
        globals()[name] = module
        return module
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY) | set(_LAZY_MODULES))


if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs
    from .outputs.report import ReportFiles, report
    from .sensitivity import voi
