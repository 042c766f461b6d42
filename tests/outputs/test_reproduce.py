"""Reproduction of every published table, with every difference explained."""

from __future__ import annotations

import json

import pytest

import dsc_econ as dsc
from dsc_econ.outputs.published import load_discrepancies
from dsc_econ.outputs.reproduce import MODES, reproduce
from dsc_econ.outputs.tables import TABLES


@pytest.fixture(scope="module")
def result():
    return reproduce()


def test_every_published_table_has_a_builder(published):
    assert set(published) <= set(TABLES)


def test_no_difference_is_left_unexplained(result):
    unexplained = result.unexplained()
    assert unexplained.empty, unexplained[["mode", "table", "row", "column"]]


def test_every_testable_hypothesis_reproduces_its_cells(result):
    diffs = result.differences()
    tested = diffs.loc[diffs.reproduced.notna()]
    assert len(tested) > 40
    assert tested.reproduced.all(), tested.loc[~tested.reproduced.astype(bool)]


def test_no_stale_discrepancy(result):
    """Every cell a discrepancy lists is actually flagged in at least one of its modes."""
    flagged = {
        (r.mode, r.table, r.row, r.column) for r in result.differences().itertuples()
    }
    for d in load_discrepancies():
        for cell in d.cells:
            assert any((m, *cell) in flagged for m in d.modes), (d.id, cell)


def test_the_reports_known_slips_are_surfaced(result):
    diffs = result.differences("as_published")
    ids = {i for ids in diffs.discrepancies for i in ids}
    assert {
        "site5_completions_decimal",
        "et_unit_value_44244",
        "t711_ratio_is_net",
        "npv_short_term_text",
        "c6_decay_is_75",
        "t75_total_post_share",
    } <= ids
    site5 = diffs.loc[(diffs.table == "7.10") & (diffs.row == "5")].set_index("column")
    assert round(site5.loc["extra_completions", "computed"]) == 25
    assert site5.loc["extra_completions", "published"] == 3
    npv = diffs.loc[(diffs.table == "C6") & (diffs.column == "npv_short_term")].iloc[0]
    assert round(npv.computed) == 33205 and npv.published == 33215
    ratio = diffs.loc[(diffs.table == "7.11") & (diffs.column == "bcr")].iloc[0]
    assert round(ratio.computed) == 112 and round(ratio.hypothesis_value) == 111


def test_c4_and_method_notes_are_reported(result):
    ids = {n["id"] for n in result.notes}
    assert {
        "c4_completions_base",
        "completion_value_double_count",
        "costs_undiscounted",
    } <= ids
    c4 = next(n for n in result.notes if n["id"] == "c4_completions_base")
    assert c4["npv"]["3"]["alternative"] < c4["npv"]["3"]["default"]


def test_json_schema(result):
    data = json.loads(json.dumps(result.to_dict(), allow_nan=False))
    for mode in ("as_published", "exact"):
        tables = data[mode]["tables"]
        assert set(tables["C.6.1"]["pv"]) >= {"short_term", "long_term", "expected", "costs"}
        for site in ("2", "3", "4", "5", "6", "7"):
            assert set(tables["7.10"]["sites"][site]) >= {
                "costs",
                "extra_effective",
                "extra_completions",
                "benefits",
                "bcr",
            }
    ap = data["as_published"]["tables"]
    assert round(ap["C.6.1"]["pv"]["expected"]) == 195149
    assert round(ap["7.10"]["sites"]["3"]["bcr"]) == 112
    assert ap["7.10"]["sites"]["1"]["costs"] == 306
    assert ap["7.10"]["sites"]["1"]["bcr"] is None  # site 1 has no impact data


def test_modes_differ_only_where_they_should(result):
    ap, ex = result.results["as_published"], result.results["exact"]
    assert ap.params["appraisal.did_source"] == "reported"
    assert ex.params["appraisal.did_source"] == "counts"
    assert ap.tables["C.6.1"].equals(ex.tables["C.6.1"])
    assert not ap.tables["7.10"].equals(ex.tables["7.10"])
    assert set(MODES) == {"as_published", "exact"}


def test_overrides_flow_through_every_table(params):
    low = reproduce(
        params.with_values({"discounting.rate": 0.015}), tables=["C.6.1", "7.10"]
    )
    base = reproduce(params, tables=["C.6.1", "7.10"])
    for mode in ("as_published", "exact"):
        a = low.results[mode].tables["C.6.1"].loc["pv", "expected_discounted"]
        b = base.results[mode].tables["C.6.1"].loc["pv", "expected_discounted"]
        assert a > b
    # With a different rate the printed values no longer match, and that is reported.
    assert not low.unexplained().empty


def test_unknown_table_and_mode(params):
    with pytest.raises(KeyError, match="unknown table"):
        reproduce(params, tables=["9.9"])
    with pytest.raises(KeyError, match="unknown mode"):
        reproduce(params, modes=["rounded"])


def test_model_modules_never_read_published_results():
    import inspect

    for module in (
        dsc.inputs.parameters,
        dsc.model.discounting,
        dsc.model.pathways,
        dsc.model.harms,
        dsc.model.valuation,
        dsc.model.impact,
        dsc.model.appraisal,
    ):
        source = inspect.getsource(module)
        for forbidden in (
            "from .published",
            "outputs.published",
            "load_published",
            'data_dir("published")',
        ):
            assert forbidden not in source, (module.__name__, forbidden)


def test_json_keys_follow_one_convention_with_units_in_a_block(result):
    data = json.loads(json.dumps(result.to_dict(), allow_nan=False))
    keys: set[str] = set()

    def walk(node):
        if isinstance(node, dict):
            for k, v in node.items():
                keys.add(str(k))
                if k != "units":
                    walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(data)
    assert not [k for k in keys if k.endswith(("_k", "_gbp", "_m"))]
    t710 = data["exact"]["tables"]["7.10"]
    assert t710["units"]["sites"]["costs"] == "GBP thousand"
    assert t710["units"]["sites"]["bcr"] == "ratio"
    assert t710["units"]["rows"]["extra_effective"] == "clients"
    site3 = t710["sites"]["3"]
    assert site3["npv"] == pytest.approx(site3["benefits"] - site3["costs"])
    assert data["exact"]["tables"]["C.6.1"]["units"]["pv"] == "GBP per client"
    assert "Table C.6.1" in data["exact"]["tables"]["C.6.1"]["source"]
