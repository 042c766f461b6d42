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
- :func:`guard_output` refuses an output path before any work starts when writing it
  would replace something the package did not write: one of the run's inputs, a file
  inside an input folder, an existing folder, or an existing file that is not recorded
  as the package's own. Every file the package writes through :func:`atomic_write_bytes`
  is recorded in the registry :data:`REGISTRY` of its folder (name, size and
  modification time), so a later run may replace it, while a file the user made or
  edited since is theirs (``force=True``, the CLI's ``--force``, replaces it on purpose).
- :func:`staging_dir` and :func:`clean_stale_staging`: a staging folder named after the
  process that made it, so the next run removes what a killed run (``kill -9``) left.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "FORMULA_PREFIXES",
    "ID_PATTERN",
    "REGISTRY",
    "STAGING_PREFIX",
    "OutputRefusedError",
    "UnsafeNameError",
    "atomic_write_bytes",
    "atomic_write_text",
    "check_id",
    "child_path",
    "clean_stale_staging",
    "csv_safe",
    "escape_cell",
    "excerpt",
    "guard_output",
    "is_own_output",
    "outside_folder",
    "record_output",
    "staging_dir",
    "write_csv",
]

ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
"""An id that may become part of a path: a letter or digit, then up to 63 letters, digits,
``_`` or ``-``. No dots (so no ``..`` and no hidden files), no separators, no spaces."""

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet treat a cell as a formula (OWASP CSV
injection)."""


REGISTRY = ".dsc-econ-outputs.json"
"""The file in a folder that records which of its files dsc-econ wrote (JSON: name ->
size and modification time in ns). A file whose size or time differs was changed since,
and is no longer the package's to replace."""

STAGING_PREFIX = ".dsc-econ-staging-"
"""Prefix of the staging folders (and temporary files) the package writes, followed by
the id of the process that made them: :func:`clean_stale_staging` removes those whose
process is gone."""

EXCERPT = 80
"""Most characters of a user's value quoted in an error message (:func:`excerpt`)."""


class UnsafeNameError(ValueError):
    """An id or output name that could write outside the chosen folder."""


class OutputRefusedError(ValueError):
    """An output path that would replace an input or a file the package did not write."""


def excerpt(value: Any, limit: int = EXCERPT) -> str:
    """``repr(value)`` cut to ``limit`` characters (with its full length), so an error
    message never echoes a whole file or a huge value.

    >>> excerpt("x" * 1000, 10)
    "'xxxxxxxx... (1,002 characters)"
    """
    text = repr(value)
    if len(text) <= limit:
        return text
    return f"{text[: limit - 1]}... ({len(text):,} characters)"


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


def outside_folder(path: str | Path, folder: str | Path) -> str:
    """``""`` if ``path`` (symbolic links resolved) lies inside ``folder``, else the
    reason to refuse it, naming the file but not its target or content: an input file
    must not lead the package to read a file elsewhere (a link to a secret, whose text
    an error message would then quote)."""
    try:
        resolved = Path(path).resolve()
        base = Path(folder).resolve()
    except (OSError, RuntimeError):  # a loop of links
        return f"{path}: a symbolic link that cannot be resolved; refused, not read"
    if resolved == base or base in resolved.parents:
        return ""
    return (
        f"{path}: leads outside its folder {folder} (a symbolic link); refused and not "
        "read: copy the file into the folder instead"
    )


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
    fd, tmp = tempfile.mkstemp(
        dir=target.parent, prefix=f"{STAGING_PREFIX}{os.getpid()}-", suffix=".tmp"
    )
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
    record_output(target)
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
            out.index = pd.Index([escape_cell(v) for v in out.index], name=out.index.name)
    return out


def write_csv(frame: pd.DataFrame, path: str | Path | None = None, **kwargs: Any) -> str:
    """CSV text of ``frame`` with formula cells escaped (:func:`csv_safe`); written
    atomically to ``path`` when one is given. Keyword arguments go to
    :meth:`pandas.DataFrame.to_csv` (e.g. ``index=False``)."""
    text = csv_safe(frame).to_csv(**kwargs)
    if path is not None:
        atomic_write_text(text, path)
    return text


def _registry_path(path: Path) -> tuple[Path, str]:
    """The registry file of ``path``'s folder and ``path``'s name in it."""
    absolute = Path(os.path.abspath(path))
    return absolute.parent / REGISTRY, absolute.name


def _read_registry(registry: Path) -> dict[str, Any]:
    """The entries of a registry file ({} when missing or unreadable: owns nothing)."""
    try:
        data = json.loads(registry.read_text(encoding="utf-8"))
        files = data["files"]
        return files if isinstance(files, dict) else {}
    except (OSError, ValueError, KeyError, TypeError, UnicodeDecodeError):
        return {}


def _stamp(path: Path) -> dict[str, Any]:
    """What identifies the version of ``path`` the package wrote."""
    info = path.stat()
    if path.is_dir():
        return {"kind": "folder"}
    return {"kind": "file", "size": info.st_size, "mtime_ns": info.st_mtime_ns}


def record_output(path: str | Path) -> None:
    """Record ``path`` (just written) as the package's own in its folder's
    :data:`REGISTRY`, so a later run may replace it. Best effort: a registry that cannot
    be written only means the next run asks for ``--force``."""
    target = Path(path)
    registry, name = _registry_path(target)
    if name == REGISTRY:
        return
    tmp: str | None = None
    try:
        files = _read_registry(registry)
        files[name] = _stamp(target)
        payload = {"written_by": "dsc-econ", "files": files}
        fd, tmp = tempfile.mkstemp(
            dir=registry.parent, prefix=f"{STAGING_PREFIX}{os.getpid()}-", suffix=".tmp"
        )
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(payload, fh, indent=1, sort_keys=True)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, registry)
    except OSError:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
    except BaseException:  # Ctrl-C: no temporary registry left behind
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
        raise


def is_own_output(path: str | Path) -> bool:
    """Whether ``path`` exists as the package last wrote it (recorded in its folder's
    :data:`REGISTRY`, same size and modification time; a folder: recorded as one)."""
    target = Path(path)
    if not target.exists():
        return False
    registry, name = _registry_path(target)
    entry = _read_registry(registry).get(name)
    if not isinstance(entry, dict):
        return False
    try:
        return entry == _stamp(target)
    except OSError:
        return False


def _inside(path: Path, folder: Path) -> bool:
    """Whether ``path`` is ``folder`` or lies inside it (both resolved)."""
    return path == folder or folder in path.parents


def guard_output(
    path: str | Path,
    inputs: Iterable[str | Path | None] = (),
    force: bool = False,
    option: str = "--out",
    folder: bool = False,
    suffixes: Iterable[str] | None = None,
) -> Path:
    """Check, before any work, that writing ``path`` replaces nothing the package did
    not write; return it resolved, or raise :class:`OutputRefusedError` naming
    ``option``.

    Refused: ``path`` is one of ``inputs`` or inside an input folder; an existing
    folder given for a file (unless it is a folder the package wrote, e.g. a ``.zarr``
    store); an existing file
    not recorded as the package's own (:func:`is_own_output`) unless ``force``; a suffix
    outside ``suffixes``. Symbolic links are resolved first, so a link to an input is
    an input. A verb writing fixed names into a folder checks each of those files too.

    Parameters
    ----------
    path : path
        The output (a file, or with ``folder=True`` a folder to write into).
    inputs : paths
        The run's input files and folders (``None`` entries are skipped).
    force : bool
        Replace an existing file the package did not write (never an input, never a
        folder).
    option : str
        The option that named ``path``, for the message.
    folder : bool
        ``path`` is a folder the package writes files into.
    suffixes : str, optional
        The allowed suffixes (``.nc``, ``.csv``), checked case-sensitively.
    """
    given = Path(path)
    label = f"{option} {given}"
    if str(path) == "" or given.name in ("", ".", ".."):
        raise OutputRefusedError(f"{label}: give a file or folder name")
    if suffixes is not None:
        allowed = tuple(suffixes)
        if given.suffix not in allowed:
            raise OutputRefusedError(
                f"{label}: use a name ending {', '.join(allowed)}; nothing was run"
            )
    target = given.resolve()
    for item in inputs:
        if item is None or str(item) == "":
            continue
        source = Path(item).resolve()
        if target == source:
            raise OutputRefusedError(
                f"{label}: is one of this run's inputs ({item}); writing it would destroy "
                "the input, so choose another name"
            )
        if source.is_dir() and _inside(target, source):
            raise OutputRefusedError(
                f"{label}: lies inside the input folder {item}; writing there would change"
                " the inputs, so choose a path outside it"
            )
    if folder:
        if target.exists() and not target.is_dir():
            raise OutputRefusedError(f"{label}: exists and is not a folder")
        return target
    if target.is_dir():
        if is_own_output(target):
            return target
        raise OutputRefusedError(
            f"{label}: is an existing folder; give a file name (nothing in the folder "
            "was touched)"
        )
    if target.exists() and not force and not is_own_output(target):
        raise OutputRefusedError(
            f"{label}: {given} exists and was not written by dsc-econ (or was changed "
            "since); choose another name, move it away, or add --force to replace it"
        )
    return target


def _alive(pid: int) -> bool:
    """Whether a process of that id is running (ours or another user's)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


def clean_stale_staging(folder: str | Path) -> list[str]:
    """Remove the staging folders and temporary files (:data:`STAGING_PREFIX`) in
    ``folder`` whose process is no longer running (a killed run); return their names.
    Only names the package makes are touched."""
    base = Path(folder)
    removed: list[str] = []
    if not base.is_dir():
        return removed
    for entry in base.iterdir():
        if not entry.name.startswith(STAGING_PREFIX):
            continue
        rest = entry.name[len(STAGING_PREFIX) :]
        head = rest.split("-", 1)[0]
        if head.isdigit() and _alive(int(head)):
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)
        removed.append(entry.name)
    return removed


@contextlib.contextmanager
def staging_dir(folder: str | Path) -> Iterator[Path]:
    """A staging folder inside ``folder`` (created if needed), named after this process
    so a later run can remove it if this one is killed; removed on leaving, also on an
    error or Ctrl-C. Stale staging of killed runs is cleaned first."""
    base = Path(folder)
    base.mkdir(parents=True, exist_ok=True)
    clean_stale_staging(base)
    stage = Path(tempfile.mkdtemp(dir=base, prefix=f"{STAGING_PREFIX}{os.getpid()}-"))
    try:
        yield stage
    finally:
        shutil.rmtree(stage, ignore_errors=True)
