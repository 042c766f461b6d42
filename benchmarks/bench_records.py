"""Benchmark: one million journey records to site outcomes.

Run: python benchmarks/bench_records.py [--scale 13]

Writes a synthetic extract (about 78,000 journeys per unit of --scale), then, in a fresh
process, reads it, validates every row, derives each client's outcomes in both periods
and counts them by site (Appendix B2), timing each step and reporting the peak memory
against the size of the input.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import dsc_econ as dsc
from dsc_econ.records.synthetic import synthetic_journeys, synthetic_sites

CHILD = r"""
import json, sys, time
t0 = time.perf_counter()
import pandas as pd
import dsc_econ as dsc
from dsc_econ.records.journeys import (
    derive_outcomes, outcome_counts, read_journeys, read_sites)

def mem(key):
    line = [l for l in open('/proc/self/status') if l.startswith(key)][0]
    return int(line.split()[1]) / 1024

params = dsc.load_parameters()
base = mem("VmRSS:")
t = time.perf_counter()
raw = pd.read_csv(sys.argv[1], dtype="string", keep_default_na=False)
read_s = time.perf_counter() - t
input_mb = raw.memory_usage(deep=True).sum() / 2**20
loaded = mem("VmRSS:")
t = time.perf_counter()
journeys = read_journeys(raw, params)
valid_s = time.perf_counter() - t
t = time.perf_counter()
outcomes = derive_outcomes(journeys, read_sites(sys.argv[2]), params)
counts = outcome_counts(outcomes)
derive_s = time.perf_counter() - t
print(json.dumps({"rows": len(raw), "read_s": read_s, "validate_s": valid_s,
                  "derive_s": derive_s, "input_mb": input_mb,
                  "rss_loaded_mb": loaded - base, "peak_mb": mem("VmHWM:") - base,
                  "clients": len(outcomes)}))
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--scale", type=float, default=13.0, help="13 gives about 1 million rows"
    )
    ap.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    args = ap.parse_args()
    params = dsc.load_parameters()
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        journeys = synthetic_journeys(params, scale=args.scale, seed=1)
        path = Path(tmp) / "journeys.csv"
        journeys.to_csv(path, index=False)
        sites = Path(tmp) / "sites.csv"
        synthetic_sites(params).to_csv(sites, index=False)
        print(
            f"synthetic extract: {len(journeys):,} journeys written in "
            f"{time.perf_counter() - t:.1f} s ({path.stat().st_size / 2**20:.0f} MB CSV)"
        )
        del journeys
        out = subprocess.run(
            [sys.executable, "-c", CHILD, str(path), str(sites)],
            capture_output=True,
            text=True,
            check=True,
        )
    r = json.loads(out.stdout.strip().splitlines()[-1])
    print(f"read CSV:            {r['read_s']:6.2f} s")
    print(f"validate rows:       {r['validate_s']:6.2f} s")
    print(f"derive + count:      {r['derive_s']:6.2f} s  ({r['clients']:,} client-periods)")
    total = r["validate_s"] + r["derive_s"]
    print(f"records to outcomes: {total:6.2f} s  = {r['rows'] / total:,.0f} journeys/s")
    print(
        f"memory: input {r['input_mb']:.0f} MB as a DataFrame; peak {r['peak_mb']:.0f} MB "
        f"above the interpreter ({r['peak_mb'] / r['input_mb']:.1f} x the input)"
    )
    if args.json:
        Path(args.json).write_text(json.dumps(r, indent=2))


if __name__ == "__main__":
    main()
