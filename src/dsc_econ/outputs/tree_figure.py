"""The report's pathway tree figure, drawn from the parameter folder's tree file.

Figure C1.1's own layout (:func:`dsc_econ.outputs.figures.pathway_tree`) when the file
is the default tree; otherwise any tree laid out by depth (x) and terminal order (y),
each branch labelled with its probability and each terminal with its probability per
OCU and its value per client.
"""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import pandas as pd

from ..inputs.tree_file import Tree, branch_probabilities, load_tree
from ..model.tree import tree_for
from . import figures

__all__ = ["is_default_tree", "tree_figure"]


def _shape(tree: Tree) -> tuple[Any, ...]:
    return (
        tree.root,
        tree.effective,
        tree.completion,
        tuple(
            (n.id, n.profile, tuple((b.to, b.text) for b in n.branches))
            for n in tree.nodes.values()
        ),
    )


def is_default_tree(tree: Tree) -> bool:
    """Whether ``tree`` is the bundled Figure C1.1 (same nodes, branches, profiles)."""
    return _shape(tree) == _shape(load_tree(None))


def tree_figure(params: Any, frame: pd.DataFrame) -> Any:
    """The pathway tree figure of the report for ``params``' tree.

    ``frame`` is :func:`dsc_econ.model.pathways.pathway_tree` of ``params`` (one row per
    terminal with ``probability`` and ``value_per_client``).
    """
    tree = tree_for(params)
    if is_default_tree(tree):
        return figures.pathway_tree(frame, params)
    probs = branch_probabilities(tree, params)
    # terminal order (y) by a depth-first walk; each node placed at its first visit
    pos: dict[str, tuple[float, float]] = {}
    depth_of: dict[str, int] = {}
    leaves: list[str] = []

    def visit(nid: str, depth: int) -> float:
        if nid in pos:
            return pos[nid][1]
        node = tree.nodes[nid]
        if node.terminal:
            y = float(len(leaves))
            leaves.append(nid)
        else:
            ys = [visit(b.to, depth + 1) for b in node.branches]
            y = sum(ys) / len(ys)
        depth_of[nid] = depth
        pos[nid] = (float(depth), y)
        return y

    visit(tree.root, 0)
    deepest = max(depth_of.values()) or 1
    height = max(len(leaves), 2)
    with plt.rc_context(figures.STYLE):
        fig, ax = plt.subplots(figsize=(7.6, max(3.0, 0.45 * height + 1.0)))
        ax.set_axis_off()

        def xy(nid: str) -> tuple[float, float]:
            x, y = pos[nid]
            if tree.nodes[nid].terminal:  # terminals in one column on the right
                return (0.9, 1.0 - (y + 0.5) / height)
            return (0.06 + 0.6 * x / max(deepest - 1, 1), 1.0 - (y + 0.5) / height)

        box = {"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none"}
        for node in tree.nodes.values():
            for b, p in zip(node.branches, probs.get(node.id, ()), strict=True):
                start, end = xy(node.id), xy(b.to)
                ax.annotate(
                    "",
                    end,
                    start,
                    arrowprops={
                        "arrowstyle": "->",
                        "color": "grey",
                        "shrinkA": 16,
                        "shrinkB": 20,
                    },
                )
                mid = (
                    start[0] + 0.5 * (end[0] - start[0]),
                    start[1] + 0.5 * (end[1] - start[1]),
                )
                ax.text(
                    *mid, f"{float(p):.3f}", ha="center", va="center", fontsize=6, bbox=box
                )
        for nid, node in tree.nodes.items():
            x, y = xy(nid)
            if node.terminal:
                row = frame.loc[nid]
                text = (
                    f"{nid}: {node.label[:28]}\np = {row.probability:.3f}, "
                    f"£{row.value_per_client:,.0f}"
                )
                style = {
                    "boxstyle": "round",
                    "fc": "#fdf3e1",
                    "ec": figures.PALETTE["orange"],
                }
            else:
                text, style = (
                    node.label[:24],
                    {"boxstyle": "round", "fc": "#eef5fb", "ec": figures.PALETTE["blue"]},
                )
            ax.text(x, y, text, ha="center", va="center", fontsize=6.5, bbox=style)
        ax.set_xlim(-0.08, 1.08)
        ax.set_ylim(-0.02, 1.02)
        ax.set_title(
            "Treatment pathways (tree.yaml): probability per OCU (p) and harm avoided "
            "per client (PV)"
        )
        return fig
