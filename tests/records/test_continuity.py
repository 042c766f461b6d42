"""Continuity of care: CARAT to CJIT pick-ups and DIP triage, with their DiD."""

from __future__ import annotations

import pandas as pd
import pytest

from dsc_econ.records.continuity import carat_continuity, continuity_did, dip_continuity
from dsc_econ.records.journeys import RecordsError, read_sites

SITES = read_sites(
    pd.DataFrame({"site": ["1", "1"], "area": ["P", "C"], "role": ["pilot", "comparison"]})
)


def test_carat_window_rules(params):
    refs = pd.DataFrame(
        [
            # id, client, area, prison, referral, leaving
            ["r1", "a", "P", "HMP1", "2008-01-10", "2008-02-01"],  # picked up on day 42: ok
            ["r2", "b", "P", "HMP1", "2008-01-10", "2008-02-01"],  # day 43: too late
            ["r3", "c", "P", "HMP1", "2009-03-01", "2009-03-05"],  # after 17 Feb 2009: out
            ["r4", "d", "C", "HMP2", "2010-01-10", "2010-02-01"],  # other prison: no match
            ["r5", "e", "P", "HMP1", "2010-01-10", "2010-02-01"],
        ],
        columns=[
            "referral_id",
            "client_id",
            "area",
            "prison_code",
            "referral_date",
            "leaving_date",
        ],
    )
    picks = pd.DataFrame(
        [
            ["a", "HMP1", "2008-03-14"],
            ["b", "HMP1", "2008-03-15"],
            ["d", "HMP9", "2010-02-02"],
            ["e", "HMP1", "2010-02-01"],
        ],
        columns=["client_id", "prison_code", "care_plan_date"],
    )
    table = carat_continuity(refs, picks, SITES, params).set_index(["role", "period"])
    assert table.loc[("pilot", "pre"), "referrals"] == 2
    assert table.loc[("pilot", "pre"), "successful"] == 1
    assert table.loc[("comparison", "post"), "successful"] == 0
    assert table.loc[("pilot", "post"), "rate"] == 1.0


def test_dip_quarters_and_did(params):
    rows = []
    for area, (pre, post) in {
        "P": ((40, 100), (70, 100)),
        "C": ((50, 100), (55, 100)),
    }.items():
        for q in ("2007-12-01", "2008-03-01", "2008-06-01", "2008-09-01", "2008-12-01"):
            rows.append([area, q, pre[1], pre[0]])
        for q in ("2009-12-01", "2010-03-01", "2010-06-01", "2010-09-01", "2010-12-01"):
            rows.append([area, q, post[1], post[0]])
        rows.append([area, "2009-06-01", 100, 0])  # between the windows: ignored
    quarterly = pd.DataFrame(
        rows, columns=["area", "quarter_start", "referred", "triaged_within_6_weeks"]
    )
    table = dip_continuity(quarterly, SITES, params)
    assert table["referrals"].tolist() == [500] * 4
    did = continuity_did(table).loc["1"]
    assert did["did"] == pytest.approx((0.70 - 0.40) - (0.55 - 0.50))
    assert did["ci_low"] < did["did"] < did["ci_high"]
    bad = quarterly.copy()
    bad.loc[3, "triaged_within_6_weeks"] = 500
    with pytest.raises(RecordsError, match="row 5: more triaged than referred"):
        dip_continuity(bad, SITES, params)
