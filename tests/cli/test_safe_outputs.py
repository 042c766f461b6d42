"""CLI outputs: formula cells escaped in every CSV, unsafe scenario names refused."""

from __future__ import annotations

import pandas as pd
import pytest

from dsc_econ.cli.main import main
from dsc_econ.inputs.safety import UnsafeNameError
from dsc_econ.inputs.scenarios import load_scenarios

SCENARIO = """\
scenarios:
  {name}:
    description: '=HYPERLINK("http://evil.example","click")'
    set:
      discounting.rate: 0.02
"""


def test_scenario_csv_escapes_a_formula_description(tmp_path, capsys):
    file = tmp_path / "mine.yaml"
    file.write_text(SCENARIO.format(name="evil"))
    out = tmp_path / "scen.csv"
    code = main(["sensitivity", "scenarios", "--file", str(file), "--sites", "3",
                 "--output", str(out)])
    assert code == 0
    frame = pd.read_csv(out)
    description = frame.loc[frame.scenario == "evil", "description"].iloc[0]
    assert description.startswith("'=HYPERLINK")
    assert pd.api.types.is_numeric_dtype(frame["npv"])  # numbers stay numbers


@pytest.mark.parametrize("name", ["../../victim", "a/b", "/abs", ".hidden", "x y"])
def test_scenario_names_that_could_be_paths_are_refused(tmp_path, name, capsys):
    file = tmp_path / "mine.yaml"
    file.write_text(SCENARIO.format(name=repr(name)))
    with pytest.raises(UnsafeNameError, match=rf"{file}: scenarios: scenario name"):
        load_scenarios(file)
    assert main(["appraise", "--scenario-file", str(file), "--scenario", "x"]) == 2
    assert "scenario name" in capsys.readouterr().err


def test_parameters_csv_escapes_text(capsys, param_dir):
    path = param_dir / "treatment.yaml"
    text = path.read_text()
    assert "  description: Cost of treatment per client" in text
    path.write_text(text.replace("  description: Cost of treatment per client",
                                 "  description: =1+1 Cost of treatment per client"))
    assert main(["parameters", "--parameters", str(param_dir), "--csv"]) == 0
    out = capsys.readouterr().out
    assert "'=1+1 Cost of treatment" in out
    assert ",=1+1" not in out
