"""Parameters as validated data: loading, provenance, overrides and bad input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import dsc_econ as dsc
from dsc_econ.inputs.parameters import UNITS, ParameterError, parse_assignment


def test_every_parameter_has_unit_reference_and_price_year(params):
    assert len(params) > 100
    for name in params:
        meta = params.meta(name)
        assert meta.unit in UNITS, name
        assert meta.reference.document, name
        assert meta.reference.table or meta.reference.section or meta.reference.figure
        if UNITS[meta.unit].monetary:
            assert meta.price_year, name


def test_key_inputs_carry_the_reports_values_and_pages(params):
    assert params["harms.untreated.total"] == 55127
    assert params["harms.untreated.health"] + params["harms.untreated.crime"] == 55128
    assert params["harms.in_treatment.total"] == 43087
    assert params["harms.in_treatment.health"] + params["harms.in_treatment.crime"] == 43087
    assert params["treatment.annual_cost"] == 3000
    assert params["career.years_before_treatment"] == 8
    assert params["career.years_in_treatment"] == 4
    assert params["career.years_after_treatment"] == 8
    assert params["discounting.rate"] == pytest.approx(0.035)
    assert round(params["pathways.gamma"], 3) == 0.457
    ref = params.meta("harms.untreated.total").reference
    assert ref.page == 117 and "C.5.1" in ref.table
    assert params.meta("sites.5.counts.pilot.post.total_in_treatment").reference.page == 87


def test_sites_and_comparison_areas(params):
    assert params.sites() == ["1", "2", "3", "4", "5", "6", "7"]
    assert params.impact_sites() == ["2", "3", "4", "5", "6", "7"]
    assert params["sites.3.type"] == "whole_system"
    assert params.meta("sites.3.p_values.et_tt").comparator == "<"


def test_to_frame_lists_every_parameter(params):
    frame = params.to_frame()
    assert len(frame) == len(params)
    assert {"value", "unit", "price_year", "reference", "note"} <= set(frame.columns)


def test_overrides_are_validated_and_recorded(params):
    new = params.with_values({"discounting.rate": 0.015})
    assert new["discounting.rate"] == 0.015
    assert params["discounting.rate"] == 0.035  # the original is untouched
    assert new.overridden == ("discounting.rate",)
    assert new.meta("discounting.rate").source == "override"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"discounting.rat": 0.01}, "unknown parameter 'discounting.rat'; did you mean"),
        ({"pathways.gamma": 1.2}, "pathways.gamma: 1.2 is above 1"),
        ({"harms.untreated.total": -5}, "harms.untreated.total: -5.0 is below 0"),
        ({"discounting.method": "hyperbolic"}, "'hyperbolic' is not one of"),
        ({"sites.2.counts.pilot.pre.total_in_treatment": 10.5}, "not a whole number"),
        ({"pathways.alpha": float("nan")}, "must be finite"),
        ({"appraisal.discount_costs": "yes"}, "expected true/false"),
        ({"discounting.schedule_rates": 0.03}, "is a list"),
    ],
)
def test_bad_override_names_key_and_value(params, overrides, message):
    with pytest.raises(
        ParameterError, match=message.replace("(", r"\(").replace(")", r"\)")
    ):
        params.with_values(overrides, origin="--set")


def test_sample_arrays_need_one_length(params):
    ok = params.with_values({"pathways.gamma": np.array([0.4, 0.5, 0.6])})
    assert ok.sample_size() == 3
    with pytest.raises(ParameterError, match="different lengths"):
        ok.with_values({"discounting.rate": np.array([0.01, 0.02])})
    with pytest.raises(ParameterError, match="above 1"):
        params.with_values({"pathways.gamma": np.array([0.4, 1.5])})


def test_parse_assignment():
    assert parse_assignment("discounting.rate=0.015") == ("discounting.rate", 0.015)
    assert parse_assignment("discounting.method=green_book") == (
        "discounting.method",
        "green_book",
    )
    assert parse_assignment("appraisal.discount_costs=true")[1] is True
    with pytest.raises(ParameterError, match="expected key=value"):
        parse_assignment("discounting.rate")
    with pytest.raises(ParameterError, match="no value"):
        parse_assignment("discounting.rate=")


def test_unknown_site_ids_are_named(params):
    with pytest.raises(ParameterError, match=r"unknown site id\(s\) \['9'\]"):
        params.check_sites(["2", "9"])


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


@pytest.mark.parametrize(
    ("file", "old", "new", "message"),
    [
        (
            "harms/untreated.yaml",
            "  value: 55127",
            "  value: 55127\n  value: 1",
            "duplicate key 'value'",
        ),
        (
            "harms/untreated.yaml",
            "  value: 55127",
            "  value: 55127\n  valeu: 1",
            "unknown key(s) ['valeu']",
        ),
        (
            "treatment.yaml",
            "unit: GBP_per_client_year",
            "unit: pounds",
            "unknown unit 'pounds'",
        ),
        ("pathways.yaml", "value: 0.82", "value: 1.82", "pathways.alpha: 1.82 is above 1"),
        (
            "treatment.yaml",
            "value: 3000",
            "value: -3000",
            "treatment.annual_cost: -3000.0 is below 0",
        ),
        ("treatment.yaml", "  price_year: 2008-09\n", "", "needs a price_year"),
        (
            "career.yaml",
            "value: 8\n",
            "value: eight\n",
            "expected a number (years), got 'eight'",
        ),
        (
            "discounting.yaml",
            "  value: constant",
            "  value: hyperbolic",
            "'hyperbolic' is not one of",
        ),
        (
            "sites/4.yaml",
            "      effective_treatment: 2711",
            "      effective_treatment: 9999",
            "exceeds total_in_treatment",
        ),
        (
            "pathways.yaml",
            "    document: 004_4627c13326623822.txt\n    section: 1.1 (national NDTMS, 2007/08)\n",
            "    document: 004_4627c13326623822.txt\n",
            "reference needs a 'table', 'section' or 'figure'",
        ),
        (
            "discounting.yaml",
            "value: [0.035, 0.03, 0.025, 0.02, 0.015, 0.01]",
            "value: [0.035, 0.03]",
            "schedule_from_years has 6 entries but discounting.schedule_rates has 2",
        ),
    ],
)
def test_bad_files_fail_naming_file_key_and_value(param_dir, file, old, new, message):
    path = param_dir / file
    _edit(path, old, new)
    with pytest.raises(ParameterError) as info:
        dsc.load_parameters(param_dir)
    text = str(info.value)
    assert message in text
    assert path.name in text or "sites" in text


def test_missing_comparison_area_is_rejected(param_dir):
    path = param_dir / "sites" / "6.yaml"
    text = path.read_text()
    start = text.index("  comparison:")
    end = text.index("did_reported:")
    path.write_text(text[:start] + text[end:])
    with pytest.raises(ParameterError, match="every pilot needs its comparison area"):
        dsc.load_parameters(param_dir)


def test_bad_file_names_and_empty_files(param_dir):
    (param_dir / "Bad-Name.yaml").write_text(
        "x: {value: 1, unit: years, reference: {document: d, table: t}}\n"
    )
    with pytest.raises(ParameterError, match="'Bad-Name' is not a valid parameter name"):
        dsc.load_parameters(param_dir)
    (param_dir / "Bad-Name.yaml").unlink()
    (param_dir / "empty.yaml").write_text("")
    with pytest.raises(ParameterError, match=r"empty\.yaml: file is empty"):
        dsc.load_parameters(param_dir)


def test_missing_directory(tmp_path):
    with pytest.raises(ParameterError, match="parameter directory not found"):
        dsc.load_parameters(tmp_path / "nowhere")


def test_alternative_directory_changes_values(param_dir):
    _edit(param_dir / "treatment.yaml", "value: 3000", "value: 4000")
    assert dsc.load_parameters(param_dir)["treatment.annual_cost"] == 4000


def test_required_parameters_and_stray_files(param_dir):
    path = param_dir / "discounting.yaml"
    path.write_text(path.read_text().replace("\nrate:\n", "\nrat:\n", 1))
    with pytest.raises(
        ParameterError,
        match=r"required parameter 'discounting\.rate' is missing; found 'discounting\.rat'",
    ):
        dsc.load_parameters(param_dir)
    path.write_text(path.read_text().replace("\nrat:\n", "\nrate:\n", 1))
    (param_dir / "extra.yml").write_text("x: 1\n")
    with pytest.raises(ParameterError, match=r"must end in \.yaml"):
        dsc.load_parameters(param_dir)
    (param_dir / "extra.yml").unlink()
    site = param_dir / "sites" / "2.yaml"
    text = site.read_text()
    site.write_text(text.replace("  year_2: 256", "  year_2: 256\n  yeer_3: 10"))
    with pytest.raises(
        ParameterError, match=r"unknown site parameter 'sites\.2\.costs\.yeer_3'"
    ):
        dsc.load_parameters(param_dir)
    # any number of cost years (issue 20), but 1..N without a gap
    site.write_text(text.replace("  year_2: 256", "  year_2: 256\n  year_4: 10"))
    with pytest.raises(ParameterError, match=r"costs\.year_3 is missing"):
        dsc.load_parameters(param_dir)
    site.write_text(text.replace("  year_2: 256", "  year_2: 256\n  year_3: 10"))
    assert dsc.appraisal_table(dsc.load_parameters(param_dir)).loc["2", "cost"] == 551


def test_exponent_notation_on_the_command_line():
    assert parse_assignment("harms.untreated.total=5.5e4") == (
        "harms.untreated.total",
        55000.0,
    )
    assert parse_assignment("harms.untreated.total=1e7") == ("harms.untreated.total", 1e7)
