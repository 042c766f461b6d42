"""One name per assumption: keys, aliases and key tails accepted everywhere."""

from __future__ import annotations

import pytest

from dsc_econ.inputs.names import read_names
from dsc_econ.inputs.parameters import ParameterError, load_parameters
from dsc_econ.inputs.scenarios import Scenario, apply_scenario
from dsc_econ.sensitivity.distributions import load_uncertainty


def test_key_alias_and_tail_name_the_same_parameter(params):
    assert params.key("pathways.gamma") == "pathways.gamma"
    assert params.key("abstinence") == "pathways.gamma"
    assert params.key("gamma") == "pathways.gamma"
    assert params["abstinence"] == params["pathways.gamma"]
    assert "abstinence" in params and "gamma" in params and "nonsense" not in params
    assert params.alias("pathways.gamma") == "abstinence"
    assert params.label("gamma") == "pathways.gamma (abstinence)"
    assert "abstinence" not in list(params)  # iteration gives keys only


def test_did_you_mean_covers_both_spellings(params):
    with pytest.raises(KeyError, match=r"did you mean pathways\.gamma \(abstinence\)"):
        params["abstinance"]
    with pytest.raises(KeyError, match=r"did you mean pathways\.gamma \(abstinence\)"):
        params["pathways.gama"]
    with pytest.raises(KeyError, match=r"'total' is ambiguous.*harms\.untreated\.total"):
        params["total"]


def test_overrides_accept_aliases_and_refuse_two_spellings_at_once(params):
    new = params.with_values({"abstinence": 0.5})
    assert new["pathways.gamma"] == 0.5 and new.overridden == ("pathways.gamma",)
    with pytest.raises(ParameterError, match=r"both set pathways\.gamma"):
        params.with_values({"abstinence": 0.5, "pathways.gamma": 0.4})
    scen = Scenario("s", "test", {"discount_rate": 0.015}, source="x.yaml")
    assert apply_scenario(params, scen)["discounting.rate"] == 0.015


def test_uncertainty_inputs_use_the_registry_names(params, tmp_path):
    unc = load_uncertainty(params=params)
    for item in unc.inputs:
        if item.kind == "parameter" and item.apply == "set":
            assert len(item.parameters) == 1
            assert params.alias(item.parameters[0]) == item.name, item.name
    assert unc.input("gamma", params).name == "abstinence"
    assert unc.input("pathways.gamma", params).name == "abstinence"
    bad = tmp_path / "u.yaml"
    bad.write_text(
        "inputs:\n  abstinence:\n    parameter: pathways.phi\n    distribution: uniform\n"
        "    low: 0.4\n    high: 0.6\n    justification: test\n",
        encoding="utf-8",
    )
    with pytest.raises(ParameterError, match=r"'abstinence' is the alias of pathways\.gamma"):
        load_uncertainty(bad, params)
    ok = tmp_path / "v.yaml"
    ok.write_text(
        "inputs:\n  x:\n    parameter: completion_share\n    distribution: uniform\n"
        "    low: 0.4\n    high: 0.6\n    justification: test\n",
        encoding="utf-8",
    )
    assert load_uncertainty(ok, params).inputs[0].parameters == ("pathways.phi",)


def test_bad_registry_names_file_and_alias(tmp_path, params):
    path = tmp_path / "names.yaml"
    path.write_text("abstinence: pathways.gama\n", encoding="utf-8")
    with pytest.raises(ParameterError, match=r"abstinence: unknown parameter 'pathways"):
        read_names(path, params)
    path.write_text("a: pathways.gamma\nb: pathways.gamma\n", encoding="utf-8")
    with pytest.raises(ParameterError, match="two aliases"):
        read_names(path, params)


def test_every_bundled_alias_names_a_parameter():
    params = load_parameters()
    assert len(params.names.aliases) >= 15
    assert all(key in params.parameters for key in params.names.aliases.values())
