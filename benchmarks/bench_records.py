"""Benchmark: 10^6 journey records to site counts (issue 13, target 5 s).

Run: python benchmarks/bench_records.py [--rows 1000000] [--repeat 3]

Writes a synthetic extract of exactly ``--rows`` journeys (CSV, 16 columns: ids, dates,
exit codes, dates of birth and nine covariates; not part of any timing), then times:

* **in process, file to site counts**: in a fresh Python process, after
  ``import dsc_econ`` and loading the parameters (not timed), the wall time of
  ``read_journeys`` (read the CSV, validate every row) + ``read_sites`` +
  ``derive_outcomes`` + ``outcome_counts``; each step is printed too;
* **end to end at the CLI**: ``dsc-econ records derive --no-regression --journeys ...
  --sites-file ... --out counts.csv`` as a user types it (process start, import,
  parameters, the above, writing the counts), min and median of ``--repeat`` runs.

The in-process figure also gives the CPU time (all threads): on a machine shared with
other work, wall times stretch and the CPU time is the closer guide. It also reports the
peak memory of the in-process run against the size of the input
DataFrame. The logistic regression is not included (``--no-regression``): it is a
statsmodels fit per site and measure, not part of "records to site counts".
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import dsc_econ as dsc
from dsc_econ.records.synthetic import synthetic_journeys, synthetic_sites

CHILD = r"""
import json, sys, time
import dsc_econ as dsc
from dsc_econ.records.journeys import (
    derive_outcomes, outcome_counts, read_journeys, read_sites)

def mem(key):
    line = [l for l in open('/proc/self/status') if l.startswith(key)][0]
    return int(line.split()[1]) / 1024

params = dsc.load_parameters()
base = mem("VmRSS:")
c0 = time.process_time()
t0 = time.perf_counter()
journeys = read_journeys(sys.argv[1], params)
t1 = time.perf_counter()
sites = read_sites(sys.argv[2])
outcomes = derive_outcomes(journeys, sites, params)
t2 = time.perf_counter()
counts = outcome_counts(outcomes)
t3 = time.perf_counter()
cpu = time.process_time() - c0
input_mb = journeys.clean.memory_usage(deep=True).sum() / 2**20
print(json.dumps({"rows": len(journeys.clean) + len(journeys.rejects),
                  "read_validate_s": t1 - t0, "derive_s": t2 - t1, "count_s": t3 - t2,
                  "total_s": t3 - t0, "cpu_s": cpu, "input_mb": input_mb,
                  "peak_mb": mem("VmHWM:") - base, "client_periods": len(outcomes),
                  "sites": int(counts["site"].nunique())}))
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000, help="journeys (10^6)")
    ap.add_argument("--repeat", type=int, default=3, help="CLI runs (3)")
    ap.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    args = ap.parse_args()
    params = dsc.load_parameters()
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        scale = 13.0 * args.rows / 1_000_000 * 1.02  # a little over, then cut exactly
        journeys = synthetic_journeys(params, scale=scale, seed=1).iloc[: args.rows]
        path = Path(tmp) / "journeys.csv"
        journeys.to_csv(path, index=False)
        sites = Path(tmp) / "sites.csv"
        synthetic_sites(params).to_csv(sites, index=False)
        print(
            f"synthetic extract: {len(journeys):,} journeys, {journeys.shape[1]} columns, "
            f"{path.stat().st_size / 2**20:.0f} MB CSV (written in "
            f"{time.perf_counter() - t:.1f} s, not timed)"
        )
        del journeys
        out = subprocess.run(
            [sys.executable, "-c", CHILD, str(path), str(sites)],
            capture_output=True,
            text=True,
            check=True,
        )
        r = json.loads(out.stdout.strip().splitlines()[-1])
        exe = shutil.which("dsc-econ") or "dsc-econ"
        cli = [
            exe,
            "records",
            "derive",
            "--no-regression",
            "--journeys",
            str(path),
            "--sites-file",
            str(sites),
            "--out",
            str(Path(tmp) / "counts.csv"),
            "--rejects",
            str(Path(tmp) / "rejects.csv"),
        ]
        runs = []
        for _ in range(args.repeat):
            t = time.perf_counter()
            subprocess.run(cli, capture_output=True, check=True)
            runs.append(time.perf_counter() - t)
    r["cli_min_s"], r["cli_median_s"] = min(runs), statistics.median(runs)
    print(f"\nIn process, file to site counts ({r['rows']:,} journeys; import not timed):")
    print(f"  read CSV + validate every row: {r['read_validate_s']:6.2f} s")
    print(f"  derive outcomes (B2 rules):    {r['derive_s']:6.2f} s")
    print(f"  count by site, role, period:   {r['count_s']:6.2f} s")
    print(
        f"  total:                         {r['total_s']:6.2f} s  = "
        f"{r['rows'] / r['total_s']:,.0f} journeys/s  (target: 10^6 within 5 s)"
    )
    print(
        f"  CPU time of that total:        {r['cpu_s']:6.2f} s  (all threads; on a busy "
        "machine the wall time above is longer)"
    )
    print(
        f"\nEnd to end, `dsc-econ records derive --no-regression ...` ({args.repeat} runs:"
        " process start, import, parameters, read, validate, derive, count, write):"
    )
    print(f"  min {r['cli_min_s']:.2f} s, median {r['cli_median_s']:.2f} s")
    print(
        f"\nmemory: input {r['input_mb']:.0f} MB as a DataFrame; peak {r['peak_mb']:.0f} MB"
        f" above the interpreter ({r['peak_mb'] / r['input_mb']:.1f} x the input); "
        f"{r['client_periods']:,} client-periods, {r['sites']} sites"
    )
    if args.json:
        Path(args.json).write_text(json.dumps(r, indent=2))


if __name__ == "__main__":
    main()
