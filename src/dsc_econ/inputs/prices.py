"""Price years and the HM Treasury GDP deflator: bring money to one price base.

The Green Book reads an appraisal in real terms at one price base. The deflator is data:
``parameters/prices/gdp_deflator.csv`` (calendar years) and
``parameters/prices/gdp_deflator_fy.csv`` (financial years, April to March), the HM
Treasury GDP deflator at market prices, each with its vintage, source, publication date
and licence in the file's ``#`` header, read by :func:`deflator_series`. The two are
separate series (different averages, and here different vintages) and are never
mixed. :func:`deflator` and :func:`rebase` accept the package's price-year forms, a
calendar year (``2008``, ``"2008"``) or a financial year (``"2008-09"``); a year the
series does not cover is refused with the range it covers.

:func:`to_price_base` is the one place money changes price base on its way into the
model: every monetary parameter is multiplied by the deflator ratio from its own
``price_year`` to ``appraisal.price_base``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from .parameters import UNITS, ParameterError, data_dir

__all__ = [
    "AS_SUPPLIED",
    "DEFLATOR_FILE",
    "DEFLATOR_FILES",
    "NOT_STATED",
    "PriceYearError",
    "cash_years",
    "deflator",
    "deflator_note",
    "deflator_series",
    "deflator_vintage",
    "is_forecast",
    "parse_price_year",
    "price_label",
    "rebase",
    "to_price_base",
    "unconverted",
]

DEFLATOR_FILE = "prices/gdp_deflator.csv"
"""The calendar-year deflator series, relative to the bundled ``parameters/`` folder."""
DEFLATOR_FILES = {"calendar": DEFLATOR_FILE, "financial": "prices/gdp_deflator_fy.csv"}
"""The deflator series of each kind of price year."""
AS_SUPPLIED = "as supplied"
"""``appraisal.price_base`` value that converts nothing: each input keeps the price year
its source gives (the DSCP report's own, mixed, base; see the report's caveats)."""

NOT_MONEY = frozenset({"appraisal.unit_value_rounding"})
"""Monetary-unit parameters that are not amounts of money (a rounding step)."""

_CALENDAR = re.compile(r"^(\d{4})$")
_FINANCIAL = re.compile(r"^(\d{4})-(\d{2})$")


class PriceYearError(ParameterError):
    """A price year the deflator cannot convert (unknown form or outside the series)."""


def parse_price_year(value: Any) -> str:
    """The canonical key of a price year: ``'2008'`` (calendar) or ``'2008-09'``.

    Raises
    ------
    PriceYearError
        For any other form (``'2008/09'``, ``'cash'``, ``'not stated'``, ``2008.5``),
        naming the forms accepted.

    Examples
    --------
    >>> parse_price_year(2008), parse_price_year(" 2008-09 ")
    ('2008', '2008-09')
    """
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        text = str(int(value))
    elif isinstance(value, str):
        text = value.strip()
    else:
        text = None
    if text is not None:
        if _CALENDAR.match(text):
            return text
        m = _FINANCIAL.match(text)
        if m and int(m.group(2)) == (int(m.group(1)) + 1) % 100:
            return text
    raise PriceYearError(
        f"price year {value!r} is not a calendar year ('2008') or a financial year "
        "('2008-09') the deflator can convert"
    )


@functools.lru_cache(maxsize=4)
def _read(path: str) -> tuple[pd.Series, tuple[tuple[str, str], ...]]:
    meta: list[tuple[str, str]] = []
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            if not line.startswith("#"):
                break
            key, sep, text = line[1:].partition(":")
            if sep and " " not in key.strip():
                meta.append((key.strip(), text.strip()))
    frame = pd.read_csv(path, comment="#", dtype={"year": str})
    if list(frame.columns) != ["year", "value"]:
        raise ParameterError(
            f"{path}: columns must be year,value; got {list(frame.columns)}"
        )
    values = pd.to_numeric(frame["value"], errors="coerce")
    bad = values.isna() | ~np.isfinite(values) | (values <= 0)
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise ParameterError(
            f"{path}: row {row + 2 + len(meta)}, value {frame['value'].iloc[row]!r} is "
            "not a positive index number"
        )
    keys = [parse_price_year(y) for y in frame["year"]]
    if len(set(keys)) != len(keys):
        raise ParameterError(f"{path}: a year appears twice")
    return pd.Series(values.to_numpy(float), index=pd.Index(keys, name="year")), tuple(meta)


def _kind(key: str) -> str:
    return "financial" if "-" in key else "calendar"


def deflator_series(kind: str = "calendar") -> pd.Series:
    """The shipped deflator of one kind: index numbers by price year, metadata in
    ``attrs``.

    Parameters
    ----------
    kind : {"calendar", "financial"}
        Calendar years (``'2008'``) or financial years (``'2008-09'``, April to March).

    ``attrs`` carries the file header (``source``, ``vintage``, ``published``,
    ``licence``, ``copied_from``, ``forecast_from``...) and ``file``. Years from
    ``forecast_from`` on are OBR forecasts, not outturn.
    """
    if kind not in DEFLATOR_FILES:
        raise ValueError(f"kind must be 'calendar' or 'financial', not {kind!r}")
    name = DEFLATOR_FILES[kind]
    series, meta = _read(str(data_dir("parameters") / name))
    if any(_kind(k) != kind for k in series.index):
        raise ParameterError(f"{name}: every year must be a {kind} year")
    out = series.copy()
    out.attrs = {**dict(meta), "file": name}
    return out


def deflator_vintage(year: Any = None) -> str:
    """One line naming the deflator and its vintage, for output headers.

    With ``year`` (a price year, e.g. the price base) the series of that year's kind;
    without one (or ``'as supplied'``), both series.
    """
    try:
        kinds = [_kind(parse_price_year(year))] if year is not None else []
    except PriceYearError:
        kinds = []
    parts = []
    for kind in kinds or list(DEFLATOR_FILES):
        attrs = deflator_series(kind).attrs
        text = attrs.get("vintage", "vintage not stated")
        forecast = attrs.get("forecast_from")
        if forecast:
            text += f", OBR forecast from {forecast}"
        parts.append(text if kinds else f"{text} ({kind} years)")
    return "HM Treasury GDP deflator, " + "; ".join(parts)


def is_forecast(year: Any) -> bool:
    """Whether a price year's deflator is an OBR forecast rather than outturn."""
    key = parse_price_year(year)
    start = deflator_series(_kind(key)).attrs.get("forecast_from")
    return bool(start) and key >= parse_price_year(start)


def _coverage(series: pd.Series, kind: str) -> str:
    keys = list(series.index)
    if not keys:
        return f"no {kind} years (see {DEFLATOR_FILES[kind]})"
    return f"{kind} years {keys[0]} to {keys[-1]}"


def _index(year: Any, role: str) -> float:
    key = parse_price_year(year)
    series = deflator_series(_kind(key))
    if key not in series.index:
        raise PriceYearError(
            f"{role} {year!r} is outside the deflator series: it covers "
            f"{_coverage(series, _kind(key))} ({deflator_vintage(key)})"
        )
    return float(series[key])


def deflator(from_year: Any, to_year: Any) -> float:
    """Factor that turns money in ``from_year`` prices into ``to_year`` prices.

    ``index(to_year) / index(from_year)`` of the HM Treasury GDP deflator. Both years
    must be of one kind (both calendar or both financial): the two series are
    different averages and are not mixed.

    Raises
    ------
    PriceYearError
        For an unknown form, a year outside the series (the message gives the range) or
        one calendar and one financial year.

    Examples
    --------
    >>> deflator(2024, 2024)
    1.0
    >>> round(deflator("2008-09", "2024-25"), 4)
    1.4961
    """
    a, b = parse_price_year(from_year), parse_price_year(to_year)
    if _kind(a) != _kind(b):
        raise PriceYearError(
            f"from_year {from_year!r} and to_year {to_year!r}: one is a calendar and the "
            "other a financial year; give both in one form (the calendar and "
            "financial-year deflators are separate series)"
        )
    return _index(b, "to_year") / _index(a, "from_year")


def rebase(values: Any, from_year: Any, to_year: Any) -> Any:
    """``values`` (number, array, DataFrame, Dataset) in ``to_year`` prices.

    Multiplies by :func:`deflator`; the type of ``values`` is kept. An xarray object's
    ``attrs['price_year']`` is set to ``to_year``.
    """
    out = values * deflator(from_year, to_year)
    attrs = getattr(out, "attrs", None)
    if isinstance(attrs, dict):
        attrs["price_year"] = parse_price_year(to_year)
    return out


def deflator_note(params: Mapping[str, Any]) -> str:
    """What converted the money to the price base, for the line beside
    :func:`price_label`: the deflator and its vintage, or, for ``'as supplied'``,
    that no deflator was applied."""
    base = params.get("appraisal.price_base", None)
    if base is None or str(base) == AS_SUPPLIED:
        return "no deflator applied: each input in its source's prices"
    return deflator_vintage(base)


def price_label(params: Mapping[str, Any]) -> str:
    """The unit text every money output carries: ``'£, 2024 prices'`` or, with no
    common base, ``'£, prices as supplied'``."""
    base = params.get("appraisal.price_base", None)
    if base is None or str(base) == AS_SUPPLIED:
        return "£, prices as supplied"
    return f"£, {parse_price_year(base)} prices"


def _group(name: str) -> str:
    parts = name.split(".")
    if len(parts) > 1 and re.fullmatch(r"year_\d+", parts[-1]):
        return ".".join(parts[:-1])
    return name


_CASH_YEAR = re.compile(r"year (\d+) = (\d{4}-\d{2})")
_CASH_ALL = re.compile(r"^cash \((year \d+ = \d{4}-\d{2}(, )?)+\)$")
NOT_STATED = "not stated"
"""The ``price_year`` of an input whose source states none."""


def cash_years(price_year: Any) -> dict[int, str] | None:
    """The price year of each project year of a cash input, or ``None``.

    ``'cash (year 1 = 2009-10, year 2 = 2010-11)'`` reads ``{1: '2009-10', 2:
    '2010-11'}``: cash (nominal) pounds are in the prices of the year they are spent,
    so each ``year_N`` converts from its own year.

    >>> cash_years("cash (year 1 = 2009-10, year 2 = 2010-11)")
    {1: '2009-10', 2: '2010-11'}
    """
    text = str(price_year).strip()
    if not _CASH_ALL.match(text):
        return None
    return {int(n): parse_price_year(y) for n, y in _CASH_YEAR.findall(text)}


def _source_year(params: Any, name: str, meta: Any, assumed: str | None) -> str | None:
    """The price year ``name`` converts from; ``None`` leaves a several-year cash
    total (which no one deflator converts) as supplied."""
    text = str(meta.price_year).strip()
    if text == NOT_STATED and assumed is not None:
        return assumed
    years = cash_years(text)
    if years is not None:
        m = re.search(r"\.year_(\d+)$", name)
        if m and int(m.group(1)) in years:
            return years[int(m.group(1))]
    if text.startswith("cash,") and not re.search(r"\.year_", name):
        return None  # e.g. 'cash, 2009-10 and 2010-11': a two-year total, context only
    return parse_price_year(text)


def unconverted(params: Any) -> list[str]:
    """Monetary inputs :func:`to_price_base` leaves as supplied: several-year cash
    totals (the DSCP report's Tables 7.1-7.3 context), which no one deflator converts
    and which no appraisal figure uses."""
    out = []
    for name in params:
        meta = params.meta(name)
        if not UNITS[meta.unit].monetary or name in NOT_MONEY:
            continue
        text = str(meta.price_year).strip()
        if text.startswith("cash,") and not re.search(r"\.year_", name):
            out.append(name)
    return out


def to_price_base(params: Any) -> Any:
    """The parameter set with every monetary input in ``appraisal.price_base`` prices.

    ``as supplied`` (or no ``appraisal.price_base``) returns ``params`` unchanged.
    Otherwise each parameter whose unit is monetary is multiplied by
    ``deflator(price_year, base)``; the yearly costs of one input group (``year_1``,
    ``year_2``... of one node) must share one price year, except cash
    (``'cash (year 1 = 2009-10, year 2 = 2010-11)'``), where each year converts from
    its own (:func:`cash_years`). An input whose price year is ``'not stated'`` reads
    as ``appraisal.unstated_price_year`` when that is a year (the DSCP set's recorded
    assumption); ``'as supplied'`` there (a new project) refuses it.

    Raises
    ------
    PriceYearError
        Naming the file, key and value: a monetary input with no convertible price
        year ('not stated', 'cash', 'as supplied'), a year outside the series, mixed
        price years in one group, or a base year in an unknown form.
    """
    if "appraisal.price_base" not in params:
        return params
    base_raw = params["appraisal.price_base"]
    meta_base = params.meta("appraisal.price_base")
    if str(base_raw) == AS_SUPPLIED:
        return params
    try:
        base = parse_price_year(base_raw)
        deflator(base, base)
    except PriceYearError as exc:
        raise PriceYearError(
            f"{meta_base.source}: appraisal.price_base = {base_raw!r}: {exc}"
        ) from None
    assumed = None
    raw = params.get("appraisal.unstated_price_year", AS_SUPPLIED)
    if str(raw) != AS_SUPPLIED:
        where = f"{params.meta('appraisal.unstated_price_year').source}: "
        try:
            assumed = parse_price_year(raw)
        except PriceYearError as exc:
            raise PriceYearError(f"{where}appraisal.unstated_price_year: {exc}") from None
    groups: dict[str, set[str]] = {}
    changes: dict[str, Any] = {}
    for name in params:
        meta = params.meta(name)
        if not UNITS[meta.unit].monetary or name in NOT_MONEY:
            continue
        if not np.any(np.asarray(params[name], dtype=float)):
            continue  # nothing is nothing in any year's prices
        where = f"{meta.source}: {name}, price_year = {meta.price_year!r}"
        try:
            year = _source_year(params, name, meta, assumed)
            if year is None:
                continue  # listed by unconverted(); keeps its own price_year
            factor = deflator(year, base)
        except PriceYearError as exc:
            hint = (
                " or set appraisal.unstated_price_year to the year the input is read in"
                if str(meta.price_year).strip() == NOT_STATED
                else ""
            )
            raise PriceYearError(
                f"{where}: cannot convert to the price base {base} ({exc}); state the "
                f"input's price year (e.g. '2019' or '2019-20'){hint}"
            ) from None
        if cash_years(meta.price_year) is None:
            seen = groups.setdefault(_group(name), set())
            seen.add(year)
            if len(seen) > 1:
                raise PriceYearError(
                    f"{where}: mixed price years {sorted(seen)} within the input group "
                    f"{_group(name)}; give the group one price year"
                )
        changes[name] = np.asarray(params[name], dtype=float) * factor
        if np.ndim(params[name]) == 0:
            changes[name] = float(changes[name])
        elif isinstance(params[name], list):
            changes[name] = [float(v) for v in changes[name]]
    if not changes:
        return params
    origin = f"price base {base} ({deflator_vintage(base)})"
    # a conversion is not the user's override: "Overridden" keeps naming theirs only
    out = replace(params.with_values(changes, origin=origin), overridden=params.overridden)
    for name in changes:  # the inputs now carry the base as their price year
        out.parameters[name] = replace(out.parameters[name], price_year=base)
    return out
