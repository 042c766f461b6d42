"""examples/own_tree.py: a user's tree with a death branch changes the appraisal."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "examples" / "own_tree.py"


def test_own_tree_example_changes_the_unit_value(tmp_path):
    proc = subprocess.run(
        [sys.executable, str(SCRIPT)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    units = re.findall(r"extra effective client £([\d,]+)", proc.stdout)
    base, own = (int(u.replace(",", "")) for u in units)
    assert base == 44224  # Table C.6.1's B^A
    assert own == round(44223.8737 * (1 - 0.007))  # a_e = 1 - share of deaths
    assert (tmp_path / "own_tree_parameters" / "tree.yaml").is_file()
    again = subprocess.run(
        [sys.executable, str(SCRIPT)], capture_output=True, text=True, cwd=tmp_path
    )
    assert again.returncode != 0 and "exists" in again.stderr
