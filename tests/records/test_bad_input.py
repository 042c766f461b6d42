"""Hostile and careless journey and site files (issue 10): no write outside the chosen
folders, errors naming the user's file, row, column and value, rejects that are safe to
open and never stale, and the regression's covariate limit."""

from __future__ import annotations

import tempfile
import warnings
from pathlib import Path

import pandas as pd
import pytest

from dsc_econ.cli.main import main
from dsc_econ.inputs.parameters import ParameterError
from dsc_econ.inputs.programme import programme_parameters
from dsc_econ.records.journeys import (
    RecordsError,
    RecordsWarning,
    derive_outcomes,
    escape_formula,
    read_journeys,
    read_sites,
)
from dsc_econ.records.regression import logistic_dids
from dsc_econ.records.synthetic import synthetic_journeys, synthetic_sites

SITES_CSV = (
    "site,area,role,cost_year_1,cost_year_2\n"
    "3,P3,pilot,100,50\n"
    "3,C3,comparison,,\n"
    "4,P4,pilot,80,40\n"
    "4,C4,comparison,,\n"
)


@pytest.fixture(scope="module")
def small_extract(params, tmp_path_factory):
    """A small synthetic extract (sites 3 and 4 at a tenth of their size) on disk."""
    folder = tmp_path_factory.mktemp("extract")
    journeys = synthetic_journeys(params, scale=0.1, seed=7, sites=["3", "4"])
    journeys.to_csv(folder / "journeys.csv", index=False)
    synthetic_sites(params, sites=["3", "4"]).to_csv(folder / "sites.csv", index=False)
    return folder


@pytest.fixture()
def own_tmp(tmp_path, monkeypatch):
    """Point the temporary folder of this process at a folder of the test's own, so
    that anything left behind can be seen."""
    tmp = tmp_path / "systmp"
    tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))
    return tmp


@pytest.mark.parametrize(
    "site",
    [
        "../../x/victim",
        "../victim",
        "/tmp/victim",
        "a/b",
        "a\\b",
        "..",
        ".hidden",
        "a b",
        "victim.yaml",
        "",
    ],
)
def test_site_ids_that_name_paths_are_refused_with_file_row_and_value(
    small_extract, tmp_path, own_tmp, site, capsys
):
    sites = tmp_path / "evil_sites.csv"
    text = (small_extract / "sites.csv").read_text().splitlines()
    # row 4 of the file (header = row 1): the pilot row of the second site
    cells = text[3].split(",")
    cells[0] = f'"{site}"'
    text[3] = ",".join(cells)
    sites.write_text("\n".join(text) + "\n")
    work = tmp_path / "work"
    work.mkdir()
    before = {p for p in tmp_path.rglob("*")}
    code = main(
        [
            "appraise",
            "--journeys",
            str(small_extract / "journeys.csv"),
            "--sites-file",
            str(sites),
            "--rejects",
            str(work / "rejects.csv"),
            "--write-parameters",
            str(work / "params"),
        ]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert "evil_sites.csv: row 4, site = " in err and "not a valid id" in err
    assert repr(site) in err or (site == "" and "site = ''" in err)
    after = {p for p in tmp_path.rglob("*")}
    assert after - before == set()  # nothing written anywhere, not even the folder
    assert not list(Path("/tmp").glob("victim*"))
    assert list(own_tmp.iterdir()) == []


def test_programme_tables_refuse_path_ids(tmp_path):
    counts = pd.DataFrame(
        {
            "site": ["../../evil"] * 4,
            "area": ["pilot", "pilot", "comparison", "comparison"],
            "period": ["pre", "post"] * 2,
            "total_in_treatment": [10] * 4,
            "effective_treatment": [9] * 4,
            "successful_completions": [1] * 4,
            "total_completing": [3] * 4,
        }
    )
    costs = pd.DataFrame({"site": ["../../evil"], "cost_year_1": [1], "cost_year_2": [1]})
    path = tmp_path / "counts.csv"
    counts.to_csv(path, index=False)
    with pytest.raises(
        ParameterError, match=r"counts\.csv: row 2, site = '\.\./\.\./evil'"
    ):
        programme_parameters(path, costs, tmp_path / "out" / "p")
    assert not (tmp_path / "out").exists() and not (tmp_path.parent / "evil.yaml").exists()


def test_staging_folder_is_removed_on_success_and_on_error(small_extract, own_tmp, capsys):
    args = [
        "records",
        "derive",
        "--journeys",
        str(small_extract / "journeys.csv"),
        "--sites-file",
        str(small_extract / "sites.csv"),
        "--no-regression",
        "--rejects",
        str(own_tmp.parent / "rejects.csv"),
    ]
    assert main(args) == 0
    assert list(own_tmp.iterdir()) == []
    capsys.readouterr()

    def interrupted(*a, **k):
        raise KeyboardInterrupt

    import dsc_econ.inputs.programme as programme

    original = programme.load_parameters
    programme.load_parameters = interrupted
    try:
        with pytest.raises(KeyboardInterrupt):
            main(args)
    finally:
        programme.load_parameters = original
    assert list(own_tmp.iterdir()) == []  # Ctrl-C while staging leaves nothing behind


def _write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def test_sites_file_errors_name_file_row_column_and_value(tmp_path):
    cases = [
        (
            SITES_CSV.replace("3,C3,comparison,,", "3,C3,comparison,12,"),
            "row 3, cost_year_1 = '12' on a comparison row",
        ),
        (
            SITES_CSV.replace("4,P4,pilot,80,40", "4,P4,pilot,eighty,40"),
            "row 4, cost_year_1 = 'eighty' is not a non-negative",
        ),
        (
            SITES_CSV.replace("4,P4,pilot,80,40", "4,P4,pilot,-5,40"),
            "row 4, cost_year_1 = '-5'",
        ),
        (
            SITES_CSV.replace("4,C4,comparison", "4,C4,control"),
            "row 5, role = 'control' is not pilot or comparison",
        ),
        (SITES_CSV.replace("4,C4,", "4,C3,"), "row 5, area = 'C3' is listed twice"),
        (SITES_CSV.replace("4,C4,", "4,,"), "row 5, area = '' is missing"),
        (
            SITES_CSV + "4,P9,pilot,1,1\n",
            r"site 4 \(row\(s\) \[4, 5, 6\]\) needs exactly one pilot",
        ),
        (
            "\n\n" + SITES_CSV.replace("4,C4,comparison", "4,C4,nope"),
            "row 7, role = 'nope'",
        ),
    ]
    for text, message in cases:
        path = _write(tmp_path / "sites.csv", text)
        with pytest.raises(RecordsError, match=rf"sites\.csv: {message}"):
            read_sites(path)


def test_decode_errors_name_the_file_and_suggest_the_encoding(params, tmp_path):
    text = "client_id,area,journey_start,age\nRenée,P3,2008-01-01,30\n"
    path = _write(tmp_path / "cp.csv", text, "cp1252")
    with pytest.raises(
        RecordsError, match=r"cp\.csv: is not UTF-8 text .*--encoding cp1252"
    ):
        read_journeys(path, params)
    journeys = read_journeys(path, params, encoding="cp1252")
    assert journeys.clean["client_id"].tolist() == ["Renée"]
    for encoding in ("utf-8-sig", "utf-16"):  # a byte-order mark is recognised
        path = _write(tmp_path / f"{encoding}.csv", text, encoding)
        assert read_journeys(path, params).clean["client_id"].tolist() == ["Renée"]


def test_impossible_dates_are_rejected_with_their_rows(params, tmp_path):
    text = (
        "client_id,area,journey_start,journey_end,exit_reason,dob\n"
        "a,P3,2008-01-01,,,1970-01-01\n"  # fine
        "b,P3,2008-01-01,,,2099-01-01\n"  # born in the future
        "c,P3,1899-12-31,,,1870-01-01\n"  # starts (and born) before 1900
        "d,P3,2030-01-01,,,1970-01-01\n"  # starts after the extract
        "e,P3,2008-01-01,2012-01-01,4,1970-01-01\n"  # ends after the extract
        "f,P3,2008-01-01,,,2009-01-01\n"  # born after the journey started
    )
    path = _write(tmp_path / "j.csv", text)
    rejects = tmp_path / "rejects.csv"
    with pytest.raises(
        RecordsError, match=r"j\.csv: 5 of 6 rows rejected \(first: row 3, dob"
    ):
        read_journeys(path, params, rejects, extract_date="2011-06-30")
    report = pd.read_csv(rejects, dtype=str)
    assert sorted(set(report["row"].astype(int))) == [3, 4, 5, 6, 7]
    reasons = " ".join(report["reason"])
    assert "after the extract date 2011-06-30" in reasons
    assert "before 1900" in reasons and "dob is after journey_start" in reasons


def test_rejects_are_formula_escaped_and_never_stale(params, tmp_path):
    text = (
        "client_id,area,journey_start,age\n"
        "=HYPERLINK(1),P3,2008-01-01,30\n"
        "@SUM(A1),P3,2008-13-01,30\n"
        "+1,P3,-2008-01-01,30\n"
    )
    path = _write(tmp_path / "j.csv", text)
    rejects = tmp_path / "rejects.csv"
    read_journeys(path, params, rejects, keep_going=True)
    report = pd.read_csv(rejects, dtype=str, keep_default_na=False)
    assert report["client_id"].tolist() == ["'@SUM(A1)", "'+1"]
    assert report["value"].tolist() == ["2008-13-01", "'-2008-01-01"]
    good = _write(
        tmp_path / "good.csv", "client_id,area,journey_start,age\na,P3,2008-01-01,30\n"
    )
    read_journeys(good, params, rejects)
    assert pd.read_csv(rejects).empty  # rewritten: the old rows are gone
    fresh = tmp_path / "none.csv"
    read_journeys(good, params, fresh)
    assert not fresh.exists()  # nothing rejected, nothing to report
    assert escape_formula(pd.Series(["\tx", "\rx", "a=b", ""])).tolist() == [
        "'\tx",
        "'\rx",
        "a=b",
        "",
    ]


def test_rows_count_blank_lines_and_multiline_cells(params, tmp_path):
    text = (
        "\n"
        "client_id,area,journey_start,age,note\n"  # header on row 2
        "a,P3,2008-01-01,30,x\n"  # row 3
        "\n"  # row 4: blank
        'b,P3,2008-01-01,30,"two\nlines"\n'  # row 5 (one record, as a spreadsheet shows)
        "c,P3,2008-02-30,30,y\n"  # row 6: bad date
    )
    path = _write(tmp_path / "j.csv", text)
    with pytest.raises(
        RecordsError, match=r"j\.csv: 1 of 3 rows rejected \(first: row 6, "
    ):
        read_journeys(path, params)


def test_delimiters_and_ragged_rows(params, tmp_path):
    text = "client_id;area;journey_start;age\na;P3;2008-01-01;30\n"
    assert len(read_journeys(_write(tmp_path / "semi.csv", text), params).clean) == 1
    tab = text.replace(";", "\t")
    assert len(read_journeys(_write(tmp_path / "tab.csv", tab), params).clean) == 1
    ragged = "client_id,area,journey_start,age\na,P3,2008-01-01,30\nb,P3,2008-01-01,30,9\n"
    with pytest.raises(
        RecordsError, match=r"ragged\.csv: .*row 3 has 5 cells where the header has 4"
    ):
        read_journeys(_write(tmp_path / "ragged.csv", ragged), params)
    twice = "client_id,area,journey_start,age,area\na,P3,2008-01-01,30,P4\n"
    with pytest.raises(
        RecordsError, match=r"twice\.csv: row 1, column 'area' appears twice"
    ):
        read_journeys(_write(tmp_path / "twice.csv", twice), params)


def test_high_cardinality_covariates_are_dropped_with_a_warning(params):
    journeys = read_journeys(
        synthetic_journeys(params, scale=0.2, seed=3, sites=["3"]), params
    )
    journeys.clean["nhs_number"] = [f"{i:010d}" for i in range(len(journeys.clean))]
    sites = read_sites(synthetic_sites(params, sites=["3"]))
    outcomes = derive_outcomes(journeys, sites, params)
    with pytest.warns(RecordsWarning, match=r"covariate 'nhs_number' has [\d,]+ distinct"):
        table = logistic_dids(outcomes, journeys.covariates, max_levels=50)
    assert table.attrs["dropped_covariates"].keys() == {"nhs_number"}
    with warnings.catch_warnings():
        warnings.simplefilter("error", RecordsWarning)
        same = logistic_dids(
            outcomes, [c for c in journeys.covariates if c != "nhs_number"]
        )
    pd.testing.assert_frame_equal(table, same)  # dropped: as if it were not there


def test_cli_names_the_user_csv_row_not_a_staging_file(small_extract, tmp_path, capsys):
    sites = _write(
        tmp_path / "sites.csv",
        (small_extract / "sites.csv").read_text().replace(",pilot,", ",pilot,", 1),
    )
    lines = sites.read_text().splitlines()
    lines[1] = lines[1].split(",")[0] + ",P3,pilot,lots,1,whole_system"
    sites.write_text("\n".join(lines) + "\n")
    code = main(
        [
            "appraise",
            "--journeys",
            str(small_extract / "journeys.csv"),
            "--sites-file",
            str(sites),
            "--rejects",
            str(tmp_path / "r.csv"),
        ]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert f"{sites}: row 2, cost_year_1 = 'lots'" in err
    assert "parameters/sites" not in err and "dsc-econ-records-" not in err


def test_cli_encoding_and_extract_date_options(small_extract, tmp_path, capsys):
    text = (small_extract / "journeys.csv").read_text(encoding="utf-8")
    header, first, rest = text.split("\n", 2)
    cells = first.split(",")
    cells[-1] = "Renée"  # a covariate cell with a Windows-1252 byte
    cp = tmp_path / "journeys_cp1252.csv"
    cp.write_bytes("\n".join([header, ",".join(cells), rest]).encode("cp1252"))
    args = [
        "records",
        "derive",
        "--journeys",
        str(cp),
        "--sites-file",
        str(small_extract / "sites.csv"),
        "--no-regression",
        "--rejects",
        str(tmp_path / "rejects.csv"),
    ]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert f"{cp}: is not UTF-8 text (byte 0xe9 on line 2)" in err and "--encoding" in err
    assert main([*args, "--encoding", "cp1252"]) == 0
    capsys.readouterr()
    assert main([*args, "--encoding", "cp1252", "--extract-date", "2011-06-30"]) == 2
    err = capsys.readouterr().err
    assert "rows rejected" in err and "after the extract date 2011-06-30" in err
