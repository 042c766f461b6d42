"""The report's published figures: comparison targets, never model inputs.

Each file in ``published/`` holds one printed table (``rows: {row: {column: value}}``)
with the rounding step of its figures (``precision``) and units. Only the reproduction
code (:mod:`dsc_econ.outputs.reproduce`) reads them, to set computed values beside printed
ones.
``published/discrepancies.yaml`` lists the report's known slips and inconsistencies, each
with the cells it touches and, where possible, a hypothesis that reproduces them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..inputs.parameters import ParameterError, data_dir, read_yaml

__all__ = [
    "Discrepancy",
    "PublishedTable",
    "load_discrepancies",
    "load_published",
]

_TABLE_KEYS = {"table", "title", "reference", "unit", "precision", "note", "rows"}
_DISCREPANCY_KEYS = {
    "id",
    "title",
    "explanation",
    "cells",
    "modes",
    "set",
    "options",
    "kind",
}


@dataclass(frozen=True)
class PublishedTable:
    """One printed table: values by row and column, with units and rounding steps."""

    id: str
    title: str
    reference: dict[str, Any]
    rows: dict[str, dict[str, Any]]
    unit: Any = None
    precision: Any = 1
    note: str | None = None
    source: str = ""

    def _per_column(self, spec: Any, column: str, fallback: Any) -> Any:
        if isinstance(spec, dict):
            return spec.get(column, spec.get("default", fallback))
        return fallback if spec is None else spec

    def precision_of(self, column: str) -> float:
        """Rounding step of the printed figures in ``column``."""
        return float(self._per_column(self.precision, column, 1))

    def unit_of(self, column: str) -> str:
        """Unit of ``column`` (free text from the file)."""
        return str(self._per_column(self.unit, column, ""))

    def cells(self) -> list[tuple[str, str, Any]]:
        """Every printed cell as ``(row, column, value)``."""
        return [(r, c, v) for r, cols in self.rows.items() for c, v in cols.items()]


def load_published(directory: str | Path | None = None) -> dict[str, PublishedTable]:
    """Read every ``table_*.yaml`` / ``text_*.yaml`` target in ``published/``.

    Returns
    -------
    dict
        Table id (``"7.10"``, ``"C.6.1"``...) to :class:`PublishedTable`.
    """
    root = Path(directory) if directory is not None else data_dir("published")
    out: dict[str, PublishedTable] = {}
    for path in sorted(root.glob("*.yaml")):
        if path.name.startswith("discrepancies"):
            continue
        raw = read_yaml(path)
        if not isinstance(raw, dict):
            raise ParameterError(f"{path}: top level must be a mapping")
        unknown = set(raw) - _TABLE_KEYS
        if unknown:
            raise ParameterError(f"{path}: unknown key(s) {sorted(unknown)}")
        for key in ("table", "title", "rows"):
            if key not in raw:
                raise ParameterError(f"{path}: missing {key!r}")
        table_id = str(raw["table"])
        if table_id in out:
            raise ParameterError(f"{path}: table {table_id} also in {out[table_id].source}")
        rows = {
            str(r): {str(c): v for c, v in cols.items()} for r, cols in raw["rows"].items()
        }
        out[table_id] = PublishedTable(
            id=table_id,
            title=str(raw["title"]),
            reference=raw.get("reference") or {},
            rows=rows,
            unit=raw.get("unit"),
            precision=raw.get("precision", 1),
            note=raw.get("note"),
            source=str(path),
        )
    return out


@dataclass(frozen=True)
class Discrepancy:
    """A slip or inconsistency in the report, the cells it touches and how to test it.

    ``set`` (parameter overrides) and ``options`` (keyword options of the table
    builders) state a hypothesis: rebuilding the table with them should give the printed
    value. Without a hypothesis the explanation stands on its own text.
    """

    id: str
    title: str
    explanation: str
    cells: tuple[tuple[str, str, str], ...]
    kind: str = "slip"  # slip | inconsistency | method
    modes: tuple[str, ...] = ("as_published", "exact")
    set: dict[str, Any] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def testable(self) -> bool:
        """Whether the discrepancy carries a hypothesis that can be recomputed."""
        return bool(self.set or self.options)


def load_discrepancies(path: str | Path | None = None) -> list[Discrepancy]:
    """Read the discrepancy lists (default: every ``published/discrepancies*.yaml``).

    Errors name the file, the entry and the key; ids must be unique across files.
    """
    files = (
        [Path(path)]
        if path is not None
        else sorted(data_dir("published").glob("discrepancies*.yaml"))
    )
    out: list[Discrepancy] = []
    seen: set[str] = set()
    for file in files:
        out.extend(_read_discrepancies(file, seen))
    return out


def _read_discrepancies(file: Path, seen: set[str]) -> list[Discrepancy]:
    raw = read_yaml(file)
    entries = raw.get("discrepancies") if isinstance(raw, dict) else None
    if not isinstance(entries, list):
        raise ParameterError(f"{file}: expected a top-level 'discrepancies' list")
    out = []
    for i, entry in enumerate(entries):
        where = f"{file}: discrepancies[{i}]"
        if not isinstance(entry, dict):
            raise ParameterError(f"{where}: expected a mapping")
        unknown = set(entry) - _DISCREPANCY_KEYS
        if unknown:
            raise ParameterError(f"{where}: unknown key(s) {sorted(unknown)}")
        for key in ("id", "title", "explanation"):
            if not entry.get(key):
                raise ParameterError(f"{where}: missing {key!r}")
        if entry["id"] in seen:
            raise ParameterError(f"{where}: duplicate id {entry['id']!r}")
        seen.add(entry["id"])
        cells = []
        for cell in entry.get("cells") or []:
            parts = str(cell).split("/")
            if len(parts) != 3:
                raise ParameterError(
                    f"{where} ({entry['id']}): cell {cell!r} is not 'table/row/column'"
                )
            cells.append((parts[0], parts[1], parts[2]))
        kind = entry.get("kind", "slip")
        if kind not in ("slip", "inconsistency", "method"):
            raise ParameterError(f"{where} ({entry['id']}): unknown kind {kind!r}")
        out.append(
            Discrepancy(
                id=str(entry["id"]),
                title=str(entry["title"]).strip(),
                explanation=" ".join(str(entry["explanation"]).split()),
                cells=tuple(cells),
                kind=kind,
                modes=tuple(entry.get("modes", ("as_published", "exact"))),
                set=dict(entry.get("set") or {}),
                options=dict(entry.get("options") or {}),
            )
        )
    return out
