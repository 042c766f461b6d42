"""Text a person can read in a terminal: wrapped notes, tables split to the width.

The CLI prints tables and notes through these helpers, so nothing runs off the right
edge: a table wider than the terminal is split into blocks of columns that each repeat
the row labels (nothing is dropped), and notes wrap with a hanging indent. Column
headings carry their own unit (``cost (£k)``, ``bcr (ratio)``), never one unit over
columns that mix them. ``--json`` and ``--csv`` outputs do not go through here and stay
complete.
"""

from __future__ import annotations

import os
import shutil
import sys
import textwrap
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TextIO

import pandas as pd

__all__ = [
    "UNIT_LABELS",
    "Progress",
    "frame_text",
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


def wrap(text: str, width: int | None = None, indent: str = "", hanging: str = "") -> str:
    """Wrap one paragraph to ``width`` with a first-line ``indent`` and ``hanging`` rest."""
    width = width or terminal_width()
    return textwrap.fill(
        " ".join(str(text).split()),
        width=max(20, width),
        initial_indent=indent,
        subsequent_indent=hanging or indent,
        break_long_words=False,
        break_on_hyphens=False,
    )


def frame_text(
    frame: pd.DataFrame,
    width: int | None = None,
    formatter: Callable[[Any], str] | None = None,
    **to_string: Any,
) -> str:
    """``frame.to_string()``, split into column blocks that fit ``width``.

    Every block repeats the row labels and says which columns it holds, so a wide table
    stays complete and readable in a narrow terminal.
    """
    width = width or terminal_width()
    kwargs = dict(to_string)
    if formatter is not None:
        kwargs["float_format"] = formatter
    full = frame.to_string(**kwargs)
    if max((len(line) for line in full.splitlines()), default=0) <= width or (
        frame.shape[1] <= 1
    ):
        return full
    labels = [str(x) for x in frame.index] + [str(frame.index.name or "")]
    index_width = max((len(x) for x in labels), default=0)
    if not kwargs.get("index", True):
        index_width = 0
    gap = 0 if kwargs.get("index", True) else 2  # without an index, columns need a gap
    col_width = {
        c: max(len(line) for line in frame[[c]].to_string(**kwargs).splitlines())
        - index_width
        + gap
        for c in frame.columns
    }
    blocks: list[list[Any]] = [[]]
    used = index_width
    for c in frame.columns:
        if blocks[-1] and used + col_width[c] > width:
            blocks.append([])
            used = index_width
        blocks[-1].append(c)
        used += col_width[c]
    n = frame.shape[1]
    out, start = [], 0
    for block in blocks:
        end = start + len(block)
        out.append(f"(columns {start + 1}-{end} of {n})" if len(block) > 1 else
                   f"(column {end} of {n})")
        out.append(frame[block].to_string(**kwargs))
        start = end
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
