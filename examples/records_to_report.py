"""From journey records to a board report: the command chain of the README.

Run: python examples/records_to_report.py [output folder]

Three commands, each a step an analyst would run on their own extract:

1. ``dsc-econ records synthesize --out DIR`` writes a synthetic extract (journeys.csv,
   sites.csv) shaped like the DSCP sites' records (replace it with your own files);
2. ``dsc-econ appraise --journeys DIR/journeys.csv --sites-file DIR/sites.csv
   --write-parameters DIR/params`` derives the outcomes (Appendix B2 rules), the
   difference in differences and the benefit-cost ratios, and keeps the parameter folder
   it built (the bundled assumptions with your sites' counts and costs);
3. ``dsc-econ report --parameters DIR/params --out DIR/report --no-pdf`` writes the board
   report for those parameters (drop --no-pdf where Chromium is installed).

The run here uses small Monte Carlo and Sobol samples to stay quick.
"""

import subprocess
import sys
import tempfile
from pathlib import Path

out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp()) / "records"
cli = [sys.executable, "-m", "dsc_econ.cli"]
steps = [
    ["records", "synthesize", "--out", str(out)],
    [
        "appraise",
        "--journeys", str(out / "journeys.csv"),
        "--sites-file", str(out / "sites.csv"),
        "--rejects", str(out / "rejects.csv"),
        "--write-parameters", str(out / "params"),
    ],
    [
        "report",
        "--parameters", str(out / "params"),
        "--out", str(out / "report"),
        "--no-pdf",
        "--n-psa", "2000",
        "--n-sobol", "256",
    ],
]
for step in steps:
    print("$ dsc-econ", " ".join(step), flush=True)
    done = subprocess.run([*cli, *step], capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"dsc-econ {step[0]} failed:\n{done.stderr}")
    print(done.stdout.strip().splitlines()[-1])
print("board report:", out / "report" / "report.html")
