"""Synthetic journey-level records whose aggregates equal a chosen site table.

For tests, examples and benchmarks: :func:`synthetic_journeys` builds, for every site,
area (pilot/comparison) and period, clients whose latest journey gives exactly the
target numbers in treatment, in effective treatment, completing successfully and
completing at all (by default the counts of Tables 7.5/7.6 and 6.2/6.4), with
realistic covariates and decoy rows the rules of Appendix B2 must set aside (earlier
journeys of the same client, under-18s, journeys starting too late in the period,
areas outside the study, and -- for footnote 35 -- a second, late-starting open journey
of clients still in treatment, which the effective-treatment measure must leave out
before it chooses each client's latest journey). Deriving the outcomes from them
(:func:`dsc_econ.records.journeys.derive_outcomes`) gives the targets back.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..inputs.parameters import ParameterError, cost_years

__all__ = ["damage", "synthetic_journeys", "synthetic_sites"]

_DAY = np.timedelta64(1, "D")


def _dates(rng: np.random.Generator, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """Uniform whole days between low and high (inclusive), elementwise."""
    span = ((high - low) / _DAY).astype(int)
    return low + rng.integers(0, np.maximum(span, 0) + 1) * _DAY


def _cell(
    rng: np.random.Generator,
    target: Mapping[str, int],
    p_start: np.datetime64,
    p_end: np.datetime64,
    gap_end: np.datetime64 | None,
    earliest: np.datetime64,
    days: int,
    completed: list[int],
    other: list[int],
) -> dict[str, np.ndarray]:
    tt, et = target["total_in_treatment"], target["effective_treatment"]
    sc, tc = target["successful_completions"], target["total_completing"]
    short = tt - et  # non-effective clients: unsuccessful completers after < 83 days
    if short > tc - sc or short < 0 or sc > et or tc > tt:
        raise ParameterError(
            f"target {dict(target)} cannot be met: the non-effective clients (total - "
            "effective) must be unsuccessful completers with short journeys"
        )
    eligible_end = p_end - days * _DAY
    starts, ends, codes = [], [], []
    # successful completions: ended in the period with a completion code
    s = _dates(rng, np.full(sc, earliest), np.full(sc, eligible_end))
    e = _dates(rng, np.maximum(s + _DAY, np.full(sc, p_start)), np.full(sc, p_end))
    starts.append(s), ends.append(e), codes.append(rng.choice(completed, sc))
    # unsuccessful completers with short journeys (< 83 days): not effective
    d = rng.integers(1, days, short) * _DAY
    s = _dates(
        rng,
        np.maximum(np.full(short, p_start) - d + _DAY, np.full(short, earliest)),
        np.minimum(np.full(short, p_end) - d, np.full(short, eligible_end)),
    )
    starts.append(s), ends.append(s + d), codes.append(rng.choice(other, short))
    # unsuccessful completers after 83 days or more: effective
    n = tc - sc - short
    s = _dates(rng, np.full(n, earliest), np.full(n, eligible_end - days * _DAY))
    e = _dates(rng, np.maximum(s + days * _DAY, np.full(n, p_start)), np.full(n, p_end))
    starts.append(s), ends.append(e), codes.append(rng.choice(other, n))
    # still in treatment at the period end: effective (started >= 83 days before the end)
    n = tt - tc
    s = _dates(rng, np.full(n, earliest), np.full(n, eligible_end))
    if gap_end is None:  # last period: many journeys are still open
        open_ = rng.random(n) < 0.6
        e = _dates(rng, np.full(n, p_end + _DAY), np.full(n, p_end + 300 * _DAY))
        e = np.where(open_, np.datetime64("NaT"), e)
        c = np.where(open_, -1, rng.choice(other + completed, n))
    else:  # ended between the periods, so they do not cross into the next one
        e = _dates(rng, np.full(n, p_end + _DAY), np.full(n, gap_end))
        c = rng.choice(other + completed, n)
    starts.append(s), ends.append(e), codes.append(c)
    return {
        "journey_start": np.concatenate(starts),
        "journey_end": np.concatenate(ends),
        "exit_reason": np.concatenate(codes),
    }


def _covariates(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    def cat(values: list[str], p: list[float]) -> np.ndarray:
        return rng.choice(np.array(values, dtype=object), n, p=p)

    return {
        "sex": cat(["M", "F", ""], [0.72, 0.27, 0.01]),
        "ethnicity": cat(
            ["white", "mixed", "asian", "black", "other", ""],
            [0.83, 0.03, 0.04, 0.04, 0.01, 0.05],
        ),
        "opiate_crack": cat(["yes", "no", ""], [0.78, 0.2, 0.02]),
        "cannabis": cat(["yes", "no", ""], [0.25, 0.7, 0.05]),
        "stimulants": cat(["yes", "no", ""], [0.2, 0.75, 0.05]),
        "years_of_use": cat(["<5", "5-10", "10+", ""], [0.2, 0.35, 0.4, 0.05]),
        "cj_referral": cat(["yes", "no", ""], [0.35, 0.6, 0.05]),
        "previously_treated": cat(["yes", "no", ""], [0.6, 0.35, 0.05]),
        "dual_diagnosis": cat(["yes", "no", ""], [0.15, 0.7, 0.15]),
    }


def synthetic_journeys(
    params: Any,
    scale: float = 1.0,
    seed: int = 2012,
    decoys: float = 0.08,
    sites: list[str] | None = None,
) -> pd.DataFrame:
    """Journey records whose derived counts equal the sites' counts (times ``scale``).

    Parameters
    ----------
    params : ParameterSet
        Supplies the target counts (``sites.<id>.counts.*``), periods and codes.
    scale : float
        Multiply every target count (rounded) for bigger extracts.
    decoys : float
        Extra rows, as a share of clients, that the derivation must set aside.

    Returns
    -------
    pandas.DataFrame
        Columns ``journey_id``, ``client_id``, ``area``, ``journey_start``,
        ``journey_end``, ``exit_reason``, ``dob``, and covariates; dates as
        ``YYYY-MM-DD`` strings, blanks as empty strings (as in a CSV extract).
    """
    rng = np.random.default_rng(seed)
    days = int(params["records.effective_days"])
    completed = [int(c) for c in params["records.completed_exit_codes"]]
    other = [c for c in (int(x) for x in params["records.other_exit_codes"]) if c < 15]
    periods = {
        p: (
            np.datetime64(params[f"records.periods.{p}.start"]),
            np.datetime64(params[f"records.periods.{p}.end"]),
        )
        for p in ("pre", "post")
    }
    parts = []
    next_id = 0
    for site in sites or params.impact_sites():
        for role in ("pilot", "comparison"):
            area = f"{'P' if role == 'pilot' else 'C'}{site}"
            for period, (p_start, p_end) in periods.items():
                target = {
                    k: round(scale * params[f"sites.{site}.counts.{role}.{period}.{k}"])
                    for k in (
                        "total_in_treatment",
                        "effective_treatment",
                        "successful_completions",
                        "total_completing",
                    )
                }
                gap_end = periods["post"][0] - _DAY if period == "pre" else None
                # a post-period journey must not count in the pre period: start it too
                # late for the pre period's 83-day rule
                earliest = (
                    p_start - 700 * _DAY
                    if period == "pre"
                    else periods["pre"][1] - (days - 1) * _DAY
                )
                cell = _cell(
                    rng, target, p_start, p_end, gap_end, earliest, days, completed, other
                )
                n = len(cell["journey_start"])
                ids = np.array([f"c{next_id + i:08d}" for i in range(n)], dtype=object)
                next_id += n
                age = rng.uniform(18.05, 60, n)
                cell["dob"] = p_start - (age * 365.25).astype(int) * _DAY
                cell["client_id"] = ids
                cell["area"] = np.full(n, area, dtype=object)
                parts.append(cell)
                # decoys: earlier journeys of the same clients, ending before the latest
                # and starting no earlier than the cell allows (no other period sees them)
                pick = rng.choice(n, int(decoys * n), replace=False)
                first = cell["journey_start"][pick]
                # (a post-period client's earlier journey stays clear of the pre period)
                decoy_from = earliest if period == "pre" else periods["pre"][1] + _DAY
                room = ((first - decoy_from) / _DAY).astype(int)
                pick, first, room = pick[room > 30], first[room > 30], room[room > 30]
                k = len(pick)
                e = first - rng.integers(1, np.maximum(room // 3, 2)) * _DAY
                s = (
                    e
                    - rng.integers(1, np.maximum(((e - decoy_from) / _DAY).astype(int), 2))
                    * _DAY
                )
                parts.append(
                    {
                        "journey_start": s,
                        "journey_end": e,
                        "exit_reason": rng.choice(other, k),
                        "dob": cell["dob"][pick],
                        "client_id": ids[pick],
                        "area": np.full(k, area, dtype=object),
                    }
                )
                # decoys for footnote 35: a second journey, started less than 83 days
                # before the period end and not ended in it, for some clients still in
                # treatment at the period end. The effective-treatment measure must
                # leave it out before choosing the latest journey (so the client is
                # scored on the first one), and the completions measures see an open
                # latest journey. Choosing the latest journey first would drop them.
                still = np.arange(
                    n - (target["total_in_treatment"] - target["total_completing"]), n
                )
                k = min(len(still), int(decoys * len(still) / 3))
                pick = rng.choice(still, k, replace=False)
                late_end = (
                    np.full(k, np.datetime64("NaT"))
                    if gap_end is None
                    else _dates(rng, np.full(k, p_end + _DAY), np.full(k, gap_end))
                )
                parts.append(
                    {
                        "journey_start": _dates(
                            rng, np.full(k, p_end - (days - 1) * _DAY), np.full(k, p_end)
                        ),
                        "journey_end": late_end,
                        "exit_reason": np.where(
                            np.isnat(late_end), -1, rng.choice(other, k)
                        ),
                        "dob": cell["dob"][pick],
                        "client_id": ids[pick],
                        "area": np.full(k, area, dtype=object),
                    }
                )
                # decoys: under-18s, too-late starters, other areas (all set aside)
                for kind in ("young", "late", "elsewhere"):
                    k = max(1, int(decoys * n / 3))
                    ids_k = np.array(
                        [f"c{next_id + i:08d}" for i in range(k)], dtype=object
                    )
                    next_id += k
                    start = _dates(
                        rng,
                        np.full(k, max(earliest, p_start - 300 * _DAY)),
                        np.full(k, p_end - (days + 1) * _DAY),
                    )
                    if kind == "late":
                        start = _dates(
                            rng, np.full(k, p_end - (days - 1) * _DAY), np.full(k, p_end)
                        )
                    ends = (
                        np.full(k, np.datetime64("NaT"))
                        if gap_end is None
                        else _dates(rng, np.full(k, p_end + _DAY), np.full(k, gap_end))
                    )
                    years = (
                        rng.uniform(14, 17.9, k)
                        if kind == "young"
                        else rng.uniform(19, 50, k)
                    )
                    parts.append(
                        {
                            "journey_start": start,
                            "journey_end": ends,
                            "exit_reason": np.where(
                                np.isnat(ends), -1, rng.choice(other, k)
                            ),
                            "dob": p_start - (years * 365.25).astype(int) * _DAY,
                            "client_id": ids_k,
                            "area": np.full(
                                k, "X9" if kind == "elsewhere" else area, dtype=object
                            ),
                        }
                    )
    data = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    n = len(data["client_id"])
    frame = pd.DataFrame(
        {
            "journey_id": [f"j{i:09d}" for i in range(n)],
            "client_id": data["client_id"],
            "area": data["area"],
            "journey_start": pd.to_datetime(data["journey_start"]).strftime("%Y-%m-%d"),
            "journey_end": pd.to_datetime(data["journey_end"]).strftime("%Y-%m-%d"),
            "exit_reason": np.where(
                data["exit_reason"] < 0, "", data["exit_reason"].astype(str)
            ),
            "dob": pd.to_datetime(data["dob"]).strftime("%Y-%m-%d"),
            **_covariates(rng, n),
        }
    )
    frame["journey_end"] = frame["journey_end"].fillna("")
    order = rng.permutation(n)  # extracts are not sorted
    return frame.iloc[order].reset_index(drop=True)


def synthetic_sites(params: Any, sites: list[str] | None = None) -> pd.DataFrame:
    """The sites file matching :func:`synthetic_journeys` (areas P<id> and C<id>)."""
    rows = []
    chosen = list(sites or params.impact_sites())
    years = max(cost_years(params, s) for s in chosen)  # every project year (issue 20)
    for site in chosen:
        rows.append(
            {
                "site": site,
                "area": f"P{site}",
                "role": "pilot",
                **{
                    f"cost_year_{k}": params.get(f"sites.{site}.costs.year_{k}", 0.0)
                    for k in range(1, years + 1)
                },
                "type": params[f"sites.{site}.type"],
            }
        )
        rows.append(
            {
                "site": site,
                "area": f"C{site}",
                "role": "comparison",
                **{f"cost_year_{k}": "" for k in range(1, years + 1)},
                "type": "",
            }
        )
    return pd.DataFrame(rows)


def damage(journeys: pd.DataFrame, seed: int = 1) -> tuple[pd.DataFrame, dict[int, str]]:
    """A copy with one bad row of each kind; returns it and {row number: problem}.

    Row numbers are those of the CSV file (the header is row 1).
    """
    rng = np.random.default_rng(seed)
    bad = journeys.copy()
    rows = np.sort(rng.choice(len(bad), 7, replace=False))
    source, targets = rows[0], rng.permutation(rows[1:])
    edits = [
        ("journey_start", "2009-13-45", "malformed date"),
        ("exit_reason", "999", "unknown exit code"),
        ("journey_end", "1999-01-01", "end before start"),
        ("dob", "", "age missing"),
        ("journey_id", bad.at[source, "journey_id"], "duplicate journey_id"),
        ("client_id", "", "missing client id"),
    ]
    problems = {}
    for i, (column, value, problem) in zip(targets, edits, strict=True):
        if column == "exit_reason" and not bad.at[i, "journey_end"]:
            bad.at[i, "journey_end"] = "2011-03-01"
        if column == "journey_end" and not bad.at[i, "exit_reason"]:
            bad.at[i, "exit_reason"] = "4"
        bad.at[i, column] = value
        problems[int(i) + 2] = problem
    return bad, problems
