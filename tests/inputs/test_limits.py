"""Every bound of :mod:`dsc_econ.inputs.limits` is in README's table with its value
(issue 18: "README's 'What happens with bad input' lists the bounds")."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest

import dsc_econ.inputs.limits as limits

README = Path(__file__).resolve().parents[2] / "README.md"


def _bounds_table() -> dict[str, str]:
    """Constant name -> the 'bound' cell of its row in README's bounds table."""
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## What happens with bad input") :]
    section = section[: section.index("\n## ", 5)]
    rows: dict[str, str] = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[2].startswith(("`MAX_", "`MIN_")):
            for name in re.findall(r"`([A-Z_]+)`", cells[2]):
                rows[name] = cells[1]
    return rows


def _renderings(value: float) -> set[str]:
    """How README may write ``value``: 3,000; 20; 10^8; 2^22; 2^63 - 1."""
    out = set()
    if float(value).is_integer():
        out.add(f"{int(value):,}")
        k = round(math.log10(value)) if value > 0 else None
        if k is not None and 10**k == value:
            out.add(f"10^{k}")
        k2 = round(math.log2(value)) if value > 0 else None
        if k2 is not None and 2**k2 == value:
            out.add(f"2^{k2}")
        if value + 1 > 0 and 2 ** round(math.log2(value + 1)) == value + 1:
            out.add(f"2^{round(math.log2(value + 1))} - 1")
    else:
        out.add(f"{value:g}")
    return out


BOUNDS = [n for n in limits.__all__ if n.startswith(("MAX_", "MIN_"))]


def test_the_table_names_only_real_bounds():
    table = _bounds_table()
    assert table, "README's bounds table not found"
    assert set(table) <= set(BOUNDS), set(table) - set(BOUNDS)


@pytest.mark.parametrize("name", BOUNDS)
def test_every_bound_is_listed_with_its_value(name):
    table = _bounds_table()
    assert name in table, f"README 'What happens with bad input': add a row for {name}"
    value = getattr(limits, name)
    cell = table[name]
    numbers = set(re.findall(r"\d+(?:,\d{3})*(?:\^\d+(?: - 1)?)?", cell))
    assert numbers & _renderings(value), f"{name} = {value!r}, README says {cell!r}"
