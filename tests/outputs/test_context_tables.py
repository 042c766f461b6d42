"""Context tables (7.1-7.4, C.7.1, C.7.2): printed cells reproduced or accounted for."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from dsc_econ.inputs.parameters import ParameterSet, data_dir
from dsc_econ.outputs.context_tables import CONTEXT_TABLES, build_context_table
from dsc_econ.outputs.published import PublishedTable, load_discrepancies, load_published
from dsc_econ.outputs.reproduce import compare_table

# `params` (the bundled parameter set) comes from conftest.py.
DISCREPANCIES = data_dir("published") / "discrepancies_context.yaml"
TABLE_IDS = list(CONTEXT_TABLES)


@pytest.fixture(scope="module")
def published() -> dict[str, PublishedTable]:
    return load_published()


@pytest.fixture(scope="module")
def discrepancies():
    return load_discrepancies(DISCREPANCIES)


@pytest.fixture(scope="module")
def listed(discrepancies) -> set[tuple[str, str, str]]:
    return {cell for d in discrepancies for cell in d.cells}


def _compare(table_id: str, params: ParameterSet, published) -> pd.DataFrame:
    return compare_table(build_context_table(table_id, params), published[table_id])


def _cell(rec) -> tuple[str, str, str]:
    return (rec.table, rec.row, rec.column)


@pytest.mark.parametrize("table_id", TABLE_IDS)
def test_every_printed_cell_within_rounding_or_listed(table_id, params, published, listed):
    cmp = _compare(table_id, params, published)
    assert len(cmp) == len(published[table_id].cells())
    unexplained = [
        f"{r.row}/{r.column}: computed {r.computed}, printed {r.published}"
        for r in cmp.itertuples()
        if not r.within and _cell(r) not in listed
    ]
    assert not unexplained, unexplained


@pytest.mark.parametrize("table_id", TABLE_IDS)
def test_listed_cells_are_exactly_the_flagged_ones(table_id, params, published, listed):
    cmp = _compare(table_id, params, published)
    flagged = {_cell(r) for r in cmp.itertuples() if not r.within}
    mine = {c for c in listed if c[0] == table_id}
    assert mine == flagged


def test_listed_cells_exist_in_context_tables(published, listed):
    printed = {(t, r, c) for t in TABLE_IDS for r, c, _ in published[t].cells()}
    assert listed <= printed, sorted(listed - printed)


def test_discrepancy_ids_do_not_clash_with_main_list(discrepancies):
    main = load_discrepancies(data_dir("published") / "discrepancies.yaml")
    ids = [d.id for d in discrepancies]
    assert len(ids) == len(set(ids))
    assert not set(ids) & {d.id for d in main}


def test_hypotheses_reproduce_printed_cells(params, published, discrepancies):
    testable = [d for d in discrepancies if d.set]
    assert testable, "expected at least one testable hypothesis"
    for d in testable:
        assert not d.options, f"{d.id}: options are not used by the context tables"
        alt = params.with_values(d.set, origin=f"hypothesis {d.id}")
        for table_id in {c[0] for c in d.cells}:
            cmp = _compare(table_id, alt, published)
            within = {_cell(r): r.within for r in cmp.itertuples()}
            for cell in d.cells:
                if cell[0] == table_id:
                    assert within[cell], f"{d.id}: hypothesis does not reproduce {cell}"


def test_uncomputable_cells_are_left_out(params):
    t74 = build_context_table("7.4", params)
    assert not any(r.startswith("all_sites") for r in t74.index)
    tc72 = build_context_table("C.7.2", params)
    assert "all" not in tc72.columns
    assert not tc72.isna().any().any()
    assert not t74.isna().any().any()


# (cell "table/row/column", parameter changed, delta, expected change of the cell)
CHANGES = [
    ("7.1/total/year_2009_10", "spending.dscp.by_category.pay.year_2009_10", 1e3, 1e3),
    ("7.1/total/both_years", "spending.dscp.by_category.non_pay.year_2010_11", 1e3, 1e3),
    ("7.2/total_pay/both_years", "spending.dscp.pay_composition.management", 500, 500),
    (
        "7.3/total_non_pay_current/both_years",
        "spending.dscp.non_pay_composition.rent",
        25,
        25,
    ),
    (
        "7.4/site_3_fy_2009_10/effective",
        "new_journeys.site_3.fy_2009_10.completed_within_12_weeks",
        0.01,
        0.01,
    ),
    (
        "C.7.1/fy_2006_07/total_funding",
        "national.treatment_budgets.fy_2006_07.local_funding",
        10,
        10,
    ),
    (  # £16.4m more over 164,000 adults: £100 more per adult
        "C.7.1/fy_2006_07/funding_per_adult",
        "national.treatment_budgets.fy_2006_07.adult_pooled_treatment_budget",
        16.4,
        100,
    ),
    (
        "C.7.2/total/site_4",
        "spending.aptb_composition.site_4.open_access_drug_treatment_services",
        0.01,
        0.01,
    ),
]


@pytest.mark.parametrize(("cell", "name", "delta", "expected"), CHANGES)
def test_changing_an_input_changes_its_total(params, cell, name, delta, expected):
    table_id, row, column = cell.split("/")
    before = build_context_table(table_id, params).at[row, column]
    changed = params.with_values({name: params[name] + delta})
    after = build_context_table(table_id, changed).at[row, column]
    assert math.isclose(after - before, expected, rel_tol=1e-9, abs_tol=1e-9)


def test_shares_follow_inputs(params):
    name = "spending.dscp.by_category.non_recurrent_start_up.year_2009_10"
    changed = params.with_values({name: 0.0})
    t71 = build_context_table("7.1", changed)
    assert t71.at["non_recurrent_start_up", "share"] == 0.0
    assert math.isclose(t71["share"].drop("total").sum(), 1.0)
    assert math.isclose(
        t71.at["pay", "share"],
        t71.at["pay", "both_years"] / t71.at["total", "both_years"],
    )


def test_unknown_table_raises(params):
    with pytest.raises(KeyError, match="unknown table"):
        build_context_table("9.9", params)
