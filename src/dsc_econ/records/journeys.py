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

Rules (``parameters/records.yaml``, Appendix B2): for each period, the journeys that
cross into it (start on or before its end, end on or after its start or not ended),
leaving out journeys that started less than 83 days before the period end; each
client's latest such journey; clients aged 18 or over at the period start. A client is
in *effective treatment* if the journey ended in the period with a completion code or
lasted at least 83 days (to the period end if it had not ended); a *successful
completion* if it ended in the period with a completion code; *completing* if it ended
in the period at all. A client whose latest journey started less than 83 days before
the period end and had not ended in it is left out (footnote 35: such a journey cannot
yet show 83 days). Age is taken at the period start: from ``dob``, or from ``age`` (at
the journey start) plus the years since.

Bad rows (malformed dates, unknown exit codes, an end before its start, duplicates, no
age) are never dropped silently: :func:`read_journeys` lists each with its row number and
reason in a rejects table, and the caller either stops or, explicitly, proceeds without
them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..inputs.parameters import ParameterError

__all__ = [
    "JOURNEY_COLUMNS",
    "Journeys",
    "RecordsError",
    "derive_outcomes",
    "outcome_counts",
    "read_journeys",
    "read_sites",
]

JOURNEY_COLUMNS = ("client_id", "area", "journey_start", "journey_end", "exit_reason")
_CORE = {*JOURNEY_COLUMNS, "dob", "age", "journey_id"}


class RecordsError(ParameterError):
    """Bad records; the message says where the rejects report is."""


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


def _read(source: str | Path | pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """A table as strings with blanks as missing, from a DataFrame, CSV or Parquet."""
    if isinstance(source, pd.DataFrame):
        frame, name = source, "records"
    else:
        path = Path(source)
        if not path.exists():
            raise RecordsError(f"{path}: file not found")
        name = str(path)
        try:
            if path.suffix.lower() in (".parquet", ".pq"):
                frame = pd.read_parquet(path)
            else:
                frame = pd.read_csv(path, dtype="string", keep_default_na=False)
        except (
            pd.errors.EmptyDataError,
            pd.errors.ParserError,
            UnicodeDecodeError,
            ValueError,
            OSError,
        ) as exc:
            raise RecordsError(f"{name}: cannot be read as a table: {exc}") from None
    frame = frame.copy()
    for column in frame.columns:  # dates stored as dates keep their date part
        if pd.api.types.is_datetime64_any_dtype(frame[column]):
            frame[column] = frame[column].dt.strftime("%Y-%m-%d")
    frame = frame.astype("string").apply(lambda c: c.str.strip())
    return frame.mask(frame == ""), name


def read_journeys(
    source: str | Path | pd.DataFrame,
    params: Mapping[str, Any],
    rejects_path: str | Path | None = None,
    keep_going: bool = False,
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
        reason); written whenever a row is rejected.
    keep_going : bool
        Proceed without the rejected rows (their number is in ``rejects``); otherwise
        any rejected row raises :class:`RecordsError`.

    Returns
    -------
    Journeys
    """
    frame, name = _read(source)
    missing = {"client_id", "area", "journey_start"} - set(frame.columns)
    if missing:
        raise RecordsError(f"{name}: missing column(s) {sorted(missing)}")
    if "dob" not in frame.columns and "age" not in frame.columns:
        raise RecordsError(f"{name}: needs a 'dob' or an 'age' column (the 18+ rule)")
    for col in ("journey_end", "exit_reason", "dob", "age", "journey_id"):
        if col not in frame.columns:
            frame[col] = pd.NA
    frame = frame.reset_index(drop=True)
    frame["_row"] = np.arange(len(frame)) + 2  # the spreadsheet row (header is row 1)
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
                        "value": bad[column].astype("string").fillna("").to_numpy()
                        if column in bad
                        else "",
                        "reason": reason,
                    }
                )
            )

    frame["area"] = frame["area"].str.upper()  # area codes compare case-insensitively
    for col in ("client_id", "area"):
        flag(frame[col].isna(), col, f"{col} is missing")
    start = pd.to_datetime(frame["journey_start"], errors="coerce", format="%Y-%m-%d")
    end = pd.to_datetime(frame["journey_end"], errors="coerce", format="%Y-%m-%d")
    flag(start.isna(), "journey_start", "journey_start is missing or not a date YYYY-MM-DD")
    flag(
        frame["journey_end"].notna() & end.isna(),
        "journey_end",
        "journey_end is not a date YYYY-MM-DD",
    )
    flag(end < start, "journey_end", "journey_end is before journey_start")
    code = pd.to_numeric(frame["exit_reason"], errors="coerce")
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
    dob = pd.to_datetime(frame["dob"], errors="coerce", format="%Y-%m-%d")
    age = pd.to_numeric(frame["age"], errors="coerce")
    flag(frame["dob"].notna() & dob.isna(), "dob", "dob is not a date YYYY-MM-DD")
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
        else pd.DataFrame(columns=["row", "client_id", "column", "value", "reason"])
    )
    if len(frame) == 0:
        raise RecordsError(f"{name}: no journey rows (only a header?)")
    if len(rejects) and rejects_path is not None:
        target = Path(rejects_path)
        target.parent.mkdir(parents=True, exist_ok=True)
        rejects.to_csv(target, index=False)
    n_bad = rejects["row"].nunique() if len(rejects) else 0
    if n_bad and not keep_going:
        where = f"; see {rejects_path}" if rejects_path else ""
        first = rejects.iloc[0]
        raise RecordsError(
            f"{name}: {n_bad} of {len(frame)} rows rejected (first: row {first['row']}, "
            f"{first['column']} = {first['value']!r}: {first['reason']}){where}; fix them "
            "or proceed without them explicitly (--keep-going)"
        )
    keep = ~frame["_row"].isin(rejects["row"])
    clean = frame.loc[keep].copy()
    clean["journey_start"] = start[keep]
    clean["journey_end"] = end[keep]
    clean["exit_reason"] = code[keep].astype("Int64")
    clean["dob"] = dob[keep]
    clean["age"] = age[keep]
    return Journeys(clean=clean.reset_index(drop=True), rejects=rejects, source=name)


def read_sites(source: str | Path | pd.DataFrame) -> pd.DataFrame:
    """The sites file: which area is which site's pilot or comparison, and the costs.

    Columns: ``site``, ``area``, ``role`` (``pilot`` / ``comparison``), and on the
    pilot row ``cost_year_1`` and ``cost_year_2`` (£ thousand); optional ``type``.
    Every site needs exactly one pilot and one comparison area.
    """
    frame, name = _read(source)
    missing = {"site", "area", "role"} - set(frame.columns)
    if missing:
        raise RecordsError(f"{name}: missing column(s) {sorted(missing)}")
    frame = frame.copy()
    frame["site"] = frame["site"].str.lower()
    frame["area"] = frame["area"].str.upper()
    frame["role"] = frame["role"].str.lower()
    bad = ~frame["role"].isin(["pilot", "comparison"])
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise RecordsError(
            f"{name}: row {i + 2}, role = {frame['role'].iloc[i]!r} is not "
            "pilot or comparison"
        )
    counts = frame.groupby("site")["role"].value_counts().unstack(fill_value=0)
    for role in ("pilot", "comparison"):
        if role not in counts:
            counts[role] = 0
    wrong = counts[(counts["pilot"] != 1) | (counts["comparison"] != 1)]
    if len(wrong):
        site = wrong.index[0]
        raise RecordsError(
            f"{name}: site {site} needs exactly one pilot and one comparison area "
            f"(has {int(wrong.loc[site, 'pilot'])} and "
            f"{int(wrong.loc[site, 'comparison'])})"
        )
    dup = frame.duplicated("area", keep=False)
    if dup.any():
        raise RecordsError(
            f"{name}: area {frame.loc[dup, 'area'].iloc[0]!r} is listed twice"
        )
    frame.attrs["source"] = name
    return frame


def derive_outcomes(
    journeys: Journeys, sites: pd.DataFrame, params: Mapping[str, Any]
) -> pd.DataFrame:
    """Each client's outcome in each period, for the areas of the sites file.

    Returns
    -------
    pandas.DataFrame
        One row per client and period: ``client_id``, ``period`` (pre/post), ``area``,
        ``site``, ``role``, ``effective``, ``successful``, ``completing`` (booleans),
        ``age`` and the covariates. Clients in areas outside the sites file are not
        included (``attrs['other_areas']`` counts them).
    """
    j = journeys.clean
    min_age = float(params["records.minimum_age"])
    days = int(params["records.effective_days"])
    completed = [int(c) for c in params["records.completed_exit_codes"]]
    covariates = journeys.covariates
    keep_cols = [*JOURNEY_COLUMNS, "dob", "age", *covariates]
    area_map = sites.set_index("area")[["site", "role"]]
    frames = []
    other = 0
    unmatched: Counter[str] = Counter()
    for period in ("pre", "post"):
        p_start = pd.Timestamp(params[f"records.periods.{period}.start"])
        p_end = pd.Timestamp(params[f"records.periods.{period}.end"])
        cross = (j["journey_start"] <= p_end) & (
            j["journey_end"].isna() | (j["journey_end"] >= p_start)
        )
        sub = j.loc[cross, keep_cols]
        latest = sub.sort_values(
            ["client_id", "journey_start"], kind="stable"
        ).drop_duplicates("client_id", keep="last")
        # Footnote 35: a latest journey that started less than 83 days before the period
        # end cannot show 83 days of treatment; unless it has already ended in the
        # period (its outcome is known), the client is left out of the measures.
        ended_here = latest["journey_end"].notna() & (latest["journey_end"] <= p_end)
        latest = latest.loc[
            (latest["journey_start"] <= p_end - pd.Timedelta(days=days)) | ended_here
        ]
        # Age at the period start: from the date of birth (whole years, so an 18th
        # birthday on the first day counts), or the age at the journey start plus the
        # time from the journey start to the period start.
        from_dob = latest["dob"].notna()
        birthday = latest["dob"] + pd.DateOffset(years=int(min_age))
        adult_dob = from_dob & (birthday <= p_start)
        years_since = (p_start - latest["journey_start"]).dt.days / 365.25
        age_then = latest["age"].astype(float) + years_since
        adult_age = ~from_dob & (age_then >= min_age)
        age = np.where(from_dob, (p_start - latest["dob"]).dt.days / 365.25, age_then)
        latest = latest.assign(age=age).loc[adult_dob | adult_age]
        in_sites = latest["area"].isin(area_map.index)
        other += int((~in_sites).sum())
        unmatched.update(latest.loc[~in_sites, "area"].value_counts().to_dict())
        latest = latest.loc[in_sites]
        ended = latest["journey_end"].notna() & (latest["journey_end"] <= p_end)
        stop = latest["journey_end"].where(ended, p_end)
        length = (stop - latest["journey_start"]).dt.days
        completion = ended & latest["exit_reason"].isin(completed).fillna(False)
        out = pd.DataFrame(
            {
                "client_id": latest["client_id"].to_numpy(),
                "period": period,
                "area": latest["area"].to_numpy(),
                "effective": (completion | (length >= days)).to_numpy(dtype=bool),
                "successful": completion.to_numpy(dtype=bool),
                "completing": ended.to_numpy(dtype=bool),
                "age": latest["age"].to_numpy(),
            }
        )
        for c in covariates:
            out[c] = latest[c].to_numpy()
        frames.append(out)
    outcomes = pd.concat(frames, ignore_index=True)
    outcomes = outcomes.join(area_map, on="area")
    outcomes.attrs["other_areas"] = other
    outcomes.attrs["unmatched_areas"] = dict(unmatched.most_common())
    if outcomes.empty:
        raise RecordsError(
            f"{journeys.source}: no client of the sites' areas has a journey in either "
            f"period (areas in the records: {sorted(unmatched)[:10]})"
        )
    return outcomes


def outcome_counts(outcomes: pd.DataFrame) -> pd.DataFrame:
    """Counts of Tables 7.5/7.6 (and 6.2/6.4) by site, role and period.

    Returns
    -------
    pandas.DataFrame
        Columns ``site``, ``area`` (the role: pilot/comparison, as in
        :mod:`dsc_econ.inputs.programme`), ``period``, ``total_in_treatment``,
        ``effective_treatment``, ``successful_completions``, ``total_completing``.
    """
    grouped = outcomes.groupby(["site", "role", "period"], observed=True)
    counts = grouped.agg(
        total_in_treatment=("client_id", "size"),
        effective_treatment=("effective", "sum"),
        successful_completions=("successful", "sum"),
        total_completing=("completing", "sum"),
    ).reset_index()
    full = pd.MultiIndex.from_product(
        [sorted(outcomes["site"].unique()), ["pilot", "comparison"], ["pre", "post"]],
        names=["site", "role", "period"],
    )
    counts = counts.set_index(["site", "role", "period"]).reindex(full, fill_value=0)
    return (
        counts.reset_index()
        .rename(columns={"role": "area"})
        .astype(
            {
                c: int
                for c in (
                    "total_in_treatment",
                    "effective_treatment",
                    "successful_completions",
                    "total_completing",
                )
            }
        )
    )


def parameters_from_records(
    journeys: Journeys,
    sites: pd.DataFrame,
    params: Any,
    out: str | Path,
    regression: bool = True,
) -> tuple[Any, dict[str, pd.DataFrame]]:
    """Derive the site counts (and regression p-values) and write a parameter folder.

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

    outcomes = derive_outcomes(journeys, sites, params)
    counts = outcome_counts(outcomes)
    empty = counts.loc[counts["total_in_treatment"] == 0]
    if len(empty):
        row = empty.iloc[0]
        raise RecordsError(
            f"{journeys.source}: site {row['site']} has no clients in its {row['area']} "
            f"area in the {row['period']} period; every site needs clients in both areas "
            "and periods"
        )
    costs = sites.loc[sites["role"] == "pilot"].copy()
    for column in ("cost_year_1", "cost_year_2"):
        if column not in costs:
            raise RecordsError(
                f"{sites.attrs.get('source', 'sites')}: needs {column} on the pilot rows"
            )
    tables: dict[str, pd.DataFrame] = {"counts": counts}
    p_values = None
    if regression:
        logit = logistic_dids(outcomes, journeys.covariates)
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
