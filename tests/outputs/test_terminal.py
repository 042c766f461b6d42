"""Terminal text: tables split to the width, notes wrapped, progress only on a tty."""

from __future__ import annotations

import io
import re

import numpy as np
import pandas as pd

from dsc_econ.outputs.terminal import Progress, frame_text, with_units, wrap


def _wide() -> pd.DataFrame:
    cols = {f"column_{k}": np.arange(5) * 1000.5 + k for k in range(12)}
    return pd.DataFrame(cols, index=[f"row {i}" for i in range(5)])


def test_wide_table_splits_into_blocks_that_fit_and_keep_every_cell():
    frame = _wide()
    text = frame_text(frame, width=60)
    assert max(len(line) for line in text.splitlines()) <= 60
    for column in frame.columns:
        assert len(re.findall(rf"\b{column}\b", text)) == 1  # every column once
    assert text.count("row 4") == text.count("(column")  # labels repeat per block
    assert frame_text(frame, width=1000) == frame.to_string()


def test_headings_carry_units_and_notes_wrap():
    frame = pd.DataFrame({"cost": [1.0], "bcr": [2.0], "n": [3]})
    labelled = with_units(frame, {"cost": "GBP_thousand", "bcr": "ratio"})
    assert list(labelled.columns) == ["cost (£k)", "bcr (ratio)", "n"]
    text = wrap("word " * 40, 30, "  ", "    ")
    lines = text.splitlines()
    assert all(len(line) <= 30 for line in lines)
    assert lines[0].startswith("  word") and lines[1].startswith("    word")


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_prints_on_a_terminal_only(monkeypatch):
    monkeypatch.delenv("DSC_ECON_PROGRESS", raising=False)
    piped = io.StringIO()
    with Progress("psa", piped) as p:
        p.stage("sampling")
    assert piped.getvalue() == ""
    tty = _Tty()
    with Progress("psa", tty) as p:
        list(p.stages(["a", "b"]))
    assert tty.getvalue().splitlines() == ["psa: [1/2] a", "psa: [2/2] b", "psa: done"]
    monkeypatch.setenv("DSC_ECON_PROGRESS", "0")
    quiet = _Tty()
    Progress("x", quiet).stage("y")
    assert quiet.getvalue() == ""


def test_progress_setting_reaches_the_sensitivity_bars(monkeypatch):
    from dsc_econ.sensitivity.engine import progress_default

    monkeypatch.delenv("DSC_ECON_PROGRESS", raising=False)
    assert progress_default(None) is None  # tqdm decides: a terminal only
    monkeypatch.setenv("DSC_ECON_PROGRESS", "0")
    assert progress_default(None) is False and progress_default(True) is True
    monkeypatch.setenv("DSC_ECON_PROGRESS", "1")
    assert progress_default(None) is True


def test_numbers_have_separators_one_precision_per_column_and_no_nan():
    from dsc_econ.outputs.terminal import format_cells, format_column, format_number

    assert format_number(-37545.0) == "-37,545"
    assert format_number(-0.001, 1) == "0.0"  # no "-0.0"
    assert format_number(float("inf")) == "n/a" and format_number(None) == "n/a"
    assert format_column([541.0, 185.0, 20.25], "money") == ["541", "185", "20"]
    assert format_column([54.1, 18.5], "money") == ["54.1", "18.5"]
    assert format_column([1.0, 0.5, 0.0004], "probability") == [">99.9%", "50.0%", "<0.1%"]
    frame = pd.DataFrame({"a": [1.5, 2.25], "b": [150.0, 3.0]})
    alone = format_cells(frame, {"a": "money", "b": "money"})
    together = format_cells(frame, {"a": "money", "b": "money"}, together=True)
    assert list(alone["a"]) == ["1.5", "2.2"] and list(together["a"]) == ["2", "2"]


def test_long_labels_shorten_with_a_legend_and_stack_when_nothing_fits():
    from dsc_econ.outputs.terminal import fit_labels

    frame = pd.DataFrame(
        {"mu*": [1.0, 2.0]},
        index=["abstinence (pathways.gamma)", "3 others (no effect at any site)"],
    )
    short, legend = fit_labels(frame, 20)
    assert list(short.index) == ["abstinence", "3 others"]
    flat = " ".join(legend.split())
    assert "abstinence = pathways.gamma" in flat and "others" not in flat
    assert fit_labels(frame, 200) == (frame, "")
    wide = pd.DataFrame(
        {"x" * 30: [1.0]}, index=["a label of forty characters, give or take"]
    )
    text = frame_text(wide, 40)
    assert all(len(line) <= 40 for line in text.splitlines())
    assert "x" * 30 + ": 1.00" in text  # stacked: heading and value together


def test_help_text_refills_only_what_would_not_fit():
    from dsc_econ.outputs.terminal import refill

    text = "commands:\n  new   " + "word " * 20 + "\n  tables  fits\n\nexamples:\n"
    text += "  dsc-econ voi --costs C.csv --effects E.csv --parameters-draws P.csv"
    out = refill(text, 50)
    lines = out.splitlines()
    assert all(len(line) <= 50 for line in lines)
    assert "  tables  fits" in lines  # left as written
    assert lines[2].startswith("        word")  # hanging under the description
    assert lines[-2].endswith(" \\") and lines[-1].strip().startswith("--")
