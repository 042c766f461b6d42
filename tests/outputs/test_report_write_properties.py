"""Property test of the report folder (issue 18): a run interrupted at any rename
(Ctrl-C, or ``kill -9`` between two) leaves a folder whose manifest tells the truth —
marked complete, every file it lists is of one run, the earlier or the new; marked
incomplete, it lists every report file present — and the next run leaves the new set
and no staging."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dsc_econ.inputs.safety import STAGING_PREFIX
from dsc_econ.outputs import report as rep

RUN = st.fixed_dictionaries({"pdf": st.booleans(), "xlsx": st.booleans()})


def _fake_pdf(html: Path, pdf: Path, chromium: object = None) -> Path:
    pdf.write_bytes(b"%PDF " + html.read_bytes())
    return pdf


def _write(folder: Path, generation: int, run: dict[str, bool]) -> None:
    extra = {"report.xlsx": f"xlsx {generation}".encode()} if run["xlsx"] else None
    rep.write_report(folder, f"<html>{generation}</html>", pdf=run["pdf"], extra=extra)


def _generations(folder: Path) -> dict[str, int]:
    """Report file -> the run that wrote it."""
    out = {}
    for name, strip in (
        ("report.html", "<html>"),
        ("report.pdf", "%PDF <html>"),
        ("report.xlsx", "xlsx "),
    ):
        path = folder / name
        if path.exists():
            text = path.read_text().removeprefix(strip).removesuffix("</html>")
            out[name] = int(text)
    return out


@settings(max_examples=40, deadline=None)
@given(earlier=st.lists(RUN, max_size=2), last=RUN, stop_at=st.integers(0, 6))
def test_an_interrupted_report_leaves_a_truthful_manifest(earlier, last, stop_at):
    mp = pytest.MonkeyPatch()
    mp.setattr(rep, "html_to_pdf", _fake_pdf)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp) / "out"
            for generation, run in enumerate(earlier, start=1):
                _write(folder, generation, run)
            new = len(earlier) + 1
            real, calls = os.replace, {"n": 0}

            def replace(src, dst):
                if calls["n"] == stop_at:
                    raise KeyboardInterrupt  # the run stops between two renames
                calls["n"] += 1
                return real(src, dst)

            mp.setattr(rep.os, "replace", replace)
            try:
                _write(folder, new, last)
                stopped = False
            except KeyboardInterrupt:
                stopped = True
            mp.setattr(rep.os, "replace", real)
            present = _generations(folder)
            manifest_file = folder / rep.MANIFEST
            if manifest_file.exists():
                manifest = json.loads(manifest_file.read_text())
                listed = set(manifest["files"])
                assert set(present) <= listed, (present, manifest)
                if manifest["complete"]:
                    assert set(present) == listed
                    assert len(set(present.values())) == 1, present  # one run's set
                    assert not stopped or set(present.values()) <= {new, new - 1}
            else:
                assert not earlier or not present  # no manifest: nothing was moved
            assert [p for p in folder.iterdir() if p.name.startswith(STAGING_PREFIX)] == []
            _write(folder, new + 1, last)  # the next run: the new set, complete
            manifest = json.loads((folder / rep.MANIFEST).read_text())
            assert manifest["complete"] is True
            assert set(_generations(folder).values()) == {new + 1}
            assert set(manifest["files"]) == set(_generations(folder))
    finally:
        mp.undo()
