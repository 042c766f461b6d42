"""The pathway tree as data: ``parameters/tree.yaml``, read and validated on load.

The tree of Figure C1.1 (and any tree a user writes in its place) is a file of nodes.
A node either has ``branches`` (each to another node, with a probability) or is a
terminal with a harm ``profile``. A branch probability is a number, a parameter key
(``pathways.alpha``), an expression of parameter keys (``pathways.alpha *
pathways.phi``, with ``+ - * / ( )`` only: parsed by a small grammar here, never
``eval``) or ``complement`` (one minus its siblings). ``parameters/README.md`` documents
the format; :mod:`dsc_econ.model.tree` evaluates a tree over sample arrays.

Every refusal names the file, the node and the value: probabilities outside [0, 1] or
not summing to one (within :data:`SUM_TOLERANCE`), cycles, nodes no path reaches,
terminals without a known profile, unknown parameter names (with a did-you-mean), and
trees over the size bounds of :mod:`dsc_econ.inputs.limits`.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .limits import MAX_EXPRESSION_CHARS, MAX_TREE_BRANCHES, MAX_TREE_DEPTH, MAX_TREE_NODES
from .parameters import ParameterError, read_yaml
from .safety import excerpt

__all__ = [
    "AFTER_HARMS",
    "DURING_HARMS",
    "PROFILES",
    "SUM_TOLERANCE",
    "TREE_FILE",
    "Branch",
    "Expression",
    "Node",
    "Tree",
    "branch_probabilities",
    "check_names",
    "check_tree_file",
    "load_tree",
    "parse_expression",
    "parse_tree",
    "tree_path",
]

TREE_FILE = "tree.yaml"
"""Name of the tree file in a parameter folder."""

SUM_TOLERANCE = 1e-12
"""Branch probabilities at a node must sum to one within this (or use ``complement``)."""

DURING_HARMS = ("untreated", "in_treatment")
"""Harm a terminal's client has over the treatment years (the DTORS profiles)."""
AFTER_HARMS = ("untreated", "abstinent")
"""Harm after the treatment years: untreated (re-presents, relapses) or abstinent
(the in-treatment harm decaying at ``harms.abstinent.decay_rate``)."""

PROFILES: dict[str, tuple[str, str]] = {
    "untreated": ("untreated", "untreated"),
    "abstinent": ("in_treatment", "abstinent"),
    "relapses": ("in_treatment", "untreated"),
}
"""Named harm profiles (during, after) a terminal may give by name."""

_NODE_KEYS = {"label", "branches", "profile", "note"}
_TOP_KEYS = {"description", "reference", "note", "root", "unit_values", "nodes"}
_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,39}$")
_TOKEN = re.compile(
    r"\s*(?:(?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*)|(?P<op>[-+*/()]))"
)


# --------------------------------------------------------------------------- grammar
@dataclass(frozen=True)
class Expression:
    """A parsed probability: ``kind`` 'num' (value), 'name' (key), 'neg' (one
    argument) or an operator '+', '-', '*', '/' (two arguments)."""

    kind: str
    value: float = 0.0
    name: str = ""
    args: tuple[Expression, ...] = ()

    def names(self) -> set[str]:
        """Parameter names the expression reads."""
        if self.kind == "name":
            return {self.name}
        return set().union(*(a.names() for a in self.args)) if self.args else set()

    def evaluate(self, lookup: Callable[[str], Any]) -> Any:
        """The value, with ``lookup(name)`` for each parameter (arrays broadcast)."""
        if self.kind == "num":
            return self.value
        if self.kind == "name":
            return np.asarray(lookup(self.name), dtype=float)
        if self.kind == "neg":
            return -self.args[0].evaluate(lookup)
        a, b = (x.evaluate(lookup) for x in self.args)
        if self.kind == "+":
            return a + b
        if self.kind == "-":
            return a - b
        if self.kind == "*":
            return a * b
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.divide(a, b)

    def __str__(self) -> str:
        if self.kind == "num":
            return f"{self.value:g}"
        if self.kind == "name":
            return self.name
        if self.kind == "neg":
            return f"-{self.args[0]}"
        return f"({self.args[0]} {self.kind} {self.args[1]})"


def parse_expression(text: str) -> Expression:
    """Parse ``text`` (numbers, parameter keys, ``+ - * / ( )``) into an
    :class:`Expression`; ``ValueError`` naming the offending position otherwise.

    >>> str(parse_expression("1 - pathways.alpha * 0.5"))
    '(1 - (pathways.alpha * 0.5))'
    """
    if len(text) > MAX_EXPRESSION_CHARS:
        raise ValueError(
            f"expression of {len(text):,} characters; at most {MAX_EXPRESSION_CHARS}"
        )
    tokens: list[tuple[str, str]] = []
    pos = 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            raise ValueError(
                f"cannot read {excerpt(text[pos:].strip()[:20])} at character {pos + 1} "
                "(allowed: numbers, parameter keys, + - * / and brackets)"
            )
        kind = m.lastgroup or ""
        tokens.append((kind, m.group(kind)))
        pos = m.end()
    if not tokens:
        raise ValueError("empty expression")
    at = 0

    def peek() -> tuple[str, str] | None:
        return tokens[at] if at < len(tokens) else None

    def take() -> tuple[str, str]:
        nonlocal at
        tok = peek()
        if tok is None:
            raise ValueError("the expression ends early (a value is missing)")
        at += 1
        return tok

    def expr(depth: int) -> Expression:
        left = term(depth)
        while (tok := peek()) is not None and tok[1] in "+-" and tok[0] == "op":
            take()
            left = Expression(tok[1], args=(left, term(depth)))
        return left

    def term(depth: int) -> Expression:
        left = factor(depth)
        while (tok := peek()) is not None and tok[1] in "*/" and tok[0] == "op":
            take()
            left = Expression(tok[1], args=(left, factor(depth)))
        return left

    def factor(depth: int) -> Expression:
        if depth > 50:
            raise ValueError("brackets nested too deeply")
        kind, value = take()
        if kind == "num":
            return Expression("num", value=float(value))
        if kind == "name":
            return Expression("name", name=value)
        if value == "-":
            return Expression("neg", args=(factor(depth + 1),))
        if value == "+":
            return factor(depth + 1)
        if value == "(":
            inner = expr(depth + 1)
            if take()[1] != ")":
                raise ValueError("a bracket is not closed")
            return inner
        raise ValueError(f"unexpected {value!r}")

    out = expr(0)
    if at != len(tokens):
        raise ValueError(f"unexpected {tokens[at][1]!r} after a complete expression")
    return out


# ------------------------------------------------------------------------ the tree
@dataclass(frozen=True)
class Branch:
    """One branch: the node it leads to and its probability (None: complement)."""

    to: str
    probability: Expression | None
    text: str
    """The probability as written in the file."""


@dataclass(frozen=True)
class Node:
    """A node: ``branches`` (inner node) or a ``profile`` (during, after) (terminal)."""

    id: str
    label: str
    branches: tuple[Branch, ...] = ()
    profile: tuple[str, str] | None = None

    @property
    def terminal(self) -> bool:
        return self.profile is not None


@dataclass(frozen=True)
class Tree:
    """A validated pathway tree."""

    source: str
    root: str
    nodes: dict[str, Node]
    effective: str
    """Node whose in-treatment value per client is the unit value of an extra client
    in effective treatment (B^A in the report)."""
    completion: str
    """Node whose expected value per client is the unit value of an extra successful
    completion (B^B in the report)."""
    order: tuple[str, ...] = ()
    """Node ids with every parent before its children (``nodes`` keeps file order)."""
    description: str = ""

    @property
    def terminals(self) -> list[str]:
        return [n for n, node in self.nodes.items() if node.terminal]

    @property
    def names(self) -> set[str]:
        """Every parameter key the tree's probabilities read."""
        return {
            name
            for node in self.nodes.values()
            for b in node.branches
            if b.probability is not None
            for name in b.probability.names()
        }

    def where(self, node: str) -> str:
        return f"{self.source}: node {node!r}"


def tree_path(folder: str | Path | None) -> Path:
    """The tree file of a parameter folder, or the bundled default when the folder
    has none (a project made before issue 19, or ``None``)."""
    from .parameters import data_dir

    if folder:
        path = Path(folder) / TREE_FILE
        if path.is_file():
            return path
    return data_dir("parameters") / TREE_FILE


def _text(value: Any, where: str, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ParameterError(f"{where}: {what} must be text, got {excerpt(value)}")
    return value.strip()


def _profile(raw: Any, where: str) -> tuple[str, str]:
    if isinstance(raw, str):
        if raw not in PROFILES:
            close = difflib.get_close_matches(raw, list(PROFILES), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise ParameterError(
                f"{where}: profile {excerpt(raw)} is not a harm profile (one of "
                f"{', '.join(PROFILES)}, or a mapping of during and after){hint}"
            )
        return PROFILES[raw]
    if isinstance(raw, Mapping):
        extra = set(raw) - {"during", "after"}
        if extra or set(raw) != {"during", "after"}:
            raise ParameterError(
                f"{where}: profile needs exactly 'during' and 'after', got "
                f"{excerpt(sorted(map(str, raw)))}"
            )
        during, after = raw["during"], raw["after"]
        if during not in DURING_HARMS:
            raise ParameterError(
                f"{where}: profile during {excerpt(during)} is not one of "
                f"{', '.join(DURING_HARMS)}"
            )
        if after not in AFTER_HARMS:
            raise ParameterError(
                f"{where}: profile after {excerpt(after)} is not one of "
                f"{', '.join(AFTER_HARMS)}"
            )
        return (str(during), str(after))
    raise ParameterError(
        f"{where}: profile must be a name or a mapping, got {excerpt(raw)}"
    )


def _probability(raw: Any, where: str) -> Expression | None:
    if isinstance(raw, bool) or raw is None:
        raise ParameterError(
            f"{where}: probability missing or not a number: {excerpt(raw)}"
        )
    if isinstance(raw, (int, float)):
        value = float(raw)
        if not np.isfinite(value) or not 0.0 <= value <= 1.0:
            raise ParameterError(f"{where}: probability {raw!r} is outside [0, 1]")
        return Expression("num", value=value)
    if isinstance(raw, str):
        if raw.strip() == "complement":
            return None
        try:
            return parse_expression(raw)
        except ValueError as exc:
            raise ParameterError(f"{where}: probability {excerpt(raw)}: {exc}") from None
    raise ParameterError(
        f"{where}: probability must be a number, a parameter key, an expression or "
        f"'complement', got {excerpt(raw)}"
    )


def parse_tree(raw: Any, source: str) -> Tree:
    """Build and check a :class:`Tree` from the loaded YAML ``raw`` of ``source``.

    Checks the structure only (no parameter values): see :func:`check_names` and
    :func:`dsc_econ.model.tree.check_values` for the rest.
    """
    if not isinstance(raw, Mapping):
        raise ParameterError(f"{source}: top level must be a mapping, got {excerpt(raw)}")
    unknown = set(map(str, raw)) - _TOP_KEYS
    if unknown:
        raise ParameterError(
            f"{source}: unknown key(s) {sorted(unknown)}; allowed: {sorted(_TOP_KEYS)}"
        )
    nodes_raw = raw.get("nodes")
    if not isinstance(nodes_raw, Mapping) or not nodes_raw:
        raise ParameterError(f"{source}: 'nodes' must be a mapping of node ids to nodes")
    if len(nodes_raw) > MAX_TREE_NODES:
        raise ParameterError(
            f"{source}: {len(nodes_raw):,} nodes; at most {MAX_TREE_NODES} (README: "
            "What happens with bad input)"
        )
    nodes: dict[str, Node] = {}
    for key, body in nodes_raw.items():
        nid = str(key)
        where = f"{source}: node {excerpt(key)}"
        if not isinstance(key, str) or not _ID.match(key):
            raise ParameterError(
                f"{where}: a node id is a letter then letters, digits or '_' (at most 40)"
            )
        if not isinstance(body, Mapping):
            raise ParameterError(f"{where}: must be a mapping, got {excerpt(body)}")
        extra = set(map(str, body)) - _NODE_KEYS
        if extra:
            raise ParameterError(
                f"{where}: unknown key(s) {sorted(extra)}; allowed: {sorted(_NODE_KEYS)}"
            )
        label = _text(body.get("label", nid), where, "label")
        has_b, has_p = "branches" in body, "profile" in body
        if has_b == has_p:
            raise ParameterError(
                f"{where}: a node has either 'branches' (an inner node) or 'profile' "
                "(a terminal), not both or neither"
            )
        if has_p:
            nodes[nid] = Node(nid, label, profile=_profile(body["profile"], where))
            continue
        raw_b = body["branches"]
        if not isinstance(raw_b, list) or not raw_b:
            raise ParameterError(f"{where}: 'branches' must be a non-empty list")
        if len(raw_b) > MAX_TREE_BRANCHES:
            raise ParameterError(
                f"{where}: {len(raw_b)} branches; at most {MAX_TREE_BRANCHES}"
            )
        branches = []
        for i, b in enumerate(raw_b, start=1):
            bwhere = f"{where}, branch {i}"
            if not isinstance(b, Mapping) or set(map(str, b)) - {"to", "probability"}:
                raise ParameterError(
                    f"{bwhere}: a branch is a mapping of 'to' and 'probability', got "
                    f"{excerpt(b)}"
                )
            to = b.get("to")
            if not isinstance(to, str):
                raise ParameterError(f"{bwhere}: 'to' must name a node, got {excerpt(to)}")
            if "probability" not in b:
                raise ParameterError(f"{bwhere}: 'probability' is missing")
            prob = _probability(b["probability"], f"{bwhere} (to {to!r})")
            branches.append(Branch(to, prob, str(b["probability"])))
        targets = [b.to for b in branches]
        dup = next((t for t in targets if targets.count(t) > 1), None)
        if dup is not None:
            raise ParameterError(f"{where}: two branches lead to {dup!r}; merge them")
        if sum(b.probability is None for b in branches) > 1:
            raise ParameterError(f"{where}: at most one branch may be 'complement'")
        nodes[nid] = Node(nid, label, branches=tuple(branches))
    for node in nodes.values():
        for b in node.branches:
            if b.to not in nodes:
                close = difflib.get_close_matches(b.to, list(nodes), n=1)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                raise ParameterError(
                    f"{source}: node {node.id!r}: branch to {excerpt(b.to)}, which is "
                    f"not a node of the file{hint}"
                )
    root = raw.get("root")
    if not isinstance(root, str) or root not in nodes:
        raise ParameterError(
            f"{source}: root {excerpt(root)} must name a node (one of "
            f"{excerpt(sorted(nodes))})"
        )
    order = _order(nodes, root, source)
    _check_numbers(nodes, source)
    units = raw.get("unit_values")
    if not isinstance(units, Mapping) or set(map(str, units)) != {
        "effective",
        "completion",
    }:
        raise ParameterError(
            f"{source}: 'unit_values' must map 'effective' and 'completion' to nodes, "
            f"got {excerpt(units)}"
        )
    for role in ("effective", "completion"):
        if units[role] not in nodes:
            raise ParameterError(
                f"{source}: unit_values {role}: {excerpt(units[role])} is not a node"
            )
    description = raw.get("description", "")
    return Tree(
        source=source,
        root=root,
        nodes=nodes,
        order=tuple(order),
        effective=str(units["effective"]),
        completion=str(units["completion"]),
        description=str(description).strip() if description else "",
    )


def _order(nodes: dict[str, Node], root: str, source: str) -> list[str]:
    """Nodes parents-first; refuses cycles, unreachable nodes and deep trees."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    post: list[str] = []
    # iterative depth-first search (a recursive one would hit Python's stack limit)
    stack: list[tuple[str, int, int]] = [(root, 0, 1)]
    state[root] = 1
    while stack:
        nid, i, depth = stack.pop()
        branches = nodes[nid].branches
        if i < len(branches):
            stack.append((nid, i + 1, depth))
            child = branches[i].to
            if state.get(child) == 1:
                raise ParameterError(
                    f"{source}: node {nid!r}: branch to {child!r} closes a cycle "
                    "(a pathway cannot return to an earlier node)"
                )
            if child not in state:
                state[child] = 1
                stack.append((child, 0, depth + 1))
        else:
            state[nid] = 2
            post.append(nid)
    unreachable = [n for n in nodes if n not in state]
    if unreachable:
        raise ParameterError(
            f"{source}: node(s) {excerpt(unreachable)} cannot be reached from the root "
            f"{root!r} (orphans: no branch leads to them)"
        )
    order = post[::-1]
    depth = {root: 0}
    for nid in order:  # longest path from the root, parents first
        for b in nodes[nid].branches:
            depth[b.to] = max(depth.get(b.to, 0), depth[nid] + 1)
            if depth[b.to] > MAX_TREE_DEPTH:
                raise ParameterError(
                    f"{source}: node {b.to!r} is {depth[b.to]} levels below the root; "
                    f"at most {MAX_TREE_DEPTH} (README: What happens with bad input)"
                )
    return order


def _check_numbers(nodes: dict[str, Node], source: str) -> None:
    """Nodes whose branches are all numbers: the sum is known before any parameter."""
    for node in nodes.values():
        if not node.branches:
            continue
        values = [b.probability for b in node.branches]
        if any(v is not None and v.kind != "num" for v in values):
            continue
        total = sum(v.value for v in values if v is not None)
        if any(v is None for v in values):
            if total > 1.0 + SUM_TOLERANCE:
                raise ParameterError(
                    f"{source}: node {node.id!r}: the other branches sum to {total:.12g}, "
                    "above 1, so the complement would be negative"
                )
        elif abs(total - 1.0) > SUM_TOLERANCE:
            raise ParameterError(
                f"{source}: node {node.id!r}: branch probabilities sum to {total:.12g}, "
                f"not 1 (within {SUM_TOLERANCE:g}); use 'complement' for the last one"
            )


def check_names(
    tree: Tree, keys: Any, resolve: Callable[[str], str | None] | None = None
) -> dict[str, str]:
    """Map every name the tree reads to a parameter key of ``keys``.

    ``resolve`` turns an alias into a key (``ParameterSet`` aliases) or returns None.
    Raises ParameterError naming the file, node and name, with a did-you-mean.
    """
    known = list(keys)
    out: dict[str, str] = {}
    for node in tree.nodes.values():
        for b in node.branches:
            if b.probability is None:
                continue
            for name in sorted(b.probability.names()):
                key = name if name in keys else (resolve(name) if resolve else None)
                if key is None:
                    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
                    hint = f"; did you mean {close[0]!r}?" if close else ""
                    raise ParameterError(
                        f"{tree.where(node.id)}: branch to {b.to!r}: unknown parameter "
                        f"{excerpt(name)}{hint} (add it to a parameter file, e.g. "
                        "pathways.yaml, with its unit and source)"
                    )
                out[name] = key
    return out


_CACHE: dict[tuple[str, int, int], Tree] = {}


def load_tree(folder: str | Path | None = None) -> Tree:
    """Read and check the tree of a parameter folder (or the bundled default).

    Cached by file, modification time and size, so many calls for one parameter set
    read it once. Parameter names and values are checked against a parameter set by
    :func:`dsc_econ.model.tree.tree_for`.
    """
    path = tree_path(folder)
    try:
        stat = path.stat()
    except OSError:
        raise ParameterError(f"{path}: tree file not found") from None
    key = (str(path), stat.st_mtime_ns, stat.st_size)
    tree = _CACHE.get(key)
    if tree is None:
        raw = read_yaml(path)
        if raw is None:
            raise ParameterError(f"{path}: file is empty")
        tree = parse_tree(raw, str(path))
        if len(_CACHE) > 32:
            _CACHE.clear()
        _CACHE[key] = tree
    return tree


def check_tree_file(folder: str | Path, params: Mapping[str, Any]) -> set[str]:
    """Check a parameter folder's tree (or the default) against its parameters on
    load: structure, parameter names, and the branch probabilities at the point
    values. Returns the parameter keys the tree reads.

    ``params`` maps keys to :class:`~dsc_econ.inputs.parameters.Parameter` (the loader's
    table) or to values.
    """
    tree = load_tree(folder)
    names = check_names(tree, params)
    values = {k: getattr(params[k], "value", params[k]) for k in set(names.values())}
    for key, value in values.items():
        if isinstance(value, (list, str, bool)) or value is None:
            raise ParameterError(
                f"{tree.source}: {key} is used as a probability but is "
                f"{excerpt(value)}, not a number"
            )
    branch_probabilities(tree, values)
    return set(names.values())


def _lookup(params: Any) -> Any:
    def get(name: str) -> Any:
        return params[name]

    return get


def _where_bad(mask: np.ndarray) -> str:
    if mask.ndim == 0:
        return ""
    return f" (sample {int(np.flatnonzero(mask.ravel())[0])})"


def branch_probabilities(tree: Tree, params: Any) -> dict[str, list[Any]]:
    """Each node's branch probabilities, evaluated and checked.

    Returns
    -------
    dict
        Node id -> list of probabilities (floats or arrays of shape (n,)), in branch
        order; ``complement`` filled in.

    Raises
    ------
    ParameterError
        A probability outside [0, 1] or not finite, or branches not summing to one
        within 1e-12; the message names the tree file, the node, the branch and the
        value (and the sample, for arrays).
    """
    get = _lookup(params)
    out: dict[str, list[Any]] = {}
    for node in tree.nodes.values():
        if not node.branches:
            continue
        values: list[Any] = []
        for b in node.branches:
            if b.probability is None:
                values.append(None)
                continue
            v = b.probability.evaluate(get)
            arr = np.asarray(v, dtype=float)
            bad = ~np.isfinite(arr) | (arr < 0.0) | (arr > 1.0)
            if np.any(bad):
                value = float(arr[bad].ravel()[0] if arr.ndim else arr)
                raise ParameterError(
                    f"{tree.where(node.id)}: branch to {b.to!r}: probability {b.text} = "
                    f"{value:.12g}{_where_bad(bad)} is not in [0, 1]"
                )
            values.append(v)
        known = [v for v in values if v is not None]
        if len(known) != len(values):
            rest = 1.0 - known[0] if len(known) == 1 else 1.0 - sum(known)
            arr = np.asarray(rest)
            bad = arr < -SUM_TOLERANCE
            if np.any(bad):
                raise ParameterError(
                    f"{tree.where(node.id)}: the branches other than the complement sum "
                    f"to {1.0 - float(arr[bad].ravel()[0] if arr.ndim else arr)!r}"
                    f"{_where_bad(bad)}, above 1"
                )
            if np.any(arr < 0.0):
                rest = np.maximum(rest, 0.0)
            values = [rest if v is None else v for v in values]
        else:
            total = np.asarray(sum(values))
            bad = np.abs(total - 1.0) > SUM_TOLERANCE
            if np.any(bad):
                raise ParameterError(
                    f"{tree.where(node.id)}: branch probabilities sum to "
                    f"{float(total[bad].ravel()[0] if total.ndim else total):.12g}"
                    f"{_where_bad(bad)}, not 1 (within {SUM_TOLERANCE:g}); use "
                    "'complement' for one branch"
                )
        out[node.id] = values
    return out
