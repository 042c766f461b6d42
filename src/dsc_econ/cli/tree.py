"""``dsc-econ tree``: the pathway tree of a parameter folder, in 80 columns or JSON.

Prints every node with its label, each branch's probability (as written and its
value), the terminals' probability per OCU, value per client and expected value, the
expected value per OCU of the whole tree, and the two unit values the appraisal takes
from it.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

import numpy as np

from ..inputs.tree_file import branch_probabilities
from ..model.tree import tree_for, tree_frame, tree_unit_values
from .common import add_common_options, check_finite, load_params

WIDTH = 80
"""Columns of the printed tree (narrower terminals wrap nothing: labels are cut)."""


def add_parser(sub: Any) -> None:
    """Register ``tree``."""
    p = sub.add_parser(
        "tree",
        help="print the pathway tree (labels, probabilities, values per client)",
        description=(
            "Print the treatment pathway tree of the parameter folder (its tree.yaml, "
            "else Figure C1.1): each node's label, each branch's probability as written "
            "and its value, every terminal's harm profile, probability per OCU, value "
            "per client (PV of harm avoided relative to untreated harm throughout) and "
            "expected value, the expected value per OCU, and the two unit values the "
            "appraisal multiplies. parameters/README.md documents the file format."
        ),
    )
    add_common_options(p)
    p.add_argument("--json", action="store_true", help="emit JSON instead of text")


def _cut(text: str, room: int) -> str:
    return text if len(text) <= room else text[: max(1, room - 3)] + "..."


def _float(x: Any) -> float:
    return float(np.asarray(x, dtype=float))


def tree_report(params: Any) -> dict[str, Any]:
    """Everything ``dsc-econ tree`` prints, as plain data (floats and strings)."""
    tree = tree_for(params)
    probs = branch_probabilities(tree, params)
    frame = tree_frame(params, tree)
    units = tree_unit_values(params, tree)
    check_finite(frame[["value_per_client", "expected_value"]].to_numpy(), params, "tree")
    nodes = []
    for nid, node in tree.nodes.items():
        entry: dict[str, Any] = {"id": nid, "label": node.label}
        if node.terminal:
            row = frame.loc[nid]
            entry.update(
                profile={"during": node.profile[0], "after": node.profile[1]},
                probability=float(row.probability),
                value_per_client=float(row.value_per_client),
                expected_value=float(row.expected_value),
            )
        else:
            entry["branches"] = [
                {"to": b.to, "probability": _float(p), "written": b.text}
                for b, p in zip(node.branches, probs[nid], strict=True)
            ]
        nodes.append(entry)
    return {
        "source": tree.source,
        "root": tree.root,
        "nodes": nodes,
        "expected_value_per_ocu": float(frame.expected_value.sum()),
        "unit_values": {
            "effective_node": tree.effective,
            "completion_node": tree.completion,
            "effective": _float(units["effective"]),
            "completion": _float(units["completion"]),
            "a_effective": _float(units["a_effective"]),
            "a_completion": _float(units["a_completion"]),
            "b_completion": _float(units["b_completion"]),
            "closed_form": bool(units["closed"]),
        },
        "units": {
            "value_per_client": "GBP per client",
            "expected_value": "GBP per OCU",
            "unit_values": "GBP per client",
        },
    }


def tree_text(report: dict[str, Any], width: int = WIDTH) -> str:
    """The report of :func:`tree_report` as an outline in ``width`` columns."""
    nodes = {n["id"]: n for n in report["nodes"]}
    lines = [_cut(f"Pathway tree: {report['source']}", width)]
    root = nodes[report["root"]]
    lines.append(_cut(f"{root['label']} [{root['id']}]", width))

    def walk(nid: str, prefix: str) -> None:
        branches = nodes[nid]["branches"]
        for i, b in enumerate(branches):
            last = i == len(branches) - 1
            child = nodes[b["to"]]
            head = f"{prefix}{'`-' if last else '|-'} {b['probability']:.4f} "
            written = b["written"]
            if written.replace(".", "", 1).isdigit():
                written = ""
            tail = f"[{child['id']}]"
            if "profile" in child:
                tail = f"[{child['id']}, £{child['value_per_client']:,.0f}]"
            room = width - len(head) - len(tail) - 1
            label = child["label"]
            if written and room - len(label) > len(written) + 4:
                label = f"{label} ({written})"
            lines.append(head + _cut(label, room).ljust(max(room, 0)) + " " + tail)
            if "branches" in child:
                walk(child["id"], prefix + ("   " if last else "|  "))

    walk(root["id"], "")
    lines.append("")
    head = (
        f"{'terminal':<10} {'profile':<27} {'p per OCU':>9} {'£/client':>11} {'£/OCU':>9}"
    )
    lines.append(head)
    for n in report["nodes"]:
        if "profile" not in n:
            continue
        profile = f"{n['profile']['during']} then {n['profile']['after']}"
        lines.append(
            f"{_cut(n['id'], 10):<10} {_cut(profile, 27):<27} {n['probability']:>9.4f} "
            f"{n['value_per_client']:>11,.0f} {n['expected_value']:>9,.0f}"
        )
    lines.append(
        f"Expected value per OCU (value relative to untreated harm throughout): "
        f"£{report['expected_value_per_ocu']:,.0f}"
    )
    u = report["unit_values"]
    form = "closed form" if u["closed_form"] else "general tree"
    lines.append(
        _cut(
            f"Unit values ({form}): extra effective client £{u['effective']:,.0f} "
            f"(node {u['effective_node']}),",
            width,
        )
    )
    lines.append(
        _cut(
            f"  extra successful completion £{u['completion']:,.0f} "
            f"(node {u['completion_node']}); unrounded",
            width,
        )
    )
    return "\n".join(line.rstrip() for line in lines)


def run(args: argparse.Namespace) -> int:
    params = load_params(args)
    if params.sample_size() is not None:  # pragma: no cover - --set takes scalars
        raise ValueError("dsc-econ tree prints point values")
    report = tree_report(params)
    if args.json:
        print(json.dumps(report, indent=2, allow_nan=False))
    else:
        print(tree_text(report))
    return 0
