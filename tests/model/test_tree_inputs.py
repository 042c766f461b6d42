"""Every model path takes what follows a completion from the tree, never from
``pathways.gamma``: a user's tree that names its branch probability otherwise
(or adds a branch) changes the appraisal, the stock-flow model, Table C.6.1 and the
switching values, and DSCP's gamma no longer moves them."""

from __future__ import annotations

import numpy as np
import pytest
import yaml

import dsc_econ as dsc
from dsc_econ.model import stockflow as sf
from dsc_econ.model.economic_case import economic_case, switching_candidates
from dsc_econ.model.tree import completion_coefficients
from dsc_econ.model.valuation import unit_values, value_of_treatment

OWN = "pathways.abstinent_after_completion"


def _own_tree(param_dir, died_after: float | None = None) -> dsc.ParameterSet:
    """The bundled folder with T2's probability renamed (value 0.6, not gamma's
    0.457) and, optionally, a death branch after a successful completion."""
    with (param_dir / "pathways.yaml").open("a", encoding="utf-8") as fh:
        fh.write(
            "abstinent_after_completion:\n"
            "  description: Share of completions staying abstinent (test value).\n"
            "  value: 0.6\n"
            "  reference:\n    document: 003_4f7ee6da7be9200b.txt\n    table: Table C.6.1\n"
        )
    raw = yaml.safe_load((param_dir / "tree.yaml").read_text(encoding="utf-8"))
    branches = [{"to": "T2", "probability": OWN}]
    if died_after is not None:
        branches.append({"to": "died", "probability": died_after})
        raw["nodes"]["died"] = {"label": "dies after completion", "profile": "untreated"}
    branches.append({"to": "T3", "probability": "complement"})
    raw["nodes"]["planned"]["branches"] = branches
    (param_dir / "tree.yaml").write_text(yaml.safe_dump(raw), encoding="utf-8")
    return dsc.load_parameters(param_dir)


def test_gamma_of_an_own_tree_comes_from_its_file(param_dir):
    own = _own_tree(param_dir)
    coef = completion_coefficients(own)
    assert coef.closed and coef.b_completion == 0.6
    assert coef.r_completion == pytest.approx(0.4, abs=1e-15)
    units = unit_values(own)
    assert units.completion == pytest.approx(units.effective + 0.6 * units.long_term)

    # DSCP's gamma moves nothing; the tree's own parameter does
    other_gamma = own.with_values({"pathways.gamma": 0.1})
    more = own.with_values({OWN: 0.7})
    base = dsc.appraise(own, by_year=False).total_benefit.values
    np.testing.assert_array_equal(
        dsc.appraise(other_gamma, by_year=False).total_benefit.values, base
    )
    assert np.all(dsc.appraise(more, by_year=False).total_benefit.values != base)

    ds = value_of_treatment(own)
    assert float(ds.pv_expected) == pytest.approx(units.completion, rel=1e-12)
    harm = ds.harm.values
    np.testing.assert_allclose(
        ds.weighted_average.values, 0.6 * harm[1] + 0.4 * harm[2], rtol=1e-12
    )
    np.testing.assert_array_equal(
        value_of_treatment(other_gamma).weighted_average.values,
        ds.weighted_average.values,
    )


def test_stockflow_takes_the_tree_share(param_dir):
    own = _own_tree(param_dir).with_values({"stockflow.represent_years": 2})
    v = sf.flow_values(own)
    assert float(v["gamma"]) == 0.6
    assert float(v["represent_share"]) == pytest.approx(0.4, abs=1e-15)
    assert float(v["represent_value"]) > 0
    base = sf.benefit_effect(own)["effect"]
    np.testing.assert_array_equal(
        sf.benefit_effect(own.with_values({"pathways.gamma": 0.1}))["effect"], base
    )
    moved = sf.benefit_effect(own.with_values({OWN: 0.7}))["effect"]
    assert not np.array_equal(moved, base)
    full = sf.stockflow_arrays(own)
    np.testing.assert_allclose(full["effect"]["benefit"], base, rtol=1e-10, atol=1e-6)


def test_death_after_completion_counts_nothing_after_exit(param_dir):
    own = _own_tree(param_dir, died_after=0.05).with_values(
        {"stockflow.represent_years": 2}
    )
    coef = completion_coefficients(own)
    assert not coef.closed
    assert coef.a_completion == pytest.approx(0.95)
    assert coef.b_completion == 0.6
    assert coef.r_completion == pytest.approx(1 - 0.6 - 0.05)
    v = sf.flow_values(own)
    _, d2 = sf.benefits(
        np.ones((1, 1)),
        np.ones((1, 1)),
        v["annual_value"],
        v["abstinent_value"],
        v["represent_value"],
        v["gamma"],
        v["represent_share"],
    )
    hand = 0.6 * v["abstinent_value"] + 0.35 * v["represent_value"]
    assert float(d2[0, 0]) == pytest.approx(float(hand), rel=1e-12)
    units = unit_values(own)
    ds = value_of_treatment(own)
    assert float(ds.pv_expected) == pytest.approx(units.completion, rel=1e-12)
    short = float(ds.pv_short_term)  # S: everyone below 'effective' but the dead
    assert units.effective == pytest.approx(
        (1 - float(own["pathways.phi"]) * 0.05) * short, rel=1e-12
    )
    assert units.completion == pytest.approx(
        0.95 * short + 0.6 * units.long_term, rel=1e-12
    )


def test_switching_values_search_the_trees_keys(param_dir, params):
    assert "pathways.gamma" in switching_candidates(params)
    own = _own_tree(param_dir)
    names = switching_candidates(own)
    assert OWN in names
    case = economic_case(own)
    found = {s.name for s in case.switching}
    assert "pathways.gamma" not in found  # in the folder, but the tree does not use it
    default = {s.name for s in economic_case(params, top=20).switching}
    assert "pathways.gamma" in default
    assert OWN in {s.name for s in economic_case(own, top=20).switching}
