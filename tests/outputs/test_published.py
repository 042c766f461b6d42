"""The published targets and discrepancy lists load strictly."""

from __future__ import annotations

import pytest

from dsc_econ.inputs.parameters import ParameterError
from dsc_econ.outputs.published import load_discrepancies, load_published


def test_targets_load(published):
    assert {"C.6.1", "C6", "7.7", "7.8", "7.9", "7.10", "7.11"} <= set(published)
    t = published["7.10"]
    assert t.rows["3"]["total_benefit"] == 20678
    assert t.precision_of("bcr") == 1
    assert published["7.7"].precision_of("et_tt") == 0.001


def test_discrepancy_ids_unique_and_cells_well_formed(published):
    items = load_discrepancies()
    ids = [d.id for d in items]
    assert len(ids) == len(set(ids))
    for d in items:
        for table, row, column in d.cells:
            assert row in published[table].rows, (d.id, table, row)
            assert column in published[table].rows[row], (d.id, table, row, column)


def test_bad_discrepancy_file(tmp_path):
    path = tmp_path / "discrepancies.yaml"
    path.write_text(
        "discrepancies:\n  - id: x\n    title: t\n    explanation: e\n    cells: [7.10/3]\n"
    )
    with pytest.raises(ParameterError, match="is not 'table/row/column'"):
        load_discrepancies(path)
    path.write_text("discrepancies:\n  - id: x\n    title: t\n    explanatoin: e\n")
    with pytest.raises(ParameterError, match="unknown key"):
        load_discrepancies(path)


def test_bad_target_file(tmp_path):
    (tmp_path / "table_x.yaml").write_text("table: x\ntitle: t\nrowz: {}\n")
    with pytest.raises(ParameterError, match=r"table_x\.yaml: unknown key\(s\) \['rowz'\]"):
        load_published(tmp_path)
