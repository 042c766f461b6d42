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
