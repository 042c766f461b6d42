"""From journey records to site outcomes: rules, rejects, round trip, regression."""

from __future__ import annotations

import pandas as pd
import pytest

import dsc_econ as dsc
from dsc_econ.records.journeys import (
    RecordsError,
    derive_outcomes,
    outcome_counts,
    parameters_from_records,
    read_journeys,
    read_sites,
)
from dsc_econ.records.regression import logistic_did
from dsc_econ.records.synthetic import damage, synthetic_journeys, synthetic_sites

COUNTS = (
    "total_in_treatment",
    "effective_treatment",
    "successful_completions",
    "total_completing",
)


@pytest.fixture(scope="module")
def extract(params):
    return synthetic_journeys(params, seed=5)


@pytest.fixture(scope="module")
def derived(extract, params):
    journeys = read_journeys(extract, params)
    sites = read_sites(synthetic_sites(params))
    return journeys, sites, derive_outcomes(journeys, sites, params)


def test_round_trip_gives_back_every_target_count(derived, params):
    _, _, outcomes = derived
    counts = outcome_counts(outcomes)
    assert len(counts) == 6 * 2 * 2
    for row in counts.itertuples():
        for k in COUNTS:
            assert (
                getattr(row, k)
                == params[f"sites.{row.site}.counts.{row.area}.{row.period}.{k}"]
            )
    assert outcomes.attrs["other_areas"] > 0  # decoys in other areas were seen and left out


def test_synthetic_extract_tells_the_footnote_35_order_apart(extract, derived, params):
    """The extract has clients whose latest crossing journey is a late, open start: the
    corrected rule scores them on the earlier journey (so the round trip above holds);
    choosing the latest journey first, as the package once did, would drop them."""
    _, _, outcomes = derived
    end = pd.Timestamp(params["records.periods.post.end"])
    j = extract.assign(start=pd.to_datetime(extract["journey_start"]))
    late_open = j.loc[(j["start"] > end - pd.Timedelta(days=83)) & (j["start"] <= end)]
    late_open = late_open.loc[late_open["journey_end"] == ""]
    post = outcomes.loc[(outcomes.period == "post") & outcomes.in_treatment]
    rescued = post.loc[post["client_id"].isin(late_open["client_id"])]
    assert len(rescued) > 50  # in the measure, on their earlier journey


def test_regression_recovers_the_did(derived):
    journeys, _, outcomes = derived
    res = logistic_did(outcomes, "3", "et_tt", journeys.covariates)
    expected = 100 * ((1726 / 1791 - 1791 / 1914) - (2121 / 2258 - 2332 / 2462))
    assert res["did_pp"] == pytest.approx(expected, rel=1e-9)
    assert res["odds_ratio"] > 1 and res["p_value"] < 0.01
    assert abs(res["effect_pp"] - expected) < 1.0  # covariates are noise here
    sc = logistic_did(outcomes, "6", "sc_tc", journeys.covariates)
    assert sc["did_pp"] == pytest.approx(
        100 * ((383 / 878 - 455 / 793) - (252 / 789 - 155 / 608))
    )
    assert sc["p_value"] < 0.01


def _frame(rows):
    base = {
        "client_id": "a",
        "area": "P3",
        "journey_start": "2008-01-01",
        "journey_end": "",
        "exit_reason": "",
        "dob": "1970-01-01",
    }
    return pd.DataFrame([{**base, **r} for r in rows])


SITES = pd.DataFrame(
    {
        "site": ["3", "3"],
        "area": ["P3", "C3"],
        "role": ["pilot", "comparison"],
        "cost_year_1": [1, None],
        "cost_year_2": [1, None],
    }
)


@pytest.mark.parametrize(
    ("row", "effective", "successful", "completing"),
    [
        (
            {"journey_end": "2008-02-01", "exit_reason": "1"},
            True,
            True,
            True,
        ),  # completed < 83 days
        (
            {"journey_end": "2008-02-01", "exit_reason": "4"},
            False,
            False,
            True,
        ),  # short drop out
        (
            {"journey_end": "2008-03-24", "exit_reason": "4"},
            True,
            False,
            True,
        ),  # 83 days exactly
        ({"journey_end": "2008-03-23", "exit_reason": "4"}, False, False, True),  # 82 days
        (
            {"journey_end": "2009-06-01", "exit_reason": "1"},
            True,
            False,
            False,
        ),  # ends after period
        ({}, True, False, False),  # ongoing
    ],
)
def test_appendix_b_rules(params, row, effective, successful, completing):
    journeys = read_journeys(_frame([row]), params)
    out = derive_outcomes(journeys, read_sites(SITES), params)
    pre = out.loc[out.period == "pre"].iloc[0]
    assert (pre.effective, pre.successful, pre.completing) == (
        effective,
        successful,
        completing,
    )


def test_latest_journey_age_and_late_starts(params):
    rows = [
        {
            "client_id": "a",
            "journey_start": "2007-01-01",
            "journey_end": "2008-01-01",
            "exit_reason": "1",
        },
        {
            "client_id": "a",
            "journey_start": "2008-06-01",
            "journey_end": "2008-06-20",
            "exit_reason": "4",
        },
        {"client_id": "young", "dob": "1991-01-01"},  # 16 at the period start
        {"client_id": "late", "journey_start": "2009-02-01"},  # < 83 days before period end
    ]
    out = derive_outcomes(read_journeys(_frame(rows), params), read_sites(SITES), params)
    pre = out.loc[out.period == "pre"].set_index("client_id")
    assert list(pre.index) == ["a"]  # the young and the late starter are left out
    assert not pre.loc["a", "effective"]  # the latest journey (a short drop out) counts


def test_every_bad_row_is_reported_with_its_row_and_reason(extract, params, tmp_path):
    bad, problems = damage(extract, seed=3)
    path = tmp_path / "bad.csv"
    bad.to_csv(path, index=False)
    rejects = tmp_path / "rejects.csv"
    with pytest.raises(RecordsError, match=r"6 of \d+ rows rejected.*rejects\.csv"):
        read_journeys(path, params, rejects)
    report = pd.read_csv(rejects)
    assert set(report["row"]) == set(problems)
    assert report["reason"].str.len().gt(0).all()
    kept = read_journeys(path, params, rejects, keep_going=True)
    assert len(kept.clean) == len(extract) - 6
    assert kept.rejects["row"].nunique() == 6


def test_missing_columns_and_sites_file_errors(params):
    with pytest.raises(RecordsError, match=r"missing column\(s\) \['area'\]"):
        read_journeys(
            pd.DataFrame(
                {"client_id": ["a"], "journey_start": ["2008-01-01"], "age": ["30"]}
            ),
            params,
        )
    with pytest.raises(RecordsError, match="needs a 'dob' or an 'age' column"):
        read_journeys(
            pd.DataFrame(
                {"client_id": ["a"], "area": ["x"], "journey_start": ["2008-01-01"]}
            ),
            params,
        )
    with pytest.raises(RecordsError, match="needs exactly one pilot and one comparison"):
        read_sites(SITES.assign(role="pilot"))


def test_parquet_and_records_to_bcr(extract, params, tmp_path):
    pytest.importorskip("pyarrow")
    path = tmp_path / "journeys.parquet"
    extract.to_parquet(path)
    journeys = read_journeys(path, params)
    sites = read_sites(synthetic_sites(params))
    programme, tables = parameters_from_records(journeys, sites, params, tmp_path / "p")
    table = dsc.appraisal_table(programme)
    reference = dsc.appraisal_table(params)
    pd.testing.assert_series_equal(table.bcr, reference.bcr, check_names=False, rtol=1e-12)
    assert programme.meta("sites.3.p_values.et_tt").unit == "p_value"
    assert set(tables) >= {"counts", "aggregate_did", "logistic_did"}


def test_cli_from_records_to_bcr(tmp_path, capsys):
    from dsc_econ.cli.main import main

    assert main(["records", "synthesize", "--out", str(tmp_path), "--damaged"]) == 0
    code = main(
        [
            "appraise",
            "--journeys",
            str(tmp_path / "journeys_damaged.csv"),
            "--sites-file",
            str(tmp_path / "sites.csv"),
            "--rejects",
            str(tmp_path / "rejects.csv"),
        ]
    )
    err = capsys.readouterr().err
    assert code == 2 and "rows rejected" in err and "--keep-going" in err
    code = main(
        [
            "appraise",
            "--journeys",
            str(tmp_path / "journeys_damaged.csv"),
            "--sites-file",
            str(tmp_path / "sites.csv"),
            "--keep-going",
            "--rejects",
            str(tmp_path / "rejects.csv"),
            "--csv",
        ]
    )
    out = capsys.readouterr()
    assert code == 0 and "6 rows set aside" in out.err
    assert out.out.startswith("site,") and len(pd.read_csv(tmp_path / "rejects.csv")) >= 6
    code = main(
        [
            "records",
            "derive",
            "--journeys",
            str(tmp_path / "journeys.csv"),
            "--sites-file",
            str(tmp_path / "sites.csv"),
            "--out",
            str(tmp_path / "c.csv"),
        ]
    )
    assert code == 0 and "logistic DiD" in capsys.readouterr().out
    assert len(pd.read_csv(tmp_path / "c.csv")) == 24


def test_birthdays_ages_and_latest_journey_first(params):
    rows = [
        {"client_id": "bday", "dob": "1989-10-01"},  # 18 on the first day of the period
        {
            "client_id": "aged",
            "dob": "",
            "age": "17",
            "journey_start": "2006-01-01",
        },  # 18+ by Oct 2007
        {
            "client_id": "late",
            "journey_start": "2007-01-01",
            "journey_end": "2007-11-01",
            "exit_reason": "5",
        },
        {"client_id": "late", "journey_start": "2009-03-01"},  # latest, too new to judge
        {
            "client_id": "quick",
            "journey_start": "2009-03-01",
            "journey_end": "2009-03-20",
            "exit_reason": "1",
        },
    ]
    out = derive_outcomes(read_journeys(_frame(rows), params), read_sites(SITES), params)
    pre = out.loc[out.period == "pre"].set_index("client_id")
    assert {"bday", "aged", "quick"} <= set(pre.index)
    # Footnote 35 as written (issue 10): the late journey is left out of the
    # effective-treatment measure *before* the latest journey is chosen, so "late" is
    # scored on its earlier journey (304 days: effective); its latest crossing journey
    # is still open, so it is not completing. (This reverses the old assertion that
    # "late" was left out altogether.)
    assert pre.loc["late", "in_treatment"] and pre.loc["late", "effective"]
    assert not pre.loc["late", "completing"]
    # "quick", a late starter that completed, counts among the completions but not in
    # the effective-treatment measure (the old rule kept it there as effective).
    assert pre.loc["quick", "successful"] and pre.loc["quick", "completing"]
    assert not pre.loc["quick", "in_treatment"] and not pre.loc["quick", "effective"]


def test_footnote_35_long_journey_then_late_open_one(params):
    """Issue 10's case: a 384-day journey that ended in the period, then a journey
    started in February (less than 83 days before the period end) still open."""
    rows = [
        {
            "client_id": "k",
            "journey_start": "2007-11-01",
            "journey_end": "2008-11-19",  # 384 days
            "exit_reason": "4",
        },
        {"client_id": "k", "journey_start": "2009-02-10"},
    ]
    out = derive_outcomes(read_journeys(_frame(rows), params), read_sites(SITES), params)
    pre = out.loc[out.period == "pre"]
    assert len(pre) == 1  # one client, one row: the 384-day journey
    row = pre.iloc[0]
    assert row.in_treatment and row.effective  # counted, on the 384-day journey
    assert not row.completing and not row.successful  # latest crossing journey is open
    counts = outcome_counts(out).set_index(["site", "area", "period"])
    assert counts.loc[("3", "pilot", "pre"), "total_in_treatment"] == 1
    assert counts.loc[("3", "pilot", "pre"), "effective_treatment"] == 1
    assert counts.loc[("3", "pilot", "pre"), "total_completing"] == 0


def test_footnote_35_late_starter_that_completed(params):
    """A late starter (less than 83 days before the period end) that completed counts
    in both completions measures and not in the effective-treatment measure; with an
    earlier eligible journey, that one is its effective-treatment journey."""
    rows = [
        {
            "client_id": "solo",
            "journey_start": "2009-02-01",
            "journey_end": "2009-03-15",
            "exit_reason": "1",
        },
        {
            "client_id": "both",
            "journey_start": "2008-01-01",
            "journey_end": "2008-02-01",
            "exit_reason": "4",
        },
        {
            "client_id": "both",
            "journey_start": "2009-02-01",
            "journey_end": "2009-03-15",
            "exit_reason": "2",
        },
    ]
    out = derive_outcomes(read_journeys(_frame(rows), params), read_sites(SITES), params)
    pre = out.loc[out.period == "pre"]
    solo = pre.loc[pre.client_id == "solo"]
    assert len(solo) == 1
    assert solo.iloc[0].completing and solo.iloc[0].successful
    assert not solo.iloc[0].in_treatment and not solo.iloc[0].effective
    both = pre.loc[pre.client_id == "both"].sort_values("in_treatment")
    assert len(both) == 2  # the measures chose different journeys
    late, early = both.iloc[0], both.iloc[1]
    assert late.completing and late.successful and not late.in_treatment
    assert early.in_treatment and not early.effective and not early.completing
    c = outcome_counts(out).set_index(["site", "area", "period"]).loc[("3", "pilot", "pre")]
    assert (c.total_in_treatment, c.effective_treatment) == (1, 0)
    assert (c.total_completing, c.successful_completions) == (2, 2)


def test_untidy_cells_and_empty_files(params, tmp_path):
    rows = _frame([{"journey_start": " 2008-01-01 ", "sex": " M"}]).assign(area="p3")
    out = derive_outcomes(read_journeys(rows, params), read_sites(SITES), params)
    assert len(out) == 2 and set(out["sex"]) == {"M"}  # trimmed, and P3 == p3
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(RecordsError, match=r"empty\.csv: cannot be read as a table"):
        read_journeys(empty, params)
    header = tmp_path / "header.csv"
    header.write_text("client_id,area,journey_start,age\n")
    with pytest.raises(RecordsError, match="no journey rows"):
        read_journeys(header, params)


def test_parquet_dates_with_times(params, tmp_path):
    pytest.importorskip("pyarrow")
    frame = _frame([{}, {"client_id": "b"}])
    frame["journey_start"] = pd.to_datetime(["2008-01-01 00:00", "2008-01-01 13:30"])
    path = tmp_path / "j.parquet"
    frame.to_parquet(path)
    assert len(read_journeys(path, params).clean) == 2
