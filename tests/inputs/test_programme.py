"""A new programme from the user's own counts and costs."""

from __future__ import annotations

import pandas as pd
import pytest

import dsc_econ as dsc
from dsc_econ.inputs.parameters import ParameterError
from dsc_econ.inputs.programme import programme_parameters

COUNTS = pd.DataFrame(
    [
        ["a", "pilot", "pre", 1000, 900, 100, 400],
        ["a", "pilot", "post", 1000, 950, 150, 420],
        ["a", "comparison", "pre", 1200, 1080, 120, 450],
        ["a", "comparison", "post", 1200, 1090, 130, 460],
    ],
    columns=[
        "site",
        "area",
        "period",
        "total_in_treatment",
        "effective_treatment",
        "successful_completions",
        "total_completing",
    ],
).astype(str)
COSTS = pd.DataFrame({"site": ["a"], "cost_year_1": ["100"], "cost_year_2": ["50"]})


def test_tables_become_a_loaded_parameter_folder(tmp_path):
    params = programme_parameters(COUNTS, COSTS, tmp_path / "p")
    assert params.impact_sites() == ["a"]
    table = dsc.appraisal_table(params)
    expected = (950 / 1000 - 900 / 1000) - (1090 / 1200 - 1080 / 1200)
    assert table.loc["a", "extra_effective"] == pytest.approx(expected * 1000)
    assert table.loc["a", "cost"] == 150
    assert (tmp_path / "p" / "sites" / "a.yaml").exists()
    assert params["harms.untreated.total"] == 55127  # assumptions kept


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("effective_treatment", "x", "row 2, effective_treatment = 'x' is not a whole"),
        ("area", "pilots", "row 2, area = 'pilots' is not one of"),
        ("effective_treatment", "1200", "exceeds total_in_treatment"),
    ],
)
def test_bad_rows_are_named_and_nothing_is_written(tmp_path, column, value, message):
    bad = COUNTS.copy()
    bad.loc[0, column] = value
    with pytest.raises(ParameterError, match=message):
        programme_parameters(bad, COSTS, tmp_path / "p")
    assert not (tmp_path / "p").exists()


def test_sites_without_costs_and_existing_folders(tmp_path):
    other = COUNTS.assign(site="b")
    with pytest.raises(ParameterError, match=r"site\(s\) \['b'\] have counts but no costs"):
        programme_parameters(pd.concat([COUNTS, other]), COSTS, tmp_path / "p")
    (tmp_path / "q").mkdir()
    with pytest.raises(ParameterError, match="already exists"):
        programme_parameters(COUNTS, COSTS, tmp_path / "q")
