"""Model inputs as validated data: load ``parameters/``, override, inspect.

A parameter set is read from a folder of YAML files (see ``parameters/README.md``): each
file is a node of a tree whose path is its name, each leaf carries a value, a unit from
:data:`UNITS`, a price year where monetary, and a reference to its source. Loading is
strict (duplicate keys, unknown keys, unknown units, values outside their unit's range
are errors naming the file, key and value) and all-or-nothing.

Values may be replaced by arrays with a leading ``sample`` dimension (``with_values``), so
the same :class:`ParameterSet` feeds the point estimate and a Monte Carlo or Sobol run.
"""

from __future__ import annotations

import datetime as _dt
import difflib
import functools
import itertools
import re
import warnings
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import yaml

from .limits import MAX_COST_YEARS
from .safety import excerpt, outside_folder

if TYPE_CHECKING:
    from .citations import Bibliography
    from .names import Names

__all__ = [
    "REQUIRED",
    "UNITS",
    "Parameter",
    "ParameterError",
    "ParameterSet",
    "ParameterWarning",
    "Reference",
    "data_dir",
    "load_parameters",
    "parse_assignment",
]


class ParameterError(ValueError):
    """A parameter file, key or value is invalid; the message names where and what."""


@dataclass(frozen=True)
class Unit:
    """A unit of the fixed vocabulary and the range its values must lie in."""

    name: str
    meaning: str
    low: float | None = None
    high: float | None = None
    integer: bool = False
    monetary: bool = False
    kind: str = "number"  # number | category | flag | date | price_base


UNITS: dict[str, Unit] = {
    u.name: u
    for u in [
        Unit("GBP", "pounds sterling", 0, None, monetary=True),
        Unit("GBP_thousand", "thousands of pounds", 0, None, monetary=True),
        Unit("GBP_million", "millions of pounds", 0, None, monetary=True),
        Unit("GBP_per_client_year", "pounds per client per year", 0, None, monetary=True),
        Unit("GBP_per_client", "pounds per client", 0, None, monetary=True),
        Unit("clients", "a count of people or journeys", 0, None, integer=True),
        Unit(
            "count",
            "a whole number of things (categories, levels...)",
            0,
            None,
            integer=True,
        ),
        Unit("proportion", "a probability or share", 0, 1),
        Unit("proportion_change", "a difference of proportions", -1, 1),
        Unit("p_value", "a significance level", 0, 1),
        Unit("rate_per_year", "a rate per year", 0, 1),
        Unit(
            "uplift",
            "a proportional uplift (0.44 = +44%), at most 10; the Green Book's largest "
            "optimism-bias upper bound is 2.00",
            0,
            10,
        ),
        Unit("years", "a duration or year index", 0, None),
        Unit("index", "an index number (base = 100)", 0, None),
        Unit("days", "a number of days", 0, None, integer=True),
        Unit("code", "a record code (whole number)", 0, None, integer=True),
        Unit("date", "a calendar date (YYYY-MM-DD)", kind="date"),
        Unit("category", "a categorical option", kind="category"),
        Unit(
            "price_base",
            "a price year ('2024', '2024-25') or 'as supplied'",
            kind="price_base",
        ),
        Unit("flag", "a true/false switch", kind="flag"),
    ]
}
"""The unit vocabulary: every parameter's unit must be one of these."""

_LEAF_KEYS = {
    "value",
    "description",
    "unit",
    "price_year",
    "reference",
    "note",
    "comparator",
    "choices",
}
_NODE_KEYS = {"description", "unit", "price_year", "reference", "note"}
_REFERENCE_KEYS = {"document", "table", "section", "figure", "page", "note"}
_NAME = re.compile(r"^[a-z0-9][a-z0-9_]*$")
_PRICE_YEAR = re.compile(
    r"^(?:(?P<year>\d{4})(?:-(?P<next>\d{2}))?|not stated|as supplied|cash(?:[ ,(].*)?)$",
    re.DOTALL,
)
PRICE_YEAR_FORMS = (
    "a financial year '2009-10', a calendar year '2009', 'cash' (optionally followed by "
    "the years, e.g. 'cash (year 1 = 2009-10)'), 'as supplied' or 'not stated'"
)
"""The price years a monetary parameter may carry (free text is refused)."""


def check_price_year(value: Any, where: str) -> str:
    """``value`` as text if it is a price year of :data:`PRICE_YEAR_FORMS`, else a
    :class:`ParameterError` naming ``where`` and the value.

    >>> check_price_year("2009-10", "x")
    '2009-10'
    """
    text = str(value).strip()
    match = _PRICE_YEAR.match(text)
    ok = match is not None and not isinstance(value, (bool, float, list, dict))
    if ok and match.group("year"):
        year = int(match.group("year"))
        ok = 1900 <= year <= 2100
        if match.group("next") is not None:
            ok = ok and int(match.group("next")) == (year + 1) % 100
    if not ok:
        raise ParameterError(
            f"{where}: price_year {excerpt(value)} is not a price year; use "
            f"{PRICE_YEAR_FORMS}"
        )
    return text


@dataclass(frozen=True)
class Reference:
    """Where a number comes from: document, table/section/figure, page."""

    document: str
    table: str | None = None
    section: str | None = None
    figure: str | None = None
    page: int | str | None = None
    note: str | None = None

    def __str__(self) -> str:
        """The short citation (body and year, title, table/section, page)."""
        from .citations import cite

        return cite(self, style="short")

    @property
    def seed(self) -> str:
        """The seed text file the document is, or ``''`` (an extra field, never alone)."""
        from .citations import seed_of

        return seed_of(self)


@dataclass(frozen=True)
class Parameter:
    """One model input with its metadata (the value is held by :class:`ParameterSet`)."""

    name: str
    value: Any
    unit: str
    reference: Reference
    description: str = ""
    price_year: str | None = None
    note: str | None = None
    comparator: str | None = None
    choices: tuple[str, ...] | None = None
    source: str = ""


class ParameterWarning(UserWarning):
    """A parameter file is suspicious but usable (e.g. a name the model never reads);
    ``strict=True`` (CLI ``--strict``) turns it into a :class:`ParameterError`."""


TREE_FILE = "tree.yaml"
"""The pathway tree of a parameter set (:mod:`dsc_econ.inputs.tree_file`); not a
parameter file. A folder without one uses the bundled Figure C1.1."""
NARRATIVE_FILE = "narrative.yaml"
"""Optional text about the project (``narrative.<key>: text``) that the report reads when
present, e.g. the DSCP set's notes on the 2012 evaluation; not a parameter file."""
UNCERTAINTY_FOLDER = "uncertainty"
"""Optional folder of a parameter set holding its own uncertainty files
(``default.yaml``, ``dynamics.yaml``), used when no ``--uncertainty`` is given."""

MAX_YAML_BYTES = 5_000_000
"""Largest YAML input file read (bytes); the bundled files are under 100 kB."""
MAX_YAML_DEPTH = 50
"""Deepest nesting of mappings and lists in a YAML file (the bundled files use 7)."""
MAX_YAML_ALIASES = 200
"""Most alias references (``*name``) in one YAML file."""
MAX_YAML_NODES = 200_000
"""Most values in one YAML file once its aliases are expanded: an alias bomb (ten
aliases of ten aliases of ...) is refused instead of expanding to 10^9 values."""


class _StrictLoader(yaml.SafeLoader):
    """A YAML loader that rejects duplicate keys instead of keeping the last one, and
    bounds nesting depth, alias count and the expanded size (see ``MAX_YAML_*``)."""

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        self._depth = 0
        self._aliases = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_YAML_ALIASES:
                mark = self.peek_event().start_mark
                raise ParameterError(
                    f"more than {MAX_YAML_ALIASES} aliases (*name), line {mark.line + 1}; "
                    "write the values out"
                )
            return super().compose_node(parent, index)
        self._depth += 1
        try:
            if self._depth > MAX_YAML_DEPTH:
                mark = self.peek_event().start_mark
                raise ParameterError(
                    f"nested more than {MAX_YAML_DEPTH} levels deep (line {mark.line + 1})"
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_document(self, node: Any) -> Any:
        if self._aliases:  # without aliases the size is bounded by the file's
            _expanded_size(node, {}, set())
        return super().construct_document(node)


def _expanded_size(node: Any, sizes: dict[int, int], open_: set[int]) -> int:
    """Number of values ``node`` stands for with every alias expanded (memoised per
    node, so linear in the file); raises past :data:`MAX_YAML_NODES` or on a
    self-referencing alias."""
    key = id(node)
    if key in sizes:
        return sizes[key]
    if key in open_:
        raise ParameterError(
            f"an alias refers to itself (line {node.start_mark.line + 1}); a value "
            "cannot contain itself"
        )
    open_.add(key)
    total = 1
    if isinstance(node, yaml.SequenceNode):
        total += sum(_expanded_size(child, sizes, open_) for child in node.value)
    elif isinstance(node, yaml.MappingNode):
        total += sum(
            _expanded_size(k, sizes, open_) + _expanded_size(v, sizes, open_)
            for k, v in node.value
        )
    open_.discard(key)
    if total > MAX_YAML_NODES:
        raise ParameterError(
            f"expands to more than {MAX_YAML_NODES:,} values through aliases (line "
            f"{node.start_mark.line + 1}); an alias bomb, or data too large for a "
            "parameter file"
        )
    sizes[key] = total
    return total


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode) -> dict:
    loader.flatten_mapping(node)
    out: dict = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node)
        if key in out:
            raise ParameterError(
                f"duplicate key {key!r} (line {key_node.start_mark.line + 1})"
            )
        out[key] = loader.construct_object(value_node, deep=True)
    return out


_StrictLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping
)

_FastLoader: Any = None
if getattr(yaml, "__with_libyaml__", False):  # libyaml's parser, the same constructors

    class _CStrictLoader(yaml.CSafeLoader):  # type: ignore[name-defined,misc]
        """libyaml's parser with :class:`_StrictLoader`'s duplicate-key check; used
        only for text whose size bounds hold by construction (:func:`_plain_block`)."""

    _CStrictLoader.add_constructor(
        yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping
    )
    _FastLoader = _CStrictLoader

_ALIAS_MARKS = re.compile(r"[&*]")
"""Anchor and alias marks: text without them cannot hold an alias bomb."""


def _plain_block(text: str) -> bool:
    """Whether the bounds of :class:`_StrictLoader` hold for ``text`` by construction,
    so libyaml's parser (about ten times faster) may read it: no anchor or alias (so no
    alias bomb; the size is bounded by the file's), and a nesting depth provably under
    :data:`MAX_YAML_DEPTH` — each level of block nesting needs one more space or one
    more ``- `` on its line, each level of flow nesting one more ``[`` or ``{`` in the
    file, so the deepest line's indentation and markers plus every bracket of the file
    bound it. A site file written by ``dsc-econ new`` and most parameter files qualify;
    any other text, and any text libyaml refuses, goes through :class:`_StrictLoader`,
    whose messages the user sees."""
    if _FastLoader is None or _ALIAS_MARKS.search(text):
        return False
    brackets = text.count("[") + text.count("{")
    if brackets >= MAX_YAML_DEPTH:
        return False
    for line in text.splitlines():
        body = line.lstrip(" ")
        depth = len(line) - len(body)
        while body.startswith("- ") or body == "-":
            depth += 2
            body = body[2:].lstrip(" ")
        if depth + brackets >= MAX_YAML_DEPTH:
            return False
    return True


def data_dir(kind: str) -> Path:
    """Folder of the bundled ``parameters``, ``published`` or ``scenarios`` data.

    In a wheel the folders ship inside the package (``dsc_econ/_data``); in a source
    checkout (editable install) they are the top-level folders of the repository.
    """
    bundled = Path(str(resources.files("dsc_econ"))) / "_data" / kind
    if bundled.is_dir():
        return bundled
    checkout = Path(__file__).resolve().parents[3] / kind
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError(f"bundled {kind!r} data not found (looked in {bundled})")


def _decode(data: bytes, path: Path) -> str:
    """UTF-8 text of a file (a UTF-8 byte-order mark is dropped); a decode error names
    the file, the line and the encoding the bytes probably are in."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ParameterError(
            f"{path}: the file is UTF-16 (it starts with a UTF-16 byte-order mark); save "
            "it as UTF-8"
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        guess = "Windows-1252 (cp1252, 'ANSI'), as Excel and Notepad write on Windows"
        try:
            data.decode("cp1252")
        except UnicodeDecodeError:
            guess = "Latin-1 or another single-byte encoding"
        raise ParameterError(
            f"{path}: not UTF-8 text: byte {data[exc.start]:#04x} at line {line} (byte "
            f"{exc.start}); the file is probably {guess}: save it as UTF-8"
        ) from None


def read_yaml(path: str | Path) -> Any:
    """Read one YAML file strictly; errors name the file.

    Refuses files over :data:`MAX_YAML_BYTES`, text that is not UTF-8 (naming the line
    and the likely encoding), nesting deeper than :data:`MAX_YAML_DEPTH`, more than
    :data:`MAX_YAML_ALIASES` aliases and alias expansion past :data:`MAX_YAML_NODES`.
    """
    path = Path(path)
    outside = outside_folder(path, path.parent)
    if outside:  # a link out of the folder: refused by name, never read (issue 18)
        raise ParameterError(outside)
    try:
        with path.open("rb") as fh:
            data = fh.read(MAX_YAML_BYTES + 1)
    except IsADirectoryError:
        raise ParameterError(f"{path}: is a folder, not a YAML file") from None
    except FileNotFoundError:
        raise ParameterError(f"{path}: file not found") from None
    except OSError as exc:
        raise ParameterError(f"{path}: cannot be read ({exc.strerror})") from None
    if len(data) > MAX_YAML_BYTES:
        raise ParameterError(
            f"{path}: larger than {MAX_YAML_BYTES:,} bytes; a parameter, scenario or "
            "uncertainty file is far smaller (is this the right file?)"
        )
    text = _decode(data, path)
    if _plain_block(text):
        try:
            return yaml.load(text, Loader=_FastLoader)
        except Exception:  # the strict loader below names the fault
            pass
    try:
        return yaml.load(text, Loader=_StrictLoader)
    except ParameterError as exc:
        raise ParameterError(f"{path}: {exc}") from None
    except yaml.YAMLError as exc:
        raise ParameterError(f"{path}: not valid YAML: {exc}") from None
    except RecursionError:
        raise ParameterError(f"{path}: nested too deeply (through aliases)") from None
    except (ValueError, TypeError, OverflowError) as exc:
        # e.g. an impossible date such as 2009-02-30, a list used as a key
        raise ParameterError(f"{path}: a value cannot be read: {exc}") from None


def _reference(raw: Any, where: str) -> Reference:
    if not isinstance(raw, dict):
        raise ParameterError(f"{where}: reference must be a mapping, got {excerpt(raw)}")
    unknown = set(raw) - _REFERENCE_KEYS
    if unknown:
        raise ParameterError(
            f"{where}: unknown reference key(s) {sorted(unknown)}; "
            f"allowed: {sorted(_REFERENCE_KEYS)}"
        )
    if not raw.get("document"):
        raise ParameterError(f"{where}: reference needs a 'document'")
    if not any(raw.get(k) for k in ("table", "section", "figure")):
        raise ParameterError(
            f"{where}: reference needs a 'table', 'section' or 'figure' "
            f"(got {excerpt(raw)})"
        )
    return Reference(**{k: (str(v) if k != "page" else v) for k, v in raw.items()})


def _check_limit(name: str, value: Any, where: str) -> None:
    """The size bounds of :mod:`dsc_econ.inputs.limits` (horizons, career years)."""
    from .limits import check_key

    try:
        check_key(name, value, where)
    except ValueError as exc:
        raise ParameterError(str(exc)) from None


def check_value(
    value: Any,
    unit: str,
    where: str,
    choices: tuple[str, ...] | None = None,
) -> Any:
    """Validate a value (scalar, list or array) against its unit; return it normalised.

    Raises :class:`ParameterError` naming ``where`` and the offending value.
    """
    spec = UNITS[unit]
    if spec.kind == "flag":
        if isinstance(value, (bool, np.bool_)):
            return bool(value)
        arr = np.asarray(value)
        if arr.dtype != bool:
            raise ParameterError(f"{where}: expected true/false, got {excerpt(value)}")
        return arr
    if spec.kind == "date":
        try:
            return str(_dt.date.fromisoformat(str(value)))
        except ValueError:
            raise ParameterError(
                f"{where}: expected a date YYYY-MM-DD, got {excerpt(value)}"
            ) from None
    if spec.kind == "price_base":  # the form only; inputs.prices checks the series
        if isinstance(value, float) and value.is_integer():  # --set reads 2024 as 2024.0
            value = int(value)
        text = str(value).strip()
        if text != "as supplied" and not re.fullmatch(r"\d{4}(-\d{2})?", text):
            raise ParameterError(
                f"{where}: {excerpt(value)} is not a price base; give a calendar year "
                "'2024', a financial year '2024-25' or 'as supplied'"
            )
        return check_price_year(text, where)
    if spec.kind == "category":
        if not isinstance(value, str):
            raise ParameterError(f"{where}: expected a text option, got {excerpt(value)}")
        if choices is not None and value not in choices:
            raise ParameterError(f"{where}: {excerpt(value)} is not one of {list(choices)}")
        return value
    if isinstance(value, (bool, str)):
        raise ParameterError(f"{where}: expected a number ({unit}), got {excerpt(value)}")
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise ParameterError(
            f"{where}: expected a number ({unit}), got {excerpt(value)}"
        ) from None
    except OverflowError:
        raise ParameterError(
            f"{where}: {str(value)[:20]}... is too large for a number ({unit})"
        ) from None
    if not np.all(np.isfinite(arr)):
        bad = arr[~np.isfinite(arr)].ravel()[0]
        raise ParameterError(f"{where}: value must be finite, got {float(bad)!r}")
    if spec.low is not None and np.any(arr < spec.low):
        bad = arr[arr < spec.low].ravel()[0]
        raise ParameterError(
            f"{where}: {float(bad)!r} is below {spec.low} (unit {unit}: {spec.meaning})"
        )
    if spec.high is not None and np.any(arr > spec.high):
        bad = arr[arr > spec.high].ravel()[0]
        raise ParameterError(
            f"{where}: {float(bad)!r} is above {spec.high} (unit {unit}: {spec.meaning})"
        )
    if spec.integer and np.any(arr != np.round(arr)):
        bad = arr[arr != np.round(arr)].ravel()[0]
        raise ParameterError(f"{where}: {float(bad)!r} is not a whole number of {unit}")
    if arr.ndim == 0:
        return int(arr) if spec.integer and isinstance(value, int) else float(arr)
    if isinstance(value, (list, tuple)):
        if arr.ndim != 1:
            raise ParameterError(
                f"{where}: expected a flat list of numbers, got {excerpt(value)}"
            )
        return [float(v) for v in arr]
    if arr.ndim != 1:
        raise ParameterError(
            f"{where}: a sample must be a 1-D array (one value per sample), got shape "
            f"{arr.shape}"
        )
    return arr


def _walk(
    node: Any,
    prefix: str,
    inherited: dict[str, Any],
    source: Path,
    out: dict[str, Parameter],
) -> None:
    where = f"{source}: {prefix}"
    if isinstance(node, dict) and "value" in node:
        _leaf(node, prefix, inherited, source, out)
        return
    if not isinstance(node, dict):
        _leaf({"value": node}, prefix, inherited, source, out)
        return
    here = dict(inherited)
    for key in _NODE_KEYS & set(node):
        if key == "reference":
            here[key] = _reference(node[key], f"{where}.reference")
        elif key != "description":
            here[key] = node[key]
    children = [k for k in node if k not in _NODE_KEYS]
    if not children:
        raise ParameterError(f"{where}: node has no parameters below it")
    for key in children:
        if not isinstance(key, (str, int)) or not _NAME.match(str(key)):
            raise ParameterError(
                f"{where}: unknown key {key!r} (names are lower-case letters, digits "
                f"and '_'; node keys are {sorted(_NODE_KEYS)})"
            )
        _walk(node[key], f"{prefix}.{key}" if prefix else str(key), here, source, out)


def _leaf(
    raw: dict[str, Any],
    name: str,
    inherited: dict[str, Any],
    source: Path,
    out: dict[str, Parameter],
) -> None:
    where = f"{source}: {name}"
    unknown = set(raw) - _LEAF_KEYS
    if unknown:
        raise ParameterError(
            f"{where}: unknown key(s) {sorted(unknown)}; allowed: {sorted(_LEAF_KEYS)}"
        )
    unit = raw.get("unit", inherited.get("unit"))
    if unit is None:
        raise ParameterError(f"{where}: no unit (set 'unit' on the leaf or a parent)")
    if not isinstance(unit, str) or unit not in UNITS:
        raise ParameterError(
            f"{where}: unknown unit {unit!r}; known units: {sorted(UNITS)}"
        )
    ref = raw.get("reference")
    reference = (
        _reference(ref, f"{where}.reference")
        if ref is not None
        else inherited.get("reference")
    )
    if reference is None:
        raise ParameterError(f"{where}: no reference (set it on the leaf or a parent)")
    price_year = raw.get("price_year", inherited.get("price_year"))
    if UNITS[unit].monetary and price_year is None:
        raise ParameterError(
            f"{where}: monetary unit {unit!r} needs a price_year "
            "(or 'not stated', explained in a note)"
        )
    if price_year is not None:
        price_year = check_price_year(price_year, where)
    choices = raw.get("choices")
    if choices is not None and (
        not isinstance(choices, list) or not all(isinstance(c, str) for c in choices)
    ):
        raise ParameterError(f"{where}: choices must be a list of texts, got {choices!r}")
    if UNITS[unit].kind == "category" and not choices:
        raise ParameterError(f"{where}: a 'category' parameter needs 'choices'")
    comparator = raw.get("comparator")
    if comparator not in (None, "<", ">"):
        raise ParameterError(f"{where}: comparator must be '<' or '>', got {comparator!r}")
    value = check_value(raw["value"], unit, where, tuple(choices) if choices else None)
    _check_limit(name, value, where)
    if name in out:
        raise ParameterError(
            f"{where}: parameter defined twice (also in {out[name].source})"
        )
    out[name] = Parameter(
        name=name,
        value=value,
        unit=unit,
        reference=reference,
        description=str(raw.get("description", "")).strip(),
        price_year=None if price_year is None else str(price_year),
        note=None if raw.get("note") is None else str(raw["note"]).strip(),
        comparator=comparator,
        choices=tuple(choices) if choices else None,
        source=str(source),
    )


_SITE_KEYS = re.compile(
    r"^sites\.[0-9a-z_]+\.(type|in_impact_analysis|costs\.year_[1-9][0-9]?"
    r"|costs\.agency(\.year_[1-9][0-9]?)?"
    r"|counts\.(pilot|comparison)\.(pre|post)\."
    r"(total_in_treatment|effective_treatment|successful_completions|total_completing)"
    r"|did_reported\.(et_tt|sc_tc|sc_tt)|p_values\.(et_tt|sc_tc))$"
)


def _validate_sites(params: dict[str, Parameter], origin: str | Path) -> None:
    """Cross-file checks of the site data (every pilot has its comparison area...).

    Works on point values and on sample arrays alike (every sample must pass).
    """
    for name, p in params.items():
        if name.startswith("sites.") and not _SITE_KEYS.match(name):
            raise ParameterError(
                f"{p.source}: unknown site parameter {name!r} (a site file has type, "
                "in_impact_analysis, costs.year_1 ... costs.year_N, costs.agency, "
                "counts.<pilot|comparison>.<pre|post>."
                "<count>, did_reported.<et_tt|sc_tc|sc_tt> and p_values.<et_tt|sc_tc>)"
            )
    own: dict[str, list[str]] = {}  # site -> its parameter names, built once
    for n in params:
        if n.startswith("sites."):
            own.setdefault(n.split(".")[1], []).append(n)
    sites = sorted(own)
    if not sites:
        raise ParameterError(f"{origin}: no sites defined (sites/*.yaml)")
    measures = (
        "total_in_treatment",
        "effective_treatment",
        "successful_completions",
        "total_completing",
    )
    for site in sites:
        base = f"sites.{site}"
        for key in ("costs.year_1", "in_impact_analysis"):
            if f"{base}.{key}" not in params:
                raise ParameterError(f"{origin}: site {site} has no {key}")
        _check_cost_years(params, base, origin, own[site])
        if not params[f"{base}.in_impact_analysis"].value:
            continue
        for area in ("pilot", "comparison"):
            for period in ("pre", "post"):
                for m in measures:
                    key = f"{base}.counts.{area}.{period}.{m}"
                    if key not in params:
                        raise ParameterError(
                            f"{origin}: site {site} is in the impact analysis "
                            f"but has no {key}"
                            + (
                                " (every pilot needs its comparison area)"
                                if area == "comparison"
                                else ""
                            )
                        )
                get = {m: params[f"{base}.counts.{area}.{period}.{m}"] for m in measures}
                for m in ("total_in_treatment", "total_completing"):
                    if np.any(np.asarray(get[m].value) <= 0):
                        raise ParameterError(
                            f"{get[m].source}: {get[m].name} = {get[m].value!r} must be "
                            "positive (it is the denominator of a share)"
                        )
                for small, big in COUNT_ORDER:
                    if np.any(np.asarray(get[small].value) > np.asarray(get[big].value)):
                        lo, hi = get[small], get[big]
                        where = (
                            "" if hi.source == lo.source else f" ({hi.name}: {hi.source})"
                        )
                        raise ParameterError(
                            f"{lo.source}: {lo.name} = {excerpt(lo.value)} exceeds "
                            f"{big} = {excerpt(hi.value)}{where}"
                        )


def cost_years(params: Mapping[str, Any], site: str) -> int:
    """Number of project years of costs of ``site`` (``costs.year_1`` ... ``year_N``)."""
    n = 0
    while n < MAX_COST_YEARS and f"sites.{site}.costs.year_{n + 1}" in params:
        n += 1
    return n


def _check_cost_years(
    params: dict[str, Parameter],
    base: str,
    origin: Any,
    names: Iterable[str] | None = None,
) -> None:
    """A site's cost years run 1..N without a gap, N <= :data:`MAX_COST_YEARS`.

    ``names`` are the site's own parameter names (default: all of ``params``); the
    loader passes them so checking every site stays linear in the number of sites."""
    names = list(params if names is None else names)
    prefix = f"{base}.costs.year_"
    years = sorted(int(n[len(prefix) :]) for n in names if n.startswith(prefix))
    if years and years[-1] > MAX_COST_YEARS:
        p = params[f"{prefix}{years[-1]}"]
        raise ParameterError(
            f"{p.source}: {p.name}: at most {MAX_COST_YEARS} cost years are allowed"
        )
    gaps = sorted(set(range(1, years[-1] + 1)) - set(years)) if years else []
    if gaps:
        p = params[f"{prefix}{years[-1]}"]
        raise ParameterError(
            f"{p.source}: {base.split('.')[1]}: cost years must run 1..N without a gap; "
            f"costs.year_{gaps[0]} is missing (found years {years})"
        )
    agency = f"{base}.costs.agency.year_"
    extra = [
        n for n in names if n.startswith(agency) and int(n[len(agency) :]) not in years
    ]
    if extra:
        p = params[extra[0]]
        raise ParameterError(f"{p.source}: {p.name}: there is no cost in that year")


COUNT_ORDER: tuple[tuple[str, str], ...] = (
    ("effective_treatment", "total_in_treatment"),
    ("successful_completions", "effective_treatment"),
    ("successful_completions", "total_completing"),
    ("total_completing", "total_in_treatment"),
)
"""Pairs (smaller, larger) of one area-period's counts: a count can never exceed its
partner. Checked by the loader and, with the user's file and row, by the programme
tables and the journey records before they become parameters."""


REQUIRED: tuple[str, ...] = (
    "career.years_before_treatment",
    "career.years_in_treatment",
    "career.years_after_treatment",
    "harms.untreated.total",
    "harms.untreated.decline_rate",
    "harms.untreated.decline_from_year",
    "harms.in_treatment.total",
    "harms.abstinent.decay_rate",
    "treatment.annual_cost",
    "discounting.method",
    "discounting.rate",
    "discounting.health_rate",
    "discounting.timing",
    "discounting.schedule_from_years",
    "discounting.schedule_rates",
    "pathways.lambda",
    "pathways.alpha",
    "pathways.phi",
    "pathways.gamma",
    "pathways.gamma_prime",
    "appraisal.did_source",
    "appraisal.completions_base",
    "appraisal.completion_value",
    "appraisal.unit_value_rounding",
    "appraisal.discount_costs",
    "appraisal.benefit_share",
    "appraisal.sensitivity_benefit_share",
)
"""Parameters the model reads; a parameter folder must define every one."""


def _validate_required(params: dict[str, Parameter], root: Path) -> None:
    for name in REQUIRED:
        if name not in params:
            close = difflib.get_close_matches(name, list(params), n=1, cutoff=0.8)
            hint = f"; found {close[0]!r} in {params[close[0]].source}" if close else ""
            raise ParameterError(f"{root}: required parameter {name!r} is missing{hint}")


def _validate_schedule(params: dict[str, Parameter], origin: str | None = None) -> None:
    starts = params.get("discounting.schedule_from_years")
    rates = params.get("discounting.schedule_rates")
    if starts is None or rates is None:
        return
    where = origin or starts.source
    s, r = list(starts.value), list(rates.value)
    if len(s) != len(r) or not s:
        raise ParameterError(
            f"{where}: discounting.schedule_from_years has {len(s)} entries but "
            f"discounting.schedule_rates has {len(r)}"
        )
    if s[0] != 1 or any(b <= a for a, b in itertools.pairwise(s)):
        raise ParameterError(
            f"{where}: discounting.schedule_from_years must start at 1 and rise, got {s}"
        )


@functools.lru_cache(maxsize=1)
def _bundled_lists() -> dict[str, bool]:
    """Names of the bundled parameter set (the names the package knows), each with
    whether its value is a list."""
    bundled = load_parameters(data_dir("parameters")).parameters
    return {name: isinstance(p.value, list) for name, p in bundled.items()}


def _check_lists(params: dict[str, Parameter]) -> None:
    """A list where the package reads one value (or the reverse) is an error."""
    known = _bundled_lists()
    for name, p in params.items():
        is_list = isinstance(p.value, list)
        expected = known.get(name, False if name.startswith("sites.") else is_list)
        if is_list != expected:
            wanted = "a list" if expected else "one value"
            raise ParameterError(
                f"{p.source}: {name}: expected {wanted}, got {excerpt(p.value)}"
            )


def _check_unknown(
    params: dict[str, Parameter], strict: bool, read: Iterable[str] = ()
) -> None:
    """Warn (or, strict, raise) for every parameter the package does not know: a name
    no code reads is almost always a typo, and a typo would otherwise be ignored.
    ``read``: keys the parameter set's own tree reads (known too)."""
    known = _bundled_lists()
    read = set(read)
    # the ledger reads every ledger.harms.<component>.<agency>.<value_type> share
    free = ("sites.", "ledger.harms.")
    unknown = [
        n for n in params if n not in known and n not in read and not n.startswith(free)
    ]
    for name in unknown:
        close = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.75)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        message = (
            f"{params[name].source}: unknown parameter {name!r}: the package does not "
            f"read it, so its value has no effect{hint}"
        )
        if strict:
            raise ParameterError(message)
        warnings.warn(message, ParameterWarning, stacklevel=3)


def load_parameters(
    directory: str | Path | None = None,
    overrides: Mapping[str, Any] | None = None,
    strict: bool = False,
) -> ParameterSet:
    """Load and validate a parameter set.

    Parameters
    ----------
    directory : str or Path, optional
        Folder of YAML parameter files; defaults to the bundled ``parameters/``.
    overrides : mapping, optional
        ``{name: value}`` replacing loaded values (validated the same way); values may
        be arrays with a leading sample dimension.
    strict : bool
        Raise :class:`ParameterError` for what otherwise is a :class:`ParameterWarning`:
        a parameter name the package does not know (not read by any model code).

    Returns
    -------
    ParameterSet

    Raises
    ------
    ParameterError
        On any invalid file, key or value; the message names file, key and value.
    """
    root = Path(directory) if directory is not None else data_dir("parameters")
    if not root.is_dir():
        raise ParameterError(f"{root}: parameter directory not found")
    from .citations import BIBLIOGRAPHY_FILE, load_bibliography
    from .names import NAMES_FILE, load_names

    # registries at the root, not parameters; a project's narrative and uncertainty
    # files (dsc-econ new) live beside its parameters but are not parameters either
    reserved = {BIBLIOGRAPHY_FILE, NAMES_FILE, NARRATIVE_FILE, TREE_FILE, "agencies.yaml"}
    files = sorted(
        p
        for p in root.rglob("*.yaml")
        if p.is_file()
        and p.relative_to(root).as_posix() not in reserved
        and p.relative_to(root).parts[0] != UNCERTAINTY_FOLDER
    )
    if not files:
        raise ParameterError(f"{root}: no *.yaml parameter files found")
    strays = sorted(p for p in root.rglob("*.yml") if p.is_file())
    if strays:
        raise ParameterError(f"{strays[0]}: parameter files must end in .yaml, not .yml")
    links = (p for p in root.rglob("*") if p.is_symlink())
    for path in [*files, *links]:  # first: nothing is read if one leads outside the folder
        outside = outside_folder(path, root)
        if outside:
            raise ParameterError(outside)
    params: dict[str, Parameter] = {}
    for path in files:
        rel = path.relative_to(root).with_suffix("")
        parts = rel.parts
        for part in parts:
            if not _NAME.match(part):
                raise ParameterError(
                    f"{path}: file/folder name {part!r} is not a valid parameter name "
                    "(lower-case letters, digits and '_')"
                )
        raw = read_yaml(path)
        if raw is None:
            raise ParameterError(f"{path}: file is empty")
        if not isinstance(raw, dict):
            raise ParameterError(f"{path}: top level must be a mapping, got {excerpt(raw)}")
        _walk(raw, ".".join(parts), {}, path, params)
    user = directory is not None and root.resolve() != data_dir("parameters").resolve()
    if user:
        _check_lists(params)
    _validate_required(params, root)
    from .limits import MAX_SITES

    n_sites = len({k.split(".")[1] for k in params if k.startswith("sites.")})
    if n_sites > MAX_SITES:
        raise ParameterError(
            f"{root}: {n_sites:,} sites; at most {MAX_SITES:,} (README: What happens "
            "with bad input)"
        )
    _validate_sites(params, root)
    _validate_schedule(params)
    from .tree_file import check_tree_file  # the tree is checked on load (issue 19)

    tree_names = check_tree_file(root, params)
    if user:
        _check_unknown(params, strict, tree_names)
    pset = ParameterSet(
        params,
        source=str(root),
        bibliography=load_bibliography(root),
        names=load_names(root, params),
    )
    return pset.with_values(overrides) if overrides else pset


def parse_assignment(text: str) -> tuple[str, Any]:
    """Parse a command-line ``key=value`` into a name and a YAML-typed value.

    >>> parse_assignment("discounting.rate=0.015")
    ('discounting.rate', 0.015)
    """
    if "=" not in text:
        raise ParameterError(f"--set {excerpt(text)}: expected key=value")
    key, _, raw = text.partition("=")
    key = key.strip()
    try:
        value: Any = float(raw)  # numbers first: YAML reads 1e7 as a string
    except ValueError:
        value = None
    if value is None:
        try:
            value = yaml.safe_load(raw) if raw.strip() else None
        except yaml.YAMLError:
            value = raw
    if value is None:
        raise ParameterError(f"--set {excerpt(text)}: no value after '='")
    return key, value


@dataclass(frozen=True)
class ParameterSet(Mapping[str, Any]):
    """A validated set of named model inputs: values plus their metadata.

    Behaves as a read-only mapping ``name -> value``. Values are floats, strings, bools
    or lists as loaded, or numpy arrays with a leading sample dimension after
    :meth:`with_values`. ``meta(name)`` gives unit, source and reference.
    """

    parameters: dict[str, Parameter]
    source: str = ""
    overridden: tuple[str, ...] = field(default=())
    bibliography: Bibliography | None = field(default=None, repr=False, compare=False)
    names: Names | None = field(default=None, repr=False, compare=False)

    def __getitem__(self, name: str) -> Any:
        try:
            return self.parameters[name].value
        except KeyError:
            return self.parameters[self.key(name)].value

    def __contains__(self, name: object) -> bool:
        if not isinstance(name, str):
            return False
        return name in self.parameters or self._registry.resolve(
            name, self.parameters, self._tails
        ) is not None

    @functools.cached_property
    def _tails(self) -> dict[str, str | None]:
        """Trailing parts of the keys -> key, built once per set (linear in sites)."""
        from .names import tail_index

        return tail_index(self.parameters)

    @property
    def _registry(self) -> Names:
        from .names import Names

        return self.names if self.names is not None else Names()

    def key(self, name: str) -> str:
        """The parameter key ``name`` stands for: a key, an alias or a unique key tail.

        ``params.key("abstinence") == params.key("gamma") == "pathways.gamma"``.
        Raises KeyError with a did-you-mean over keys and aliases.
        """
        key = self._registry.resolve(name, self.parameters, self._tails)
        if key is None:
            raise KeyError(self._unknown(name))
        return key

    def alias(self, key: str) -> str:
        """The friendly alias of a parameter key, or ``''``."""
        return self._registry.alias_of.get(key, "")

    def label(self, name: str) -> str:
        """``key (alias)``: the two spellings of one assumption, shown together."""
        return self._registry.label(self.key(name))

    def __iter__(self) -> Iterator[str]:
        return iter(self.parameters)

    def __len__(self) -> int:
        return len(self.parameters)

    def _unknown(self, name: str) -> str:
        return self._registry.unknown(name, self.parameters)

    def meta(self, name: str) -> Parameter:
        """Metadata (unit, reference, note...) of one parameter (key or alias)."""
        if name in self.parameters:
            return self.parameters[name]
        return self.parameters[self.key(name)]

    def with_values(
        self,
        overrides: Mapping[str, Any] | None,
        origin: str = "override",
        validate: bool = True,
    ) -> ParameterSet:
        """A new set with some values replaced, validated against each unit.

        Values may be arrays with a leading sample dimension; every array must have the
        same length. Raises :class:`ParameterError` for unknown names or bad values.
        ``validate=False`` skips the range checks (names are still checked): for
        samples whose ranges are guaranteed by construction (see
        :mod:`dsc_econ.sensitivity.distributions`), where checking a million values each
        time would dominate the run.
        """
        if not overrides:
            return self
        new = dict(self.parameters)
        keys: dict[str, str] = {}
        for given in overrides:
            key = self._registry.resolve(given, self.parameters, self._tails)
            if key is None:
                raise ParameterError(f"{origin}: {self._unknown(given)}")
            if key in keys.values():
                other = next(g for g, k in keys.items() if k == key)
                label = self._registry.label(key)
                raise ParameterError(f"{origin}: {given!r} and {other!r} both set {label}")
            keys[given] = key
        overrides = {keys[g]: v for g, v in overrides.items()}
        for name, value in overrides.items():
            p = self.parameters[name]
            if isinstance(p.value, list) and not isinstance(value, (list, tuple)):
                raise ParameterError(
                    f"{origin}: {name} is a list ({excerpt(p.value)}); give a list, got "
                    f"{excerpt(value)}"
                    " (list parameters cannot carry a sample dimension)"
                )
            if not isinstance(p.value, list) and isinstance(value, (list, tuple)):
                raise ParameterError(
                    f"{origin}: {name} takes one value, got a list {excerpt(value)}; "
                    "pass a numpy "
                    "array for a sample"
                )
            checked = (
                check_value(value, p.unit, f"{origin}: {name}", p.choices)
                if validate
                else value
            )
            if validate:
                _check_limit(name, checked, f"{origin}: {name}")
            new[name] = replace(p, value=checked, source=origin, comparator=None)
        out = ParameterSet(
            new,
            self.source,
            tuple(dict.fromkeys(self.overridden + tuple(overrides))),
            self.bibliography,
            self.names,
        )
        if validate:
            out.sample_size()  # validates a consistent sample dimension
            _validate_schedule(out.parameters, origin)
            if any(name.startswith("sites.") for name in overrides):
                _validate_sites(out.parameters, origin)
        return out

    def sample_size(self) -> int | None:
        """Length of the leading sample dimension, or None for point values."""
        sizes = {
            name: np.shape(p.value)[0]
            for name, p in self.parameters.items()
            if isinstance(p.value, np.ndarray) and np.ndim(p.value) >= 1
        }
        distinct = set(sizes.values())
        if len(distinct) > 1:
            detail = ", ".join(f"{k}: {v}" for k, v in sorted(sizes.items()))
            raise ParameterError(f"sample arrays have different lengths ({detail})")
        return distinct.pop() if distinct else None

    def sites(self) -> list[str]:
        """Site ids (``'1'`` ... ``'7'``) in numeric order."""
        return list(self._site_ids)

    @functools.cached_property
    def _site_ids(self) -> tuple[str, ...]:
        ids = {n.split(".")[1] for n in self.parameters if n.startswith("sites.")}
        return tuple(sorted(ids, key=lambda s: (len(s), s)))

    def impact_sites(self) -> list[str]:
        """Sites with difference-in-differences data (site 1 has none)."""
        return [s for s in self._site_ids if self[f"sites.{s}.in_impact_analysis"]]

    def check_sites(self, sites: list[str] | tuple[str, ...]) -> list[str]:
        """Return ``sites`` as strings, raising a clear error for unknown ids."""
        known = self.sites()
        out = [str(s) for s in sites]
        known_set = set(known)
        unknown = [s for s in out if s not in known_set]
        if unknown:
            raise ParameterError(f"unknown site id(s) {unknown}; known sites: {known}")
        return out

    def cite(self, name: str, style: str = "full", with_seed: bool = False) -> str:
        """The citation of one parameter's source (see :func:`~.citations.cite`)."""
        from .citations import cite

        return cite(self.meta(name).reference, style, self.bibliography, with_seed)

    def to_frame(self) -> pd.DataFrame:
        """Every parameter as a row: value, unit, price year, source and notes.

        ``reference`` is the full citation (author or body, year, title, publisher,
        table/section, page), ``citation`` the short one; ``seed`` is the seed text
        file where the source is one (an extra field for this repository's readers).
        """
        from .citations import cite

        rows = []
        for name, p in self.parameters.items():
            value = p.value
            if isinstance(value, np.ndarray):
                value = f"array{value.shape}"
            rows.append(
                {
                    "name": name,
                    "alias": self.alias(name),
                    "value": value,
                    "comparator": p.comparator or "",
                    "unit": p.unit,
                    "price_year": p.price_year or "",
                    "reference": cite(p.reference, "full", self.bibliography),
                    "citation": cite(p.reference, "short", self.bibliography),
                    "seed": p.reference.seed,
                    "description": p.description,
                    "note": p.note or "",
                    "overridden": name in self.overridden,
                    "file": p.source,
                }
            )
        return pd.DataFrame(rows).set_index("name")

    def __repr__(self) -> str:
        n = self.sample_size()
        samples = f", {n} samples" if n else ""
        return f"ParameterSet({len(self)} parameters from {self.source!r}{samples})"
