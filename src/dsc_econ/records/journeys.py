"""From client-level treatment records to site outcomes (Appendix B2).

Input: one row per treatment journey (CSV or Parquet) with these columns:

============== ======================================================================
column         meaning
============== ======================================================================
client_id      client identifier (required)
area           area (DAT) code of the journey (required)
journey_start  date the journey started, YYYY-MM-DD (required)
journey_end    date it ended; blank while ongoing
exit_reason    NDTMS exit (discharge) reason code; blank while ongoing
dob / age      date of birth, or age in years at the journey start (one required)
sex            optional; covariate
journey_id     optional; duplicates of it are rejected
anything else  client covariates (ethnicity, drug use, ...) for the regression
============== ======================================================================

Rules (``parameters/records.yaml``, Appendix B2 and its footnote 35), for each period:

1. *Crossing journeys*: those that start on or before the period end and end on or
   after its start (or have not ended).
2. *Effective-treatment measure* (``total_in_treatment``, ``effective_treatment``):
   first leave out the crossing journeys that started less than 83 days before the
   period end (footnote 35: "for this measure, journey start dates were restricted to
   be no less than 83 days before the end of the period", whether or not they ended);
   *then* take each client's latest remaining journey. The client is in effective
   treatment if that journey ended in the period with a completion code or lasted at
   least 83 days (to the period end if it had not ended in it).
3. *Completions measures* (``successful_completions``, ``total_completing``): each
   client's latest crossing journey, with no start restriction (the footnote names
   only the effective-treatment measure). The client is *completing* if it ended in the
   period, and a *successful completion* if it ended in the period with a completion
   code.
4. Of the journeys so chosen (in any area), those of clients aged 18 or over at the
   period start and in the areas of the sites file count. Age is taken at the period
   start: from ``dob``, or from ``age`` (at the journey start) plus the years since.

So a client whose latest journey started in the last 83 days is scored for effective
treatment on their latest earlier journey (if one crosses into the period), and a late
starter who completed counts among the completions but not in the effective-treatment
measure. When the two measures pick different journeys of a client, the outcomes table
has a row for each (``in_treatment`` marks the effective-treatment row, ``completing``
the completions row that ended in the period); a latest journey that neither counts in
the effective-treatment measure nor ended in the period adds nothing to any count and
has no row.

Bad rows (malformed or impossible dates -- before 1900, after the extract date, a birth
after the journey start --, unknown exit codes, an end before its start, duplicates, no
age) are never dropped silently: :func:`read_journeys` lists each with its spreadsheet
row number (header = row 1), column, value and reason in a rejects table (rewritten on
every run, cells formula-escaped), and the caller either stops or, explicitly, proceeds
without them. Every error names the user's file and, where there is one, its row.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..inputs.parameters import COUNT_ORDER, ParameterError
from ..inputs.safety import FORMULA_PREFIXES, write_csv
from ..inputs.user_csv import check_ids, read_user_table

__all__ = [
    "JOURNEY_COLUMNS",
    "Journeys",
    "RecordsError",
    "RecordsWarning",
    "derive_outcomes",
    "escape_formula",
    "outcome_counts",
    "read_journeys",
    "read_sites",
]

JOURNEY_COLUMNS = ("client_id", "area", "journey_start", "journey_end", "exit_reason")
_CORE = {*JOURNEY_COLUMNS, "dob", "age", "journey_id"}
_EARLIEST = pd.Timestamp("1900-01-01")
_REJECT_COLUMNS = ["row", "client_id", "column", "value", "reason"]


class RecordsError(ParameterError):
    """Bad records; the message names the file, row, column and value (or the rejects
    report)."""


class RecordsWarning(UserWarning):
    """Something in the records was set aside or changed; the message says what."""


@dataclass
class Journeys:
    """Validated journeys and the rows set aside, with their reasons."""

    clean: pd.DataFrame
    rejects: pd.DataFrame
    source: str

    @property
    def covariates(self) -> list[str]:
        """Covariate columns (everything outside the journey schema), sex first."""
        extra = [c for c in self.clean.columns if c not in _CORE and not c.startswith("_")]
        return sorted(extra, key=lambda c: (c != "sex", c))


def _read(
    source: str | Path | pd.DataFrame, encoding: str = "utf-8"
) -> tuple[pd.DataFrame, str]:
    """A table as trimmed strings with blanks as missing and a ``_row`` column (the
    spreadsheet row, header = row 1), from a DataFrame, CSV or Parquet file."""
    if not isinstance(source, pd.DataFrame):
        path = Path(source)
        if path.suffix.lower() not in (".parquet", ".pq"):
            frame = read_user_table(path, RecordsError, encoding)
            return frame, str(path)
        if not path.exists():
            raise RecordsError(f"{path}: file not found")
        try:
            source = pd.read_parquet(path)
        except (ValueError, OSError, ImportError) as exc:
            raise RecordsError(f"{path}: not a readable Parquet table: {exc}") from None
        name = str(path)
    else:
        name = str(source.attrs.get("source", "records"))
    frame = source.copy()
    rows = frame.pop("_row") if "_row" in frame else None
    for column in frame.columns:  # dates stored as dates keep their date part
        if pd.api.types.is_datetime64_any_dtype(frame[column]):
            frame[column] = frame[column].dt.strftime("%Y-%m-%d")
    frame.columns = [str(c).strip() for c in frame.columns]
    frame = frame.astype("string").apply(lambda c: c.str.strip())
    frame = frame.mask(frame == "")
    frame["_row"] = (
        np.asarray(rows, dtype=np.int64)
        if rows is not None
        else np.arange(len(frame), dtype=np.int64) + 2
    )
    frame = frame.reset_index(drop=True)
    frame.attrs["source"] = name
    return frame, name


def escape_formula(values: pd.Series) -> pd.Series:
    """Text cells made safe for a spreadsheet (OWASP CSV injection): a cell starting
    with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading ``'``.

    >>> escape_formula(pd.Series(["=1+2", "ok", "-3", None])).tolist()
    ["'=1+2", 'ok', "'-3", '']
    """
    text = values.astype("string").fillna("")
    risky = text.str.startswith(FORMULA_PREFIXES).fillna(False).astype(bool)
    return text.where(~risky, "'" + text)


def _by_value(values: pd.Series, convert: Any) -> pd.Series:
    """``convert`` applied to each distinct value once, then spread back to the rows.

    Record columns repeat a few thousand dates and a few dozen codes over a million
    rows; parsing the distinct values only is many times faster than parsing every cell.
    """
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    distinct = pd.Series([*uniques, pd.NA], dtype="string")  # code -1 (blank): the last
    parsed = convert(distinct)
    return pd.Series(parsed.to_numpy()[codes], index=values.index, dtype=parsed.dtype)


def _dates(values: pd.Series) -> pd.Series:
    """YYYY-MM-DD text to dates; anything else (or blank) becomes NaT."""
    return _by_value(
        values, lambda v: pd.to_datetime(v, errors="coerce", format="%Y-%m-%d")
    ).astype("datetime64[s]")


def _numbers(values: pd.Series) -> pd.Series:
    """Text to float; anything that is not a number (or blank) becomes NaN."""
    return _by_value(values, lambda v: pd.to_numeric(v, errors="coerce").astype(float))


def read_journeys(
    source: str | Path | pd.DataFrame,
    params: Mapping[str, Any],
    rejects_path: str | Path | None = None,
    keep_going: bool = False,
    encoding: str = "utf-8",
    extract_date: str | pd.Timestamp | None = None,
) -> Journeys:
    """Read and validate journey records.

    Parameters
    ----------
    source : path or DataFrame
        CSV or Parquet file (or a DataFrame) with the columns of the module docstring.
    params : ParameterSet
        For the exit-code lists (``records.*``).
    rejects_path : path, optional
        Where to write the rejects report (CSV: row, client_id, column, value,
        reason; cells formula-escaped). Written whenever a row is rejected; an older
        report at that path is rewritten (header only) when nothing is rejected, so a
        stale report never outlives its run.
    keep_going : bool
        Proceed without the rejected rows (their number is in ``rejects``); otherwise
        any rejected row raises :class:`RecordsError`.
    encoding : str
        Text encoding of a CSV that is not UTF-8 (e.g. ``cp1252``).
    extract_date : date, optional
        When the extract was taken (default: today): no journey may start or end, and
        nobody may be born, after it.

    Returns
    -------
    Journeys
    """
    frame, name = _read(source, encoding)
    missing = {"client_id", "area", "journey_start"} - set(frame.columns)
    if missing:
        seps = "; the header has no commas: is the file delimited by something else?"
        hint = seps if len(frame.columns) <= 2 else ""
        raise RecordsError(f"{name}: missing column(s) {sorted(missing)}{hint}")
    if "dob" not in frame.columns and "age" not in frame.columns:
        raise RecordsError(f"{name}: needs a 'dob' or an 'age' column (the 18+ rule)")
    if len(frame) == 0:
        raise RecordsError(f"{name}: no journey rows (only a header?)")
    try:
        extract = pd.Timestamp(extract_date if extract_date is not None else "today")
    except (ValueError, TypeError):
        raise RecordsError(f"extract date {extract_date!r} is not a date") from None
    extract = extract.normalize()
    for col in ("journey_end", "exit_reason", "dob", "age", "journey_id"):
        if col not in frame.columns:
            frame[col] = pd.Series(pd.NA, index=frame.index, dtype="string")
    problems: list[pd.DataFrame] = []

    def flag(mask: pd.Series, column: str, reason: str) -> None:
        mask = mask.fillna(False).astype(bool)
        if mask.any():
            bad = frame.loc[mask]
            problems.append(
                pd.DataFrame(
                    {
                        "row": bad["_row"].to_numpy(),
                        "client_id": bad["client_id"].astype("string").to_numpy(),
                        "column": column,
                        "value": bad[column].astype("string").fillna("").to_numpy(),
                        "reason": reason,
                    }
                )
            )

    frame["area"] = frame["area"].str.upper()  # area codes compare case-insensitively
    for col in ("client_id", "area"):
        flag(frame[col].isna(), col, f"{col} is missing")
    start = _dates(frame["journey_start"])
    end = _dates(frame["journey_end"])
    dob = _dates(frame["dob"])
    flag(start.isna(), "journey_start", "journey_start is missing or not a date YYYY-MM-DD")
    flag(
        frame["journey_end"].notna() & end.isna(),
        "journey_end",
        "journey_end is not a date YYYY-MM-DD",
    )
    day = extract.strftime("%Y-%m-%d")
    flag(
        (start < _EARLIEST) | (start > extract),
        "journey_start",
        f"journey_start is before 1900 or after the extract date {day}",
    )
    flag(end > extract, "journey_end", f"journey_end is after the extract date {day}")
    flag(end < start, "journey_end", "journey_end is before journey_start")
    code = _numbers(frame["exit_reason"])
    known = set(int(c) for c in params["records.completed_exit_codes"]) | set(
        int(c) for c in params["records.other_exit_codes"]
    )
    flag(
        frame["exit_reason"].notna() & ~code.isin(list(known)),
        "exit_reason",
        "unknown exit reason code",
    )
    flag(
        frame["exit_reason"].notna() & frame["journey_end"].isna(),
        "exit_reason",
        "exit reason given for a journey with no end date",
    )
    flag(
        frame["journey_end"].notna() & frame["exit_reason"].isna(),
        "exit_reason",
        "journey ended without an exit reason",
    )
    age = _numbers(frame["age"])
    flag(frame["dob"].notna() & dob.isna(), "dob", "dob is not a date YYYY-MM-DD")
    flag(
        (dob < _EARLIEST) | (dob > extract),
        "dob",
        f"dob is before 1900 or after the extract date {day}",
    )
    flag((dob > start) & (dob <= extract), "dob", "dob is after journey_start")
    flag(
        frame["age"].notna() & (age.isna() | (age < 0) | (age > 120)),
        "age",
        "age is not a number of years between 0 and 120",
    )
    flag(frame["dob"].isna() & frame["age"].isna(), "age", "age and dob are both missing")
    if frame["journey_id"].notna().any():
        dup = frame["journey_id"].notna() & frame.duplicated("journey_id", keep="first")
        flag(dup, "journey_id", "duplicate journey_id (an earlier row has it)")
    else:
        dup = frame.duplicated(["client_id", "area", "journey_start"], keep="first")
        flag(
            dup,
            "client_id",
            "duplicate journey (same client, area and start as an earlier row)",
        )
    rejects = (
        pd.concat(problems, ignore_index=True).sort_values(["row", "column"], kind="stable")
        if problems
        else pd.DataFrame({c: pd.Series(dtype="string") for c in _REJECT_COLUMNS})
    )
    rejects = rejects.reset_index(drop=True)
    if rejects_path is not None and (len(rejects) or Path(rejects_path).exists()):
        write_csv(rejects, Path(rejects_path), index=False)  # atomic, every text cell safe
    n_bad = rejects["row"].nunique() if len(rejects) else 0
    if n_bad and not keep_going:
        where = f"; every one is listed in {rejects_path}" if rejects_path else ""
        first = rejects.iloc[0]
        raise RecordsError(
            f"{name}: {n_bad} of {len(frame)} rows rejected (first: row {first['row']}, "
            f"{first['column']} = {first['value']!r}: {first['reason']}){where}; fix them "
            "or proceed without them explicitly (--keep-going)"
        )
    if n_bad == len(frame):
        raise RecordsError(
            f"{name}: all {n_bad} rows rejected, nothing left to proceed with"
            + (f"; every one is listed in {rejects_path}" if rejects_path else "")
        )
    keep = ~frame["_row"].isin(rejects["row"]) if n_bad else np.ones(len(frame), bool)
    clean = frame.assign(
        journey_start=start,
        journey_end=end,
        exit_reason=code.where(code.isin(list(known))).astype("Int64"),
        dob=dob,
        age=age,
    )
    if n_bad:
        clean = clean.loc[keep].reset_index(drop=True)
    return Journeys(clean=clean, rejects=rejects, source=name)


def _cost(frame: pd.DataFrame, column: str, name: str) -> pd.Series:
    values = pd.to_numeric(frame[column], errors="coerce")
    bad = values.isna() | (values < 0) | ~np.isfinite(values)
    if bad.any():
        row = frame.loc[bad].iloc[0]
        value = "" if pd.isna(row[column]) else row[column]
        raise RecordsError(
            f"{name}: row {row['_row']}, {column} = {value!r} is not a non-negative "
            "number (£ thousand)"
        )
    return values


def read_sites(source: str | Path | pd.DataFrame, encoding: str = "utf-8") -> pd.DataFrame:
    """The sites file: which area is which site's pilot or comparison, and the costs.

    Columns: ``site`` (an id: letters, digits, ``_``), ``area``, ``role`` (``pilot`` /
    ``comparison``), and on the pilot row ``cost_year_1`` ... ``cost_year_N`` (£
    thousand; blank on the comparison row); optional ``type``. Every site needs exactly
    one pilot and one comparison area. Errors name the file, row, column and value.
    """
    frame, name = _read(source, encoding)
    missing = {"site", "area", "role"} - set(frame.columns)
    if missing:
        raise RecordsError(f"{name}: missing column(s) {sorted(missing)}")
    if frame.empty:
        raise RecordsError(f"{name}: no site rows (only a header?)")
    check_ids(frame, "site", name, RecordsError)
    frame["site"] = frame["site"].str.lower()
    frame["area"] = frame["area"].str.upper()
    frame["role"] = frame["role"].str.lower()
    for column, bad, what in (
        ("area", frame["area"].isna(), "is missing"),
        ("role", ~frame["role"].isin(["pilot", "comparison"]).fillna(False), ""),
    ):
        if bad.any():
            row = frame.loc[bad].iloc[0]
            value = "" if pd.isna(row[column]) else row[column]
            raise RecordsError(
                f"{name}: row {row['_row']}, {column} = {value!r} "
                + (what or "is not pilot or comparison")
            )
    counts = frame.groupby("site")["role"].value_counts().unstack(fill_value=0)
    for role in ("pilot", "comparison"):
        if role not in counts:
            counts[role] = 0
    wrong = counts[(counts["pilot"] != 1) | (counts["comparison"] != 1)]
    if len(wrong):
        site = wrong.index[0]
        rows = frame.loc[frame["site"] == site, "_row"].tolist()
        raise RecordsError(
            f"{name}: site {site} (row(s) {rows}) needs exactly one pilot and one "
            f"comparison area (has {int(wrong.loc[site, 'pilot'])} and "
            f"{int(wrong.loc[site, 'comparison'])})"
        )
    dup = frame.duplicated("area", keep="first")
    if dup.any():
        row = frame.loc[dup].iloc[0]
        raise RecordsError(
            f"{name}: row {row['_row']}, area = {row['area']!r} is listed twice"
        )
    comparison = frame["role"] == "comparison"
    for column in [c for c in frame.columns if c.startswith("cost_year_")]:
        costed = comparison & frame[column].notna()
        if costed.any():
            row = frame.loc[costed].iloc[0]
            raise RecordsError(
                f"{name}: row {row['_row']}, {column} = {row[column]!r} on a comparison "
                "row; costs belong on the pilot row (leave the comparison row blank)"
            )
        pilot = frame.loc[~comparison]
        frame.loc[~comparison, column] = _cost(pilot, column, name).astype(str)
    frame.attrs["source"] = name
    return frame


def _latest(order: np.ndarray, sorted_client: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Row index of each client's latest journey among ``mask`` (``order`` sorts the
    rows by client, start and file order; ``sorted_client`` is the client in it)."""
    keep = mask[order]
    rows = order[keep]
    client = sorted_client[keep]
    last = np.ones(len(rows), dtype=bool)
    last[:-1] = client[1:] != client[:-1]
    return rows[last]


def derive_outcomes(
    journeys: Journeys, sites: pd.DataFrame, params: Mapping[str, Any]
) -> pd.DataFrame:
    """Each client's outcomes in each period, for the areas of the sites file.

    Vectorised: one sort of all journeys by client and start, then a pass per period
    and measure (no loop over clients). The rules are those of the module docstring.

    Returns
    -------
    pandas.DataFrame
        One row per client, period and chosen journey: ``client_id``, ``period``
        (pre/post), ``area``, ``site``, ``role``, ``in_treatment`` (the row counts in
        the effective-treatment measure), ``effective``, ``completing``,
        ``successful`` (booleans), ``age`` and the covariates. Usually one row per
        client and period; two when footnote 35 makes the measures choose different
        journeys. Clients in areas outside the sites file are not included
        (``attrs['other_areas']`` counts them).
    """
    j = journeys.clean
    n = len(j)
    min_age = float(params["records.minimum_age"])
    days = int(params["records.effective_days"])
    completed = np.array([int(c) for c in params["records.completed_exit_codes"]])
    covariates = journeys.covariates
    area_map = sites.set_index("area")[["site", "role"]]
    day = np.timedelta64(1, "D")
    start = j["journey_start"].to_numpy("datetime64[D]")
    end = j["journey_end"].to_numpy("datetime64[D]")
    has_end = ~np.isnat(end)
    end_or_max = np.where(has_end, end, np.datetime64("9999-12-31"))
    dob = j["dob"].to_numpy("datetime64[D]")
    age_at_start = j["age"].to_numpy(dtype=float, na_value=np.nan)
    code = j["exit_reason"].to_numpy(dtype=np.int64, na_value=-1)
    completion_code = np.isin(code, completed)
    client, _ = pd.factorize(j["client_id"])
    # One stable sort by (client, start): ties keep file order, so the later row wins.
    day_number = (start - start.min()).astype(np.int64) if n else start.astype(np.int64)
    shift = int(day_number.max()).bit_length() if n else 0
    order = np.argsort((client.astype(np.int64) << shift) | day_number, kind="stable")
    sorted_client = client[order]
    area_codes, area_names = pd.factorize(j["area"])
    lookup = area_map.reindex(area_names)
    area_site = lookup["site"].to_numpy(dtype=object)
    area_role = lookup["role"].to_numpy(dtype=object)
    area_known = lookup["site"].notna().to_numpy()
    frames = []
    other = 0
    unmatched: dict[str, int] = {}
    for period in ("pre", "post"):
        p_start = np.datetime64(str(params[f"records.periods.{period}.start"]), "D")
        p_end = np.datetime64(str(params[f"records.periods.{period}.end"]), "D")
        cross = (start <= p_end) & (end_or_max >= p_start)
        eligible = cross & (start <= p_end - days * day)  # footnote 35, before choosing
        et_rows = _latest(order, sorted_client, eligible)
        latest = _latest(order, sorted_client, cross)
        ended = has_end & (end_or_max <= p_end)
        in_et = np.zeros(n, dtype=bool)
        in_et[et_rows] = True
        completes = np.zeros(n, dtype=bool)
        completes[latest[ended[latest]]] = True
        rows = np.flatnonzero(in_et | completes)
        # Age at the period start: from the date of birth (whole years, so an 18th
        # birthday on the first day counts), or the age at the journey start plus the
        # time from the journey start to the period start.
        r_dob = dob[rows]
        from_dob = ~np.isnat(r_dob)
        birthday = (pd.DatetimeIndex(r_dob) + pd.DateOffset(years=int(min_age))).to_numpy(
            "datetime64[D]"
        )
        since_start = (p_start - start[rows]) / day / 365.25
        age_then = age_at_start[rows] + since_start
        adult = np.where(from_dob, birthday <= p_start, age_then >= min_age)
        age = np.where(from_dob, (p_start - r_dob) / day / 365.25, age_then)
        rows, age = rows[adult], age[adult]
        known = area_known[area_codes[rows]]
        if not known.all():
            other += int((~known).sum())
            names = area_names[area_codes[rows[~known]]]
            for k, v in pd.Series(names).value_counts().items():
                unmatched[str(k)] = unmatched.get(str(k), 0) + int(v)
        rows, age = rows[known], age[known]
        stop = np.where(ended[rows], end_or_max[rows], p_end)
        length = (stop - start[rows]) / day
        completion = ended[rows] & completion_code[rows]
        et = in_et[rows]
        out = pd.DataFrame(
            {
                "client_id": j["client_id"].take(rows).reset_index(drop=True),
                "period": period,
                "area": j["area"].take(rows).reset_index(drop=True),
                "site": area_site[area_codes[rows]],
                "role": area_role[area_codes[rows]],
                "in_treatment": et,
                "effective": et & (completion | (length >= days)),
                "successful": completes[rows] & completion_code[rows],
                "completing": completes[rows],
                "age": age,
            }
        )
        for c in covariates:
            out[c] = j[c].take(rows).reset_index(drop=True)
        frames.append(out)
    outcomes = pd.concat(frames, ignore_index=True)
    outcomes.attrs["other_areas"] = other
    outcomes.attrs["unmatched_areas"] = dict(
        sorted(unmatched.items(), key=lambda kv: (-kv[1], kv[0]))
    )
    if outcomes.empty:
        raise RecordsError(
            f"{journeys.source}: no client of the sites' areas has a journey in either "
            f"period (areas in the records: {sorted(unmatched)[:10]})"
        )
    return outcomes


COUNT_COLUMNS = (
    "total_in_treatment",
    "effective_treatment",
    "successful_completions",
    "total_completing",
)


def outcome_counts(outcomes: pd.DataFrame) -> pd.DataFrame:
    """Counts of Tables 7.5/7.6 (and 6.2/6.4) by site, role and period.

    Returns
    -------
    pandas.DataFrame
        Columns ``site``, ``area`` (the role: pilot/comparison, as in
        :mod:`dsc_econ.inputs.programme`), ``period``, ``total_in_treatment``,
        ``effective_treatment``, ``successful_completions``, ``total_completing``.
    """
    data = outcomes
    if "in_treatment" not in data:  # a table of one row per client and period
        data = data.assign(in_treatment=True)
    grouped = data.groupby(["site", "role", "period"], observed=True)
    counts = grouped.agg(
        total_in_treatment=("in_treatment", "sum"),
        effective_treatment=("effective", "sum"),
        successful_completions=("successful", "sum"),
        total_completing=("completing", "sum"),
    )
    full = pd.MultiIndex.from_product(
        [
            sorted(outcomes["site"].unique(), key=lambda s: (len(str(s)), str(s))),
            ["pilot", "comparison"],
            ["pre", "post"],
        ],
        names=["site", "role", "period"],
    )
    counts = counts.reindex(full, fill_value=0)
    return (
        counts.reset_index()
        .rename(columns={"role": "area"})
        .astype({c: int for c in COUNT_COLUMNS})
    )


def _check_counts(counts: pd.DataFrame, source: str) -> None:
    """The checks the parameter loader makes on site counts, made here first so that
    an error names the journeys file, site, area and period (not a staging file)."""
    for row in counts.itertuples(index=False):
        where = f"{source}: site {row.site}, {row.area} area, {row.period} period"
        if row.total_in_treatment == 0:
            raise RecordsError(
                f"{where}: no clients in the effective-treatment measure; every site needs"
                " clients in both areas and periods"
            )
        if row.total_completing == 0:
            raise RecordsError(
                f"{where}: no client's latest journey ended in the period, so the share "
                "of successful completions has no denominator"
            )
        for small, big in COUNT_ORDER:
            if getattr(row, small) > getattr(row, big):
                raise RecordsError(
                    f"{where}: {small} = {getattr(row, small)} exceeds {big} = "
                    f"{getattr(row, big)}; under footnote 35 the completions count late "
                    "starters that the effective-treatment measure leaves out, and here "
                    "they outnumber the rest, so the site cannot be appraised"
                )


def parameters_from_records(
    journeys: Journeys,
    sites: pd.DataFrame,
    params: Any,
    out: str | Path,
    regression: bool = True,
) -> tuple[Any, dict[str, pd.DataFrame]]:
    """Derive the site counts (and regression p-values) and write a parameter folder.

    Every site of the sites file must come through: a site is never silently dropped.

    Returns
    -------
    (ParameterSet, dict)
        The loaded parameters of the programme (the assumptions of ``params``' folder,
        the derived sites), and the tables behind them: ``counts``, ``aggregate_did``
        (binomial SE and CI) and, with ``regression``, ``logistic_did``.
    """
    from ..inputs.programme import programme_parameters
    from ..model.impact import did_table
    from .regression import logistic_dids

    sites_name = str(sites.attrs.get("source", "sites"))
    outcomes = derive_outcomes(journeys, sites, params)
    counts = outcome_counts(outcomes)
    absent = sorted(set(sites["site"]) - set(counts["site"]))
    if absent:
        raise RecordsError(
            f"{journeys.source}: site(s) {absent} of {sites_name} have no clients in "
            "either period; every site needs clients in both areas and periods"
        )
    _check_counts(counts, journeys.source)
    costs = sites.loc[sites["role"] == "pilot"].drop(columns=["area", "role"])
    if "cost_year_1" not in costs:  # any number of years: cost_year_1 ... N
        raise RecordsError(f"{sites_name}: needs cost_year_1 on the pilot rows")
    costs.attrs["source"] = sites_name
    counts.attrs["source"] = f"site counts derived from {journeys.source}"
    tables: dict[str, pd.DataFrame] = {"counts": counts}
    p_values = None
    if regression:
        logit = logistic_dids(
            outcomes,
            journeys.covariates,
            max_levels=int(params["records.max_covariate_levels"]),
        )
        tables["logistic_did"] = logit
        p_values = {
            str(site): {
                m: float(logit.loc[(site, m), "p_value"])
                for m in ("et_tt", "sc_tc")
                if bool(logit.loc[(site, m), "converged"])  # no p-value from a failed fit
            }
            for site in logit.index.get_level_values("site").unique()
        }
    base = Path(params.source) if getattr(params, "source", None) else None
    programme = programme_parameters(counts, costs, out, base=base, p_values=p_values)
    lost = sorted(set(sites["site"]) - set(programme.sites()))
    if lost:  # cannot happen with validated ids; a guard, never a silent drop
        raise RecordsError(f"{sites_name}: site(s) {lost} missing from the parameters")
    programme = programme.with_values(
        {
            k: params[k]
            for k in getattr(params, "overridden", ())
            if k in programme and not k.startswith("sites.")
        }
    )
    tables["aggregate_did"] = did_table(programme)
    tables["outcomes_summary"] = pd.DataFrame(
        {
            "clients": [len(outcomes)],
            "clients_in_other_areas": [outcomes.attrs["other_areas"]],
            "rows_set_aside": [
                journeys.rejects["row"].nunique() if len(journeys.rejects) else 0
            ],
        }
    )
    return programme, tables
