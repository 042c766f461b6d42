"""A user's CSV table, read so that every error can point at the user's own file and row.

The records and programme tables come from spreadsheets and database extracts, so this
reader takes them as they come and refuses clearly when it cannot:

* every cell is read as text (explicit ``string`` dtype: an id such as ``007`` or a code
  such as ``1`` is never turned into a number or a date behind the user's back), with
  surrounding spaces removed and blanks as missing;
* each row keeps its spreadsheet row number in a ``_row`` column (the header is row 1;
  blank lines count, as a spreadsheet shows them, and are then dropped);
* UTF-8 with or without a byte-order mark, and UTF-16 with one, are read as they are;
  other bytes give an error naming the file and the encoding to try;
* the delimiter is the comma, or else the semicolon, tab or bar the header uses;
* a repeated column name, a row with more cells than the header and an empty file are
  errors naming the file (and the row).

:func:`check_ids` validates ids that become file names (site ids become
``sites/<id>.yaml``): a strict pattern, so that no id can name a path.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from pathlib import Path

import numpy as np
import pandas as pd

from .parameters import ParameterError

__all__ = ["ID_PATTERN", "check_ids", "read_user_table"]

ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_]{0,63}")
"""An id that may become a file name: a letter or digit, then up to 63 letters, digits or
underscores (no dots, slashes, spaces or hyphens; the parameter loader takes lower-case
``[a-z0-9_]`` names, and ids are compared in lower case)."""

_DELIMITERS = (",", ";", "\t", "|")


def check_ids(
    frame: pd.DataFrame,
    column: str,
    source: str,
    error: type[Exception] = ParameterError,
) -> None:
    """Raise ``error`` naming file, row, column and value for the first id that fails
    :data:`ID_PATTERN` (ids that become part of a path: ``../x``, ``/abs``, ``a b``).

    ``frame`` needs a ``_row`` column (spreadsheet row numbers) or its index + 2 is used.
    """
    values = frame[column].astype("string")
    bad = ~values.fillna("").str.fullmatch(ID_PATTERN.pattern).astype(bool)
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        row = frame["_row"].iloc[i] if "_row" in frame else i + 2
        value = values.iloc[i]
        raise error(
            f"{source}: row {row}, {column} = {'' if pd.isna(value) else value!r} is not "
            "a valid id (1 to 64 letters, digits or '_', starting with a letter or digit;"
            " an id becomes a file name, so no '/', '.', '-' or spaces)"
        )


def _decode_hint(data: bytes, exc: UnicodeDecodeError) -> str:
    line = data[: exc.start].count(b"\n") + 1
    byte = data[exc.start : exc.start + 1].hex()
    return (
        f"is not UTF-8 text (byte 0x{byte} on line {line}); a file saved by Excel as "
        "plain 'CSV' is usually Windows-1252: save it as 'CSV UTF-8', or give its "
        "encoding (--encoding cp1252, or latin-1)"
    )


def _text(path: Path, encoding: str, error: type[Exception]) -> tuple[str, bytes | None]:
    """The file's text (and its UTF-8 bytes when it is UTF-8 without a byte-order mark);
    UTF-8 (BOM or not) and BOM-marked UTF-16 are recognised."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise error(f"{path}: cannot be read ({exc.strerror or exc})") from None
    try:
        canonical = codecs.lookup(encoding).name
    except LookupError:
        raise error(f"{path}: unknown encoding {encoding!r}") from None
    enc = encoding
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        enc = "utf-16"
    elif canonical == "utf-8":
        enc = "utf-8-sig"  # drops a byte-order mark (Excel's 'CSV UTF-8' writes one)
    try:
        text = data.decode(enc)
    except UnicodeDecodeError as exc:
        if enc == "utf-8-sig":
            raise error(f"{path}: {_decode_hint(data, exc)}") from None
        raise error(f"{path}: cannot be decoded as {enc} ({exc.reason})") from None
    plain = enc == "utf-8-sig" and not data.startswith(codecs.BOM_UTF8)
    return text, data if plain else None


def _delimiter(header: str) -> str:
    """Comma unless the header has none and uses another common delimiter."""
    if "," in header:
        return ","
    counts = {d: header.count(d) for d in _DELIMITERS[1:]}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _first_line(text: str) -> int:
    """Index of the first line with anything on it (the header)."""
    pos, line = 0, 0
    while pos < len(text):
        nl = text.find("\n", pos)
        stop = len(text) if nl < 0 else nl
        if text[pos:stop].strip():
            return line
        if nl < 0:
            break
        pos, line = nl + 1, line + 1
    return -1


def _read_arrow(
    text: str, data: bytes | None, first: int, sep: str, header: list[str]
) -> pd.DataFrame | None:
    """The fast path: pyarrow's CSV reader (multi-threaded, no Python object per cell).

    Returns None when pyarrow is missing or the file has anything it reads differently
    (blank lines, which it skips but a spreadsheet numbers; a malformed row, for which
    the pandas reader gives the row number), so the caller falls back to pandas.
    """
    try:
        import pyarrow as pa
        import pyarrow.compute as pc
        import pyarrow.csv as pacsv
    except ImportError:
        return None
    quoted = '"' in text
    if quoted and re.search(r"\n[ \t]*\n", text):
        return None  # a blank line (or one inside a quoted cell): pandas numbers it
    if data is None:
        data = text.encode("utf-8")
    names = [c.strip() for c in header]
    try:
        table = pacsv.read_csv(
            pa.py_buffer(data),
            read_options=pacsv.ReadOptions(
                skip_rows=first + 1, column_names=[f"c{i}" for i in range(len(names))]
            ),
            parse_options=pacsv.ParseOptions(delimiter=sep, newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(
                column_types={f"c{i}": pa.large_string() for i in range(len(names))},
                strings_can_be_null=True,  # an empty cell is missing, quoted or not
                quoted_strings_can_be_null=True,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowException):
        return None
    if not quoted:  # every line is a row: pyarrow skipped none as blank
        lines = text.count("\n") + (0 if text.endswith("\n") else 1)
        if table.num_rows != lines - first - 1:
            return None
    # Trim cells only when the text has a space or tab at all (single-character
    # searches are fast); non-ASCII text may hold other Unicode spaces: always trimmed.
    spaces = " \t\x0b\x0c\x1c\x1d\x1e\x1f".replace(sep, "")
    padded = not text.isascii() or any(c in text for c in spaces)
    empty = pa.scalar(None, pa.large_string())
    columns = []
    for i in range(len(names)):
        values = table.column(i)
        if padded:  # only when some cell has spaces around it (a quick scan above)
            values = pc.utf8_trim_whitespace(values)
            if len(values) and pc.min(pc.utf8_length(values)).as_py() == 0:
                values = pc.if_else(pc.equal(values, ""), empty, values)
        columns.append(values)
    frame = pa.table(columns, names=[f"c{i}" for i in range(len(names))]).to_pandas(
        types_mapper={pa.large_string(): pd.StringDtype("pyarrow")}.get
    )
    frame.columns = names
    return frame


def _read_pandas(text: str, first: int, sep: str, name: str, error: type[Exception]):
    """The general path: pandas' C reader; numbers blank lines as a spreadsheet does."""
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            sep=sep,
            dtype="string",
            keep_default_na=False,
            na_filter=False,
            skip_blank_lines=False,
            header=first,
            engine="c",
        )
    except pd.errors.ParserError as exc:
        detail = str(exc).strip().splitlines()[-1]
        match = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", detail)
        if match:
            want, line, saw = match.groups()
            detail = f"row {line} has {saw} cells where the header has {want}"
        raise error(f"{name}: cannot be read as a table: {detail}") from None
    except (ValueError, OSError) as exc:
        raise error(f"{name}: cannot be read as a table: {exc}") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    frame = frame.astype("string").apply(lambda c: c.str.strip())
    return frame.mask(frame == "")


def read_user_table(
    source: str | Path,
    error: type[Exception] = ParameterError,
    encoding: str = "utf-8",
    engine: str = "auto",
) -> pd.DataFrame:
    """Read a CSV file as text with spreadsheet row numbers (see the module docstring).

    Parameters
    ----------
    source : path
        The CSV file.
    error : exception class
        Raised (with the file name, and the row where there is one) on any problem.
    encoding : str
        Text encoding when the file is not UTF-8 (e.g. ``cp1252``).
    engine : {"auto", "pandas"}
        ``auto`` reads with pyarrow when it is installed and the file is plain (no blank
        lines, no malformed row), else with pandas; both give the same table (tested).

    Returns
    -------
    pandas.DataFrame
        ``string`` columns named as in the header (spaces trimmed), missing where blank,
        plus ``_row`` (int64, the spreadsheet row); ``attrs['source']`` is the file name.
    """
    path = Path(source)
    name = str(path)
    if not path.exists():
        raise error(f"{name}: file not found")
    if path.is_dir():
        raise error(f"{name}: is a folder, not a CSV file")
    text, data = _text(path, encoding, error)
    if "\x00" in text:
        raise error(
            f"{name}: contains NUL bytes; it is not a text CSV file (a spreadsheet "
            "workbook? save it as 'CSV UTF-8')"
        )
    if "\r" in text:  # Windows (CRLF) and old Mac (CR) line ends become LF
        text, data = text.replace("\r\n", "\n").replace("\r", "\n"), None
    first = _first_line(text)
    if first < 0:
        raise error(f"{name}: cannot be read as a table: the file is empty (no header row)")
    line = text.split("\n", first + 1)[first]
    sep = _delimiter(line)
    try:
        header = next(csv.reader([line], delimiter=sep))
    except csv.Error as exc:
        raise error(f"{name}: row {first + 1}: the header cannot be read ({exc})") from None
    seen: set[str] = set()
    for column in (c.strip() for c in header):
        if column and column in seen:
            raise error(f"{name}: row {first + 1}, column {column!r} appears twice")
        seen.add(column)
    frame = _read_arrow(text, data, first, sep, header) if engine == "auto" else None
    if frame is None:
        frame = _read_pandas(text, first, sep, name, error)
    unnamed = [c for c in frame.columns if not c or c.startswith("Unnamed: ")]
    if unnamed:
        if not bool(frame[unnamed].isna().all().all()):
            raise error(
                f"{name}: row {first + 1}: a column with values has no name in the header"
            )
        frame = frame.drop(columns=unnamed)
    frame["_row"] = np.arange(len(frame), dtype=np.int64) + first + 2
    blank = frame.drop(columns="_row").isna().all(axis=1)
    if blank.any():  # blank lines: numbered above, as a spreadsheet shows them
        frame = frame.loc[~blank].reset_index(drop=True)
    frame.attrs["source"] = name
    return frame
