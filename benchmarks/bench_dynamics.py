"""Benchmark of the stock-flow model and cash flows (issue 11), one run on one machine.

Run: python benchmarks/bench_dynamics.py [--quick]

What each figure includes:

(a) vectorised: ``cashflow_arrays`` on N sampled parameter sets at once, in blocks of
    ``--block`` rows, with the full year-by-year table (``table=True``) and with the
    summaries only (``table=False``, what the sensitivity analyses use). Wall-clock and
    CPU time of this process are both printed: the machine is shared, so wall time
    depends on the load (printed too). One call runs, for the six impact sites (2-7)
    plus the programme row ``all`` (7 rows) over 30 programme years: the stock-flow
    model twice (baseline and pilot: 30-year recursion, Driver 1 and 2 benefits), the
    single-cohort appraisal (for the side-by-side NPV), the streams, the discount
    factors, the cash-flow table (9 arrays of N x 7 x 30), NPV, BCR and both payback
    years. A "sample trajectory" is one sample's 7 x 30 cash-flow table with its
    summaries. Sampled inputs: both DiD estimates of every site, gamma, the years in
    treatment, the optimism bias, the pilot's start year and the managerial saving
    (switched on). Drawing the samples is not timed (bench_sensitivity.py times it).
(b) per-sample loop: the same model through the public point API,
    ``cashflow_arrays(params.with_values(row))``, one sample at a time, on ``--loop``
    samples; checked equal to (a). The ratio is (a)'s best wall-clock rate over (b)'s.
(c) peak resident memory (ru_maxrss) of (a) as N grows, each N in a fresh process,
    chunked in blocks of ``--block`` rows, against one unchunked block of 131,072 rows.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time

import numpy as np

import dsc_econ as dsc
from dsc_econ.model.cashflow import cashflow_arrays

SITES = ["2", "3", "4", "5", "6", "7"]


def sampled(n: int, seed: int = 1) -> tuple[dict, dict]:
    rng = np.random.default_rng(seed)
    over = {
        "pathways.gamma": rng.uniform(0.35, 0.55, n),
        "career.years_in_treatment": rng.triangular(3, 4, 6, n),
        "cashflow.optimism_bias": rng.uniform(0.0, 0.4, n),
        "stockflow.pilot.start_year": rng.integers(1, 4, n).astype(float),
        "streams.managerial_economies.amount": rng.triangular(60, 60, 120, n),
    }
    dids = {
        "did_effective": rng.normal(0.0, 0.015, (n, len(SITES))),
        "did_completions": rng.normal(0.0, 0.015, (n, len(SITES))),
    }
    return over, dids


def base_params():
    return dsc.load_parameters(
        overrides={"streams.managerial_economies.include_in_bcr": True}
    )


def run_blocks(params, over, dids, block: int, table: bool = True) -> np.ndarray:
    n = len(next(iter(over.values())))
    npv = np.empty((n, len(SITES) + 1))
    for start in range(0, n, block):
        sl = slice(start, start + block)
        p = params.with_values({k: v[sl] for k, v in over.items()}, validate=False)
        arr = cashflow_arrays(
            p, SITES, dids["did_effective"][sl], dids["did_completions"][sl], table=table
        )
        npv[sl] = arr["npv"]
    return npv


def memory_child(n: int, block: int) -> None:
    params = base_params()
    done = 0
    while done < n:  # draw and evaluate block by block: memory independent of n
        rows = min(block, n - done)
        over, dids = sampled(rows, seed=done)
        run_blocks(params, over, dids, block)
        done += rows
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"n": n, "maxrss_mb": rss}))


def _child(n: int, block: int) -> dict:
    res = subprocess.run(
        [sys.executable, __file__, "--memory-child", str(n), "--block", str(block)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(res.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--block", type=int, default=16384)
    ap.add_argument("--loop", type=int, default=200)
    ap.add_argument("--memory-child", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.memory_child:
        memory_child(args.memory_child, args.block)
        return
    params = base_params()
    print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    sizes = [16_384, 131_072] if args.quick else [16_384, 131_072, 1_048_576]
    print(f"(a) vectorised cash flows (7 rows x 30 years per sample), block {args.block}")
    best = {True: 0.0, False: 0.0}
    for n in sizes:
        over, dids = sampled(n)
        for table in (True, False):
            w0, c0 = time.perf_counter(), time.process_time()
            run_blocks(params, over, dids, args.block, table)
            wall, cpu = time.perf_counter() - w0, time.process_time() - c0
            best[table] = max(best[table], n / wall)
            label = "full table " if table else "summaries  "
            print(
                f"    N = {n:>9,} {label}: wall {wall:6.2f} s ({n / wall:>8,.0f}/s), "
                f"cpu {cpu:6.2f} s ({n / cpu:>8,.0f}/s)"
            )
    m = args.loop
    over, dids = sampled(m, seed=2)
    vec = run_blocks(params, over, dids, args.block)
    w0 = time.perf_counter()
    vec = run_blocks(params, over, dids, args.block)
    t_vec_small = time.perf_counter() - w0
    loop = np.empty_like(vec)
    w0 = time.perf_counter()
    for i in range(m):
        p = params.with_values({k: float(v[i]) for k, v in over.items()})
        arr = cashflow_arrays(
            p, SITES, dids["did_effective"][i], dids["did_completions"][i]
        )
        loop[i] = arr["npv"]
    t_loop = time.perf_counter() - w0
    np.testing.assert_allclose(loop, vec, rtol=1e-9)
    loop_rate = m / t_loop
    print(
        f"(b) per-sample loop through the public API: {m} samples in {t_loop:.2f} s, "
        f"{loop_rate:,.0f} samples/s (agrees with (a) to 1e-9)"
    )
    print(
        f"    ratio (a, full table, best N)/(b) = {best[True] / loop_rate:,.0f}x; the "
        f"same {m} samples vectorised: {t_vec_small:.3f} s"
    )
    print(f"(c) peak resident memory, chunked (block {args.block}), fresh process per N:")
    mem_sizes = [16_384, 131_072] if args.quick else [16_384, 131_072, 1_048_576]
    for n in mem_sizes:
        print(f"    N = {n:>9,}: {_child(n, args.block)['maxrss_mb']:7.0f} MB")
    info = _child(131_072, 131_072)
    print(f"    unchunked N = 131,072 (one block): {info['maxrss_mb']:7.0f} MB")
    verdict = "meets" if best[True] >= 250_000 else "misses"
    ratio = "meets" if best[True] / loop_rate >= 100 else "misses"
    print(
        f"Targets: >= 250,000 trajectories/s {verdict} ({best[True]:,.0f}/s wall, full "
        f"table); >= 100x the loop {ratio}."
    )


if __name__ == "__main__":
    main()
