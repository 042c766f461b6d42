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

Data flow: parameters -> pathways -> harms -> discounting -> valuation -> impact ->
appraisal -> tables / reproduce / CLI. Every model function broadcasts over a leading
``sample`` dimension.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("dsc-econ")
except PackageNotFoundError:  # pragma: no cover - running from a bare source tree
    __version__ = "0.0.0+unknown"

from .appraisal import appraisal_table, appraise, benefit_cost_ratio, site_benefits
from .discounting import (
    annuity_factor,
    discount_factors,
    factors_for,
    green_book_factors,
    net_present_value,
    perpetuity_factor,
    present_value,
)
from .harms import PATHWAYS, harm_profiles, harm_profiles_for
from .impact import (
    additional_clients,
    did_estimate,
    did_from_counts,
    did_standard_error,
    did_table,
    site_counts,
)
from .parameters import (
    UNITS,
    Parameter,
    ParameterError,
    ParameterSet,
    load_parameters,
    parse_assignment,
)
from .pathways import (
    completion_probability,
    expected_value,
    pathway_tree,
    terminal_probabilities,
)
from .published import load_discrepancies, load_published
from .report import ReportFiles, report
from .reproduce import MODES, Reproduction, compare_table, reproduce
from .scenarios import Scenario, apply_scenario, load_scenarios
from .tables import TABLES, build_table
from .valuation import (
    UnitValues,
    pathway_values,
    present_values,
    table_c61,
    unit_values,
    value_of_treatment,
)

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
    "report",
    "reproduce",
    "site_benefits",
    "site_counts",
    "table_c61",
    "terminal_probabilities",
    "unit_values",
    "value_of_treatment",
]
