"""``dsc-econ appraise --by agency | value-type`` (issue 22): who pays and who saves."""

from __future__ import annotations

import csv
import io
import json

import pytest
import yaml

import dsc_econ as dsc
from dsc_econ.cli.main import main


def run(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def _ledger_part(out: str) -> list[str]:
    return out[out.index("Who pays and who saves") :].splitlines()


@pytest.mark.parametrize("by", ["agency", "value-type"])
def test_by_prints_within_80_columns(capsys, monkeypatch, by):
    monkeypatch.setenv("COLUMNS", "200")  # the ledger view holds 80 whatever the tty
    code, out, _ = run(capsys, "appraise", "--by", by)
    assert code == 0
    lines = _ledger_part(out)
    assert max(len(x) for x in lines) <= 80
    text = "\n".join(lines)
    assert "By perspective" in text and "fiscal" in text and "social" in text
    assert "nan" not in text.lower().replace("non-cash", "")
    if by == "agency":
        assert "NTA / central government (funder): not repaid" in text
        assert "Net present budget impact" in text
        assert "(nta)" not in text and "nhs" not in text  # ids only in --json / --csv


def test_by_agency_json_carries_the_ledger(capsys, params):
    code, out, _ = run(capsys, "appraise", "--by", "agency", "--json")
    assert code == 0
    data = json.loads(out)["ledger"]
    a = dsc.appraise(params)
    social = data["perspectives"]["social"]["npsv"]
    assert social == pytest.approx(float(a.net_benefit.sum()), rel=1e-12)
    nta = data["agencies"]["nta"]
    assert nta["cost"] == pytest.approx(float(a.cost.sum()))
    assert nta["payback_year"] == -1
    assert len(nta["budget_impact_by_year"]) == 12


def test_by_csv(capsys):
    code, out, _ = run(capsys, "appraise", "--by", "agency", "--csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert {r["agency"] for r in rows} >= {"nhs", "nta"}
    assert "budget_year_12" in rows[0]
    code, out, _ = run(capsys, "appraise", "--by", "value-type", "--csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["value_type"] for r in rows][:2] == ["fiscal_cashable", "fiscal_non_cashable"]


def test_bad_split_exits_2_naming_file_key_value(capsys, param_dir):
    path = param_dir / "ledger" / "harms.yaml"
    data = yaml.safe_load(path.read_text())
    data["health"]["nhs"]["fiscal_non_cashable"]["value"] = 0.75
    path.write_text(yaml.safe_dump(data))
    code, _, err = run(capsys, "appraise", "--parameters", str(param_dir), "--by", "agency")
    assert code == 2
    assert "ledger/harms.yaml" in err and "ledger.harms.health" in err and "0.75" in err


def test_additionality_out_of_range_exits_2(capsys):
    code, _, err = run(
        capsys, "appraise", "--by", "agency", "--set", "additionality.leakage=1.2"
    )
    assert code == 2
    assert "additionality.leakage" in err and "1.2" in err
