"""Appraise a new programme: site counts and costs from tables into a parameter folder.

An economist with their own pilots has two small tables:

* counts, one row per site, area (``pilot``/``comparison``) and period
  (``pre``/``post``): ``total_in_treatment``, ``effective_treatment``,
  ``successful_completions``, ``total_completing``;
* costs, one row per site: ``cost_year_1``, ``cost_year_2`` (£ thousand), optionally
  ``type`` (``whole_system``, ``criminal_justice``...).

:func:`programme_parameters` writes a complete parameter folder -- the bundled
assumptions (harms, career, discounting...) with these sites in place of the DSCP
sites -- and loads it, so every check of the loader applies and every tool (appraise,
sensitivity, report) works on it unchanged.

Every error names the user's table, the spreadsheet row (header = row 1), the column and
the value: the checks the parameter loader would make on the written site files are made
on the tables first, so no error points at a temporary staging file. Site ids become
file names (``sites/<id>.yaml``) and must be plain ids (letters, digits, ``_``).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from .limits import MAX_SITES
from .parameters import (
    COUNT_ORDER,
    MAX_COST_YEARS,
    NARRATIVE_FILE,
    UNCERTAINTY_FOLDER,
    ParameterError,
    ParameterSet,
    check_price_year,
    data_dir,
    load_parameters,
)
from .safety import staging_dir
from .user_csv import check_ids, read_user_table

__all__ = ["COUNT_COLUMNS", "programme_parameters", "read_table", "site_files"]

COUNT_COLUMNS = (
    "total_in_treatment",
    "effective_treatment",
    "successful_completions",
    "total_completing",
)


def read_table(
    source: str | Path | pd.DataFrame, required: set[str], what: str
) -> pd.DataFrame:
    """A CSV (or DataFrame) with the required columns; errors name file, row and value.

    A DataFrame may carry its own spreadsheet rows in ``_row`` and its file name in
    ``attrs['source']`` (as :func:`dsc_econ.records.journeys.read_sites` gives them).
    """
    if isinstance(source, pd.DataFrame):
        frame = source.copy()
        name = str(source.attrs.get("source", "table"))
        if "_row" not in frame:
            frame["_row"] = range(2, len(frame) + 2)  # rows as a spreadsheet shows them
    else:
        frame = read_user_table(source, ParameterError)
        name = str(source)
    missing = required - set(frame.columns)
    if missing:
        raise ParameterError(f"{name}: {what} needs column(s) {sorted(missing)}")
    if frame.empty:
        raise ParameterError(f"{name}: {what} has no rows")
    frame.attrs["source"] = name
    return frame


def _number(frame: pd.DataFrame, column: str, integer: bool) -> pd.Series:
    values = pd.to_numeric(frame[column], errors="coerce")
    bad = (
        values.isna()
        | (values < 0)
        | ~np.isfinite(values.astype(float))
        | (integer & (values != values.round()))
    )
    if bad.any():
        row = frame.loc[bad].iloc[0]
        value = "" if pd.isna(row[column]) else row[column]
        raise ParameterError(
            f"{frame.attrs['source']}: row {row['_row']}, {column} = {value!r} is "
            f"not a {'whole ' if integer else ''}non-negative number"
        )
    return values


def _check_counts(counts: pd.DataFrame) -> None:
    """What the loader checks of each site's counts, checked on the table's own rows."""
    name = counts.attrs["source"]
    for site, rows in counts.groupby("site", sort=False):
        have = set(zip(rows["area"], rows["period"], strict=True))
        for area in ("pilot", "comparison"):
            for period in ("pre", "post"):
                if (area, period) not in have:
                    raise ParameterError(
                        f"{name}: site {site} (row {rows['_row'].iloc[0]}) has no row for "
                        f"its {area} area in the {period} period (a site needs four rows:"
                        " pilot and comparison, pre and post)"
                    )
    for row in counts.rename(columns={"_row": "sheet_row"}).itertuples(index=False):
        where = f"{name}: row {row.sheet_row}"
        for column in ("total_in_treatment", "total_completing"):
            if getattr(row, column) <= 0:
                raise ParameterError(
                    f"{where}, {column} = {getattr(row, column):g} must be positive (it is "
                    "the denominator of a share)"
                )
        for small, big in COUNT_ORDER:
            if getattr(row, small) > getattr(row, big):
                raise ParameterError(
                    f"{where}, {small} = {getattr(row, small):g} exceeds {big} = "
                    f"{getattr(row, big):g}"
                )


KINDS = ("whole_system", "criminal_justice", "self_directed_support")
"""The kinds of change a site's ``type`` may name."""

LONG_COLUMNS = ("site", "year", "cost", "price_year", "agency", "type", "name")
"""Columns of the long costs table (``site, year, cost`` required)."""
WIDE_COLUMNS = ("site", "price_year", "agency", "type", "name")
"""Columns of the wide costs table besides ``cost_year_1`` ... ``cost_year_N``."""

_TABLE_PRICE_YEAR = re.compile(r"\d{4}(-\d{2})?")
_AGENCY = re.compile(r"[a-z][a-z0-9_]{0,63}")
_WIDE = re.compile(r"cost_year_(\d+)")


def _bounded(frame: pd.DataFrame) -> None:
    """At most :data:`MAX_SITES` sites in a table (each becomes a file)."""
    n = frame["site"].nunique()
    if n > MAX_SITES:
        raise ParameterError(
            f"{frame.attrs['source']}: {n:,} sites; at most {MAX_SITES:,} are allowed "
            "(each becomes a parameter file)"
        )


def _no_other_columns(frame: pd.DataFrame, allowed: set[str], what: str) -> None:
    """An unknown column is an error naming the file, the column and its first value's
    row (a column the model does not read is never dropped silently)."""
    extra = [c for c in frame.columns if c != "_row" and c not in allowed]
    if not extra:
        return
    column = extra[0]
    filled = frame.loc[frame[column].notna(), "_row"]
    where = f"row {int(filled.iloc[0])}" if len(filled) else "row 1 (the header)"
    raise ParameterError(
        f"{frame.attrs['source']}: {where}, column {column!r}: {what} has no such "
        f"column, and a column the model does not read is never dropped; allowed: "
        f"{sorted(allowed)}"
    )


def _text_column(frame: pd.DataFrame, row: Any, column: str) -> str:
    if column not in frame or pd.isna(row[column]):
        return ""
    return str(row[column]).strip()


def _price_year(frame: pd.DataFrame, row: Any) -> str:
    text = _text_column(frame, row, "price_year")
    if not text:
        return ""
    ok = _TABLE_PRICE_YEAR.fullmatch(text) is not None
    if ok:
        try:
            check_price_year(text, "")
        except ParameterError:
            ok = False
    if not ok:
        raise ParameterError(
            f"{frame.attrs['source']}: row {row['_row']}, price_year = {text!r} is not "
            "a price year: give a calendar year ('2026') or a financial year ('2026-27')"
        )
    return text


def _agency(frame: pd.DataFrame, row: Any, vocab: Any = None) -> str:
    text = _text_column(frame, row, "agency").lower()
    if text and not _AGENCY.fullmatch(text):
        raise ParameterError(
            f"{frame.attrs['source']}: row {row['_row']}, agency = {text!r} is not an "
            "agency id (a letter, then letters, digits or '_', e.g. 'local_authority')"
        )
    if text:  # issue 22: the ledger books costs to agencies of its vocabulary
        from .agencies import load_vocabulary

        vocab = vocab if vocab is not None else load_vocabulary()
        if text not in vocab.agencies:
            raise ParameterError(
                f"{frame.attrs['source']}: row {row['_row']}, agency = {text!r} is not "
                f"an agency of the ledger ({vocab.source}): one of "
                f"{', '.join(vocab.agencies)}"
            )
    return text


def _one_per_site(
    frame: pd.DataFrame, rows: pd.DataFrame, column: str, normal: Any = None
) -> str:
    """A per-site attribute (type, name) given on one or several rows: one value."""
    values = {}
    for _, row in rows.iterrows():
        text = _text_column(frame, row, column)
        text = normal(text) if normal and text else text
        if text:
            values.setdefault(text, row["_row"])
    if len(values) > 1:
        (a, ra), (b, rb) = list(values.items())[:2]
        raise ParameterError(
            f"{frame.attrs['source']}: row {rb}, {column} = {b!r} differs from {a!r} in "
            f"row {ra}; a site has one {column}"
        )
    return next(iter(values), "")


def _kind(text: str) -> str:
    return text.lower()


def read_costs(source: str | Path | pd.DataFrame, vocabulary: Any = None) -> pd.DataFrame:
    """The costs table, long (``site, year, cost``) or wide (``cost_year_1..N``).

    Long: one row per site and project year (1, 2, 3... in order, none repeated or
    missing), ``cost`` in £ thousand, optional ``price_year`` (``2026`` or ``2026-27``),
    ``agency`` (who pays: an id such as ``local_authority``), ``type`` and ``name``.
    Wide: one row per site with ``cost_year_1`` ... ``cost_year_N`` (N <=
    :data:`~dsc_econ.inputs.limits.MAX_COST_YEARS`) and the same optional columns.
    Any other column is an error naming the file, row and column. An ``agency`` must be
    one of ``vocabulary`` (a :class:`~dsc_econ.inputs.agencies.Vocabulary`: the base
    folder's ``agencies.yaml``; default the bundled one).

    Returns
    -------
    pandas.DataFrame
        The table as read; ``attrs['sites']`` holds one dict per site: ``site``,
        ``costs`` (list of £ thousand, years 1..N), ``price_years`` and ``agencies``
        (lists, '' where not given), ``type``, ``name`` and ``row``.
    """
    probe = read_table(source, {"site"}, "the costs")
    name = probe.attrs["source"]
    if vocabulary is None and "agency" in probe.columns:  # read once, not once a row
        from .agencies import load_vocabulary

        vocabulary = load_vocabulary()
    long = "year" in probe.columns or "cost" in probe.columns
    if long:
        frame = read_table(probe, {"site", "year", "cost"}, "the costs (long form)")
        _no_other_columns(frame, set(LONG_COLUMNS), "the costs table (long form)")
    else:
        wide = {int(m.group(1)): c for c in probe.columns if (m := _WIDE.fullmatch(c))}
        if not wide:
            raise ParameterError(
                f"{name}: the costs need columns site, year, cost (one row per site and "
                "year) or site, cost_year_1 ... cost_year_N (one row per site)"
            )
        order = sorted(wide)
        given = [
            int(_WIDE.fullmatch(c).group(1)) for c in probe.columns if c in wide.values()
        ]
        if (
            order != list(range(1, len(order) + 1))
            or given != order
            or order[-1] > MAX_COST_YEARS
        ):
            missing = sorted(set(range(1, order[-1] + 1)) - set(order))
            why = (
                f"cost_year_{missing[0]} is missing"
                if missing
                else f"more than {MAX_COST_YEARS} years"
                if order[-1] > MAX_COST_YEARS
                else f"they are out of order ({', '.join(f'cost_year_{g}' for g in given)})"
            )
            raise ParameterError(
                f"{name}: row 1 (the header): the cost years must be cost_year_1 ... "
                f"cost_year_N in order; {why}"
            )
        frame = probe
        _no_other_columns(frame, set(WIDE_COLUMNS) | set(wide.values()), "the costs table")
    frame["site"] = frame["site"].astype("string").str.strip()
    check_ids(frame, "site", name)
    frame["site"] = frame["site"].str.lower()
    _bounded(frame)
    sites: list[dict[str, Any]] = []
    if long:
        frame["cost"] = _number(frame, "cost", integer=False)
        years = pd.to_numeric(frame["year"], errors="coerce")
        bad = (
            years.isna() | (years != years.round()) | (years < 1) | (years > MAX_COST_YEARS)
        )
        if bad.any():
            row = frame.loc[bad].iloc[0]
            raise ParameterError(
                f"{name}: row {row['_row']}, year = "
                f"{'' if pd.isna(row['year']) else row['year']!r} is not a project year "
                f"(a whole number 1 to {MAX_COST_YEARS}: 1 = the first year of spending)"
            )
        frame["year"] = years.astype(int)
        for site, rows in frame.groupby("site", sort=False):
            want = 1
            for _, row in rows.iterrows():
                if row["year"] != want:
                    how = "repeated" if row["year"] < want else "out of order"
                    raise ParameterError(
                        f"{name}: row {row['_row']}, year = {row['year']} for site {site} "
                        f"is {how}: a site's years run 1, 2, 3 ... in order, each once "
                        f"(expected year {want})"
                    )
                want += 1
            sites.append(
                {
                    "site": site,
                    "row": int(rows["_row"].iloc[0]),
                    "costs": [float(v) for v in rows["cost"]],
                    "price_years": [_price_year(frame, r) for _, r in rows.iterrows()],
                    "agencies": [_agency(frame, r, vocabulary) for _, r in rows.iterrows()],
                    "type": _one_per_site(frame, rows, "type", _kind),
                    "name": _one_per_site(frame, rows, "name"),
                }
            )
    else:
        columns = [wide[k] for k in sorted(wide)]
        for column in columns:
            frame[column] = _number(frame, column, integer=False)
        dup = frame.duplicated("site", keep="first")
        if dup.any():
            row = frame.loc[dup].iloc[0]
            earlier = frame.loc[frame["site"] == row["site"], "_row"].iloc[0]
            raise ParameterError(
                f"{name}: row {row['_row']}, site = {row['site']!r} has a costs row "
                f"already (row {earlier}); give each site one costs row"
            )
        for _, row in frame.iterrows():
            one = frame.loc[[_]]
            sites.append(
                {
                    "site": row["site"],
                    "row": int(row["_row"]),
                    "costs": [float(row[c]) for c in columns],
                    "price_years": [_price_year(frame, row)] * len(columns),
                    "agencies": [_agency(frame, row, vocabulary)] * len(columns),
                    "type": _one_per_site(frame, one, "type", _kind),
                    "name": _one_per_site(frame, one, "name"),
                }
            )
    for site in sites:
        if site["type"] and site["type"] not in KINDS:
            raise ParameterError(
                f"{name}: row {site['row']}, type = {site['type']!r} is not one of "
                f"{list(KINDS)}"
            )
        if sum(site["costs"]) <= 0:
            raise ParameterError(
                f"{name}: row {site['row']}: site {site['site']}'s costs add up to 0; a "
                "benefit-cost ratio needs some cost"
            )
    frame.attrs["sites"] = sites
    frame.attrs["source"] = name
    return frame


def _costs_node(site: dict[str, Any], reference: dict[str, Any]) -> dict[str, Any]:
    """The ``costs`` node of a site file: years 1..N, price year(s) and agency(ies)."""
    prices = site["price_years"]
    shared = prices[0] if len(set(prices)) == 1 else None
    node: dict[str, Any] = {
        "description": "Costs of the change by project year (year 1 = its first year).",
        "unit": "GBP_thousand",
        "price_year": shared or "as supplied",
        "reference": reference,
    }
    for k, (cost, price) in enumerate(zip(site["costs"], prices, strict=True), start=1):
        if shared is None and price:
            node[f"year_{k}"] = {"value": cost, "price_year": price}
        else:
            node[f"year_{k}"] = cost
    agencies = site["agencies"]
    if any(agencies):
        choices = sorted({a for a in agencies if a})
        if len(set(agencies)) == 1:
            node["agency"] = {
                "description": "Agency that pays the costs.",
                "value": agencies[0],
                "unit": "category",
                "choices": choices,
            }
        else:
            node["agency"] = {
                "description": "Agency that pays each year's costs.",
                "unit": "category",
                **{
                    f"year_{k}": {"value": a, "choices": list(choices)}
                    for k, a in enumerate(agencies, start=1)
                    if a
                },
            }
    return node


def site_files(
    counts: Any,
    costs: Any,
    p_values: dict[str, dict[str, float]] | None = None,
    vocabulary: Any = None,
) -> dict[str, dict[str, Any]]:
    """Parameter-file contents (``sites/<id>.yaml``) for every site of the tables.

    ``p_values`` (site -> {``et_tt``/``sc_tc``: p}) adds the sites' regression p-values;
    ``vocabulary`` is the agency vocabulary the costs' ``agency`` column is checked
    against (the base folder's; default the bundled one).
    """
    counts = read_table(counts, {"site", "area", "period", *COUNT_COLUMNS}, "the counts")
    _no_other_columns(counts, {"site", "area", "period", *COUNT_COLUMNS}, "the counts")
    counts["site"] = counts["site"].astype("string").str.strip()
    check_ids(counts, "site", counts.attrs["source"])
    counts["site"] = counts["site"].str.lower()
    _bounded(counts)
    for column in COUNT_COLUMNS:
        counts[column] = _number(counts, column, integer=True)
    costs = read_costs(costs, vocabulary)
    for column, allowed in (("area", {"pilot", "comparison"}), ("period", {"pre", "post"})):
        counts[column] = counts[column].astype("string").str.strip().str.lower()
        bad = ~counts[column].isin(allowed).fillna(False).astype(bool)
        if bad.any():
            row = counts.loc[bad].iloc[0]
            value = "" if pd.isna(row[column]) else row[column]
            raise ParameterError(
                f"{counts.attrs['source']}: row {row['_row']}, {column} = {value!r} "
                f"is not one of {sorted(allowed)}"
            )
    dup = counts.duplicated(["site", "area", "period"], keep="first")
    if dup.any():
        row = counts.loc[dup].iloc[0]
        raise ParameterError(
            f"{counts.attrs['source']}: row {row['_row']}: site {row['site']} "
            f"{row['area']} {row['period']} appears more than once"
        )
    _check_counts(counts)
    ref = {"document": "user data", "section": "counts and costs tables"}
    files: dict[str, dict[str, Any]] = {}
    for row in costs.attrs["sites"]:
        site = row["site"]
        kind = row["type"] or "whole_system"
        rows = counts.loc[counts.site == site]
        body: dict[str, Any] = {
            "description": row["name"] or f"Site {site} (user data).",
            "type": {
                "value": kind,
                "unit": "category",
                "choices": list(KINDS),
                "reference": {**ref, "document": str(costs.attrs["source"])},
            },
            "in_impact_analysis": {
                "value": not rows.empty,
                "unit": "flag",
                "reference": {**ref, "document": str(counts.attrs["source"])},
            },
            "costs": _costs_node(row, {**ref, "document": str(costs.attrs["source"])}),
        }
        if not rows.empty:
            tree: dict[str, Any] = {
                "unit": "clients",
                "reference": {**ref, "document": str(counts.attrs["source"])},
            }
            for _, c in rows.iterrows():
                tree.setdefault(c["area"], {})[c["period"]] = {
                    k: int(c[k]) for k in COUNT_COLUMNS
                }
            body["counts"] = tree
        if p_values and site in p_values:
            body["p_values"] = {
                "unit": "p_value",
                "reference": {
                    "document": "dsc_econ.records.regression",
                    "section": "logistic DiD",
                },
                **{k: float(v) for k, v in p_values[site].items()},
            }
        files[site] = body
    unknown = sorted(set(counts.site) - set(files))
    if unknown:
        raise ParameterError(
            f"{counts.attrs['source']}: site(s) {unknown} have counts but no costs row"
        )
    return files


def _name(source: Any) -> str:
    if isinstance(source, pd.DataFrame):
        return str(source.attrs.get("source", "table"))
    return str(source)


def programme_parameters(
    counts: Any,
    costs: Any,
    out: str | Path,
    base: str | Path | None = None,
    overrides: dict[str, Any] | None = None,
    p_values: dict[str, dict[str, float]] | None = None,
) -> ParameterSet:
    """Write a parameter folder for a new programme into ``out`` and load it.

    Parameters
    ----------
    counts, costs : path or DataFrame
        The two tables (see the module docstring).
    out : path
        Folder to create (it must not exist yet; nothing is written if a check fails).
    base : path, optional
        Parameter folder whose assumptions to keep (default: the bundled one); its
        ``sites/`` are replaced.
    overrides : dict, optional
        Further values to set on the loaded parameters.

    Returns
    -------
    ParameterSet
    """
    target = Path(out)
    if target.exists():
        raise ParameterError(f"{target}: already exists; choose a new folder")
    source = Path(base) if base is not None else data_dir("parameters")
    from .agencies import load_vocabulary

    files = site_files(counts, costs, p_values, load_vocabulary(folder=source))
    with staging_dir(target.parent) as tmp:  # a killed run's staging: cleaned next time
        stage = Path(tmp) / "parameters"
        # the base's narrative and uncertainty files describe its own sites: not copied
        skip = {NARRATIVE_FILE, UNCERTAINTY_FOLDER, ".dsc-econ-project.json"}
        shutil.copytree(
            source,
            stage,
            ignore=lambda d, names: [n for n in names if Path(d) == source and n in skip],
        )
        shutil.rmtree(stage / "sites")
        (stage / "sites").mkdir()
        for site, body in files.items():
            with (stage / "sites" / f"{site}.yaml").open("w", encoding="utf-8") as fh:
                yaml.safe_dump(body, fh, sort_keys=False, allow_unicode=True)
        try:
            load_parameters(stage)  # every check before anything lands in `out`
        except ParameterError as exc:  # a backstop: the tables were checked above
            raise ParameterError(
                f"{_name(counts)} and {_name(costs)}: the parameters made from these "
                "tables fail a check: " + str(exc).replace(str(stage), "parameters")
            ) from None
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(stage), target)
    params = load_parameters(target)
    return params.with_values(overrides) if overrides else params
