"""The report's tree figure is drawn from the parameter folder's tree file."""

from __future__ import annotations

import matplotlib.pyplot as plt
import yaml

import dsc_econ as dsc
from dsc_econ.inputs.tree_file import load_tree
from dsc_econ.model.pathways import pathway_tree
from dsc_econ.model.tree import tree_for
from dsc_econ.outputs.tree_figure import is_default_tree, tree_figure


def _texts(fig) -> str:
    return "\n".join(t.get_text() for ax in fig.axes for t in ax.texts)


def test_default_tree_keeps_figure_c11(params):
    assert is_default_tree(load_tree(None))
    fig = tree_figure(params, pathway_tree(params))
    assert "Figure C1.1" in fig.axes[0].get_title()
    plt.close(fig)


def test_user_tree_is_drawn_from_its_file(param_dir):
    raw = yaml.safe_load((param_dir / "tree.yaml").read_text())
    raw["nodes"]["unplanned"]["branches"] = [
        {"to": "T4", "probability": "pathways.gamma_prime"},
        {"to": "prison", "probability": 0.1},
        {"to": "T5", "probability": "complement"},
    ]
    raw["nodes"]["prison"] = {"label": "released from prison", "profile": "relapses"}
    (param_dir / "tree.yaml").write_text(yaml.safe_dump(raw))
    params = dsc.load_parameters(param_dir)
    assert not is_default_tree(tree_for(params))
    fig = tree_figure(params, pathway_tree(params))
    text = _texts(fig)
    assert "prison: released from prison" in text
    assert "0.490" in text  # unplanned exits: 1 - phi
    plt.close(fig)
