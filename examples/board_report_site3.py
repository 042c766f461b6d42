"""A board report for site 3 with a scenario of your own.

Run: python examples/board_report_site3.py [output folder]

Writes report.html (one self-contained file) and report.pdf (needs Chromium; pass
--no-pdf to the CLI, or pdf=False here, without it).
"""

import sys
import tempfile
from pathlib import Path

import dsc_econ as dsc
from dsc_econ.inputs.scenarios import Scenario
from dsc_econ.outputs.report import find_chromium

out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp()) / "site3"

# A custom scenario: suppose only a third of completers stay abstinent and the harm of
# those who do fades at 50% a year instead of stopping at once.
pessimistic = Scenario(
    name="pessimistic_recovery",
    description="Abstinence 33%; abstinent harm decays 50% a year.",
    set={"pathways.gamma": 0.33, "harms.abstinent.decay_rate": 0.5},
)

files = dsc.report(
    out,
    sites=["3"],
    extra_scenarios={"pessimistic_recovery": pessimistic},
    n_psa=5_000,
    n_sobol=1024,
    seed=7,
    pdf=find_chromium() is not None,
    title="Site 3: is the pilot worth its cost?",
)
print("wrote", files.html, files.pdf or "(no PDF: Chromium not found)")
