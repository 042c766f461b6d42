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

import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from .parameters import COUNT_ORDER, ParameterError, ParameterSet, data_dir, load_parameters
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


def site_files(
    counts: Any, costs: Any, p_values: dict[str, dict[str, float]] | None = None
) -> dict[str, dict[str, Any]]:
    """Parameter-file contents (``sites/<id>.yaml``) for every site of the tables.

    ``p_values`` (site -> {``et_tt``/``sc_tc``: p}) adds the sites' regression p-values.
    """
    counts = read_table(counts, {"site", "area", "period", *COUNT_COLUMNS}, "the counts")
    costs = read_table(costs, {"site", "cost_year_1", "cost_year_2"}, "the costs")
    for column in COUNT_COLUMNS:
        counts[column] = _number(counts, column, integer=True)
    for column in ("cost_year_1", "cost_year_2"):
        costs[column] = _number(costs, column, integer=False)
    for frame in (counts, costs):
        frame["site"] = frame["site"].astype("string").str.strip()
        check_ids(frame, "site", frame.attrs["source"])
        frame["site"] = frame["site"].str.lower()
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
    dup = costs.duplicated("site", keep="first")
    if dup.any():
        row = costs.loc[dup].iloc[0]
        earlier = costs.loc[costs["site"] == row["site"], "_row"].iloc[0]
        raise ParameterError(
            f"{costs.attrs['source']}: row {row['_row']}, site = {row['site']!r} has a "
            f"costs row already (row {earlier}); give each site one costs row"
        )
    _check_counts(counts)
    kinds = ["whole_system", "criminal_justice", "self_directed_support"]
    if "type" in costs:
        given = costs["type"].astype("string").str.strip().str.lower()
        bad = given.notna() & (given != "") & ~given.isin(kinds).fillna(False)
        if bad.any():
            row = costs.loc[bad].iloc[0]
            raise ParameterError(
                f"{costs.attrs['source']}: row {row['_row']}, type = {row['type']!r} is "
                f"not one of {kinds}"
            )
        costs["type"] = given
    ref = {"document": "user data", "section": "counts and costs tables"}
    files: dict[str, dict[str, Any]] = {}
    for _, row in costs.iterrows():
        site = row["site"]
        kind = row.get("type", None)
        kind = "whole_system" if kind is None or pd.isna(kind) or not kind else str(kind)
        rows = counts.loc[counts.site == site]
        body: dict[str, Any] = {
            "description": f"Site {site} (user data).",
            "type": {
                "value": kind,
                "unit": "category",
                "choices": kinds,
                "reference": {**ref, "document": str(costs.attrs["source"])},
            },
            "in_impact_analysis": {
                "value": not rows.empty,
                "unit": "flag",
                "reference": {**ref, "document": str(counts.attrs["source"])},
            },
            "costs": {
                "unit": "GBP_thousand",
                "price_year": "as supplied",
                "reference": {**ref, "document": str(costs.attrs["source"])},
                "year_1": float(row["cost_year_1"]),
                "year_2": float(row["cost_year_2"]),
            },
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
    files = site_files(counts, costs, p_values)
    source = Path(base) if base is not None else data_dir("parameters")
    with staging_dir(target.parent) as tmp:  # a killed run's staging: cleaned next time
        stage = Path(tmp) / "parameters"
        shutil.copytree(source, stage)
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
