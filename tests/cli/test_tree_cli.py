"""``dsc-econ tree``: the tree of a parameter folder in 80 columns, JSON, refusals."""

from __future__ import annotations

import json

import yaml

from dsc_econ.cli.main import main


def test_tree_prints_within_80_columns(capsys):
    assert main(["tree"]) == 0
    out = capsys.readouterr().out
    assert max(len(line) for line in out.splitlines()) <= 80
    for node in ("T1", "T2", "T3", "T4", "T5", "pathways.alpha"):
        assert node in out
    assert "£195,149" in out and "£44,224" in out  # Table C.6.1's unit values


def test_tree_json(capsys):
    assert main(["tree", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    terminals = [n for n in data["nodes"] if "profile" in n]
    assert abs(sum(n["probability"] for n in terminals) - 1.0) < 1e-12
    ev = sum(n["expected_value"] for n in terminals)
    assert abs(ev - data["expected_value_per_ocu"]) < 1e-6
    assert data["unit_values"]["closed_form"] is True


def test_tree_of_a_user_folder_and_a_refusal(param_dir, capsys):
    raw = yaml.safe_load((param_dir / "tree.yaml").read_text())
    raw["nodes"]["unplanned"]["branches"][0]["probability"] = 0.25
    raw["nodes"]["unplanned"]["branches"][1]["probability"] = 0.5
    (param_dir / "tree.yaml").write_text(yaml.safe_dump(raw))
    assert main(["tree", "--parameters", str(param_dir)]) == 2
    err = capsys.readouterr().err
    assert str(param_dir / "tree.yaml") in err and "'unplanned'" in err and "0.75" in err
    raw["nodes"]["unplanned"]["branches"][1]["probability"] = "complement"
    (param_dir / "tree.yaml").write_text(yaml.safe_dump(raw))
    assert main(["tree", "--parameters", str(param_dir), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    t4 = next(n for n in data["nodes"] if n["id"] == "T4")
    assert abs(t4["probability"] - 0.82 * 0.49 * 0.25) < 1e-12
