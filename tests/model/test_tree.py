"""Evaluating a pathway tree over sample arrays: the default file against the closed
form of Figure C1.1, a small user tree against a hand calculation."""

from __future__ import annotations

import numpy as np
import pytest

from dsc_econ.inputs.tree_file import load_tree, parse_tree
from dsc_econ.model import pathways
from dsc_econ.model.tree import (
    terminal_probabilities,
    terminal_values,
    tree_frame,
    unit_coefficients,
)
from dsc_econ.model.valuation import pathway_values, unit_values

KEYS = ("lambda", "alpha", "phi", "gamma", "gamma_prime")


def test_default_file_is_the_closed_form_on_1e5_rows():
    rng = np.random.default_rng(19)
    rows = {f"pathways.{k}": rng.random(100_000) for k in KEYS}
    rows["pathways.lambda"][:10] = 1.0  # the bundled value, and both edges
    rows["pathways.alpha"][10:20] = 0.0
    tree = load_tree(None)
    got = terminal_probabilities(tree, rows)
    want = pathways.terminal_probabilities(*(rows[f"pathways.{k}"] for k in KEYS))
    assert got.shape == (100_000, 5)
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(got[:, 1:], want[:, 1:])  # T2..T5 bit for bit


def test_default_values_and_unit_values(params):
    tree = load_tree(None)
    np.testing.assert_array_equal(terminal_values(tree, params), pathway_values(params))
    coef = unit_coefficients(tree, params)
    assert coef.closed
    assert (coef.a_effective, coef.a_completion) == (1.0, 1.0)
    assert coef.b_completion == params["pathways.gamma"]
    frame = tree_frame(params)
    assert frame.probability.sum() == pytest.approx(1.0, abs=1e-12)
    units = unit_values(params)
    assert units.completion == pytest.approx(
        units.effective + params["pathways.gamma"] * units.long_term
    )


SMALL = {
    "root": "start",
    "unit_values": {"effective": "treated", "completion": "done"},
    "nodes": {
        "start": {
            "branches": [
                {"to": "treated", "probability": "p.a"},
                {"to": "never", "probability": "complement"},
            ]
        },
        "treated": {
            "branches": [
                {"to": "dies", "probability": 0.1},
                {"to": "done", "probability": "(1 - 0.1) * p.c"},
                {"to": "drops", "probability": "complement"},
            ]
        },
        "done": {
            "branches": [
                {"to": "well", "probability": "p.g"},
                {"to": "back", "probability": "complement"},
            ]
        },
        "dies": {"profile": "untreated"},
        "drops": {"profile": "relapses"},
        "well": {"profile": "abstinent"},
        "back": {"profile": "relapses"},
        "never": {"profile": "untreated"},
    },
}


def test_small_user_tree_by_hand():
    tree = parse_tree(SMALL, "user/tree.yaml")
    a = np.array([0.5, 0.8])
    c, g = 0.6, 0.25
    params = {"p.a": a, "p.c": c, "p.g": g}
    p = terminal_probabilities(tree, params)
    assert tree.terminals == ["dies", "drops", "well", "back", "never"]
    done = a * 0.9 * c
    hand = np.stack(
        [a * 0.1, a * (1 - 0.1 - 0.9 * c), done * g, done * (1 - g), 1 - a], axis=-1
    )
    np.testing.assert_allclose(p, hand, rtol=0, atol=1e-15)
    below = terminal_probabilities(tree, params, start="treated")
    np.testing.assert_allclose(below[..., -1], 0.0)
    np.testing.assert_allclose(below.sum(-1), 1.0)
    coef = unit_coefficients(tree, params)
    assert not coef.closed
    # in treatment during the treatment years: everyone below 'treated' but the dead
    assert coef.a_effective == pytest.approx(0.9)
    assert coef.a_completion == 1.0
    assert coef.b_completion == pytest.approx(g)
