"""The Green Book economic case: NPSV, BCR, intervals, switching values, VfM."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import dsc_econ as dsc
from dsc_econ.cli.main import main
from dsc_econ.model.economic_case import dft_category, economic_case

COUNTS = """\
site,area,period,total_in_treatment,effective_treatment,successful_completions,total_completing
east,pilot,pre,1000,900,100,400
east,pilot,post,1000,950,150,420
east,comparison,pre,1200,1080,120,450
east,comparison,post,1200,1090,130,460
"""
COSTS = "site,year,cost,price_year\neast,1,400,2026-27\neast,2,400,2026-27\n"


@pytest.fixture(scope="module")
def case(params):
    return economic_case(params)


@pytest.fixture(scope="module")
def params():
    return dsc.load_parameters()


def test_npsv_and_bcr_are_the_sites_together(params, case):
    ds = dsc.appraise(params)
    assert case.npsv == pytest.approx(float(ds.net_benefit.sum()))
    assert case.bcr == pytest.approx(float(ds.total_benefit.sum() / ds.cost.sum()))
    assert case.sites == [str(s) for s in ds.site.values]
    assert case.price == "£, prices as supplied"


def test_switching_values_turn_the_npsv_to_zero(params, case):
    models = [s for s in case.switching if s.value is not None and "." in s.name]
    assert models, "at least one model input has a switching value"
    for s in models:
        moved = economic_case(params.with_values({s.name: s.value}), top=0)
        assert abs(moved.npsv) < 1e-6 * max(1.0, abs(case.npsv)), s.name
    benefits = case.switching[0]
    assert benefits.name == "benefits" and benefits.value == pytest.approx(case.pv_cost)
    # sorted: the smallest change needed first
    changes = [abs(s.change) for s in models if s.change is not None]
    assert changes == sorted(changes)


def test_intervals_from_samples(params, case):
    rng = np.random.default_rng(1)
    n, k = 400, len(case.sites)
    b = rng.normal(100, 10, (n, k))
    c = rng.normal(50, 5, (n, k))
    out = economic_case(params, samples={"total_benefit": b, "cost": c}, top=0)
    lo, hi = np.percentile(b.sum(1) - c.sum(1), [5, 95])
    assert out.npsv_interval == pytest.approx((lo, hi))
    assert out.prob_npsv_positive == 1.0 and out.samples == n
    assert "positive in 100% of the probabilistic samples" in out.statement


def test_text_fits_80_columns_and_lists_unmonetised(case):
    text = case.text(80)
    assert max(len(line) for line in text.splitlines()) <= 80
    assert "Reconviction, housing" in text and "managerial_economies" in text
    assert "Value for money:" in text and "DfT's framework" in text


@pytest.mark.parametrize(
    ("bcr", "name"),
    [
        (-0.1, "Very Poor"),
        (0.0, "Poor"),
        (0.99, "Poor"),
        (1.0, "Low"),
        (1.5, "Medium"),
        (2.0, "High"),
        (3.99, "High"),
        (4.0, "Very High"),
    ],
)
def test_dft_categories(bcr, name):
    assert dft_category(bcr) == name


def test_own_project_case_in_appraise(tmp_path: Path, capsys):
    (tmp_path / "counts.csv").write_text(COUNTS)
    (tmp_path / "costs.csv").write_text(COSTS)
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
    capsys.readouterr()
    assert main(["appraise", "--parameters", str(folder), "--json", "--psa", "60"]) == 0
    out = json.loads(capsys.readouterr().out)
    case = out["economic_case"]
    assert case["npsv"] == pytest.approx(out["sites"]["east"]["npv"])
    assert case["uncertainty"]["samples"] == 60
    assert (
        case["npsv"] > 0 and "offers positive net social value" in case["value_for_money"]
    )
    assert case["unmonetised"] == []  # none of the 2012 pilots' text
    assert case["dft_vfm_category"]["source"].startswith("Department for Transport")
    assert main(["appraise", "--parameters", str(folder)]) == 0
    text = capsys.readouterr().out
    block = text[text.index("Economic case") :]
    assert max(len(line) for line in block.splitlines()) <= 80
    with pytest.raises(SystemExit) as exc:  # too few samples for an interval
        main(["appraise", "--parameters", str(folder), "--psa", "1"])
    assert exc.value.code == 2
    assert "--psa: must be at least 2, got 1" in capsys.readouterr().err
