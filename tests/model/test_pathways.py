"""The pathway tree of Figure C1.1: terminal probabilities and expected values."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dsc_econ.model.pathways import (
    completion_probability,
    expected_value,
    pathway_tree,
    terminal_probabilities,
)

prob = st.floats(min_value=0.0, max_value=1.0)


@given(prob, prob, prob, prob, prob)
def test_terminal_probabilities_sum_to_one(lam, alpha, phi, gamma, gamma_prime):
    p = terminal_probabilities(lam, alpha, phi, gamma, gamma_prime)
    assert p.shape == (5,)
    assert np.all(p >= 0)
    assert p.sum() == pytest.approx(1.0)


def test_tree_arithmetic():
    p = terminal_probabilities(1.0, 0.8, 0.5, 0.4, 0.2)
    np.testing.assert_allclose(p, [0.2, 0.16, 0.24, 0.08, 0.32])
    assert completion_probability(0.8, 0.5) == pytest.approx(0.4)  # beta = alpha phi


def test_samples_broadcast():
    gamma = np.array([0.41, 0.457, 0.53])
    p = terminal_probabilities(1.0, 0.82, 0.51, gamma, 0.41)
    assert p.shape == (3, 5)
    np.testing.assert_allclose(p.sum(-1), 1.0)
    np.testing.assert_allclose(p[:, 1], 0.82 * 0.51 * gamma)


@pytest.mark.parametrize("bad", [-0.1, 1.5, float("nan")])
def test_impossible_probabilities_are_named(bad):
    with pytest.raises(ValueError, match="phi must be a probability"):
        terminal_probabilities(1.0, 0.8, bad, 0.4, 0.2)


def test_expected_value():
    assert expected_value([0.25, 0.75], [4.0, 8.0]) == pytest.approx(7.0)


def test_pathway_tree_from_parameters(params):
    tree = pathway_tree(params)
    assert list(tree.index) == ["T1", "T2", "T3", "T4", "T5"]
    assert tree.probability.sum() == pytest.approx(1.0)
    assert tree.loc["T1", "value_per_client"] == 0.0
    # A completer who stays abstinent avoids the most harm; T2 and T4 share harms.
    assert tree.value_per_client.idxmax() in ("T2", "T4")
    assert tree.loc["T2", "value_per_client"] == pytest.approx(
        tree.loc["T4", "value_per_client"]
    )
    assert tree.loc["T3", "value_per_client"] == pytest.approx(44223.87, abs=0.01)
