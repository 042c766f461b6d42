"""Read the numeric data frames and lists of an R ``.rda`` file (XDR format 2 or 3).

Enough of R's serialisation to load the example data of the R package ``voi``
(``chemo_nb``, ``chemo_pars``, ``chemo_cea``): numeric, integer, logical and character
vectors, lists and pairlists with attributes (names, class, row.names). A test helper
for ``test_voi_reference.py``, not part of the package (voi's data are GPL-3 and are
read from the user's copy of the package, never stored here).
"""

from __future__ import annotations

import bz2
import gzip
import lzma
import struct
from pathlib import Path
from typing import Any

import numpy as np

_NIL, _REF, _GLOBALENV, _EMPTYENV, _BASEENV, _MISSING = 254, 255, 253, 242, 241, 251


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data, self.pos, self.refs = data, 0, []

    def int(self) -> int:
        (v,) = struct.unpack_from(">i", self.data, self.pos)
        self.pos += 4
        return v

    def item(self) -> Any:
        flags = self.int()
        kind, has_attr, has_tag = flags & 0xFF, flags & (1 << 9), flags & (1 << 10)
        if kind in (_NIL, _GLOBALENV, _EMPTYENV, _BASEENV, _MISSING):
            return None
        if kind == _REF:
            index = flags >> 8 or self.int()
            return self.refs[index - 1]
        if kind == 1:  # symbol
            name = self.item()
            self.refs.append(name)
            return name
        if kind in (2, 6):  # pairlist, language
            attrs = self.item() if has_attr else None
            tag = self.item() if has_tag else None
            head = self.item()
            rest = self.item()
            return [(tag, head)] + (rest if isinstance(rest, list) else [])
        if kind == 9:  # CHARSXP
            n = self.int()
            if n == -1:
                return None
            text = self.data[self.pos : self.pos + n].decode("utf-8", "replace")
            self.pos += n
            return text
        if kind in (10, 13, 14):  # logical, integer, double
            n = self.int()
            fmt, size = (">i", 4) if kind != 14 else (">d", 8)
            values = np.frombuffer(self.data, dtype=fmt, count=n, offset=self.pos)
            self.pos += n * size
            value: Any = values.astype(float if kind == 14 else np.int64)
        elif kind in (16, 19):  # character vector, list
            value = [self.item() for _ in range(self.int())]
        else:
            raise ValueError(f"unsupported R type {kind} at byte {self.pos}")
        if has_attr:
            attrs = dict(self.item())
            return {"value": value, "attrs": attrs}
        return value


def _simplify(obj: Any) -> Any:
    if isinstance(obj, dict) and "value" in obj:
        value, attrs = obj["value"], obj["attrs"]
        names = attrs.get("names")
        cls = attrs.get("class")
        dim = attrs.get("dim")
        if isinstance(value, list) and names is not None:
            out = {str(k): _simplify(v) for k, v in zip(names, value, strict=True)}
            if cls is not None and "data.frame" in (cls if isinstance(cls, list) else []):
                import pandas as pd

                return pd.DataFrame(out)
            return out
        if dim is not None and isinstance(value, np.ndarray):
            return value.reshape(tuple(int(d) for d in dim)[::-1]).T
        return value
    if isinstance(obj, list):
        return [_simplify(v) for v in obj]
    return obj


def read_rda(path: str | Path) -> dict[str, Any]:
    """Objects of an ``.rda`` file by name: data frames as pandas, matrices as numpy."""
    raw = Path(path).read_bytes()
    for opener in (bz2.decompress, gzip.decompress, lzma.decompress):
        try:
            raw = opener(raw)
            break
        except Exception:  # not this compression: try the next
            continue
    if not raw.startswith((b"RDX2\n", b"RDX3\n")) or raw[5:7] != b"X\n":
        raise ValueError(f"{path}: not an XDR .rda file")
    reader = _Reader(raw[7:])
    version = reader.int()
    reader.int(), reader.int()
    if version == 3:
        n = reader.int()
        reader.pos += n
    top = reader.item()
    return {str(tag): _simplify(value) for tag, value in top}
