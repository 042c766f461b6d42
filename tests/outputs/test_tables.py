"""Every table the API returns says its units, price years and sources in ``attrs``."""

from __future__ import annotations

import pytest

from dsc_econ.inputs.parameters import UNITS
from dsc_econ.model.appraisal import appraisal_table
from dsc_econ.model.valuation import table_c61
from dsc_econ.outputs.tables import TABLES, build_table

_SEED = r"\d{3}_[0-9a-f]{16}\.txt"


@pytest.mark.parametrize("table_id", list(TABLES))
def test_build_table_attrs_give_units_per_column_price_year_and_source(params, table_id):
    frame = build_table(table_id, params)
    attrs = frame.attrs
    assert set(attrs["units"]) == set(frame.columns)
    assert all(u and u != "unknown" for u in attrs["units"].values()), attrs["units"]
    assert "computed by dsc_econ" in attrs["source"]
    assert "Drug System Change Pilots Evaluation Final Report" in attrs["source"]
    assert attrs["references"] and attrs["title"] == TABLES[table_id][0]
    assert isinstance(attrs["price_year"], dict)
    text = repr(attrs)
    assert not __import__("re").search(_SEED, text), "a seed file name stands alone"
    money = [c for c, u in attrs["units"].items() if u in UNITS and UNITS[u].monetary]
    if money and table_id not in ("C.7.2",):
        assert attrs["price_year"], table_id


def test_model_tables_carry_their_own_attrs(params):
    c61 = table_c61(params)
    assert c61.attrs["units"]["no_treatment"] == "GBP per client per year"
    assert c61.attrs["units"]["expected_discounted"] == "GBP per client"
    assert c61.attrs["price_year"] == {"harms": "not stated", "treatment": "2008-09"}
    assert "Appendix Table C.6.1, p. 118" in c61.attrs["source"]
    table = appraisal_table(params)
    assert table.attrs["units"]["bcr"] == "ratio"
    assert table.attrs["units"]["extra_effective"] == "clients"
    assert table.attrs["units"]["cost"] == "GBP thousand"
    assert table.attrs["price_year"]["sites.*.costs"].startswith("cash")
