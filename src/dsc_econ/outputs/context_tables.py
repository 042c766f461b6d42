"""The report's context tables: DSCP spending, new journeys and national budgets.

These tables describe the setting of the appraisal rather than its results: what the
pilots spent (Tables 7.1-7.3), how effective new treatment journeys were in the pilot
sites (Table 7.4), national treatment budgets (Appendix Table C.7.1) and how the pilot
sites spent their adult pooled treatment budget (Appendix Table C.7.2).

Each builder takes a :class:`~dsc_econ.inputs.parameters.ParameterSet` of point values and
returns a DataFrame laid out like the matching file in ``published/``: index = printed
row ids, columns = printed column ids. Every derived cell (sums, shares, totals,
effective shares, funding per adult) is computed from the input parameters; the inputs
themselves are echoed in their printed columns. Cells that cannot be computed from the
report's inputs are left out (see each builder's Notes):

* Table 7.4, the two "All sites" rows: the report pools the sites with the numbers of
  new journeys, which it does not print (only each site's index, 07-08 = 100).
* Table C.7.2, the "All" column: a weighted average of the site columns whose weights
  (presumably each site's APTB spending) are not printed.

:data:`CONTEXT_TABLES` maps table ids to ``(title, builder)``, the shape of
:data:`dsc_econ.outputs.tables.TABLES`.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from ..inputs.parameters import ParameterSet

__all__ = [
    "CONTEXT_TABLES",
    "build_context_table",
    "table_7_1",
    "table_7_2",
    "table_7_3",
    "table_7_4",
    "table_c_7_1",
    "table_c_7_2",
]

_SPENDING = "spending.dscp"
_JOURNEYS = "new_journeys"
_BUDGETS = "national.treatment_budgets"
_APTB = "spending.aptb_composition"

_MONEY_SCALE = {"GBP": 1.0, "GBP_thousand": 1e3, "GBP_million": 1e6}


def _children(params: ParameterSet, prefix: str) -> list[str]:
    """Names of the nodes directly under ``prefix``, in file order."""
    start = prefix + "."
    keys = (
        name[len(start) :].split(".", 1)[0] for name in params if name.startswith(start)
    )
    out = list(dict.fromkeys(keys))
    if not out:
        raise KeyError(f"no parameters under {prefix!r}")
    return out


def _value(params: ParameterSet, name: str) -> float:
    return float(params[name])


def _pounds(params: ParameterSet, name: str) -> float:
    """A money parameter in pounds, whatever its unit (GBP, GBP_thousand, GBP_million)."""
    unit = params.meta(name).unit
    try:
        scale = _MONEY_SCALE[unit]
    except KeyError:
        raise ValueError(f"{name}: expected a money unit, got {unit!r}") from None
    return float(params[name]) * scale


def _composition(params: ParameterSet, prefix: str, total_row: str) -> pd.DataFrame:
    """Components under ``prefix`` (both years, £), their sum and each one's share."""
    items = _children(params, prefix)
    amounts = pd.Series({k: _value(params, f"{prefix}.{k}") for k in items}, dtype=float)
    amounts[total_row] = amounts.loc[items].sum()
    return pd.DataFrame({"both_years": amounts, "share": amounts / amounts[total_row]})


def table_7_1(params: ParameterSet) -> pd.DataFrame:
    """Table 7.1: spending on the DSCPs by principal cost category (p.82).

    All seven sites, actual outturn in cash pounds, for 2009-10 and 2010-11
    (``spending.dscp.by_category.*``).

    Parameters
    ----------
    params : ParameterSet
        Point values.

    Returns
    -------
    pandas.DataFrame
        Rows ``pay``, ``non_pay``, ``non_recurrent_start_up`` (as in the parameter
        file) and ``total``; columns ``year_2009_10`` and ``year_2010_11`` (inputs;
        their sums in the total row), ``both_years`` (sum of the two years, £) and
        ``share`` (of the two-year total; 1.0 in the total row).
    """
    prefix = f"{_SPENDING}.by_category"
    categories = _children(params, prefix)
    years = _children(params, f"{prefix}.{categories[0]}")
    frame = pd.DataFrame(
        {y: [_value(params, f"{prefix}.{c}.{y}") for c in categories] for y in years},
        index=categories,
        dtype=float,
    )
    frame.loc["total"] = frame.sum()
    frame["both_years"] = frame[years].sum(axis=1)
    frame["share"] = frame["both_years"] / frame.at["total", "both_years"]
    return frame


def table_7_2(params: ParameterSet) -> pd.DataFrame:
    """Table 7.2: composition of DSCP pay spending (p.82).

    All sites, actual, both years combined (``spending.dscp.pay_composition.*``).

    Parameters
    ----------
    params : ParameterSet
        Point values.

    Returns
    -------
    pandas.DataFrame
        One row per pay component and ``total_pay`` (their sum); columns
        ``both_years`` (£) and ``share`` (of total pay).
    """
    return _composition(params, f"{_SPENDING}.pay_composition", "total_pay")


def table_7_3(params: ParameterSet) -> pd.DataFrame:
    """Table 7.3: composition of DSCP non-staff (non-pay current) spending (p.83).

    All sites, actual, both years combined (``spending.dscp.non_pay_composition.*``).

    Parameters
    ----------
    params : ParameterSet
        Point values.

    Returns
    -------
    pandas.DataFrame
        One row per non-pay item and ``total_non_pay_current`` (their sum); columns
        ``both_years`` (£) and ``share`` (of total non-pay current spending).
    """
    return _composition(params, f"{_SPENDING}.non_pay_composition", "total_non_pay_current")


def table_7_4(params: ParameterSet) -> pd.DataFrame:
    """Table 7.4: effectiveness of new treatment journeys, by site and year (p.84-85).

    NDTMS data (November 2011) for the seven pilot sites, fiscal years 2007-08 to
    2010-11 (``new_journeys.site_<n>.fy_<year>.*``). A new journey is effective when
    the client is retained beyond 12 weeks or completes successfully within 12 weeks.

    Parameters
    ----------
    params : ParameterSet
        Point values.

    Returns
    -------
    pandas.DataFrame
        Rows ``site_<n>_fy_<year>``; columns ``index`` (new journeys, 07-08 = 100),
        ``retained_12_weeks`` and ``completed_within_12_weeks`` (inputs) and
        ``effective`` = retained + completed.

    Notes
    -----
    The printed "All sites" rows (years 1+2 and 3+4) are not produced: they pool the
    sites with the absolute numbers of new journeys, which the report does not give.
    """
    rows: dict[str, dict[str, float]] = {}
    for site in _children(params, _JOURNEYS):
        for year in _children(params, f"{_JOURNEYS}.{site}"):
            base = f"{_JOURNEYS}.{site}.{year}"
            retained = _value(params, f"{base}.retained_12_weeks")
            completed = _value(params, f"{base}.completed_within_12_weeks")
            rows[f"{site}_{year}"] = {
                "index": _value(params, f"{base}.index"),
                "retained_12_weeks": retained,
                "completed_within_12_weeks": completed,
                "effective": retained + completed,
            }
    return pd.DataFrame.from_dict(rows, orient="index")


def table_c_7_1(params: ParameterSet) -> pd.DataFrame:
    """Appendix Table C.7.1: drug treatment budgets, activity and output (p.119).

    England, 2004-05 to 2008-09, from the National Audit Office (2010) "Tackling
    problem drug use" (``national.treatment_budgets.fy_<year>.*``).

    Parameters
    ----------
    params : ParameterSet
        Point values.

    Returns
    -------
    pandas.DataFrame
        Rows ``fy_<year>``; columns ``adult_pooled_treatment_budget`` and
        ``local_funding`` (inputs, £ million), ``adults_in_effective_treatment``
        (input), ``total_funding`` = APTB + local funding (£ million) and
        ``funding_per_adult`` = total funding / adults in effective treatment
        (£ per adult per year).

    Notes
    -----
    The input ``fy_2008_09.total_funding_per_adult_in_effective_treatment`` (the
    printed £3,000) is not used: the column is computed for every year.
    """
    rows: dict[str, dict[str, float]] = {}
    for year in _children(params, _BUDGETS):
        base = f"{_BUDGETS}.{year}"
        aptb = _pounds(params, f"{base}.adult_pooled_treatment_budget")
        local = _pounds(params, f"{base}.local_funding")
        adults = _value(params, f"{base}.adults_in_effective_treatment")
        rows[year] = {
            "adult_pooled_treatment_budget": aptb / 1e6,
            "local_funding": local / 1e6,
            "adults_in_effective_treatment": adults,
            "total_funding": (aptb + local) / 1e6,
            "funding_per_adult": (aptb + local) / adults,
        }
    return pd.DataFrame.from_dict(rows, orient="index")


def table_c_7_2(params: ParameterSet) -> pd.DataFrame:
    """Appendix Table C.7.2: composition of APTB spending by pilot site (p.119).

    Share of each site's adult pooled treatment budget spending by principal budget
    head (``spending.aptb_composition.site_<n>.*``); the year is not stated.

    Parameters
    ----------
    params : ParameterSet
        Point values.

    Returns
    -------
    pandas.DataFrame
        One row per budget head and ``total`` (the sum of each site's shares);
        columns ``site_1`` ... ``site_7``.

    Notes
    -----
    The printed "All" column is not produced: it is a weighted average of the site
    columns whose weights (presumably each site's APTB spending) are not printed.
    """
    sites = _children(params, _APTB)
    heads = _children(params, f"{_APTB}.{sites[0]}")
    frame = pd.DataFrame(
        {s: [_value(params, f"{_APTB}.{s}.{h}") for h in heads] for s in sites},
        index=heads,
        dtype=float,
    )
    frame.loc["total"] = frame.sum()
    return frame


CONTEXT_TABLES: dict[str, tuple[str, Callable[[ParameterSet], pd.DataFrame]]] = {
    "7.1": ("Spending on DSCPs by principal cost category", table_7_1),
    "7.2": ("Composition of DSCP pay spending", table_7_2),
    "7.3": ("Composition of DSCP non-staff spending", table_7_3),
    "7.4": ("Effectiveness of new journeys", table_7_4),
    "C.7.1": (
        "Drug treatment budgets, activity and output 2004-05 to 2008-09",
        table_c_7_1,
    ),
    "C.7.2": ("Composition of APTB spending by pilot site", table_c_7_2),
}
"""Table id -> (title, builder) for the context tables (spending, journeys, budgets)."""


def build_context_table(table_id: str, params: ParameterSet) -> pd.DataFrame:
    """Build one context table by id (see :data:`CONTEXT_TABLES`), values as floats."""
    try:
        _, builder = CONTEXT_TABLES[table_id]
    except KeyError:
        known = list(CONTEXT_TABLES)
        raise KeyError(f"unknown table {table_id!r}; known: {known}") from None
    frame = builder(params)
    frame.index = frame.index.map(str)
    return frame.astype(float)
