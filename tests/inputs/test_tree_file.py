"""The pathway tree file: grammar, structure checks, refusals naming file/node/value,
and a hypothesis fuzz of random valid and random broken trees."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

import dsc_econ as dsc
from dsc_econ.inputs.limits import MAX_TREE_DEPTH, MAX_TREE_NODES
from dsc_econ.inputs.parameters import ParameterError
from dsc_econ.inputs.tree_file import (
    PROFILES,
    branch_probabilities,
    check_names,
    load_tree,
    parse_expression,
    parse_tree,
)

SOURCE = "my_project/parameters/tree.yaml"


def test_expression_grammar():
    values = {"a.x": 0.5, "b": 0.25}
    e = parse_expression("1 - a.x * (b + 0.5) / 2")
    assert e.names() == {"a.x", "b"}
    assert e.evaluate(values.__getitem__) == pytest.approx(1 - 0.5 * 0.75 / 2)
    assert parse_expression("-b + 1").evaluate(values.__getitem__) == 0.75
    arr = parse_expression("a.x * 2").evaluate(lambda k: np.array([0.1, 0.2]))
    np.testing.assert_allclose(arr, [0.2, 0.4])


@pytest.mark.parametrize(
    "text",
    ["__import__('os')", "a ** 2", "a +", "(a", "a b", "", "a; b", "1e999x", "lambda: 1"],
)
def test_expression_refuses_anything_else(text):
    with pytest.raises(ValueError):
        parse_expression(text)


def _small() -> dict[str, Any]:
    return {
        "root": "start",
        "unit_values": {"effective": "treated", "completion": "done"},
        "nodes": {
            "start": {
                "branches": [
                    {"to": "treated", "probability": 0.6},
                    {"to": "none", "probability": "complement"},
                ]
            },
            "treated": {
                "branches": [
                    {"to": "done", "probability": "p.x"},
                    {"to": "relapse", "probability": "complement"},
                ]
            },
            "done": {"profile": "abstinent"},
            "relapse": {"profile": "relapses"},
            "none": {"profile": "untreated"},
        },
    }


def test_small_tree_parses():
    tree = parse_tree(_small(), SOURCE)
    assert tree.terminals == ["done", "relapse", "none"]
    assert tree.names == {"p.x"}
    assert tree.order.index("start") < tree.order.index("treated")


def _refused(raw: Any, *needles: str) -> str:
    with pytest.raises(ParameterError) as err:
        parse_tree(raw, SOURCE)
    message = str(err.value)
    assert SOURCE in message
    for needle in needles:
        assert needle in message, message
    return message


def test_refusals_name_file_node_and_value():
    raw = _small()
    raw["nodes"]["start"]["branches"][0]["probability"] = 1.5
    _refused(raw, "'start'", "1.5", "[0, 1]")
    raw = _small()
    raw["nodes"]["start"]["branches"][1]["probability"] = 0.3
    _refused(raw, "'start'", "sum to 0.9")
    raw = _small()
    raw["nodes"]["done"] = {"branches": [{"to": "start", "probability": 1}]}
    _refused(raw, "cycle", "'done'")
    raw = _small()
    raw["nodes"]["island"] = {"profile": "untreated"}
    _refused(raw, "island", "cannot be reached")
    raw = _small()
    raw["nodes"]["done"]["profile"] = "abstinant"
    _refused(raw, "'done'", "did you mean 'abstinent'")
    raw = _small()
    raw["nodes"]["treated"]["branches"][0]["to"] = "donne"
    _refused(raw, "'treated'", "did you mean 'done'")
    raw = _small()
    raw["nodes"]["treated"]["branches"][0]["probability"] = "p.x ** 2"
    _refused(raw, "'treated'", "p.x ** 2")
    raw = _small()
    raw["nodes"]["done"] = {"label": "x"}
    _refused(raw, "'done'", "either 'branches'")
    raw = _small()
    raw["unit_values"]["completion"] = "nowhere"
    _refused(raw, "nowhere")


def test_unknown_parameter_has_did_you_mean():
    tree = parse_tree(_small(), SOURCE)
    with pytest.raises(
        ParameterError, match=r"unknown parameter 'p\.x'.*did you mean 'p\.y'"
    ):
        check_names(tree, {"p.y": 0.2})


def test_values_checked_per_sample():
    tree = parse_tree(_small(), SOURCE)
    branch_probabilities(tree, {"p.x": np.array([0.2, 0.9])})
    with pytest.raises(ParameterError, match=r"node 'treated'.*1\.2 \(sample 1\)"):
        branch_probabilities(tree, {"p.x": np.array([0.2, 1.2])})


def test_size_bounds():
    raw = {
        "root": "n0",
        "unit_values": {"effective": "n0", "completion": "n0"},
        "nodes": {},
    }
    for i in range(MAX_TREE_DEPTH + 2):
        raw["nodes"][f"n{i}"] = {"branches": [{"to": f"n{i + 1}", "probability": 1}]}
    raw["nodes"][f"n{MAX_TREE_DEPTH + 2}"] = {"profile": "untreated"}
    _refused(raw, "levels below the root")
    big = {f"t{i}": {"profile": "untreated"} for i in range(MAX_TREE_NODES + 1)}
    _refused({"root": "t0", "nodes": big}, "nodes; at most")


def test_default_file_and_a_user_folder(param_dir: Path):
    tree = load_tree(None)
    assert tree.terminals == ["T1", "T2", "T3", "T4", "T5"]
    raw = yaml.safe_load((param_dir / "tree.yaml").read_text())
    raw["nodes"]["planned"]["branches"][0]["probability"] = "pathways.gama"
    (param_dir / "tree.yaml").write_text(yaml.safe_dump(raw))
    with pytest.raises(ParameterError) as err:
        dsc.load_parameters(param_dir)
    assert str(param_dir / "tree.yaml") in str(err.value)
    assert "did you mean 'pathways.gamma'" in str(err.value)
    raw["nodes"]["planned"]["branches"][0]["probability"] = "pathways.gamma * 3"
    (param_dir / "tree.yaml").write_text(yaml.safe_dump(raw))
    with pytest.raises(ParameterError, match=r"node 'planned'.*1\.371114"):
        dsc.load_parameters(param_dir)


# ------------------------------------------------------------------------- fuzzing
@st.composite
def random_trees(draw: Any) -> dict[str, Any]:
    """A random valid tree: node i hangs below an earlier inner node."""
    n = draw(st.integers(2, 14))
    parents = [None] + [draw(st.integers(0, i - 1)) for i in range(1, n)]
    children: dict[int, list[int]] = {i: [] for i in range(n)}
    for i, p in enumerate(parents[1:], start=1):
        children[p].append(i)
    nodes: dict[str, Any] = {}
    for i in range(n):
        kids = children[i]
        if not kids:
            nodes[f"n{i}"] = {"profile": draw(st.sampled_from(sorted(PROFILES)))}
            continue
        share = 1.0 / len(kids)
        branches = [
            {"to": f"n{k}", "probability": draw(st.floats(0, share))} for k in kids[:-1]
        ]
        branches.append({"to": f"n{kids[-1]}", "probability": "complement"})
        nodes[f"n{i}"] = {"label": f"node {i}", "branches": branches}
    inner = [f"n{i}" for i in range(n) if children[i]]
    return {
        "root": "n0",
        "unit_values": {"effective": draw(st.sampled_from(inner)), "completion": "n0"},
        "nodes": nodes,
    }


@given(random_trees())
def test_random_valid_trees_load_and_sum_to_one(raw):
    from dsc_econ.model.tree import terminal_probabilities

    tree = parse_tree(raw, SOURCE)
    p = terminal_probabilities(tree, {})
    assert np.all(p >= 0)
    assert p.sum() == pytest.approx(1.0, abs=1e-12)


BREAKS = ("cycle", "orphan", "high", "sum", "profile", "target", "name", "two_complements")


@given(random_trees(), st.sampled_from(BREAKS), st.randoms(use_true_random=False))
def test_random_bad_trees_are_refused_clearly(raw, how, rnd):
    raw = copy.deepcopy(raw)
    nodes = raw["nodes"]
    inner = [k for k, v in nodes.items() if "branches" in v]
    leaves = [k for k, v in nodes.items() if "profile" in v]
    node = rnd.choice(inner)
    branches = nodes[node]["branches"]
    if how == "cycle":
        leaf = rnd.choice(leaves)
        nodes[leaf] = {"branches": [{"to": "n0", "probability": 1.0}]}
        needle = "cycle"
    elif how == "orphan":
        nodes["lost"] = {"profile": "untreated"}
        needle = "lost"
    elif how == "high":
        branches[0]["probability"] = 1.0 + rnd.random() + 1e-9
        needle = node
    elif how == "sum":
        if len(branches) == 1:
            branches[0]["probability"] = 0.5
        else:
            branches[-1]["probability"] = 0.0
            branches[0]["probability"] = 0.99 / len(branches)
        needle = node
    elif how == "profile":
        nodes[rnd.choice(leaves)]["profile"] = "dead"
        needle = "dead"
    elif how == "target":
        branches[0]["to"] = "nowhere"
        needle = "nowhere"
    elif how == "name":
        branches[-1]["probability"] = "1 - import os"
        needle = node
    else:
        branches.append({"to": rnd.choice(leaves), "probability": "complement"})
        if len({b["to"] for b in branches}) < len(branches):
            needle = "two branches"
        else:
            needle = "complement"
    message = _refused(raw)
    assert needle in message, message
