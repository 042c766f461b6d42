"""Continuity of care between prison, the criminal justice system and treatment.

Two measures of Appendix B2, each compared pilot against comparison area by difference
in differences:

* **CARAT to CJIT** (:func:`carat_continuity`): a prison CARAT referral succeeds when a
  CJIT form for the same client and prison has a care-plan date from the prison leaving
  date up to (not beyond) 42 days after it. Referrals count in a period if made from its
  start to 42 days before its end (1 October 2007 to 17 February 2009, and 1 October
  2009 to 17 February 2011), so every referral has its six weeks.
* **DIP to community treatment** (:func:`dip_continuity`): from aggregate quarterly
  counts, the share of DIP referrals triaged within six weeks, over five quarters
  (December to February) in each period.

Both return a tidy table of counts and rates by site, role and period, and a table of
DiD estimates with binomial standard errors.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..model.impact import did_standard_error
from .journeys import RecordsError, _read

__all__ = ["carat_continuity", "continuity_did", "dip_continuity"]


def _sheet_row(frame: pd.DataFrame, i: int) -> int:
    """The spreadsheet row (header = row 1) of the frame's i-th row."""
    return int(frame["_row"].iloc[i]) if "_row" in frame else i + 2


def _dates(frame: pd.DataFrame, column: str, name: str) -> pd.Series:
    values = pd.to_datetime(frame[column], errors="coerce", format="%Y-%m-%d")
    bad = values.isna()
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise RecordsError(
            f"{name}: row {_sheet_row(frame, i)}, {column} = {frame[column].iloc[i]!r} "
            "is not a "
            "date YYYY-MM-DD"
        )
    return values


def _need(frame: pd.DataFrame, columns: set[str], name: str) -> None:
    missing = columns - set(frame.columns)
    if missing:
        raise RecordsError(f"{name}: missing column(s) {sorted(missing)}")


def carat_continuity(
    referrals: Any, pickups: Any, sites: pd.DataFrame, params: Mapping[str, Any]
) -> pd.DataFrame:
    """Share of CARAT referrals picked up by a CJIT within the window, by site and period.

    Parameters
    ----------
    referrals : path or DataFrame
        CARAT AF5 referrals: ``referral_id``, ``client_id``, ``area`` (the client's
        DAT), ``prison_code``, ``referral_date``, ``leaving_date``.
    pickups : path or DataFrame
        CJIT AF5/AF7 forms: ``client_id``, ``prison_code``, ``care_plan_date``.
    sites : DataFrame
        The sites file (:func:`dsc_econ.records.journeys.read_sites`).
    """
    ref, rname = _read(referrals)
    pick, pname = _read(pickups)
    _need(
        ref,
        {
            "referral_id",
            "client_id",
            "area",
            "prison_code",
            "referral_date",
            "leaving_date",
        },
        rname,
    )
    _need(pick, {"client_id", "prison_code", "care_plan_date"}, pname)
    ref = ref.assign(
        referral_date=_dates(ref, "referral_date", rname),
        leaving_date=_dates(ref, "leaving_date", rname),
    )
    pick = pick.assign(care_plan_date=_dates(pick, "care_plan_date", pname))
    window = pd.Timedelta(days=int(params["records.carat_pickup_days"]))
    merged = ref.merge(pick, on=["client_id", "prison_code"], how="left")
    gap = merged["care_plan_date"] - merged["leaving_date"]
    merged["hit"] = (gap >= pd.Timedelta(0)) & (gap <= window)
    success = merged.groupby("referral_id")["hit"].any()
    ref = ref.assign(success=ref["referral_id"].map(success).fillna(False).astype(bool))
    windows = {
        p: (
            params[f"records.periods.{p}.start"],
            pd.Timestamp(params[f"records.periods.{p}.end"]) - window,
        )
        for p in ("pre", "post")
    }
    data = ref.assign(referrals=1, successful=ref["success"].astype(int))
    return _rates(data, "referral_date", windows, sites)


def _rates(
    data: pd.DataFrame, date: str, windows: dict[str, tuple[Any, Any]], sites: pd.DataFrame
) -> pd.DataFrame:
    """Sum ``referrals`` and ``successful`` by site, role and period over the rows whose
    ``date`` falls in the period's window (inclusive), and add the success ``rate``."""
    frames = []
    for period, (start, end) in windows.items():
        when = data[date]
        inside = data.loc[(when >= pd.Timestamp(start)) & (when <= pd.Timestamp(end))]
        frames.append(inside.assign(period=period))
    merged = pd.concat(frames).merge(
        sites[["area", "site", "role"]], on="area", how="inner"
    )
    table = (
        merged.groupby(["site", "role", "period"])[["referrals", "successful"]]
        .sum()
        .reset_index()
    )
    table["rate"] = table["successful"] / table["referrals"]
    return table


def dip_continuity(
    quarterly: Any, sites: pd.DataFrame, params: Mapping[str, Any]
) -> pd.DataFrame:
    """Share of DIP referrals triaged within six weeks, by site and period.

    Parameters
    ----------
    quarterly : path or DataFrame
        ``area``, ``quarter_start`` (first day of the quarter), ``referred``,
        ``triaged_within_6_weeks``: one row per area and quarter.
    """
    q, name = _read(quarterly)
    _need(q, {"area", "quarter_start", "referred", "triaged_within_6_weeks"}, name)
    q = q.assign(quarter_start=_dates(q, "quarter_start", name))
    for column in ("referred", "triaged_within_6_weeks"):
        values = pd.to_numeric(q[column], errors="coerce")
        if values.isna().any() or (values < 0).any():
            i = int(np.flatnonzero(values.isna() | (values < 0))[0])
            raise RecordsError(
                f"{name}: row {_sheet_row(q, i)}, {column} = {q[column].iloc[i]!r} is "
                "not a count"
            )
        q[column] = values
    over = q["triaged_within_6_weeks"] > q["referred"]
    if over.any():
        i = int(np.flatnonzero(over)[0])
        raise RecordsError(f"{name}: row {_sheet_row(q, i)}: more triaged than referred")
    windows = {
        p: (
            params[f"records.dip_periods.{p}.start"],
            params[f"records.dip_periods.{p}.end"],
        )
        for p in ("pre", "post")
    }
    data = q.assign(referrals=q["referred"], successful=q["triaged_within_6_weeks"])
    return _rates(data, "quarter_start", windows, sites)


def continuity_did(table: pd.DataFrame) -> pd.DataFrame:
    """DiD of the success rate per site, with its binomial standard error and 95% CI."""
    rows = []
    for site, g in table.groupby("site"):
        cell = g.set_index(["role", "period"])
        try:
            pairs = [
                (cell.at[(r, p), "successful"], cell.at[(r, p), "referrals"])
                for r in ("pilot", "comparison")
                for p in ("pre", "post")
            ]
        except KeyError:
            raise RecordsError(
                f"site {site}: needs referrals in both areas and periods"
            ) from None
        rate = {
            k: s / n
            for k, (s, n) in zip(
                [
                    ("pilot", "pre"),
                    ("pilot", "post"),
                    ("comparison", "pre"),
                    ("comparison", "post"),
                ],
                pairs,
                strict=True,
            )
        }
        did = (rate["pilot", "post"] - rate["pilot", "pre"]) - (
            rate["comparison", "post"] - rate["comparison", "pre"]
        )
        se = float(did_standard_error(*pairs))
        rows.append(
            {
                "site": site,
                "did": did,
                "se": se,
                "ci_low": did - 1.96 * se,
                "ci_high": did + 1.96 * se,
            }
        )
    return pd.DataFrame(rows).set_index("site")
