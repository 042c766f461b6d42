"""The GDP deflator as data, rebasing, and the price base of an appraisal."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import dsc_econ as dsc
from dsc_econ.cli.main import main
from dsc_econ.inputs import prices
from dsc_econ.inputs.parameters import ParameterError

COUNTS = """\
site,area,period,total_in_treatment,effective_treatment,successful_completions,total_completing
east,pilot,pre,1000,900,100,400
east,pilot,post,1000,950,150,420
east,comparison,pre,1200,1080,120,450
east,comparison,post,1200,1090,130,460
"""
COSTS = """\
site,year,cost,price_year
east,1,400,2015
east,2,400,2015
east,3,350,2015
"""


def test_series_carries_vintage_source_and_publication():
    s = prices.deflator_series()
    for key in ("source", "vintage", "published", "copied_from", "financial_years"):
        assert s.attrs[key], key
    assert "HM Treasury" in s.attrs["source"] and "December 2025" in s.attrs["vintage"]
    assert s.index[0] == "1990" and s.index[-1] == "2024"
    assert s["2024"] == 100.0
    assert s["2008"] == pytest.approx(66.89)  # the value as published, not recomputed


def test_financial_year_series_carries_vintage_licence_and_forecast_years():
    s = prices.deflator_series("financial")
    for key in ("source", "vintage", "published", "copied_from", "licence", "forecast"):
        assert s.attrs[key], key
    assert "March 2026" in s.attrs["vintage"] and "L8GG" in s.attrs["source"]
    assert "Open Government Licence" in s.attrs["licence"]
    assert s.index[0] == "2000-01" and s.index[-1] == "2030-31"
    assert s["2024-25"] == 100.0
    assert s["2008-09"] == pytest.approx(66.8397)  # as published, not recomputed
    assert prices.is_forecast("2025-26") and not prices.is_forecast("2024-25")
    assert not prices.is_forecast(2024)  # the calendar series is outturn only
    assert "OBR forecast from 2025-26" in prices.deflator_vintage("2025-26")
    assert "December 2025" in prices.deflator_vintage(2024)
    assert "financial years" in prices.deflator_vintage()  # both, when no base


def test_financial_year_deflator():
    assert dsc.deflator("2008-09", "2025-26") == pytest.approx(103.2388 / 66.8397)
    assert dsc.deflator("2025-26", "2008-09") * dsc.deflator(
        "2008-09", "2025-26"
    ) == pytest.approx(1)
    with pytest.raises(ValueError, match="kind must be"):
        prices.deflator_series("fiscal")


def test_deflator_and_rebase():
    assert prices.deflator(2008, 2024) == pytest.approx(100 / 66.89)
    assert prices.deflator("2008", "2024") == prices.deflator(2008, 2024)
    assert prices.deflator(2015, 2020) * prices.deflator(2020, 2015) == pytest.approx(1)
    values = np.array([1.0, 2.0])
    np.testing.assert_allclose(prices.rebase(values, 2015, 2024), values * 100 / 75.1536)
    frame = pd.DataFrame({"cost": [10.0]})
    assert prices.rebase(frame, 2024, 2024).equals(frame)
    assert dsc.deflator(2024, 2024) == 1.0 and dsc.rebase(5.0, 2024, 2024) == 5.0


@pytest.mark.parametrize(
    ("a", "b", "message"),
    [
        (1980, 2024, r"outside the deflator series: it covers calendar years 1990 to 2024"),
        (2008, 2030, r"to_year '2030' is outside .* 1990 to 2024"),
        ("1999-00", "2024-25", r"it covers financial years 2000-01 to 2030-31"),
        ("2008-09", "2031-32", r"to_year '2031-32' is outside .* 2000-01 to 2030-31"),
        ("2008-09", 2024, r"one is a calendar and the other a financial year"),
        ("2008/09", 2024, r"is not a calendar year"),
        ("2008-10", 2024, r"is not a calendar year"),
        (2008.0, 2024, r"is not a calendar year"),
    ],
)
def test_years_the_series_does_not_cover_are_refused(a, b, message):
    with pytest.raises(prices.PriceYearError, match=message):
        prices.deflator(a, b)


def test_dscp_set_keeps_the_report_base(params):
    assert params["appraisal.price_base"] == "as supplied"
    assert prices.to_price_base(params) is params
    assert prices.price_label(params) == "£, prices as supplied"


def test_dscp_inputs_without_a_price_year_are_refused_for_a_base(params):
    with pytest.raises(
        ParameterError,
        match=r"cashflow.yaml: cashflow.profile.level, "
        r"price_year = 'not stated': cannot convert",
    ):
        prices.to_price_base(params.with_values({"appraisal.price_base": "2020"}))


def _project(tmp_path: Path, price_year: str = "2015") -> Path:
    """A made-up one-site project whose every money input states ``price_year``."""
    (tmp_path / "counts.csv").write_text(COUNTS)
    (tmp_path / "costs.csv").write_text(COSTS.replace("2015", price_year))
    folder = tmp_path / "proj"
    assert (
        main(
            [
                "new",
                str(folder),
                "--counts",
                str(tmp_path / "counts.csv"),
                "--costs",
                str(tmp_path / "costs.csv"),
            ]
        )
        == 0
    )
    for path in folder.rglob("*.yaml"):
        text = path.read_text()
        new = re.sub(
            r"price_year: (not stated|as supplied|2008-09)",
            f'price_year: "{price_year}"',
            text,
        )
        if new != text:
            path.write_text(new)
    return folder


MONEY = (
    "total_benefit",
    "cost",
    "net_benefit",
    "value_effective",
    "value_completions",
    "benefit_sensitivity",
)


def test_rebasing_scales_every_money_output_and_no_ratio(tmp_path):
    folder = _project(tmp_path)
    params = dsc.load_parameters(folder)
    same = prices.to_price_base(params.with_values({"appraisal.price_base": "2015"}))
    later = prices.to_price_base(params.with_values({"appraisal.price_base": "2024"}))
    ratio = prices.deflator(2015, 2024)
    assert ratio == pytest.approx(100 / 75.1536)
    a, b = dsc.appraise(same), dsc.appraise(later)
    for name in (*MONEY, "cost_by_year", "benefit_by_year"):
        np.testing.assert_allclose(b[name].values, a[name].values * ratio, rtol=1e-12)
    for name in ("bcr", "bcr_sensitivity", "extra_effective", "extra_completions"):
        np.testing.assert_allclose(b[name].values, a[name].values, rtol=1e-12)
    ua, ub = dsc.unit_values(same), dsc.unit_values(later)
    assert ub.effective == pytest.approx(ua.effective * ratio, rel=1e-12)
    assert later.meta("harms.untreated.total").price_year == "2024"
    from dsc_econ.model.cashflow import cashflow

    cf_a, cf_b = cashflow(same), cashflow(later)
    np.testing.assert_allclose(cf_b["npv"].values, cf_a["npv"].values * ratio, rtol=1e-12)
    np.testing.assert_allclose(cf_b["bcr"].values, cf_a["bcr"].values, rtol=1e-12)


def test_a_financial_year_base_rebases_a_project_and_names_the_forecast(tmp_path, capsys):
    folder = _project(tmp_path, "2015-16")
    params = dsc.load_parameters(folder)
    same = prices.to_price_base(params.with_values({"appraisal.price_base": "2015-16"}))
    later = prices.to_price_base(params.with_values({"appraisal.price_base": "2025-26"}))
    ratio = prices.deflator("2015-16", "2025-26")
    assert ratio == pytest.approx(103.2388 / 74.5804)
    a, b = dsc.appraise(same), dsc.appraise(later)
    for name in MONEY:
        np.testing.assert_allclose(b[name].values, a[name].values * ratio, rtol=1e-12)
    np.testing.assert_allclose(b["bcr"].values, a["bcr"].values, rtol=1e-12)
    capsys.readouterr()
    args = [
        "appraise",
        "--parameters",
        str(folder),
        "--set",
        "appraisal.price_base=2025-26",
    ]
    assert main([*args, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["units"]["price_base"] == "£, 2025-26 prices"
    assert "March 2026" in out["units"]["deflator"]
    assert "OBR forecast from 2025-26" in out["units"]["deflator"]


def test_appraise_states_the_base_and_the_vintage(tmp_path, capsys):
    folder = _project(tmp_path)
    capsys.readouterr()
    assert (
        main(
            [
                "appraise",
                "--parameters",
                str(folder),
                "--set",
                "appraisal.price_base=2024",
                "--json",
            ]
        )
        == 0
    )
    out = json.loads(capsys.readouterr().out)
    assert out["units"]["price_base"] == "£, 2024 prices"
    assert "December 2025" in out["units"]["deflator"]
    assert out["units"]["sites"]["costs"] == "GBP thousand, 2024 prices"
    assert (
        main(
            ["appraise", "--parameters", str(folder), "--set", "appraisal.price_base=2024"]
        )
        == 0
    )
    text = capsys.readouterr().out
    assert "£, 2024 prices" in text and "December 2025" in text


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ("appraisal.price_base=2030", r"appraisal.price_base = '2030'.*1990 to 2024"),
        ("appraisal.price_base=2024/25", r"appraisal.price_base: '2024/25' is not a price"),
        ("appraisal.price_base=2031-32", r"'2031-32'.*2000-01 to 2030-31"),
        ("appraisal.price_base=2025-26", r"one is a calendar and the other a financial"),
        ("appraisal.optimism_bias=-0.1", r"appraisal.optimism_bias: -0.1 is below 0"),
        ("appraisal.optimism_bias=.nan", r"appraisal.optimism_bias: value must be finite"),
    ],
)
def test_bad_price_input_exits_2_naming_key_and_value(tmp_path, capsys, setting, message):
    folder = _project(tmp_path)
    assert main(["appraise", "--parameters", str(folder), "--set", setting]) == 2
    assert re.search(message, capsys.readouterr().err)


def test_a_year_outside_the_series_or_mixed_years_name_the_file(tmp_path, capsys):
    folder = _project(tmp_path, "1985")
    assert (
        main(
            ["appraise", "--parameters", str(folder), "--set", "appraisal.price_base=2024"]
        )
        == 2
    )
    err = capsys.readouterr().err
    assert re.search(r"proj/[a-z/]+\.yaml: [a-z_.]+, price_year = '1985'", err)
    assert "1990 to 2024" in err
    (tmp_path / "mixed").mkdir()
    folder = _project(tmp_path / "mixed")
    site = folder / "sites" / "east.yaml"
    text = site.read_text()
    site.write_text(
        text.replace("  year_1: 400.0", "  year_1: {value: 400.0, price_year: '2016'}")
    )
    assert (
        main(
            ["appraise", "--parameters", str(folder), "--set", "appraisal.price_base=2024"]
        )
        == 2
    )
    err = capsys.readouterr().err
    assert (
        "mixed price years ['2015', '2016'] within the input group sites.east.costs" in err
    )
    assert "east.yaml" in err


def test_csv_headers_state_the_price_base(tmp_path, capsys):
    folder = _project(tmp_path)
    capsys.readouterr()
    assert (
        main(
            [
                "appraise",
                "--parameters",
                str(folder),
                "--csv",
                "--set",
                "appraisal.price_base=2024",
            ]
        )
        == 0
    )
    header = capsys.readouterr().out.splitlines()[0]
    assert "cost (GBP thousand, 2024 prices)" in header
    assert ",bcr," in header  # ratios carry no price base


def test_dscp_set_rebases_to_2025_26_on_its_recorded_price_years(params):
    """Cash costs convert year by year, 'not stated' inputs from the recorded
    assumption (appraisal.unstated_price_year), and one base scales by one ratio."""
    assert params["appraisal.unstated_price_year"] == "2008-09"
    a = prices.to_price_base(params.with_values({"appraisal.price_base": "2015-16"}))
    b = prices.to_price_base(params.with_values({"appraisal.price_base": "2025-26"}))
    assert b.overridden == ("appraisal.price_base",)  # a conversion is no override
    assert b.meta("sites.1.costs.year_2").price_year == "2025-26"
    ratio = prices.deflator("2015-16", "2025-26")
    ra, rb = dsc.appraise(a), dsc.appraise(b)
    for name in (*MONEY, "cost_by_year", "benefit_by_year"):
        np.testing.assert_allclose(rb[name].values, ra[name].values * ratio, rtol=1e-12)
    for name in ("bcr", "bcr_sensitivity", "extra_effective", "extra_completions"):
        np.testing.assert_allclose(rb[name].values, ra[name].values, rtol=1e-12)
    # each cash year from its own year: 2009-10 and 2010-11
    raw = dsc.appraise(params)
    cy = raw["cost_by_year"]
    np.testing.assert_allclose(
        rb["cost_by_year"].isel(project_year=0).values,
        cy.isel(project_year=0).values * prices.deflator("2009-10", "2025-26"),
        rtol=1e-12,
    )
    np.testing.assert_allclose(
        rb["cost_by_year"].isel(project_year=1).values,
        cy.isel(project_year=1).values * prices.deflator("2010-11", "2025-26"),
        rtol=1e-12,
    )
    unit = prices.deflator("2008-09", "2025-26")
    assert b["harms.untreated.total"] == pytest.approx(55127 * unit)
    assert b["treatment.annual_cost"] == pytest.approx(
        params["treatment.annual_cost"] * unit
    )
    # two-year cash totals (Tables 7.1-7.3 context) stay as supplied, and are named
    left = prices.unconverted(params)
    assert "spending.dscp.earmarked_total" in left
    assert b["spending.dscp.earmarked_total"] == params["spending.dscp.earmarked_total"]


def test_no_assumption_refuses_an_unstated_price_year(params):
    p = params.with_values(
        {"appraisal.price_base": "2025-26", "appraisal.unstated_price_year": "as supplied"}
    )
    with pytest.raises(ParameterError, match=r"price_year = 'not stated': cannot convert"):
        prices.to_price_base(p)


def test_cash_years():
    assert prices.cash_years("cash (year 1 = 2009-10)") == {1: "2009-10"}
    assert prices.cash_years("cash, 2009-10 and 2010-11") is None
    assert prices.cash_years("2009-10") is None


@pytest.mark.parametrize("base", ["2025-26", "as supplied"])
def test_appraise_fits_80_columns(monkeypatch, capsys, base):
    monkeypatch.setenv("COLUMNS", "80")
    assert main(["appraise", "--set", f"appraisal.price_base={base}"]) == 0
    out = capsys.readouterr().out
    long = [line for line in out.splitlines() if len(line) > 80]
    assert not long, long
    assert "Prices: £, " in out
    if base == "as supplied":
        assert "no deflator applied" in out


def test_project_appraise_fits_80_columns(tmp_path, monkeypatch, capsys):
    folder = _project(tmp_path)
    monkeypatch.setenv("COLUMNS", "80")
    capsys.readouterr()
    args = ["appraise", "--parameters", str(folder), "--set", "appraisal.price_base=2024"]
    assert main(args) == 0
    long = [line for line in capsys.readouterr().out.splitlines() if len(line) > 80]
    assert not long, long
