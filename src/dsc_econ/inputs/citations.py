"""Citations a reader can look up, built from one bibliography file.

Every parameter, scenario, uncertainty entry and published table carries a
``reference`` (``document`` plus ``table``/``section``/``figure`` and ``page``). The
``document`` is a key of ``parameters/bibliography.yaml``, one of an entry's ``seed``
file names (the plain-text copies the package was built from) or one of its
``aliases``. :func:`cite` renders the reference as a citation: author or body, year,
title, publisher, then the table/section and page. A seed file name is never shown on
its own; ``with_seed=True`` appends it as an extra field.

A document not in the bibliography (a user's own data, say) is cited as written.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "BIBLIOGRAPHY_FILE",
    "Bibliography",
    "Entry",
    "cite",
    "load_bibliography",
    "matches_prefix",
    "seed_of",
    "table_provenance",
]

BIBLIOGRAPHY_FILE = "bibliography.yaml"
"""Name of the bibliography file at the root of a parameter folder."""

_FIELDS = {"author", "short", "title", "year", "publisher", "series", "url", "seed",
           "aliases", "note"}
_REQUIRED = ("author", "title", "year")
_LOCATORS = ("table", "section", "figure")


@dataclass(frozen=True)
class Entry:
    """One document of the bibliography."""

    key: str
    author: str
    title: str
    year: str
    short: str = ""
    publisher: str = ""
    series: str = ""
    url: str = ""
    seed: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    note: str = ""

    def citation(self) -> str:
        """The full citation of the document (no locator)."""
        parts = [f"{self.author} ({self.year}). {self.title}."]
        if self.series:
            parts.append(f"{self.series}.")
        if self.publisher:
            parts.append(f"{self.publisher}.")
        if self.url:
            parts.append(f"{self.url}.")
        return " ".join(parts)

    def short_citation(self) -> str:
        """Author or body and year, e.g. ``NatCen / University of York (2012)``."""
        return f"{self.short or self.author} ({self.year})"


@dataclass(frozen=True)
class Bibliography(Mapping[str, Entry]):
    """The documents by key, resolvable by key, seed file name or alias."""

    entries: dict[str, Entry]
    source: str = ""

    def __getitem__(self, key: str) -> Entry:
        return self.entries[key]

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    @functools.cached_property
    def _index(self) -> dict[str, Entry]:
        index: dict[str, Entry] = {}
        for entry in self.entries.values():
            for name in (entry.key, *entry.seed, *entry.aliases):
                index[name] = entry
        return index

    def find(self, document: str) -> Entry | None:
        """The entry a reference's ``document`` names, or None if it is not listed."""
        return self._index.get(str(document).strip())

    def merged(self, other: Bibliography) -> Bibliography:
        """This bibliography with ``other``'s entries added (``other`` wins on a key)."""
        return Bibliography({**self.entries, **other.entries}, other.source or self.source)


def _text(value: Any) -> str:
    return " ".join(str(value).split()) if value is not None else ""


def read_bibliography(path: str | Path) -> Bibliography:
    """Read and validate one bibliography file; errors name the file, key and field."""
    from .parameters import ParameterError, read_yaml

    path = Path(path)
    raw = read_yaml(path)
    if not isinstance(raw, dict) or not raw:
        raise ParameterError(f"{path}: a bibliography is a mapping key -> entry")
    entries: dict[str, Entry] = {}
    for key, body in raw.items():
        where = f"{path}: {key}"
        if not isinstance(body, dict):
            raise ParameterError(f"{where}: an entry is a mapping, got {body!r}")
        unknown = set(body) - _FIELDS
        if unknown:
            raise ParameterError(
                f"{where}: unknown field(s) {sorted(unknown)}; allowed: {sorted(_FIELDS)}"
            )
        missing = [f for f in _REQUIRED if not body.get(f)]
        if missing:
            raise ParameterError(f"{where}: missing {', '.join(missing)}")
        lists = {}
        for name in ("seed", "aliases"):
            value = body.get(name) or []
            if isinstance(value, str):
                value = [value]
            if not isinstance(value, list):
                raise ParameterError(f"{where}: {name} must be a list, got {value!r}")
            lists[name] = tuple(_text(v) for v in value)
        entries[str(key)] = Entry(
            key=str(key),
            **{f: _text(body.get(f)) for f in _FIELDS - {"seed", "aliases"}},
            **lists,
        )
    return Bibliography(entries, str(path))


@functools.lru_cache(maxsize=8)
def load_bibliography(directory: str | Path | None = None) -> Bibliography:
    """The bundled bibliography, extended by ``directory/bibliography.yaml`` if any.

    Parameters
    ----------
    directory : str or Path, optional
        A parameter folder; its own ``bibliography.yaml`` (if present) adds or replaces
        entries of the bundled one.
    """
    from .parameters import data_dir

    bundled = read_bibliography(data_dir("parameters") / BIBLIOGRAPHY_FILE)
    if directory is None:
        return bundled
    own = Path(directory) / BIBLIOGRAPHY_FILE
    if own.is_file() and own.resolve() != Path(bundled.source).resolve():
        return bundled.merged(read_bibliography(own))
    return bundled


def _field(reference: Any, name: str) -> Any:
    if isinstance(reference, Mapping):
        return reference.get(name)
    return getattr(reference, name, None)


def _page(page: Any) -> str:
    text = _text(page)
    if not text:
        return ""
    return f"pp. {text}" if any(c in text for c in "-–,") else f"p. {text}"


def seed_of(reference: Any) -> str:
    """The seed file name a reference's document resolves to, or ``''``."""
    document = _text(_field(reference, "document"))
    if document.endswith(".txt"):
        return document
    return ""


def cite(
    reference: Any,
    style: str = "full",
    bibliography: Bibliography | None = None,
    with_seed: bool = False,
) -> str:
    """Render a reference as a citation a reader can look up.

    Parameters
    ----------
    reference : Reference, mapping or str
        A :class:`~dsc_econ.inputs.parameters.Reference`, a mapping with ``document``
        and ``table``/``section``/``figure``/``page``, or a bare document name.
    style : {'full', 'short'}
        ``full``: authors, year, title, series, publisher, then the locator.
        ``short``: author or body and year, title, then the locator (for tables).
    bibliography : Bibliography, optional
        Defaults to the bundled ``parameters/bibliography.yaml``.
    with_seed : bool
        Append ``[seed: <file>]`` when the document is one of the seed text files.

    Returns
    -------
    str

    Examples
    --------
    >>> cite({"document": "003_4f7ee6da7be9200b.txt", "table": "Table 7.10",
    ...       "page": 92}, style="short")
    'NatCen / University of York (2012), Drug System Change Pilots Evaluation Final Report, Table 7.10, p. 92'
    """  # noqa: E501
    if style not in ("full", "short"):
        raise ValueError(f"style must be 'full' or 'short', got {style!r}")
    if isinstance(reference, str):
        reference = {"document": reference}
    bib = bibliography if bibliography is not None else load_bibliography()
    document = _text(_field(reference, "document"))
    entry = bib.find(document)
    locator = []
    for key in _LOCATORS:
        text = _text(_field(reference, key))
        if text and text[0].isdigit():  # "1.1 (national ...)" -> "section 1.1 (...)"
            text = f"{key} {text}"
        if text:
            locator.append(text)
    page = _page(_field(reference, "page"))
    if page:
        locator.append(page)
    if entry is None:
        head = document or "source not given"
    elif style == "short":
        head = f"{entry.short_citation()}, {entry.title}"
    else:
        head = entry.citation().rstrip(".")
    text = ", ".join([head, *locator]) if style == "short" else (
        f"{head}. {', '.join(locator)}" if locator else head
    )
    seed = seed_of(reference) if with_seed and entry is not None else ""
    return f"{text} [seed: {seed}]" if seed else text


def table_provenance(
    params: Any,
    units: Mapping[str, str],
    inputs: Sequence[str],
    reference: Any = None,
    title: str | None = None,
) -> dict[str, Any]:
    """``attrs`` for a computed table: units per column, price years and sources.

    Parameters
    ----------
    params : ParameterSet
        The parameters the table was computed from.
    units : mapping
        Column -> unit (one unit per column, never one over mixed columns).
    inputs : sequence of str
        Parameter key prefixes the table reads (``harms``, ``sites``...): their
        monetary parameters give the price years, all of them the references.
    reference : Reference or mapping, optional
        The report table the layout follows.
    title : str, optional

    Returns
    -------
    dict
        ``title``, ``units`` (column -> unit), ``price_year`` (parameter group -> price
        year of its money, or ``{}`` when the table holds no money from parameters),
        ``source`` (computed from which folder, laid out after which table),
        ``references`` (short citations of the parameters read) and ``parameters``.
    """
    from .parameters import UNITS

    bib = getattr(params, "bibliography", None)
    price_years: dict[str, list[str]] = {}
    references: list[str] = []
    for key in getattr(params, "parameters", {}):
        prefix = next((p for p in inputs if matches_prefix(key, p)), None)
        if prefix is None:
            continue
        meta = params.meta(key)
        if UNITS[meta.unit].monetary and meta.price_year:
            price_years.setdefault(prefix, []).append(meta.price_year)
        references.append(cite(meta.reference, "short", bib))
    price_year = {g: "; ".join(dict.fromkeys(v)) for g, v in price_years.items()}
    layout = f"; laid out as {cite(reference, 'short', bib)}" if reference else ""
    out: dict[str, Any] = {
        "units": dict(units),
        "price_year": price_year,
        "source": f"computed by dsc_econ from the parameters in {params.source}{layout}",
        "references": list(dict.fromkeys(references)),
        "parameters": str(getattr(params, "source", "")),
    }
    if title:
        out["title"] = title
    return out


def matches_prefix(key: str, prefix: str) -> bool:
    """Whether a parameter key lies under ``prefix`` (``*`` matches one part).

    >>> matches_prefix("sites.3.costs.year_1", "sites.*.costs")
    True
    """
    parts, want = key.split("."), prefix.split(".")
    return len(parts) >= len(want) and all(
        w in ("*", p) for w, p in zip(want, parts, strict=False)
    )
