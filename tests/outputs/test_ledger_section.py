"""The report's "who pays, who saves" section (issue 22) and its plain sentences."""

from __future__ import annotations

import itertools
import re

import pytest

import dsc_econ as dsc
from dsc_econ.model.ledger import agency_table, ledger
from dsc_econ.outputs import ledger_section as sec
from dsc_econ.outputs.formatting import format_money
from dsc_econ.outputs.terminal import format_number


def test_sentences_name_each_agency_with_its_money(params):
    ds = ledger(params)
    words = sec.ledger_sentences(ds, params)
    table = agency_table(ds)
    nta = next(s for s in words if s.startswith("NTA"))
    assert f"pays {format_money(table.loc['nta', 'cost'])}" in nta
    assert "payback: not repaid" in nta and "over 12 years" in nta
    nhs = next(s for s in words if s.startswith("NHS"))
    saved = table.loc["nhs", "non_cashable"]
    assert format_money(abs(saved)) in nhs and "non-cashable" in nhs


def test_section_html_has_table_perspectives_chart_and_basis(params):
    out = sec.ledger_section(params, None, itertools.count(3))["ledger_html"]
    html = str(out)
    assert '<section id="ledger">' in html and "Figure 3." in html
    assert "data:image/png;base64," in html
    for word in ("Pays", "cashable", "Perspective", "fiscal", "economic", "social"):
        assert word in html
    assert "£ thousand, present values" in html and "discounted at 3.5%" in html
    text = html[: html.index("data:image/png")]
    assert ">nan<" not in text.lower() and " nan " not in text.lower()


def test_chart_shows_costs_below_the_axis(params):
    ds = ledger(params)
    fig = sec.ledger_chart(ds, params)
    ax = fig.axes[0]
    lows = [p.get_y() + min(0.0, p.get_height()) for p in ax.patches]
    assert min(lows) <= -float(ds.cost_pv_by_year.sum("agency").max()) + 1e-6
    import matplotlib.pyplot as plt

    plt.close(fig)


def test_payback_words():
    assert sec.payback_text(0) == "no cost"
    assert sec.payback_text(-1) == "not repaid"
    assert sec.payback_text(3, lambda y: "2028-29") == "year 3 (2028-29)"


def test_text_view_sums_to_appraise(params):
    text = sec.ledger_text(ledger(params), "agency", params)
    a = dsc.appraise(params)
    assert format_number(float(a.cost.sum())) in text  # 2,155: the appraisal's cost


@pytest.mark.parametrize("by", ["agency", "value-type"])
def test_text_view_names_labels_not_ids_in_80_columns(params, by):
    ds = ledger(params)
    text = sec.ledger_text(ds, by, params, width=80)
    assert max(len(line) for line in text.splitlines()) <= 80
    words = set(re.findall(r"[a-z][a-z0-9_]*", text))
    if by == "agency":
        table = agency_table(ds)
        for agency, label in table["label"].items():
            assert agency not in words or agency == label.lower(), agency
            assert label.split()[0] in text
        assert "NTA / central government (funder): not repaid" in text
        assert "NHS: no cost" in text
        assert "(nta)" not in text and "(nhs)" not in text
    else:
        for vt, label in zip(ds.value_type.values, ds.value_type_label.values, strict=True):
            assert str(vt) not in words or str(vt) == str(label).lower(), vt
            assert str(label) in text  # "Fiscal, cashable"


def test_reader_names_keep_two_agencies_with_one_label_apart():
    assert sec.reader_names(["a", "b", "c"], ["Trust", "Trust", "NHS"]) == [
        "Trust (a)",
        "Trust (b)",
        "NHS",
    ]


def test_a_folder_without_a_ledger_gets_a_note_not_a_crash(param_dir):
    import shutil

    shutil.rmtree(param_dir / "ledger")
    params = dsc.load_parameters(param_dir)
    html = str(sec.ledger_section(params, None, itertools.count(1))["ledger_html"])
    assert "has no ledger" in html and "parameters/ledger/" in html
