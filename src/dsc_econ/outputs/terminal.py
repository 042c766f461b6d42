"""Text a person can read in a terminal: wrapped notes, tables split to the width.

The CLI prints tables and notes through these helpers, so nothing runs off the right
edge: a table wider than the terminal is split into blocks of columns that each repeat
the row labels (nothing is dropped), and notes wrap with a hanging indent. Column
headings carry their own unit (``cost (£k)``, ``bcr (ratio)``), never one unit over
columns that mix them. ``--json`` and ``--csv`` outputs do not go through here and stay
complete.
"""

from __future__ import annotations

import argparse
import math
import os
import re
import shutil
import sys
import textwrap
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TextIO

import pandas as pd

__all__ = [
    "UNIT_LABELS",
    "HelpFormatter",
    "Progress",
    "fit_labels",
    "format_cells",
    "format_column",
    "format_number",
    "frame_text",
    "kinds_from_units",
    "pvalue_column",
    "refill",
    "terminal_width",
    "unit_label",
    "with_units",
    "wrap",
]

UNIT_LABELS: dict[str, str] = {
    "GBP": "£",
    "GBP_thousand": "£k",
    "GBP thousand": "£k",
    "GBP_million": "£m",
    "GBP_per_client": "£/client",
    "GBP per client": "£/client",
    "GBP_per_client_year": "£/client/yr",
    "GBP per client per year": "£/client/yr",
    "GBP per OCU": "£/OCU",
    "proportion": "share",
    "proportion_change": "points",
    "p_value": "p",
    "rate_per_year": "/yr",
    "clients": "clients",
    "ratio": "ratio",
    "years": "years",
    "days": "days",
    "index": "index",
}
"""Short unit labels for column headings."""


def terminal_width(default: int = 100) -> int:
    """Columns of the terminal (``COLUMNS`` or the tty), ``default`` when piped."""
    return max(40, shutil.get_terminal_size((default, 24)).columns)


def unit_label(unit: str) -> str:
    """A short label of a unit for a heading (``GBP_thousand`` -> ``£k``)."""
    return UNIT_LABELS.get(unit, unit)


def with_units(frame: pd.DataFrame, units: Mapping[str, str]) -> pd.DataFrame:
    """A copy whose column headings carry their unit: ``cost (£k)``."""
    labels = {
        c: f"{c} ({unit_label(units[c])})" if units.get(c) else str(c)
        for c in frame.columns
    }
    return frame.rename(columns=labels)


LONG_PATH = 30
"""A word with a ``/`` longer than this may break after a ``/`` (a file path)."""


class _PathWrapper(textwrap.TextWrapper):
    """Words never break, except a long path, after one of its ``/``."""

    def _split(self, text: str) -> list[str]:
        chunks = []
        for chunk in super()._split(text):
            if len(chunk) > LONG_PATH and "/" in chunk.strip("/"):
                chunks.extend(re.findall(r"[^/]*/+|[^/]+$", chunk))
            else:
                chunks.append(chunk)
        return chunks


def wrap(text: str, width: int | None = None, indent: str = "", hanging: str = "") -> str:
    """Wrap one paragraph to ``width`` with a first-line ``indent`` and ``hanging`` rest.

    Words never break; a long file path may, after a ``/``, so a deep temporary folder
    still fits the terminal.

    Examples
    --------
    >>> print(wrap("wrote /tmp/a-long-folder-name/another-folder/report.html", 30))
    wrote /tmp/a-long-folder-name/
    another-folder/report.html
    """
    width = width or terminal_width()
    return _PathWrapper(
        width=max(20, width),
        initial_indent=indent,
        subsequent_indent=hanging or indent,
        break_long_words=False,
        break_on_hyphens=False,
    ).fill(" ".join(str(text).split()))


_COLUMN_ITEM = re.compile(r"^(\s+\S+\s{2,})\S")
"""An indented ``name   text`` line: continuation lines align with ``text``."""


def _items(lines: list[str]) -> list[list[str]]:
    """Lines grouped into paragraphs and list items (a deeper-indented line continues
    the item above; unindented lines continue unindented prose, a ``heading:`` ends
    it; a blank line ends everything)."""
    items: list[list[str]] = []
    for line in lines:
        indent = len(line) - len(line.lstrip())
        if not line.strip():
            items.append([line])
            continue
        if items and items[-1][0].strip():
            first = items[-1][0]
            first_indent = len(first) - len(first.lstrip())
            previous = items[-1][-1]
            heading = (
                len(items[-1]) == 1 and previous.rstrip().endswith(":") and len(first) < 50
            )
            if (indent > first_indent and first_indent > 0) or (
                indent == first_indent == 0 and not heading
            ):
                items[-1].append(line)
                continue
        items.append([line])
    return items


def _command(words: str, width: int, indent: str) -> str:
    """A command line broken before an option (an option stays with its values), each
    line but the last ending in a shell continuation."""
    groups: list[str] = []
    for token in words.split():
        if token.startswith("-") or not groups:
            groups.append(token)
        else:
            groups[-1] += " " + token
    lines, line = [], indent
    for group in groups:
        if line.strip() and len(line) + 1 + len(group) > width - 2:
            lines.append(line)
            line = indent + "    " + group
        else:
            line = f"{line} {group}" if line.strip() else line + group
    lines.append(line)
    return " \\\n".join(lines)


def _refill_item(item: list[str], width: int) -> str:
    first = item[0]
    indent = " " * (len(first) - len(first.lstrip()))
    words = " ".join(line.strip().removesuffix("\\").strip() for line in item)
    if not indent:
        return wrap(words, width)
    if first.lstrip().startswith("dsc-econ "):  # a command: continue it for the shell
        return _command(words, width, indent)
    column = _COLUMN_ITEM.match(first)
    if len(item) > 1:
        hanging = " " * (len(item[1]) - len(item[1].lstrip()))
    elif column and len(column.group(1)) < width // 2:
        hanging = " " * len(column.group(1))
    else:
        hanging = indent + "  "
    if column and len(hanging) == len(column.group(1)):
        head = column.group(1)
        rest = " ".join(line.strip() for line in [first[len(head) :], *item[1:]])
        return wrap(rest, width, head, hanging)
    return wrap(words, width, indent, hanging)


def refill(text: str, width: int | None = None) -> str:
    """Hand-laid help text made to fit ``width``: every paragraph or list item with a
    line too long is refilled (list items keep their hanging indent, commands get a
    shell continuation ``\\``); items that fit are left exactly as written.

    Examples
    --------
    >>> print(refill("  new   a project of your own from two tables", 30))
      new   a project of your own
            from two tables
    """
    width = width or terminal_width()
    out = []
    for item in _items(str(text).splitlines()):
        if all(len(line) <= width for line in item):
            out.extend(item)
        else:
            out.append(_refill_item(item, width))
    return "\n".join(out)


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """``--help`` that fits the terminal: the hand-laid description and epilog are kept
    as written where they fit and refilled where they would not (:func:`refill`)."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        room = min(terminal_width(), self._width + 2) - len(indent)
        return "\n".join(indent + line for line in refill(text, room).splitlines())


NUMBER_KINDS = ("money", "ratio", "probability", "count", "factor", "index", "number")
"""Kinds of table column :func:`format_column` knows (any other kind prints as text)."""


def format_number(value: Any, decimals: int = 0) -> str:
    """A number for a terminal table: thousands separators, ``decimals`` places.

    The minus is ASCII (the text is copied into spreadsheets and shells); a value that
    rounds to zero has no sign; anything not finite reads ``n/a``, never ``nan``.

    Examples
    --------
    >>> format_number(-37545.04), format_number(1674.94, 1), format_number(-0.004, 2)
    ('-37,545', '1,674.9', '0.00')
    >>> format_number(float("nan"))
    'n/a'
    """
    try:
        v = float(value)
    except (TypeError, ValueError):
        return "n/a"
    if not math.isfinite(v):
        return "n/a"
    text = f"{v:,.{decimals}f}"
    if text.startswith("-") and not text.strip("-0.,"):
        text = text[1:]
    return text


def _decimals(values: Sequence[float], kind: str) -> int:
    """One number of decimals for a whole column of ``kind`` (consistent precision)."""
    finite = [abs(v) for v in values if math.isfinite(v)]
    top = max(finite, default=0.0)
    if kind == "money":
        return 0 if top >= 100 else 1
    if kind == "ratio":
        return 1 if top >= 10 else 2
    if kind == "count":
        return 0 if all(float(v).is_integer() for v in finite) else 1
    if kind == "factor":
        return 3
    if kind == "index":
        return 2
    return 0 if top >= 1000 else (1 if top >= 10 else 2)


def format_column(
    values: Iterable[Any], kind: str, decimals: int | None = None
) -> list[str]:
    """Every cell of one column as text, with one precision for the whole column.

    Parameters
    ----------
    values : iterable
        The column's values.
    kind : str
        ``money`` (£ thousand: whole thousands from 100 up, else one decimal),
        ``ratio`` (two decimals under 10, else one), ``probability`` (a bounded
        percentage: ``>99.9%``, ``<0.1%``, else one decimal), ``count``, ``factor``
        (three decimals), ``index`` (two decimals), ``number``; anything else is text.
    decimals : int, optional
        Decimals for every cell instead of the kind's rule (not for probabilities).

    Examples
    --------
    >>> format_column([-37545.0, 20513.46], "money")
    ['-37,545', '20,513']
    >>> format_column([1.0, 0.27, 0.0], "probability")
    ['>99.9%', '27.0%', '<0.1%']
    >>> format_column([-69.4, 110.88], "ratio")
    ['-69.4', '110.9']
    """
    from .formatting import format_share

    items = list(values)
    if kind not in NUMBER_KINDS:
        return ["" if v is None else str(v) for v in items]
    numbers = []
    for v in items:
        try:
            numbers.append(float(v))
        except (TypeError, ValueError):
            numbers.append(float("nan"))
    if kind == "probability":
        return [format_share(v) if math.isfinite(v) else "n/a" for v in numbers]
    places = _decimals(numbers, kind) if decimals is None else decimals
    return [format_number(v, places) for v in numbers]


def format_cells(
    frame: pd.DataFrame, kinds: Mapping[Any, str], together: bool = False
) -> pd.DataFrame:
    """A copy of ``frame``, the columns named in ``kinds`` as text (:func:`format_column`).

    ``together``: one precision for all the columns of one kind (a table of one
    quantity by site, say), not column by column. For the terminal only: ``--json`` and
    ``--csv`` keep the numbers.
    """
    out = frame.copy()
    places: dict[str, int] = {}
    if together:
        for kind in set(kinds.values()):
            cols = [c for c, k in kinds.items() if k == kind and c in out.columns]
            values = [float(v) for c in cols for v in pd.to_numeric(out[c], "coerce")]
            places[kind] = _decimals(values, kind)
    for column, kind in kinds.items():
        if column in out.columns:
            out[column] = format_column(out[column].tolist(), kind, places.get(kind))
    return out


def pvalue_column(values: Iterable[Any]) -> list[str]:
    """p-values for a table column: ``0.032``, ``< 0.001`` (never a false ``0.0000``).

    Examples
    --------
    >>> pvalue_column([0.0321, 0.00001, 0.5])
    ['0.032', '< 0.001', '0.50']
    """
    from .formatting import format_pvalue

    out = []
    for v in values:
        try:
            p = float(v)
        except (TypeError, ValueError):
            p = float("nan")
        text = format_pvalue(p) if math.isfinite(p) and 0 <= p <= 1 else "n/a"
        out.append(text.removeprefix("p = ").removeprefix("p "))
    return out


def kinds_from_units(units: Mapping[Any, str]) -> dict[Any, str]:
    """The :func:`format_column` kind of each column from its unit (``GBP...`` is money).

    Examples
    --------
    >>> kinds_from_units({"cost": "GBP thousand", "bcr": "ratio", "n": "clients"})
    {'cost': 'money', 'bcr': 'ratio', 'n': 'count'}
    """
    kinds = {}
    for column, unit in units.items():
        unit = str(unit)
        if unit.startswith("GBP"):
            kinds[column] = "money"
        elif unit in ("ratio", "1"):
            kinds[column] = "ratio"
        elif unit == "clients":
            kinds[column] = "count"
        elif unit == "probability":
            kinds[column] = "probability"
        else:
            kinds[column] = "number"
    return kinds


def fit_labels(
    frame: pd.DataFrame, width: int | None = None, **to_string: Any
) -> tuple[pd.DataFrame, str]:
    """Shorter row labels when the table would not fit: ``name (detail)`` -> ``name``.

    Returns the frame (relabelled when needed) and a legend naming each detail once
    (``""`` when nothing was shortened), so no word is lost, only moved below.
    """
    width = width or terminal_width()
    full = frame.to_string(**to_string)
    if max((len(line) for line in full.splitlines()), default=0) <= width:
        return frame, ""
    short, legend = [], []
    for label in map(str, frame.index):
        head, sep, rest = label.partition(" (")
        if sep and rest.endswith(")"):
            short.append(head)
            if not head[:1].isdigit():  # "3 others (no effect)": said below the table
                legend.append(f"{head} = {rest[:-1]}")
        else:
            short.append(label)
    if not legend or len(set(short)) < len(short):
        return frame, ""
    out = frame.copy()
    out.index = pd.Index(short, name=frame.index.name)
    return out, wrap("Inputs and what they set: " + "; ".join(legend) + ".", width)


def _stacked(frame: pd.DataFrame, width: int, **to_string: Any) -> str:
    """One row at a time: its label, then ``heading: value`` lines (for a table whose
    labels leave no room for even one column)."""
    name = str(frame.index.name) + " " if frame.index.name else ""
    lines = []
    for label, row in frame.iterrows():
        lines.append(wrap(f"{name}{label}:", width, "", "  "))
        for column, value in row.items():
            if isinstance(value, float):
                fmt = to_string.get("float_format")
                value = fmt(value) if fmt else format_number(value, 2)
            lines.append(wrap(f"{column}: {value}", width, "  ", "    "))
    return "\n".join(lines)


def frame_text(
    frame: pd.DataFrame,
    width: int | None = None,
    formatter: Callable[[Any], str] | None = None,
    **to_string: Any,
) -> str:
    """``frame.to_string()``, split into column blocks that fit ``width``.

    Every block repeats the row labels and says which columns it holds, so a wide table
    stays complete and readable in a narrow terminal. When the row labels leave no room
    for even one column, the rows are stacked (label, then ``heading: value`` lines).
    """
    width = width or terminal_width()
    kwargs = dict(to_string)
    if formatter is not None:
        kwargs["float_format"] = formatter
    full = frame.to_string(**kwargs)
    if max((len(line) for line in full.splitlines()), default=0) <= width:
        return full
    if frame.shape[1] == 0:
        return full

    def widest(positions: list[int]) -> int:
        text = frame.iloc[:, positions].to_string(**kwargs)
        return max((len(line) for line in text.splitlines()), default=0)

    n = frame.shape[1]
    if max(widest([k]) for k in range(n)) > width:
        return _stacked(frame, width, **kwargs)
    blocks: list[list[int]] = [[]]
    for k in range(n):  # greedy, each block measured as printed (any index)
        if blocks[-1] and widest([*blocks[-1], k]) > width:
            blocks.append([])
        blocks[-1].append(k)
    out = []
    for block in blocks:
        first, last = block[0] + 1, block[-1] + 1
        out.append(
            f"(columns {first}-{last} of {n})"
            if len(block) > 1
            else f"(column {last} of {n})"
        )
        out.append(frame.iloc[:, block].to_string(**kwargs))
    return "\n".join(out)


def _interactive(stream: TextIO) -> bool:
    if os.environ.get("DSC_ECON_PROGRESS") == "0":
        return False
    if os.environ.get("DSC_ECON_PROGRESS") == "1":
        return True
    try:
        return bool(getattr(stream, "isatty", lambda: False)())
    except ValueError:  # a closed stream is no terminal
        return False


class Progress:
    """Stage lines on a terminal (stderr); silent when stderr is piped or redirected.

    ``DSC_ECON_PROGRESS=1`` forces the lines, ``DSC_ECON_PROGRESS=0`` silences them.

    >>> with Progress("Monte Carlo", stream=None) as p:
    ...     p.stage("sampling")
    """

    def __init__(self, title: str, stream: TextIO | str | None = "stderr") -> None:
        self.title = title
        # "stderr": the stream in force now (not at import: tests and tools swap it)
        stream = sys.stderr if stream == "stderr" else stream
        self.stream = stream
        self.on = stream is not None and _interactive(stream)

    def stage(self, text: str) -> None:
        """Announce one stage (``title: text``)."""
        if self.on and self.stream is not None:
            print(f"{self.title}: {text}", file=self.stream, flush=True)

    def stages(self, items: Iterable[Any], label: Callable[[Any], str] = str) -> Iterable:
        """Iterate ``items`` announcing each as ``[k/n] label``."""
        items = list(items)
        for k, item in enumerate(items, 1):
            self.stage(f"[{k}/{len(items)}] {label(item)}")
            yield item

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        if exc[0] is None:
            self.stage("done")
