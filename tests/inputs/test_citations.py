"""Citations from the bibliography: every source a reader can look up."""

from __future__ import annotations

import pytest

from dsc_econ.inputs.citations import cite, load_bibliography, read_bibliography
from dsc_econ.inputs.parameters import ParameterError, data_dir, load_parameters
from dsc_econ.inputs.scenarios import load_scenarios
from dsc_econ.outputs.published import load_published
from dsc_econ.sensitivity.distributions import load_uncertainty


def test_the_report_is_cited_by_author_title_year_table_and_page():
    text = cite(
        {"document": "003_4f7ee6da7be9200b.txt", "table": "Table 7.10", "page": 91}
    )
    assert text.startswith("Callanan, M.")
    assert "(2012)" in text and "Drug System Change Pilots Evaluation Final Report" in text
    assert text.endswith("Table 7.10, p. 91")
    assert "003_" not in text
    short = cite({"document": "003_4f7ee6da7be9200b.txt", "table": "Table 7.10"}, "short")
    assert short == (
        "NatCen / University of York (2012), Drug System Change Pilots Evaluation Final "
        "Report, Table 7.10"
    )


def test_the_seed_file_is_only_an_extra_field():
    ref = {"document": "004_4627c13326623822.txt", "section": "1.1"}
    text = cite(ref, with_seed=True)
    assert text.startswith("National Treatment Agency for Substance Misuse (NTA) (2009)")
    assert text.endswith("[seed: 004_4627c13326623822.txt]")


def test_keys_aliases_and_unknown_documents():
    by_key = cite({"document": "hmt_green_book_2022", "section": "Annex A6"}, "short")
    by_alias = cite({"document": "HM Treasury, The Green Book (2022)", "section": "Annex A6"},
                    "short")
    assert by_key == by_alias == (
        "HM Treasury (2022), The Green Book: Central Government Guidance on Appraisal "
        "and Evaluation, Annex A6"
    )
    assert cite({"document": "costs.csv", "section": "counts and costs tables"}) == (
        "costs.csv. counts and costs tables"
    )
    with pytest.raises(ValueError, match="style"):
        cite("x", style="long")


def _sources():
    params = load_parameters()
    for name in params:
        yield f"parameter {name}", params.meta(name).reference
    for file in sorted(data_dir("scenarios").glob("*.yaml")):
        for name, s in load_scenarios(file).items():
            if s.reference:
                yield f"{file.name} {name}", s.reference
    for file in sorted(data_dir("uncertainty").glob("*.yaml")):
        for item in load_uncertainty(file, params=params).inputs:
            if item.reference:
                yield f"{file.name} {item.name}", item.reference
    for tid, table in load_published().items():
        yield f"published {tid}", table.reference


def test_every_bundled_reference_resolves_to_a_bibliography_entry():
    bib = load_bibliography()
    missing = [
        (where, ref) for where, ref in _sources()
        if bib.find(ref["document"] if isinstance(ref, dict) else ref.document) is None
    ]
    assert not missing


def test_parameters_show_citations_not_seed_names():
    params = load_parameters()
    frame = params.to_frame()
    assert {"reference", "citation", "seed"} <= set(frame.columns)
    assert not frame.reference.str.contains(r"\d{3}_[0-9a-f]{16}\.txt").any()
    assert not frame.citation.str.contains(r"\d{3}_[0-9a-f]{16}\.txt").any()
    row = frame.loc["harms.untreated.total"]
    assert row.seed == "003_4f7ee6da7be9200b.txt"
    assert "Appendix Table C.5.1" in row.citation and "p. 117" in row.citation
    assert str(params.meta("pathways.alpha").reference).startswith("NTA (2009)")
    assert "Towards successful treatment completion" in params.cite("pathways.alpha")


def test_bibliography_file_is_not_a_parameter_and_a_folder_may_extend_it(tmp_path):
    import shutil

    folder = tmp_path / "p"
    shutil.copytree(data_dir("parameters"), folder)
    (folder / "bibliography.yaml").write_text(
        "my_survey:\n  author: Our Team\n  title: A survey\n  year: 2025\n",
        encoding="utf-8",
    )
    text = (folder / "treatment.yaml").read_text(encoding="utf-8")
    (folder / "treatment.yaml").write_text(
        text.replace("003_4f7ee6da7be9200b.txt", "my_survey", 1), encoding="utf-8"
    )
    params = load_parameters(folder)
    assert not any(n.startswith("bibliography") for n in params)
    cited = [params.cite(n) for n in params if n.startswith("treatment.")]
    assert any(c.startswith("Our Team (2025). A survey.") for c in cited)
    assert params.with_values({"discounting.rate": 0.01}).bibliography is params.bibliography


def test_bad_bibliography_names_file_and_entry(tmp_path):
    path = tmp_path / "bibliography.yaml"
    path.write_text("x:\n  author: A\n  year: 2000\n", encoding="utf-8")
    with pytest.raises(ParameterError, match=r"bibliography.yaml: x: missing title"):
        read_bibliography(path)
    path.write_text("x:\n  author: A\n  title: T\n  year: 1\n  pages: 3\n", encoding="utf-8")
    with pytest.raises(ParameterError, match=r"x: unknown field\(s\) \['pages'\]"):
        read_bibliography(path)
