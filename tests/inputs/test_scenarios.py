"""Named scenarios: the report's sensitivity cases and user files."""

from __future__ import annotations

import pytest

from dsc_econ.inputs.parameters import ParameterError
from dsc_econ.inputs.scenarios import apply_scenario, load_scenarios
from dsc_econ.model.valuation import unit_values


def test_report_scenarios_load_and_validate(params):
    scenarios = load_scenarios(params=params)
    assert {"benefits_50", "c6_decay", "c6_decay_decline"} <= set(scenarios)
    decay = apply_scenario(params, scenarios["c6_decay"])
    assert decay["harms.abstinent.decay_rate"] == 0.7
    assert round(unit_values(decay).completion) == 188145  # stated 70%: not 189,684


def test_bad_scenario_file_names_entry(tmp_path, params):
    path = tmp_path / "mine.yaml"
    path.write_text(
        "scenarios:\n  cheap:\n    description: x\n    set: {treatment.annual_cst: 1}\n"
    )
    with pytest.raises(
        ParameterError, match=r"mine\.yaml: scenarios\.cheap: unknown parameter"
    ):
        load_scenarios(path, params)
    path.write_text("scenarios:\n  cheap:\n    description: x\n    sett: {}\n")
    with pytest.raises(ParameterError, match=r"unknown key\(s\) \['sett'\]"):
        load_scenarios(path)
    path.write_text("scenarios:\n  bad:\n    set: {pathways.gamma: 2}\n")
    with pytest.raises(ParameterError, match=r"pathways\.gamma: 2\.0 is above 1"):
        load_scenarios(path, params)
