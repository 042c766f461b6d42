"""Safe names, paths and files: what every writer of the package relies on.

Three guards against hostile or careless input, each in one place so every wing (and
the records engineer's staging of site files) uses the same rule:

- :func:`check_id` validates an id that will become part of a file name (a site id, a
  scenario name, an output name) against :data:`ID_PATTERN`, so ``../../victim``,
  ``/etc/x`` or ``a/b`` can never steer a write outside the chosen folder; and
  :func:`child_path` joins a checked name to a folder and proves the result is inside it.
- :func:`atomic_write_text` / :func:`atomic_write_bytes` write to a temporary file in the
  target's folder and rename it into place, so a failed or interrupted run never leaves a
  half-written file; the new file gets the permissions the user's umask gives a new file
  (``tempfile.mkstemp`` alone would make it private, 0600).
- :func:`csv_safe` and :func:`write_csv` escape text cells that a spreadsheet would run
  as a formula (the OWASP rule: a cell starting ``=``, ``+``, ``-``, ``@``, tab or
  carriage return gets a leading ``'``), while numbers, negative ones included, stay
  numbers.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "FORMULA_PREFIXES",
    "ID_PATTERN",
    "UnsafeNameError",
    "atomic_write_bytes",
    "atomic_write_text",
    "check_id",
    "child_path",
    "csv_safe",
    "escape_cell",
    "write_csv",
]

ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
"""An id that may become part of a path: a letter or digit, then up to 63 letters, digits,
``_`` or ``-``. No dots (so no ``..`` and no hidden files), no separators, no spaces."""

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet treat a cell as a formula (OWASP CSV
injection)."""


class UnsafeNameError(ValueError):
    """An id or output name that could write outside the chosen folder."""


def check_id(value: Any, what: str = "id", where: str = "") -> str:
    """Return ``value`` as text if it is a safe id, else raise :class:`UnsafeNameError`.

    Parameters
    ----------
    value : str or int
        The id (site ids may be read as numbers).
    what : str
        What the id names, for the message (``"site id"``, ``"scenario name"``).
    where : str
        Where it was read (``"sites.csv row 4, column site"``), for the message.

    Examples
    --------
    >>> check_id(7, "site id")
    '7'
    >>> check_id("../../victim", "site id", "sites.csv row 3")
    Traceback (most recent call last):
    ...
    dsc_econ.inputs.safety.UnsafeNameError: sites.csv row 3: site id '../../victim' is not \
allowed: use 1-64 letters, digits, '_' or '-', starting with a letter or digit (no \
dots, spaces or path separators)
    """
    text = str(value) if isinstance(value, (str, int, np.integer)) else None
    if text is None or not ID_PATTERN.match(text) or isinstance(value, bool):
        prefix = f"{where}: " if where else ""
        raise UnsafeNameError(
            f"{prefix}{what} {value!r} is not allowed: use 1-64 letters, digits, '_' or "
            "'-', starting with a letter or digit (no dots, spaces or path separators)"
        )
    return text


def child_path(folder: str | Path, name: str, suffix: str = "", what: str = "name") -> Path:
    """``folder / (name + suffix)`` after checking ``name`` and that the result stays in
    ``folder`` (symbolic links resolved).

    Raises :class:`UnsafeNameError` otherwise.
    """
    check_id(name, what)
    base = Path(folder)
    path = base / f"{name}{suffix}"
    resolved_base = base.resolve()
    if path.resolve().parent != resolved_base:
        raise UnsafeNameError(f"{path}: resolves outside {resolved_base}")
    return path


def _umask() -> int:
    """The process umask (read by setting and restoring it; one syscall pair)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def atomic_write_bytes(data: bytes, path: str | Path) -> Path:
    """Write ``data`` to ``path`` through a temporary file and an atomic rename.

    The parent folder is created if needed; a new file gets ``0o666 & ~umask`` (what
    ``open()`` would give it), an existing file keeps its permissions. On any error,
    Ctrl-C included, the temporary file is removed and ``path`` is untouched.
    """
    target = Path(path)
    if target.is_dir():
        raise IsADirectoryError(f"{target}: is a folder; give a file name")
    target.parent.mkdir(parents=True, exist_ok=True)
    mode = (target.stat().st_mode & 0o7777) if target.exists() else 0o666 & ~_umask()
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def atomic_write_text(text: str, path: str | Path, encoding: str = "utf-8") -> Path:
    """:func:`atomic_write_bytes` for text (UTF-8 by default)."""
    return atomic_write_bytes(text.encode(encoding), path)


def escape_cell(value: Any) -> Any:
    """One cell made safe for a spreadsheet: text starting with a formula character gets
    a leading ``'``; anything else (numbers included, negative ones too) is unchanged.

    >>> escape_cell("=HYPERLINK(1)"), escape_cell("-2"), escape_cell(-2.5), escape_cell("a")
    ("'=HYPERLINK(1)", "'-2", -2.5, 'a')
    """
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def csv_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells, column names and index labels are escaped
    with :func:`escape_cell`; numeric columns are left as they are (one pass per text
    column)."""
    out = frame.copy()
    for column in out.columns:
        series = out[column]
        if series.dtype.kind in "biufcmM":
            continue
        try:
            text = series.str
        except AttributeError:  # no text at all (e.g. a column of lists)
            continue
        mask = text.startswith(FORMULA_PREFIXES, na=False).astype(bool)
        if mask.any():
            series = series.astype(object)
            series[mask] = "'" + series[mask].astype(str)
            out[column] = series
    out.columns = [escape_cell(c) for c in out.columns]
    if out.index.dtype.kind not in "biufcmM":
        if isinstance(out.index, pd.MultiIndex):
            out.index = pd.MultiIndex.from_tuples(
                [tuple(escape_cell(v) for v in t) for t in out.index],
                names=out.index.names,
            )
        else:
            out.index = pd.Index(
                [escape_cell(v) for v in out.index], name=out.index.name
            )
    return out


def write_csv(frame: pd.DataFrame, path: str | Path | None = None, **kwargs: Any) -> str:
    """CSV text of ``frame`` with formula cells escaped (:func:`csv_safe`); written
    atomically to ``path`` when one is given. Keyword arguments go to
    :meth:`pandas.DataFrame.to_csv` (e.g. ``index=False``)."""
    text = csv_safe(frame).to_csv(**kwargs)
    if path is not None:
        atomic_write_text(text, path)
    return text
